package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/squall-io/squall/host/api"
)

// joinTimeout bounds how long a starting node keeps asking to join.
const joinTimeout = 2 * time.Minute

// join asks the member at --join to add this node, retrying while that
// member starts or its cluster elects a leader.
func (s *Server) join(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	body, _ := json.Marshal(api.JoinRequest{NodeID: s.node.ID(), RaftAddr: s.node.RaftAddr(), HTTPAddr: s.cfg.HTTPAddr})
	url := "http://" + s.cfg.Join + "/api/v1/cluster/join"
	var last error
	for attempt := 0; ; attempt++ {
		var final bool
		if final, last = s.tryJoin(ctx, url, body); last == nil {
			s.logger.Info("joined cluster", "via", s.cfg.Join)
			return nil
		}
		if final {
			return fmt.Errorf("failed to join the cluster via %s: %w", s.cfg.Join, last)
		}
		s.logger.Debug("join attempt failed", "via", s.cfg.Join, "attempt", attempt, "error", last)
		sleepCtx(ctx, min(time.Duration(attempt+1)*250*time.Millisecond, 2*time.Second))
		if ctx.Err() != nil {
			return fmt.Errorf("failed to join the cluster via %s: %w", s.cfg.Join, last)
		}
	}
}

// tryJoin makes one attempt; final reports a refusal that retrying
// cannot fix (a wrong secret, a bad request).
func (s *Server) tryJoin(ctx context.Context, url string, body []byte) (final bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return true, err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.cfg.ClusterSecret != "" {
		req.Header.Set(api.HeaderClusterSecret, s.cfg.ClusterSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch resp.StatusCode {
	case http.StatusOK:
		return false, nil
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return true, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return false, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
}

package datastore

import (
	"context"
	"time"

	"github.com/squall-io/squall/cluster/command"
)

// expiryBatch bounds one KVExpire command.
const expiryBatch = 1000

// maxExpiryWait bounds how long the loop sleeps without looking again: a
// snapshot restore swaps the store, and its watches never fire.
const maxExpiryWait = 5 * time.Second

// RunExpiry deletes items whose TTL ran out, cluster-wide, until ctx ends.
// Only the leader runs it. Reads already hide expired items, so this
// bounds memory and emits the delete events; it is not what makes an item
// vanish.
func (s *Service) RunExpiry(ctx context.Context) {
	for {
		next, ws, err := s.cfg.State().KVNextExpiry()
		if err != nil {
			s.logger.Error("failed to find expiring keys", "error", err)
			sleepCtx(ctx, time.Second)
			continue
		}
		wait := maxExpiryWait
		if !next.IsZero() {
			wait = min(wait, max(0, next.Sub(s.now())))
		}
		if wait > 0 {
			wctx, cancel := context.WithTimeout(ctx, wait)
			_ = ws.WatchCtx(wctx)
			cancel()
		}
		if ctx.Err() != nil {
			return
		}
		if err := s.reapExpired(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("failed to delete expired keys", "error", err)
			sleepCtx(ctx, time.Second) // raft is unhappy: do not spin
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Service) reapExpired(ctx context.Context) error {
	now := s.now()
	expired, err := s.cfg.State().KVExpired(now, expiryBatch)
	if err != nil || len(expired) == 0 {
		return err
	}
	keys := make([]command.KVKey, len(expired))
	for i, kv := range expired {
		keys[i] = command.KVKey{Scope: kv.Scope, User: kv.User, Name: kv.Name}
	}
	_, err = s.cfg.Raft.Apply(ctx, command.KVExpire, command.KVExpireRequest{Keys: keys, Now: now})
	if err == nil {
		s.logger.Debug("deleted expired keys", "count", len(keys))
	}
	return err
}

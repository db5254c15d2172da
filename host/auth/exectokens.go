package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Execution tokens are what an action gets in ST2_ACTION_AUTH_TOKEN. They
// are signed, not stored: issuing one costs no raft write, and one is
// valid exactly while its execution has not finished, acting as the
// execution's user.
const execTokenPrefix = "sqx."

// EnsureExecTokenKey creates the cluster's execution-token key once; the
// leader calls it.
func (s *Service) EnsureExecTokenKey(ctx context.Context) error {
	if _, set, err := s.cfg.State().MetaGet(state.MetaExecTokenKey); err != nil || set {
		return err
	}
	_, err := s.cfg.Raft.Apply(ctx, command.MetaInit, command.MetaInitRequest{
		Key: state.MetaExecTokenKey, Value: randomHex(32),
	})
	return err
}

// ExecutionToken returns the API token of an execution.
func (s *Service) ExecutionToken(executionID string) (string, error) {
	key, err := s.execTokenKey()
	if err != nil {
		return "", err
	}
	return execTokenPrefix + executionID + "." + execTokenSig(key, executionID), nil
}

func (s *Service) execTokenKey() ([]byte, error) {
	v, set, err := s.cfg.State().MetaGet(state.MetaExecTokenKey)
	if err != nil {
		return nil, err
	}
	if !set {
		return nil, structs.Errorf(structs.KindUnavailable, "the cluster has no execution token key yet")
	}
	return hex.DecodeString(v)
}

func execTokenSig(key []byte, executionID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("squall execution token\x00" + executionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validateExecToken returns the user of a valid execution token.
func (s *Service) validateExecToken(tok string) (string, error) {
	rest := strings.TrimPrefix(tok, execTokenPrefix)
	id, sig, ok := strings.Cut(rest, ".")
	unauthorized := structs.Errorf(structs.KindUnauthorized, "Token not found")
	if !ok {
		return "", unauthorized
	}
	key, err := s.execTokenKey()
	if err != nil {
		return "", unauthorized
	}
	if !hmac.Equal([]byte(sig), []byte(execTokenSig(key, id))) {
		return "", unauthorized
	}
	e, err := s.cfg.State().ExecGet(id)
	if err != nil {
		return "", unauthorized
	}
	if e.Status.Done() {
		return "", structs.Errorf(structs.KindUnauthorized, "Token has expired")
	}
	return e.User, nil
}

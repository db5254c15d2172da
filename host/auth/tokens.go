package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// IssueToken checks a user's password and issues a token. ttl 0 means the
// default; a ttl above the maximum is refused, as StackStorm does.
func (s *Service) IssueToken(ctx context.Context, user, password string, ttl time.Duration) (string, *structs.Token, error) {
	if ttl < 0 {
		return "", nil, structs.Errorf(structs.KindInvalid, "ttl must be a positive integer")
	}
	if ttl > s.cfg.MaxTokenTTL {
		return "", nil, structs.Errorf(structs.KindInvalid,
			"Requested TTL exceeds maximum allowed TTL of %d seconds", int(s.cfg.MaxTokenTTL.Seconds()))
	}
	if ttl == 0 {
		ttl = s.cfg.TokenTTL
	}
	u, err := s.CheckPassword(user, password)
	if err != nil {
		return "", nil, err
	}
	secret := randomHex(16)
	now := s.now()
	tok := structs.Token{
		ID: NewID(), Hash: hashSecret(secret), User: u.Name, Metadata: map[string]any{},
		IssuedAt: now, ExpiresAt: now.Add(ttl),
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.TokenCreate, command.TokenCreateRequest{Token: tok}); err != nil {
		return "", nil, fmt.Errorf("failed to store token: %w", err)
	}
	return secret, &tok, nil
}

// ValidateToken returns the token's record if it is known and unexpired.
func (s *Service) ValidateToken(secret string) (*structs.Token, error) {
	tok, err := s.cfg.State().TokenByHash(hashSecret(secret))
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, structs.Errorf(structs.KindUnauthorized, "Token not found")
	}
	if tok.Expired(s.now()) {
		return nil, structs.Errorf(structs.KindUnauthorized, "Token has expired")
	}
	return tok, nil
}

// ReapTokens deletes tokens that expired; the leader runs it periodically.
func (s *Service) ReapTokens(ctx context.Context) (int, error) {
	expired, err := s.cfg.State().TokensExpired(s.now(), 1000)
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	ids := make([]string, len(expired))
	for i, t := range expired {
		ids[i] = t.ID
	}
	_, err = s.cfg.Raft.Apply(ctx, command.TokenDelete, command.TokenDeleteRequest{IDs: ids})
	return len(ids), err
}

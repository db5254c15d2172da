package auth

import (
	"context"
	"regexp"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

var sha256HexRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CreateAPIKey makes a key for user and returns the secret, shown once.
func (s *Service) CreateAPIKey(ctx context.Context, user string, metadata map[string]any) (string, *structs.APIKey, error) {
	if _, err := s.cfg.State().UserGet(user); err != nil {
		return "", nil, err
	}
	secret := randomURLSafe(32)
	k := structs.APIKey{
		ID: NewID(), Hash: hashSecret(secret), User: user, Metadata: metadata,
		Enabled: true, CreatedAt: s.now(),
	}
	if k.Metadata == nil {
		k.Metadata = map[string]any{}
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.APIKeyCreate, command.APIKeyCreateRequest{Key: k}); err != nil {
		return "", nil, err
	}
	return secret, &k, nil
}

// ImportAPIKey stores a key known only by its hash (`apikey load` of
// another cluster's `apikey list -j --show-secrets`).
func (s *Service) ImportAPIKey(ctx context.Context, k structs.APIKey) (*structs.APIKey, error) {
	if !sha256HexRe.MatchString(k.Hash) {
		return nil, structs.Errorf(structs.KindInvalid, "key_hash must be a hex SHA-256 (64 lower-case hex digits)")
	}
	if _, err := s.cfg.State().UserGet(k.User); err != nil {
		return nil, err
	}
	if k.ID == "" {
		k.ID = NewID()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now()
	}
	if k.Metadata == nil {
		k.Metadata = map[string]any{}
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.APIKeyCreate, command.APIKeyCreateRequest{Key: k}); err != nil {
		return nil, err
	}
	return &k, nil
}

// APIKey finds a key by id, by hash, or by the key itself.
func (s *Service) APIKey(idOrKey string) (*structs.APIKey, error) {
	st := s.cfg.State()
	k, err := st.APIKeyGet(idOrKey)
	if err == nil {
		return k, nil
	}
	return st.APIKeyGet(hashSecret(idOrKey))
}

// APIKeys lists keys of a user, or all keys for "".
func (s *Service) APIKeys(user string) ([]*structs.APIKey, error) { return s.cfg.State().APIKeys(user) }

// UpdateAPIKey sets a key's enabled flag and metadata.
func (s *Service) UpdateAPIKey(ctx context.Context, id string, enabled bool, metadata map[string]any) error {
	req := command.APIKeyUpdateRequest{ID: id, Enabled: enabled, Metadata: metadata}
	_, err := s.cfg.Raft.Apply(ctx, command.APIKeyUpdate, req)
	return err
}

// DeleteAPIKey removes a key by id.
func (s *Service) DeleteAPIKey(ctx context.Context, id string) error {
	_, err := s.cfg.Raft.Apply(ctx, command.APIKeyDelete, command.APIKeyDeleteRequest{ID: id})
	return err
}

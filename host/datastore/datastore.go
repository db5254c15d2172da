// Package datastore is the key-value service of StackStorm's datastore:
// scopes, ownership, TTL, encryption and the rights to decrypt, on top of
// the replicated state. Validation happens here, before anything reaches
// raft, so a bad request changes nothing.
package datastore

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Raft is the part of cluster.Node this package writes through.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Cipher encrypts secrets; kvcrypto.Key implements it.
type Cipher interface {
	Encrypt(plaintext string) (string, error)
	Decrypt(ciphertext string) (string, error)
}

// Caller is who asks; the API layer fills it from auth.Identity.
type Caller struct {
	User    string
	IsAdmin bool
}

// Config wires a Service.
type Config struct {
	Raft  Raft
	State func() *state.Store
	// Cipher is nil when no encryption key is configured; KeyPath names
	// the configured key file in error messages.
	Cipher  Cipher
	KeyPath string
	Logger  hclog.Logger
	Now     func() time.Time
	// NewID returns a fresh object id.
	NewID func() string
}

// Service implements the datastore operations.
type Service struct {
	cfg    Config
	logger hclog.Logger
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, logger: cfg.Logger.Named("datastore")}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Item is a datastore item as StackStorm's API returns it.
type Item struct {
	ID              string `json:"id"`
	UID             string `json:"uid"`
	Name            string `json:"name"`
	Description     string `json:"description,omitempty"`
	Value           string `json:"value"`
	Secret          bool   `json:"secret"`
	Encrypted       bool   `json:"encrypted"`
	Scope           string `json:"scope"`
	User            string `json:"user,omitempty"`
	ExpireTimestamp string `json:"expire_timestamp,omitempty"`
}

// TimeFormat is StackStorm's API timestamp format (microseconds, UTC).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// view renders a stored item; a secret stays ciphertext unless plain.
func (s *Service) view(kv *structs.KeyValuePair, plain bool) (Item, error) {
	it := Item{
		ID: kv.ID, UID: kv.UID(), Name: kv.Name, Description: kv.Description,
		Value: kv.Value, Secret: kv.Secret, Encrypted: kv.Secret, Scope: kv.Scope, User: kv.User,
	}
	if !kv.ExpireAt.IsZero() {
		it.ExpireTimestamp = kv.ExpireAt.UTC().Format(TimeFormat)
	}
	if kv.Secret && plain {
		v, err := s.decrypt(kv.Name, kv.Value)
		if err != nil {
			return Item{}, err
		}
		it.Value, it.Encrypted = v, false
	}
	return it, nil
}

func (s *Service) decrypt(name, value string) (string, error) {
	if s.cfg.Cipher == nil {
		return "", s.noKey(name)
	}
	v, err := s.cfg.Cipher.Decrypt(value)
	if err != nil {
		return "", structs.Errorf(structs.KindInternal, "failed to decrypt value of key %q: %v", name, err)
	}
	return v, nil
}

func (s *Service) noKey(name string) error {
	return structs.Errorf(structs.KindInvalid,
		"Crypto key not found in %s. Unable to encrypt / decrypt value for key %s.", s.keyPath(), name)
}

func (s *Service) keyPath() string {
	if s.cfg.KeyPath == "" {
		return "(no encryption_key_path configured)"
	}
	return s.cfg.KeyPath
}

// Package auth authenticates API callers and manages the credentials that
// raft replicates: users (bcrypt password hashes), login tokens and API
// keys (both stored as SHA-256 hashes; the secret is shown once).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
)

// Raft is the part of cluster.Node this package writes through.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Config wires a Service.
type Config struct {
	Raft   Raft
	State  func() *state.Store
	Logger hclog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// TokenTTL is the default token lifetime; MaxTokenTTL caps a requested one.
	TokenTTL    time.Duration
	MaxTokenTTL time.Duration
	// BcryptCost is the password hashing cost (bcrypt.DefaultCost if 0).
	BcryptCost int
	// CatchUp, when set, waits until this node has applied every write
	// committed so far (cluster.Node.ConsistentRead). A credential issued
	// on another node a moment ago may not have reached this one yet; an
	// unknown credential is looked up once more after catching up.
	CatchUp func(ctx context.Context) error
}

// Service implements authentication and credential management.
type Service struct {
	cfg    Config
	logger hclog.Logger
}

// Defaults as StackStorm's: tokens live 24 hours, at most 30 days.
const (
	DefaultTokenTTL = 24 * time.Hour
	DefaultMaxTTL   = 30 * 24 * time.Hour
	AdminUser       = "st2admin"
)

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxTokenTTL == 0 {
		cfg.MaxTokenTTL = DefaultMaxTTL
	}
	return &Service{cfg: cfg, logger: cfg.Logger.Named("auth")}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// hashSecret is how tokens and API keys are stored: StackStorm's key_hash
// is the hex SHA-256 of the key.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// randomURLSafe returns n random bytes as unpadded URL-safe base64.
func randomURLSafe(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a 24-hex-digit id, the shape of StackStorm's object ids.
func NewID() string { return randomHex(12) }

package structs

import "time"

// User is an account that can log in. PasswordHash is a bcrypt hash,
// computed before the command is proposed.
type User struct {
	Name         string
	PasswordHash string
	IsAdmin      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Token is a login token. Only the SHA-256 of the token (hex) is stored;
// the token itself is shown once, when it is issued.
type Token struct {
	ID        string
	Hash      string
	User      string
	Metadata  map[string]any
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Expired reports whether the token is no longer valid at now.
func (t *Token) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// APIKey is a long-lived credential. Hash is the SHA-256 (hex) of the
// key, which StackStorm calls key_hash.
type APIKey struct {
	ID        string
	Hash      string
	User      string
	Metadata  map[string]any
	Enabled   bool
	CreatedAt time.Time
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"golang.org/x/crypto/bcrypt"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Limits on user input.
const (
	MaxUserNameLen  = 128
	MinPasswordLen  = 8
	MaxPasswordLen  = 72 // bcrypt ignores bytes beyond 72
	adminPasswordSz = 18 // random bytes in a generated admin password
)

var userNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]*$`)

// ValidateUserName checks a user name: letters, digits, _ . @ -.
func ValidateUserName(name string) error {
	if name == "" {
		return structs.Errorf(structs.KindInvalid, "user name must not be empty")
	}
	if len(name) > MaxUserNameLen || !userNameRe.MatchString(name) {
		return structs.Errorf(structs.KindInvalid,
			"invalid user name %q: use at most %d letters, digits, '_', '.', '@' or '-'", name, MaxUserNameLen)
	}
	return nil
}

// ValidatePassword checks a password against the length limits.
func ValidatePassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return structs.Errorf(structs.KindInvalid,
			"password must be %d to %d bytes long", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

func (s *Service) hashPassword(pw string) (string, error) {
	cost := s.cfg.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fmt.Errorf("failed to hash password: %w", err)
	}
	return string(h), nil
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, name, password string, admin bool) error {
	if err := ValidateUserName(name); err != nil {
		return err
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	req := command.UserUpsertRequest{
		User: structs.User{Name: name, PasswordHash: hash, IsAdmin: admin},
		Mode: command.UserCreate, Now: s.now(),
	}
	_, err = s.cfg.Raft.Apply(ctx, command.UserUpsert, req)
	return err
}

// UpdateUser changes a user's password (when non-empty) and admin flag
// (when admin is non-nil).
func (s *Service) UpdateUser(ctx context.Context, name, password string, admin *bool) error {
	u, err := s.cfg.State().UserGet(name)
	if err != nil {
		return err
	}
	next := *u
	if password != "" {
		if err := ValidatePassword(password); err != nil {
			return err
		}
		if next.PasswordHash, err = s.hashPassword(password); err != nil {
			return err
		}
	}
	if admin != nil {
		next.IsAdmin = *admin
	}
	req := command.UserUpsertRequest{User: next, Mode: command.UserUpdate, Now: s.now()}
	_, err = s.cfg.Raft.Apply(ctx, command.UserUpsert, req)
	return err
}

// DeleteUser removes a user with its tokens and API keys.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	_, err := s.cfg.Raft.Apply(ctx, command.UserDelete, command.UserDeleteRequest{Name: name})
	return err
}

// Users lists users.
func (s *Service) Users() ([]*structs.User, error) { return s.cfg.State().Users() }

// CheckPassword returns the user if the password matches. The error does
// not say which of the two was wrong.
func (s *Service) CheckPassword(name, password string) (*structs.User, error) {
	bad := structs.Errorf(structs.KindUnauthorized, "Invalid or missing credentials")
	u, err := s.cfg.State().UserGet(name)
	if errors.Is(err, structs.ErrNotFound) {
		// Spend the same time as a real check so timing does not reveal
		// which user names exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, bad
	}
	return u, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("squall-dummy-password"), bcrypt.DefaultCost)

// EnsureAdmin creates st2admin the first time a cluster starts. With an
// empty password it generates one and returns it; created is false when
// the first admin already exists (on this or an earlier start).
func (s *Service) EnsureAdmin(ctx context.Context, password string) (generated string, created bool, err error) {
	if _, ok, err := s.cfg.State().MetaGet(state.MetaAdminCreated); err != nil || ok {
		return "", false, err
	}
	if password == "" {
		generated = randomURLSafe(adminPasswordSz)
		password = generated
	}
	if err := ValidatePassword(password); err != nil {
		return "", false, fmt.Errorf("admin password: %w", err)
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return "", false, err
	}
	req := command.AdminInitRequest{
		User: structs.User{Name: AdminUser, PasswordHash: hash, IsAdmin: true}, Now: s.now(),
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.AdminInit, req); err != nil {
		if errors.Is(err, structs.ErrConflict) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("failed to create the first admin: %w", err)
	}
	return generated, true, nil
}

// User returns one user.
func (s *Service) User(name string) (*structs.User, error) { return s.cfg.State().UserGet(name) }

package auth

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/bcrypt"

	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testService(t *testing.T) (*Service, *clock) {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	s := New(Config{Raft: d, State: d.FSM.State, Logger: hclog.NewNullLogger(), Now: clk.now, BcryptCost: bcrypt.MinCost})
	return s, clk
}

func TestEnsureAdminOnce(t *testing.T) {
	s, _ := testService(t)
	ctx := context.Background()
	pw, created, err := s.EnsureAdmin(ctx, "")
	if err != nil || !created || len(pw) < 20 {
		t.Fatalf("first: %q %v %v", pw, created, err)
	}
	if _, err := s.CheckPassword(AdminUser, pw); err != nil {
		t.Fatalf("generated password does not work: %v", err)
	}
	if err := s.DeleteUser(ctx, AdminUser); err != nil {
		t.Fatal(err)
	}
	if _, created, err := s.EnsureAdmin(ctx, ""); err != nil || created {
		t.Fatalf("admin recreated after deletion: %v %v", created, err)
	}
}

func TestTokens(t *testing.T) {
	s, clk := testService(t)
	ctx := context.Background()
	if err := s.CreateUser(ctx, "alice", "alice-password", false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, user, pw string
		ttl            time.Duration
		kind           structs.Kind
	}{
		{"wrong password", "alice", "nope-nope", 0, structs.KindUnauthorized},
		{"unknown user", "mallory", "whatever1", 0, structs.KindUnauthorized},
		{"ttl over max", "alice", "alice-password", 31 * 24 * time.Hour, structs.KindInvalid},
		{"ok", "alice", "alice-password", time.Hour, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := s.IssueToken(ctx, c.user, c.pw, c.ttl)
			if structs.KindOf(err) != c.kind && !(c.kind == "" && err == nil) {
				t.Fatalf("err = %v, want kind %q", err, c.kind)
			}
		})
	}
	secret, tok, err := s.IssueToken(ctx, "alice", "alice-password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Hash == secret || tok.Hash != hashSecret(secret) {
		t.Fatal("token stored in clear")
	}
	r := httptest.NewRequest("GET", "/api/v1/user?x-auth-token="+secret, nil)
	id, err := s.Authenticate(r)
	if err != nil || id.User != "alice" || id.Location != "query" || id.IsAdmin {
		t.Fatalf("identity = %+v, %v", id, err)
	}
	clk.t = clk.t.Add(time.Hour)
	if _, err := s.Authenticate(r); structs.KindOf(err) != structs.KindUnauthorized {
		t.Fatalf("expired token accepted: %v", err)
	}
	if n, err := s.ReapTokens(ctx); err != nil || n != 2 {
		t.Fatalf("reaped %d, %v; want both of alice's tokens", n, err)
	}
}

func TestAPIKeys(t *testing.T) {
	s, _ := testService(t)
	ctx := context.Background()
	if err := s.CreateUser(ctx, "bob", "bob-password", false); err != nil {
		t.Fatal(err)
	}
	secret, k, err := s.CreateAPIKey(ctx, "bob", map[string]any{"used_by": "ci"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(HeaderAPIKey, secret)
	if id, err := s.Authenticate(r); err != nil || id.User != "bob" || id.Method != "api key" {
		t.Fatalf("identity = %+v, %v", id, err)
	}
	if err := s.UpdateAPIKey(ctx, k.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(r); structs.KindOf(err) != structs.KindUnauthorized {
		t.Fatalf("disabled key accepted: %v", err)
	}
	r.Header.Set(HeaderToken, "x")
	if _, err := s.Authenticate(r); structs.KindOf(err) != structs.KindUnauthorized {
		t.Fatal("token and key together accepted")
	}
	if _, err := s.ImportAPIKey(ctx, structs.APIKey{Hash: "nothex", User: "bob"}); structs.KindOf(err) != structs.KindInvalid {
		t.Fatalf("bad hash imported: %v", err)
	}
	if got, err := s.APIKey(secret); err != nil || got.ID != k.ID {
		t.Fatalf("lookup by key = %v, %v", got, err)
	}
}

func TestUserValidation(t *testing.T) {
	s, _ := testService(t)
	ctx := context.Background()
	cases := []struct{ name, user, pw string }{
		{"empty name", "", "password1"},
		{"bad chars", "a b", "password1"},
		{"short password", "carol", "short"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.CreateUser(ctx, c.user, c.pw, false); structs.KindOf(err) != structs.KindInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
	}
}

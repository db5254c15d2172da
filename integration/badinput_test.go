package integration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// TestBadInput: every refusal has the right status, names the problem in
// StackStorm's fault body, and changes nothing.
func TestBadInput(t *testing.T) {
	node := harness.StartNode(t, harness.Options{ID: "bad"})
	admin := node.Token(t)
	if status := node.JSON(t, "POST", "/api/v1/users", admin, map[string]any{"name": "bob", "password": "bob-password"}, nil); status != 201 {
		t.Fatalf("create bob: %d", status)
	}
	bob, err := node.Login("bob", "bob-password")
	if err != nil {
		t.Fatal(err)
	}
	short, err := node.LoginTTL("bob", "bob-password", 1)
	if err != nil {
		t.Fatal(err)
	}
	v := func(s string) map[string]any { return map[string]any{"value": s} }
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		fault                     string
	}{
		{"no credentials", "GET", "/api/v1/keys", "", nil, 401, "Token or API key required"},
		{"forged token", "GET", "/api/v1/keys", "0123456789abcdef0123456789abcdef", nil, 401, "Token not found"},
		{"bad name", "PUT", "/api/v1/keys/a%20b", admin, v("x"), 400, "whitespace"},
		{"oversized name", "PUT", "/api/v1/keys/" + strings.Repeat("n", 513), admin, v("x"), 400, "limit is 512"},
		{"oversized value", "PUT", "/api/v1/keys/big", admin, v(strings.Repeat("x", 1<<20+1)), 400, "the limit is"},
		{"body over limit", "PUT", "/api/v1/keys/huge", admin, v(strings.Repeat("x", 3<<20)), 413, "larger than the limit"},
		{"missing value", "PUT", "/api/v1/keys/k", admin, map[string]any{}, 400, "'value' is a required property"},
		{"bad scope", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "scope": "galaxy"}, 400, "Invalid scope"},
		{"ttl zero", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "ttl": 0}, 400, "positive integer"},
		{"ttl negative", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "ttl": -1}, 400, "positive integer"},
		{"ttl string", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "ttl": "x"}, 400, "must be of type integer"},
		{"malformed json", "PUT", "/api/v1/keys/k", admin, []byte(`{"value": `), 400, "invalid request body"},
		{"no crypto key", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "secret": true}, 400, "Crypto key not found"},
		{"unknown user for key", "PUT", "/api/v1/keys/k", admin, map[string]any{"value": "x", "scope": "user", "user": "ghost"}, 400, `unknown user "ghost"`},
		{"unknown user for apikey", "POST", "/api/v1/apikeys", admin, map[string]any{"user": "ghost"}, 404, "ghost"},
		{"non-admin other user", "GET", "/api/v1/keys?scope=user&user=st2admin", bob, nil, 403, "administrator access"},
		{"non-admin users", "GET", "/api/v1/users", bob, nil, 403, "administrator access"},
		{"bad user name", "POST", "/api/v1/users", admin, map[string]any{"name": "a b", "password": "password1"}, 400, "invalid user name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, err := node.Request(c.method, c.path, c.token, c.body)
			if err != nil {
				t.Fatal(err)
			}
			var f struct{ Faultstring string }
			if status != c.status || json.Unmarshal(body, &f) != nil || !strings.Contains(f.Faultstring, c.fault) {
				t.Fatalf("got %d %.300s; want %d with %q", status, body, c.status, c.fault)
			}
		})
	}
	var items []any
	node.JSON(t, "GET", "/api/v1/keys?scope=all", admin, nil, &items)
	if len(items) != 0 {
		t.Fatalf("refused requests changed the store: %v", items)
	}
	t.Run("expired token", func(t *testing.T) {
		harness.WaitFor(t, 10*time.Second, func() error {
			status, _, err := node.Request("GET", "/api/v1/keys", short, nil)
			if err != nil || status != 401 {
				return errString("short-lived token still accepted")
			}
			return nil
		})
	})
}

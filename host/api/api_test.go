package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/bcrypt"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
)

// oneNode stands in for cluster.Node: these tests are about HTTP, the
// cluster has its own.
type oneNode struct{}

func (oneNode) ConsistentRead(context.Context) error               { return nil }
func (oneNode) WaitForOwnWrites(context.Context) error             { return nil }
func (oneNode) Join(context.Context, string, string, string) error { return nil }
func (oneNode) Members(context.Context) ([]cluster.Member, error) {
	return []cluster.Member{{ID: "n1", State: "leader", Leader: true, Voter: true}}, nil
}

type fixture struct {
	srv   *httptest.Server
	admin string // admin token
	user  string // token of a non-admin user
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	logger := hclog.NewNullLogger()
	d, err := fsm.NewDirect(logger)
	if err != nil {
		t.Fatal(err)
	}
	as := auth.New(auth.Config{Raft: d, State: d.FSM.State, Logger: logger, BcryptCost: bcrypt.MinCost})
	ds := datastore.New(datastore.Config{Raft: d, State: d.FSM.State, Logger: logger, NewID: auth.NewID})
	a := New(Config{Auth: as, Datastore: ds, Cluster: oneNode{}, Logger: logger, Version: "test"})
	f := &fixture{srv: httptest.NewServer(a.Handler())}
	t.Cleanup(f.srv.Close)
	ctx := context.Background()
	if _, _, err := as.EnsureAdmin(ctx, "admin-password"); err != nil {
		t.Fatal(err)
	}
	if err := as.CreateUser(ctx, "alice", "alice-password", false); err != nil {
		t.Fatal(err)
	}
	f.admin = f.token(t, auth.AdminUser, "admin-password")
	f.user = f.token(t, "alice", "alice-password")
	return f
}

func (f *fixture) token(t *testing.T, user, pw string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/auth/v1/tokens", nil)
	req.SetBasicAuth(user, pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("login %s: %s", user, resp.Status)
	}
	return tok.Token
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set(auth.HeaderToken, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestErrorsAndStatuses(t *testing.T) {
	f := newFixture(t)
	big := `{"value": "` + strings.Repeat("x", MaxBodyBytes) + `"}`
	cases := []struct {
		name, method, path, token, body string
		status                          int
		fault                           string
	}{
		{"no credentials", "GET", "/api/v1/keys", "", "", 401, "One of Token or API key required"},
		{"forged token", "GET", "/api/v1/keys", "deadbeef", "", 401, "Token not found"},
		{"missing key", "GET", "/api/v1/keys/nope", f.admin, "", 404, `Resource with a name or id "nope" not found`},
		{"malformed json", "PUT", "/api/v1/keys/k", f.admin, `{"value": `, 400, "invalid request body"},
		{"ttl string", "PUT", "/api/v1/keys/k", f.admin, `{"value": "v", "ttl": "60"}`, 400, `field "ttl" must be of type integer`},
		{"ttl zero", "PUT", "/api/v1/keys/k", f.admin, `{"value": "v", "ttl": 0}`, 400, "positive integer"},
		{"bad scope", "GET", "/api/v1/keys?scope=galaxy", f.admin, "", 400, "Invalid scope"},
		{"bad bool", "GET", "/api/v1/keys?decrypt=maybe", f.admin, "", 400, `"decrypt" must be a boolean`},
		{"name mismatch", "PUT", "/api/v1/keys/k", f.admin, `{"name": "j", "value": "v"}`, 400, "does not match"},
		{"too large", "PUT", "/api/v1/keys/k", f.admin, big, 413, "larger than the limit of 2 MiB"},
		{"non-admin users", "GET", "/api/v1/users", f.user, "", 403, "requires administrator access"},
		{"other's items", "GET", "/api/v1/keys?scope=user&user=st2admin", f.user, "", 403, "administrator access"},
		{"no secret key", "PUT", "/api/v1/keys/k", f.admin, `{"value": "v", "secret": true}`, 400, "Crypto key not found"},
		{"unknown route", "GET", "/api/v1/nothing", f.admin, "", 404, "could not be found"},
		{"bulk not array", "POST", "/api/v1/keys", f.admin, `{"name": "x"}`, 400, "must be of type array"},
		{"prefix required", "DELETE", "/api/v1/keys", f.admin, "", 400, `"prefix" is required`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := f.do(t, c.method, c.path, c.token, c.body)
			var fl fault
			if status != c.status || json.Unmarshal([]byte(body), &fl) != nil || !strings.Contains(fl.Faultstring, c.fault) {
				t.Fatalf("got %d %s; want %d with %q", status, body, c.status, c.fault)
			}
		})
	}
	if status, body := f.do(t, "GET", "/api/v1/keys", f.admin, ""); status != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("refused requests changed the store: %d %s", status, body)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, prefix := range []string{"/api/v1", "/v1"} {
		status, body := f.do(t, "PUT", prefix+"/keys/os_keystone_endpoint", f.user, `{"name":"os_keystone_endpoint","value":"http://localhost:5000/v2.0"}`)
		if status != 200 || !strings.Contains(body, `"uid":"key_value_pair:st2kv.system:os_keystone_endpoint"`) {
			t.Fatalf("%s put: %d %s", prefix, status, body)
		}
	}
	status, body := f.do(t, "GET", "/api/v1/keys?prefix=os_", f.user, "")
	var items []datastore.Item
	if status != 200 || json.Unmarshal([]byte(body), &items) != nil || len(items) != 1 || items[0].Value != "http://localhost:5000/v2.0" {
		t.Fatalf("list: %d %s", status, body)
	}
	if status, _ := f.do(t, "DELETE", "/api/v1/keys/os_keystone_endpoint", f.user, ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
}

func TestWhoamiAndAPIKeys(t *testing.T) {
	f := newFixture(t)
	status, body := f.do(t, "GET", "/api/v1/user", f.user, "")
	if status != 200 || !strings.Contains(body, `"username":"alice"`) || !strings.Contains(body, `"is_admin":false`) {
		t.Fatalf("whoami: %d %s", status, body)
	}
	status, body = f.do(t, "POST", "/api/v1/apikeys", f.user, `{"metadata": {"used_by": "ci"}}`)
	var k apiKeyView
	if status != 201 || json.Unmarshal([]byte(body), &k) != nil || k.Key == "" || k.User != "alice" {
		t.Fatalf("create apikey: %d %s", status, body)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/user", nil)
	req.Header.Set(auth.HeaderAPIKey, k.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("api key auth: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	if status, body := f.do(t, "GET", "/api/v1/apikeys", f.user, ""); status != 200 || strings.Contains(body, k.KeyHash) {
		t.Fatalf("key hash not masked in list: %s", body)
	}
	if status, _ := f.do(t, "POST", "/api/v1/apikeys", f.user, `{"user": "st2admin"}`); status != 403 {
		t.Fatalf("alice created a key for the admin: %d", status)
	}
}

func TestAuthListener(t *testing.T) {
	f := newFixture(t)
	body := bytes.NewBufferString(`{"token": "` + f.user + `"}`)
	resp, err := http.Post(f.srv.URL+"/auth/v1/tokens/validate", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"valid":true`) {
		t.Fatalf("validate: %s", b)
	}
}

func TestTokenBodies(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, body string
		status     int
	}{
		{"no body", "", 201},
		{"ttl", `{"ttl": 60}`, 201},
		{"ttl zero", `{"ttl": 0}`, 400},
		{"ttl too long", `{"ttl": 99999999}`, 400},
		{"malformed", `{"ttl": `, 400},
		{"unknown field", `{"tll": 5}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/auth/v1/tokens", strings.NewReader(c.body))
			req.SetBasicAuth("alice", "alice-password")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var tok tokenView
			_ = json.NewDecoder(resp.Body).Decode(&tok)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if c.name == "ttl" {
				exp, err := time.Parse(time.RFC3339Nano, tok.Expiry)
				if err != nil || time.Until(exp) > time.Minute || time.Until(exp) < 50*time.Second {
					t.Fatalf("expiry %q", tok.Expiry)
				}
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI records requests and answers from a table of canned replies.
type fakeAPI struct {
	mu      sync.Mutex
	srv     *httptest.Server
	reqs    []recorded
	replies map[string]reply // "METHOD /path" -> reply
}

type recorded struct {
	Method, Path, Query, Token, APIKey, Body string
	User, Pass                               string
}

type reply struct {
	status int
	body   string
}

func newFake(t *testing.T, replies map[string]reply) *fakeAPI {
	f := &fakeAPI{replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u, p, _ := r.BasicAuth()
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Auth-Token"), r.Header.Get("St2-Api-Key"), string(b), u, p})
		f.mu.Unlock()
		rep, ok := replies[r.Method+" "+r.URL.Path]
		if !ok {
			rep = reply{404, `{"faultstring": "The resource could not be found."}`}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

type run struct {
	code           int
	stdout, stderr string
}

// st2 runs the CLI with HOME and environment of the test.
func st2(t *testing.T, home string, env map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	opts := Options{
		Name: "st2", Version: "test", Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""),
		Env: func(k string) string { return env[k] }, HomeDir: home,
	}
	code := Run(context.Background(), opts, append([]string{"st2"}, args...))
	return run{code, out.String(), errb.String()}
}

const kvItem = `{"id": "1", "uid": "key_value_pair:st2kv.system:k", "name": "k", "value": "v", "secret": false, "encrypted": false, "scope": "st2kv.system"}`

func TestEndpoints(t *testing.T) {
	cases := []struct{ base, api, auth, stream string }{
		{"http://127.0.0.1", "http://127.0.0.1:9101/v1", "http://127.0.0.1:9100", "http://127.0.0.1:9102/v1"},
		{"https://st2.example.com", "https://st2.example.com:9101/v1", "https://st2.example.com:9100", "https://st2.example.com:9102/v1"},
		{"http://127.0.0.1:9101", "http://127.0.0.1:9101/api/v1", "http://127.0.0.1:9101/auth/v1", "http://127.0.0.1:9101/stream/v1"},
	}
	for _, c := range cases {
		t.Run(c.base, func(t *testing.T) {
			api, auth, stream, err := endpoints(c.base)
			if err != nil || api != c.api || auth != c.auth || stream != c.stream {
				t.Fatalf("got %s %s %s %v", api, auth, stream, err)
			}
		})
	}
	if _, _, _, err := endpoints("not a url"); err == nil {
		t.Fatal("bad base URL accepted")
	}
}

func TestPrecedence(t *testing.T) {
	f := newFake(t, map[string]reply{"GET /api/v1/keys": {200, "[]"}, "GET /v1/keys": {200, "[]"}})
	home := t.TempDir()
	cfg := filepath.Join(home, ".st2", "config")
	_ = os.MkdirAll(filepath.Dir(cfg), 0o700)
	_ = os.WriteFile(cfg, []byte("[general]\nbase_url = http://127.0.0.1:1\n[credentials]\napi_key = from-config\n"), 0o600)
	cases := []struct {
		name      string
		env       map[string]string
		args      []string
		wantPath  string
		wantKey   string
		wantToken string
	}{
		{"env beats config", map[string]string{"ST2_BASE_URL": f.srv.URL}, nil, "/api/v1/keys", "from-config", ""},
		{"flag beats env", map[string]string{"ST2_BASE_URL": "http://127.0.0.1:1"}, []string{"--url", f.srv.URL}, "/api/v1/keys", "from-config", ""},
		{"api url wins", map[string]string{"ST2_API_URL": f.srv.URL + "/v1"}, nil, "/v1/keys", "from-config", ""},
		{"token env beats api key", map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "tok"}, nil, "/api/v1/keys", "", "tok"},
		{"token flag", map[string]string{"ST2_BASE_URL": f.srv.URL}, []string{"-t", "flagtok"}, "/api/v1/keys", "", "flagtok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.requests())
			args := []string{"key", "list"}
			if len(c.args) > 0 && c.args[0] == "--url" {
				args = append(c.args, args...)
			} else {
				args = append(args, c.args...)
			}
			r := st2(t, home, c.env, args...)
			reqs := f.requests()
			if r.code != 0 || len(reqs) != before+1 {
				t.Fatalf("exit %d, %d requests: %s", r.code, len(reqs)-before, r.stderr)
			}
			got := reqs[len(reqs)-1]
			if got.Path != c.wantPath || got.APIKey != c.wantKey || got.Token != c.wantToken {
				t.Fatalf("request %+v", got)
			}
		})
	}
}

func TestKeyCommands(t *testing.T) {
	f := newFake(t, map[string]reply{
		"PUT /api/v1/keys/k":    {200, kvItem},
		"GET /api/v1/keys/k":    {200, kvItem},
		"GET /api/v1/keys":      {200, "[" + kvItem + "]"},
		"DELETE /api/v1/keys/k": {204, ""},
	})
	env := map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "tok"}
	cases := []struct {
		name                      string
		args                      []string
		method, path, query, body string
		out                       string
	}{
		{"set", []string{"key", "set", "k", "v"}, "PUT", "/api/v1/keys/k", "", `{"name":"k","scope":"system","value":"v"}`, "| value     | v"},
		{"set flags", []string{"key", "set", "k", "v", "--ttl=60", "-e", "--scope", "user"}, "PUT", "/api/v1/keys/k", "",
			`{"name":"k","scope":"user","secret":true,"ttl":60,"value":"v"}`, "st2kv.system"},
		{"get json", []string{"key", "get", "k", "-j", "-d"}, "GET", "/api/v1/keys/k", "decrypt=true&scope=system", "", `"uid": "key_value_pair:st2kv.system:k"`},
		{"get yaml", []string{"key", "get", "k", "-y"}, "GET", "/api/v1/keys/k", "scope=system", "", "uid: key_value_pair:st2kv.system:k"},
		{"list", []string{"key", "list", "--prefix", "k", "-n", "5"}, "GET", "/api/v1/keys", "limit=5&prefix=k&scope=all", "", "| k    | v     | false"},
		{"delete", []string{"key", "delete", "k"}, "DELETE", "/api/v1/keys/k", "scope=system", "", `Resource with id "k" has been successfully deleted.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := st2(t, t.TempDir(), env, c.args...)
			reqs := f.requests()
			got := reqs[len(reqs)-1]
			if r.code != 0 || got.Method != c.method || got.Path != c.path || got.Query != c.query || got.Token != "tok" {
				t.Fatalf("exit %d (%s), request %+v", r.code, r.stderr, got)
			}
			if c.body != "" && compactJSON(t, got.Body) != c.body {
				t.Fatalf("body %s, want %s", got.Body, c.body)
			}
			if !strings.Contains(r.stdout, c.out) {
				t.Fatalf("output:\n%s\nwant %q", r.stdout, c.out)
			}
		})
	}
}

func compactJSON(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("body %q: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestKeyLoad(t *testing.T) {
	f := newFake(t, map[string]reply{"POST /api/v1/keys": {200, "[" + kvItem + "]"}})
	env := map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "tok"}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	cases := []struct {
		name, file string
		args       []string
		ok         bool
		body, err  string
	}{
		{"list -j output", write("a.json", `[{"id":"x","uid":"u","name":"k","value":"C1","secret":true,"encrypted":true,"scope":"st2kv.system"}]`), nil, true,
			`[{"encrypted":true,"name":"k","scope":"st2kv.system","secret":true,"value":"C1"}]`, ""},
		{"yaml mapping", write("b.yaml", "k: v\n"), nil, true, `[{"name":"k","value":"v"}]`, ""},
		{"non-string refused", write("c.json", `[{"name":"n","value":3}]`), nil, false, "", `item 1 ("n") has a non-string value`},
		{"non-string converted", write("d.json", `[{"name":"n","value":{"a":1}}]`), []string{"-c"}, true, `[{"name":"n","value":"{\"a\":1}"}]`, ""},
		{"missing name", write("e.json", `[{"value":"v"}]`), nil, false, "", "item 1 has no name"},
		{"not json or yaml", write("f.json", "{["), nil, false, "", "neither valid JSON nor YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.requests())
			r := st2(t, t.TempDir(), env, append([]string{"key", "load", c.file}, c.args...)...)
			reqs := f.requests()
			if !c.ok {
				if r.code == 0 || len(reqs) != before || !strings.Contains(r.stderr, c.err) {
					t.Fatalf("exit %d, %d requests sent, stderr %q", r.code, len(reqs)-before, r.stderr)
				}
				return
			}
			if r.code != 0 || compactJSON(t, reqs[len(reqs)-1].Body) != c.body {
				t.Fatalf("exit %d (%s), body %s", r.code, r.stderr, reqs[len(reqs)-1].Body)
			}
		})
	}
}

// Against StackStorm (no bulk endpoints) delete_by_prefix lists and
// deletes one by one.
func TestDeleteByPrefixFallback(t *testing.T) {
	f := newFake(t, map[string]reply{
		"GET /api/v1/keys":      {200, "[" + kvItem + "]"},
		"DELETE /api/v1/keys/k": {204, ""},
	})
	env := map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "tok"}
	r := st2(t, t.TempDir(), env, "key", "delete_by_prefix", "-p", "k")
	if r.code != 0 || !strings.Contains(r.stdout, "Deleted 1 keys") {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var methods []string
	for _, q := range f.requests() {
		methods = append(methods, q.Method+" "+q.Path)
	}
	if strings.Join(methods, ",") != "DELETE /api/v1/keys,GET /api/v1/keys,DELETE /api/v1/keys/k" {
		t.Fatalf("requests %v", methods)
	}
}

func TestLoginAndTokenCache(t *testing.T) {
	exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
	f := newFake(t, map[string]reply{
		"POST /auth/v1/tokens": {201, `{"id":"1","user":"st2admin","token":"fresh","expiry":"` + exp + `","metadata":{}}`},
		"GET /api/v1/user":     {200, `{"username":"st2admin","authentication":{"method":"authentication token","location":"header"},"rbac":{"enabled":true,"roles":["admin"],"is_admin":true}}`},
	})
	home := t.TempDir()
	env := map[string]string{"ST2_BASE_URL": f.srv.URL}
	r := st2(t, home, env, "login", "st2admin", "-p", "pw")
	if r.code != 0 || !strings.Contains(r.stdout, "Logged in as st2admin") {
		t.Fatalf("login: %d %s %s", r.code, r.stdout, r.stderr)
	}
	login := f.requests()[0]
	if login.User != "st2admin" || login.Pass != "pw" {
		t.Fatalf("login request %+v", login)
	}
	cache := filepath.Join(home, ".st2", "token-st2admin")
	if st, err := os.Stat(cache); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token cache: %v %v", st, err)
	}
	cfg, _ := os.ReadFile(filepath.Join(home, ".st2", "config"))
	if !strings.Contains(string(cfg), "username = st2admin") || strings.Contains(string(cfg), "password") {
		t.Fatalf("config after login without -w:\n%s", cfg)
	}
	r = st2(t, home, env, "whoami")
	if r.code != 0 || !strings.Contains(r.stdout, `Currently logged in as "st2admin".`) {
		t.Fatalf("whoami: %s %s", r.stdout, r.stderr)
	}
	if last := f.requests()[1]; last.Token != "fresh" {
		t.Fatalf("cached token not used: %+v", last)
	}

	// An expired cache with a password in the config logs in again.
	_ = os.WriteFile(cache, []byte(`{"token":"old","expire_timestamp":1}`), 0o600)
	_ = os.WriteFile(filepath.Join(home, ".st2", "config"), []byte("[credentials]\nusername = st2admin\npassword = pw\n"), 0o600)
	before := len(f.requests())
	if r := st2(t, home, env, "whoami"); r.code != 0 {
		t.Fatalf("whoami after expiry: %s", r.stderr)
	}
	reqs := f.requests()[before:]
	if len(reqs) != 2 || reqs[0].Path != "/auth/v1/tokens" || reqs[1].Token != "fresh" {
		t.Fatalf("requests after expiry: %+v", reqs)
	}
}

func TestErrorsAndDebug(t *testing.T) {
	f := newFake(t, map[string]reply{"GET /api/v1/keys/nope": {404, `{"faultstring": "Resource with a name or id \"nope\" not found"}`}})
	env := map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "secret-token"}
	r := st2(t, t.TempDir(), env, "--debug", "key", "get", "nope")
	if r.code != 1 || !strings.Contains(r.stderr, "ERROR: 404 Client Error: Not Found\nMESSAGE: Resource with a name or id \"nope\" not found for url: ") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "curl -X GET") || strings.Contains(r.stderr, "secret-token") {
		t.Fatalf("debug output shows no curl line or leaks the token:\n%s", r.stderr)
	}
	if r := st2(t, t.TempDir(), env, "key", "set"); r.code != 2 {
		t.Fatalf("usage error exit %d", r.code)
	}
	down := map[string]string{"ST2_BASE_URL": "http://127.0.0.1:1", "ST2_AUTH_TOKEN": "x"}
	if r := st2(t, t.TempDir(), down, "key", "list"); r.code != 1 || !strings.Contains(r.stderr, "failed to reach http://127.0.0.1:1") {
		t.Fatalf("connection refused: %d %s", r.code, r.stderr)
	}
}

func TestSameUnderBothNames(t *testing.T) {
	f := newFake(t, map[string]reply{"GET /api/v1/keys": {200, "[" + kvItem + "]"}})
	env := map[string]string{"ST2_BASE_URL": f.srv.URL, "ST2_AUTH_TOKEN": "tok"}
	var outs []string
	for _, name := range []string{"st2", "squall"} {
		var out bytes.Buffer
		code := Run(context.Background(), Options{Name: name, Stdout: &out, Stderr: io.Discard, Env: func(k string) string { return env[k] }, HomeDir: t.TempDir()},
			[]string{name, "key", "list", "-j"})
		if code != 0 {
			t.Fatalf("%s exit %d", name, code)
		}
		outs = append(outs, out.String())
	}
	if outs[0] != outs[1] {
		t.Fatalf("st2 and squall differ:\n%s\n%s", outs[0], outs[1])
	}
}

package httprunner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/runnertest"
)

func TestHTTPThroughGRPC(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method": %q, "q": %q, "ua": %q}`, r.Method, r.URL.Query().Get("a"), r.UserAgent())
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c, _ := r.Cookie("k")
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, "%s|%s|%s|%s|%s:%s", b, r.Header.Get("Content-Type"), r.Header.Get("X-A"), c.Value, u, p)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "nope", http.StatusNotFound) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/json", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(mux)
	defer tlsSrv.Close()
	h := runnertest.New(t, New(), nil)

	tests := []struct {
		name   string
		rp     map[string]any
		ap     map[string]any
		status runner.Status
		want   string // substring of the JSON result
	}{
		{"get json", map[string]any{"url": srv.URL + "/json"}, map[string]any{"params": map[string]any{"a": "1"}},
			runner.StatusSucceeded, `"body":{"method":"GET","q":"1","ua":"squall-http-runner"},"headers"`},
		{"post body, headers, cookies, basic auth", map[string]any{"url": srv.URL + "/echo",
			"headers": map[string]any{"X-A": "b"}, "cookies": map[string]any{"k": "v"}, "username": "u", "password": "p"},
			map[string]any{"method": "POST", "body": map[string]any{"x": 1}},
			runner.StatusSucceeded, `"body":"{\"x\":1}|application/json|b|v|u:p"`},
		{"non-2xx fails", map[string]any{"url": srv.URL + "/missing"}, nil, runner.StatusFailed, `"status_code":404`},
		{"redirects off", map[string]any{"url": srv.URL + "/redirect"}, nil, runner.StatusFailed, `"status_code":302`},
		{"redirects on", map[string]any{"url": srv.URL + "/redirect", "allow_redirects": true}, nil, runner.StatusSucceeded, `"parsed":true`},
		{"tls unverified", map[string]any{"url": tlsSrv.URL + "/json", "verify_ssl_cert": false}, nil, runner.StatusSucceeded, `"status_code":200`},
		{"tls verified fails", map[string]any{"url": tlsSrv.URL + "/json"}, nil, runner.StatusFailed, "certificate"},
		{"timeout", map[string]any{"url": srv.URL + "/slow", "timeout": json.Number("0.5")}, nil, runner.StatusTimeout, "did not answer"},
		{"blacklist", map[string]any{"url": srv.URL + "/json", "url_hosts_blacklist": []any{"127.0.0.1"}}, nil, runner.StatusFailed, "url_hosts_blacklist"},
		{"whitelist", map[string]any{"url": srv.URL + "/json", "url_hosts_whitelist": []any{"example.com"}}, nil, runner.StatusFailed, "not in url_hosts_whitelist"},
		{"connection refused", map[string]any{"url": "http://127.0.0.1:1/x"}, nil, runner.StatusFailed, "connection refused"},
		{"bad url", map[string]any{"url": "ftp://x"}, nil, runner.StatusFailed, "not an http or https URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			o := h.Run(ctx, &runner.Request{RunnerType: TypeName, RunnerParameters: tc.rp, Parameters: tc.ap})
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			b, _ := json.Marshal(o.Result.Value)
			if o.Result.Status != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("status %s result %s; want %s with %s", o.Result.Status, b, tc.status, tc.want)
			}
		})
	}
}

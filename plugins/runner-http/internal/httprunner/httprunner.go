// Package httprunner makes HTTP requests the way StackStorm's http-request
// runner does: the result is {status_code, body, parsed, headers}, with
// the body decoded when the response is JSON, and any status outside 2xx
// fails the execution.
package httprunner

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/squall-io/squall/sdk/runner"
)

// TypeName is the runner type, StackStorm's.
const TypeName = "http-request"

// MaxBody caps the response body kept in the result.
const MaxBody = 4 << 20

// UserAgent identifies the runner to servers.
const UserAgent = "squall-http-runner"

// Runner is the HTTP runner.
type Runner struct{}

// New returns the runner.
func New() *Runner { return &Runner{} }

// Info declares http-request and its runner parameters.
func (*Runner) Info() runner.Info {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	params := map[string]any{
		"url":             map[string]any{"type": "string", "required": true, "description": "URL of the HTTP endpoint."},
		"headers":         map[string]any{"type": "object", "description": "HTTP headers for the request."},
		"cookies":         map[string]any{"type": "object", "description": "Cookies to send with the request."},
		"http_proxy":      str("Proxy for HTTP requests."),
		"https_proxy":     str("Proxy for HTTPS requests."),
		"allow_redirects": map[string]any{"type": "boolean", "default": false, "description": "Follow redirects."},
		"verify_ssl_cert": map[string]any{"type": "boolean", "default": true, "description": "Verify the server's TLS certificate."},
		"username":        str("Username for HTTP basic authentication."),
		"password":        map[string]any{"type": "string", "secret": true, "description": "Password for HTTP basic authentication."},
		"timeout":         map[string]any{"type": "number", "default": 60, "description": "Seconds to wait for the whole request."},
		"url_hosts_blacklist": map[string]any{"type": "array", "items": map[string]any{"type": "string"},
			"description": "Hosts the URL may not point to (exclusive with url_hosts_whitelist)."},
		"url_hosts_whitelist": map[string]any{"type": "array", "items": map[string]any{"type": "string"},
			"description": "The only hosts the URL may point to (exclusive with url_hosts_blacklist)."},
	}
	return runner.Info{Name: "runner-http", Version: "1.0.0", RunnerTypes: []runner.RunnerType{{
		Name: TypeName, Description: "A HTTP client for running HTTP actions.", Parameters: params, OutputKey: "body",
		OutputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"status_code": map[string]any{"type": "integer"}, "body": map[string]any{},
			"parsed": map[string]any{"type": "boolean"}, "headers": map[string]any{"type": "object"},
		}},
	}}}
}

// Run makes the request. Parameters are read from the runner parameters
// and the action's own (StackStorm's core.http declares method, body and
// params on the action).
func (r *Runner) Run(ctx context.Context, req *runner.Request, _ runner.Output) (runner.Result, error) {
	p, err := parse(req)
	if err != nil {
		return runner.Result{}, err
	}
	if req.Timeout > 0 {
		p.timeout = req.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	httpReq, err := p.request(ctx)
	if err != nil {
		return runner.Result{}, err
	}
	resp, err := p.client().Do(httpReq)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return runner.Result{Status: runner.StatusTimeout, Value: map[string]any{
				"error": fmt.Sprintf("%s %s did not answer within %s", p.method, p.url, p.timeout)}}, nil
		}
		if ctx.Err() != nil {
			return runner.Result{Status: runner.StatusCanceled, Value: map[string]any{"error": "canceled"}}, nil
		}
		return runner.Result{Status: runner.StatusFailed, Value: map[string]any{
			"error": fmt.Sprintf("%s %s failed: %v", p.method, p.url, errors.Unwrap(err))}}, nil
	}
	defer resp.Body.Close()
	return result(resp)
}

func result(resp *http.Response) (runner.Result, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return runner.Result{}, fmt.Errorf("failed to read the response: %w", err)
	}
	truncated := len(data) > MaxBody
	if truncated {
		data = data[:MaxBody]
	}
	headers := map[string]any{}
	for k, v := range resp.Header {
		headers[k] = strings.Join(v, ", ")
	}
	out := map[string]any{"status_code": resp.StatusCode, "headers": headers, "parsed": false, "body": string(data)}
	if strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json") && !truncated {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			out["body"], out["parsed"] = v, true
		}
	}
	if truncated {
		out["error"] = fmt.Sprintf("the response body was truncated to its first %d bytes", MaxBody)
	}
	status := runner.StatusSucceeded
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		status = runner.StatusFailed
	}
	return runner.Result{Status: status, Value: out}, nil
}

func (p *params) request(ctx context.Context) (*http.Request, error) {
	u := p.url
	if len(p.query) > 0 {
		q := u.Query()
		for _, k := range sortedKeys(p.query) {
			q.Set(k, fmt.Sprint(p.query[k]))
		}
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, p.method, u.String(), bytes.NewReader(p.body))
	if err != nil {
		return nil, fmt.Errorf("invalid request: %w", err)
	}
	req.Header.Set("User-Agent", UserAgent)
	if p.jsonBody {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range p.headers {
		req.Header.Set(k, v)
	}
	for _, k := range sortedKeys(p.cookies) {
		req.AddCookie(&http.Cookie{Name: k, Value: fmt.Sprint(p.cookies[k])})
	}
	if p.username != "" {
		req.SetBasicAuth(p.username, p.password)
	}
	return req, nil
}

func (p *params) client() *http.Client {
	t := &http.Transport{
		Proxy:           p.proxy,
		DialContext:     (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: !p.verify}, //nolint:gosec // the action asks for it
	}
	c := &http.Client{Transport: t}
	if !p.redirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

func (p *params) proxy(r *http.Request) (*url.URL, error) {
	proxy := p.httpProxy
	if r.URL.Scheme == "https" {
		proxy = p.httpsProxy
	}
	if proxy == "" {
		return nil, nil
	}
	return url.Parse(proxy)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

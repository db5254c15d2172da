package cli

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
)

// client speaks to the API with the caller's credentials.
type client struct {
	app  *app
	cmd  *cli.Command
	s    *settings
	http *http.Client
}

func (a *app) client(cmd *cli.Command) (*client, error) {
	s, err := a.settings(cmd)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 60 * time.Second}
	if s.cacert != "" {
		pem, err := os.ReadFile(s.cacert)
		if err != nil {
			return nil, fmt.Errorf("failed to read CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificates found in %s", s.cacert)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	return &client{app: a, cmd: cmd, s: s, http: hc}, nil
}

// apiError is a non-2xx answer.
type apiError struct {
	Status int
	Fault  string
	URL    string
}

func (e *apiError) Error() string {
	kind := "Client"
	if e.Status >= 500 {
		kind = "Server"
	}
	return fmt.Sprintf("%d %s Error: %s\nMESSAGE: %s for url: %s", e.Status, kind, http.StatusText(e.Status), e.Fault, e.URL)
}

// formatError renders an error the way st2 does: "ERROR: ..." lines.
func formatError(err error) string {
	return "ERROR: " + err.Error()
}

// request is one HTTP call.
type request struct {
	method string
	url    string
	query  url.Values
	body   any
	// basicUser/basicPass authenticate a token request instead of a token.
	basicUser, basicPass string
	noAuth               bool
}

// do sends r and decodes a JSON answer into out (unless nil).
func (c *client) do(r request, out any) (http.Header, error) {
	u := r.url
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	var raw []byte
	if r.body != nil {
		var err error
		if raw, err = json.Marshal(r.body); err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.method, u, body)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := c.authenticate(req, r); err != nil {
		return nil, err
	}
	c.debugRequest(req, raw)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("failed to reach %s: %v", u, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("failed to read the answer from %s: %w", u, err)
	}
	c.debugResponse(resp, data)
	if resp.StatusCode >= 300 {
		return resp.Header, &apiError{Status: resp.StatusCode, Fault: faultOf(data), URL: u}
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return nil, fmt.Errorf("failed to decode the answer from %s: %w", u, err)
		}
	}
	return resp.Header, nil
}

func faultOf(data []byte) string {
	var f struct {
		Faultstring string `json:"faultstring"`
	}
	if json.Unmarshal(data, &f) == nil && f.Faultstring != "" {
		return f.Faultstring
	}
	return strings.TrimSpace(string(data))
}

// api is do against the API URL.
func (c *client) api(method, path string, q url.Values, body, out any) (http.Header, error) {
	return c.do(request{method: method, url: c.s.apiURL + path, query: q, body: body}, out)
}

func (c *client) authenticate(req *http.Request, r request) error {
	if r.basicUser != "" {
		req.SetBasicAuth(r.basicUser, r.basicPass)
		return nil
	}
	if c.s.basicAuth != "" {
		user, pass, _ := strings.Cut(c.s.basicAuth, ":")
		req.SetBasicAuth(user, pass)
	}
	if r.noAuth {
		return nil
	}
	switch {
	case c.s.token != "":
		req.Header.Set("X-Auth-Token", c.s.token)
	case c.s.apiKey != "":
		req.Header.Set("St2-Api-Key", c.s.apiKey)
	default:
		tok, err := c.cachedToken()
		if err != nil {
			return err
		}
		if tok != "" {
			req.Header.Set("X-Auth-Token", tok)
		}
	}
	return nil
}

// debugRequest prints the request as a curl command. Unlike st2, secrets
// in headers are masked: debug output ends up in tickets and chat.
func (c *client) debugRequest(req *http.Request, body []byte) {
	if !c.s.debug {
		return
	}
	w := c.app.opts.Stderr
	var b strings.Builder
	fmt.Fprintf(&b, "curl -X %s", req.Method)
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := req.Header.Get(k)
		if k == "X-Auth-Token" || k == "St2-Api-Key" || k == "Authorization" {
			v = "********"
		}
		fmt.Fprintf(&b, " -H '%s: %s'", k, v)
	}
	if body != nil {
		body = c.app.maskBody(body)
		fmt.Fprintf(&b, " --data-binary '%s'", strings.ReplaceAll(string(body), "'", `'\''`))
	}
	fmt.Fprintf(&b, " '%s'", req.URL)
	fmt.Fprintf(w, "# -------- begin request ----------\n%s\n# -------- end request ------------\n", b.String())
}

func (c *client) debugResponse(resp *http.Response, body []byte) {
	if !c.s.debug {
		return
	}
	fmt.Fprintf(c.app.opts.Stderr, "# -------- begin response ----------\n%s %s\n", resp.Proto, resp.Status)
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(c.app.opts.Stderr, "%s: %s\n", k, resp.Header.Get(k))
	}
	fmt.Fprintf(c.app.opts.Stderr, "\n%s\n# -------- end response ------------\n", bytes.TrimSpace(body))
}

// call makes one API request with the settings and credentials of cmd.
func (a *app) call(cmd *cli.Command, method, path string, q url.Values, body, out any) (http.Header, error) {
	c, err := a.client(cmd)
	if err != nil {
		return nil, err
	}
	return c.api(method, path, q, body, out)
}

// text fetches a plain-text resource from the API.
func (c *client) text(path string, q url.Values) (string, error) {
	u := c.s.apiURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return "", err
	}
	if err := c.authenticate(req, request{}); err != nil {
		return "", err
	}
	c.debugRequest(req, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 300 {
		return "", &apiError{Status: resp.StatusCode, Fault: faultOf(data), URL: u}
	}
	return string(data), nil
}

// maskBody hides secrets in a request body shown by --debug: the secret
// parameters of the action being run, and the value of a secret key.
func (a *app) maskBody(body []byte) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	if p, ok := m["parameters"].(map[string]any); ok {
		for _, name := range a.secretParams {
			if _, set := p[name]; set {
				p[name], changed = "********", true
			}
		}
	}
	if m["secret"] == true {
		if _, set := m["value"]; set {
			m["value"], changed = "********", true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

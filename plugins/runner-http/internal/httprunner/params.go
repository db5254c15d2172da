package httprunner

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/squall-io/squall/sdk/runner"
)

// params are the request's settings after validation.
type params struct {
	url                   *url.URL
	method                string
	headers               map[string]string
	cookies, query        map[string]any
	body                  []byte
	jsonBody              bool
	username, password    string
	httpProxy, httpsProxy string
	redirects, verify     bool
	timeout               time.Duration
}

func parse(req *runner.Request) (*params, error) {
	all := map[string]any{}
	for k, v := range req.Parameters {
		all[k] = v
	}
	for k, v := range req.RunnerParameters {
		all[k] = v
	}
	p := &params{method: "GET", verify: true, timeout: 60 * time.Second, headers: map[string]string{}}
	raw, _ := all["url"].(string)
	if raw == "" {
		return nil, fmt.Errorf("parameter \"url\" is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parameter \"url\": %q is not an http or https URL", raw)
	}
	p.url = u
	if err := checkHost(u.Hostname(), all["url_hosts_blacklist"], all["url_hosts_whitelist"]); err != nil {
		return nil, err
	}
	if m, ok := all["method"].(string); ok && m != "" {
		p.method = strings.ToUpper(m)
	}
	if h, ok := all["headers"].(map[string]any); ok {
		for k, v := range h {
			p.headers[k] = fmt.Sprint(v)
		}
	}
	p.cookies, _ = all["cookies"].(map[string]any)
	p.query, _ = all["params"].(map[string]any)
	switch b := all["body"].(type) {
	case nil:
	case string:
		p.body = []byte(b)
	default: // an object or list is sent as JSON, as StackStorm does
		if p.body, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("parameter \"body\": %w", err)
		}
		p.jsonBody = true
	}
	p.username, _ = all["username"].(string)
	p.password, _ = all["password"].(string)
	p.httpProxy, _ = all["http_proxy"].(string)
	p.httpsProxy, _ = all["https_proxy"].(string)
	if v, ok := all["allow_redirects"].(bool); ok {
		p.redirects = v
	}
	if v, ok := all["verify_ssl_cert"].(bool); ok {
		p.verify = v
	}
	if n, ok := all["timeout"].(json.Number); ok {
		f, err := n.Float64()
		if err != nil || f <= 0 {
			return nil, fmt.Errorf("parameter \"timeout\" must be a positive number of seconds")
		}
		p.timeout = time.Duration(f * float64(time.Second))
	}
	return p, nil
}

// checkHost applies url_hosts_blacklist / url_hosts_whitelist.
func checkHost(host string, black, white any) error {
	bl, wl := hostList(black), hostList(white)
	if len(bl) > 0 && len(wl) > 0 {
		return fmt.Errorf("url_hosts_blacklist and url_hosts_whitelist exclude each other: set one")
	}
	for _, h := range bl {
		if strings.EqualFold(h, host) {
			return fmt.Errorf("URL host %q is in url_hosts_blacklist", host)
		}
	}
	if len(wl) == 0 {
		return nil
	}
	for _, h := range wl {
		if strings.EqualFold(h, host) {
			return nil
		}
	}
	return fmt.Errorf("URL host %q is not in url_hosts_whitelist", host)
}

func hostList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

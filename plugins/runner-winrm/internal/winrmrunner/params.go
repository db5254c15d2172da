package winrmrunner

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Defaults are StackStorm's (winrm_base.py).
const (
	defaultPort    = 5986
	httpPort       = 5985
	defaultTimeout = 60
	defaultKwargOp = "-"
)

// params are the runner parameters after validation.
type params struct {
	host, username, password string
	port                     int
	scheme, transport        string
	verifySSL                bool
	timeout                  time.Duration // zero: none
	env                      map[string]string
	cwd, cmd, kwargOp        string
}

func (p params) url() string {
	return fmt.Sprintf("%s://%s/wsman", p.scheme, net.JoinHostPort(p.host, strconv.Itoa(p.port)))
}

func parseParams(m map[string]any) (params, error) {
	p := params{port: defaultPort, scheme: "https", transport: "ntlm", verifySSL: true,
		timeout: defaultTimeout * time.Second, kwargOp: defaultKwargOp, env: map[string]string{}}
	var err error
	str := func(name string, into *string, required bool) {
		if err != nil {
			return
		}
		switch v := m[name].(type) {
		case nil:
		case string:
			*into = v
		default:
			err = fmt.Errorf("runner parameter %q must be a string, not %T", name, v)
			return
		}
		if required && *into == "" {
			err = fmt.Errorf("runner parameter %q is required", name)
		}
	}
	str("host", &p.host, true)
	str("username", &p.username, true)
	str("password", &p.password, true)
	str("scheme", &p.scheme, false)
	str("transport", &p.transport, false)
	str("cwd", &p.cwd, false)
	str("cmd", &p.cmd, false)
	str("kwarg_op", &p.kwargOp, false)
	if err != nil {
		return p, err
	}
	if p.scheme != "http" && p.scheme != "https" {
		return p, fmt.Errorf("runner parameter \"scheme\" must be http or https, not %q", p.scheme)
	}
	if p.transport != "basic" && p.transport != "ntlm" {
		return p, fmt.Errorf("runner parameter \"transport\" %q is not supported: use basic or ntlm", p.transport)
	}
	if n, ok, err := integer(m, "port"); err != nil {
		return p, err
	} else if ok {
		if n < 1 || n > 65535 {
			return p, fmt.Errorf("runner parameter \"port\" must be a TCP port, not %d", n)
		}
		p.port = int(n)
	}
	if p.port == httpPort { // st2: the HTTP listener's port forces the http scheme
		p.scheme = "http"
	}
	if n, ok, err := integer(m, "timeout"); err != nil {
		return p, err
	} else if ok {
		if n < 0 {
			return p, fmt.Errorf("runner parameter \"timeout\" must not be negative")
		}
		p.timeout = time.Duration(n) * time.Second
	}
	switch v := m["verify_ssl_cert"].(type) {
	case nil:
	case bool:
		p.verifySSL = v
	default:
		return p, fmt.Errorf("runner parameter \"verify_ssl_cert\" must be a boolean, not %T", v)
	}
	switch v := m["env"].(type) {
	case nil:
	case map[string]any:
		for k, val := range v {
			if s, ok := val.(string); ok {
				p.env[k] = s
			} else {
				b, _ := json.Marshal(val)
				p.env[k] = string(b)
			}
		}
	default:
		return p, fmt.Errorf("runner parameter \"env\" must be an object, not %T", v)
	}
	return p, nil
}

func integer(m map[string]any, name string) (int64, bool, error) {
	switch v := m[name].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, false, fmt.Errorf("runner parameter %q must be an integer, not %s", name, v)
		}
		return n, true, nil
	default:
		return 0, false, fmt.Errorf("runner parameter %q must be an integer, not %T", name, v)
	}
}

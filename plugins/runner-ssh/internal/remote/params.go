package remote

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/scriptargs"
)

// params are the runner parameters after defaults (the host fills them;
// the zero values here cover a host that did not).
type params struct {
	hosts           []string
	username        string
	password        string
	privateKey      string
	passphrase      string
	port            int
	parallel        bool
	sudo            bool
	sudoPassword    string
	cwd             string
	env             map[string]string
	timeout         int64
	bastionHost     string
	dir             string
	kwargOp         string
	cmd             string
	knownHostsCheck bool
}

func parseParams(m map[string]any) (params, error) {
	p := params{port: 22, parallel: true, dir: "/tmp", kwargOp: "--", knownHostsCheck: true, env: map[string]string{}}
	var err error
	str := func(name string, into *string) {
		switch v := m[name].(type) {
		case nil:
		case string:
			*into = v
		default:
			err = fmt.Errorf("runner parameter %q must be a string, not %T", name, v)
		}
	}
	boolean := func(name string, into *bool) {
		switch v := m[name].(type) {
		case nil:
		case bool:
			*into = v
		default:
			err = fmt.Errorf("runner parameter %q must be a boolean, not %T", name, v)
		}
	}
	integer := func(name string, into *int64) {
		switch v := m[name].(type) {
		case nil:
		case json.Number:
			n, e := v.Int64()
			if e != nil || n < 0 {
				err = fmt.Errorf("runner parameter %q must be a non-negative integer, not %s", name, v)
			}
			*into = n
		default:
			err = fmt.Errorf("runner parameter %q must be an integer, not %T", name, v)
		}
	}
	var hosts string
	port := int64(p.port)
	str("hosts", &hosts)
	str("username", &p.username)
	str("password", &p.password)
	str("private_key", &p.privateKey)
	str("passphrase", &p.passphrase)
	str("sudo_password", &p.sudoPassword)
	str("cwd", &p.cwd)
	str("bastion_host", &p.bastionHost)
	str("dir", &p.dir)
	str("kwarg_op", &p.kwargOp)
	str("cmd", &p.cmd)
	boolean("parallel", &p.parallel)
	boolean("sudo", &p.sudo)
	boolean("known_hosts_check", &p.knownHostsCheck)
	integer("port", &port)
	integer("timeout", &p.timeout)
	if err != nil {
		return p, err
	}
	if port < 1 || port > 65535 {
		return p, fmt.Errorf("runner parameter \"port\" must be between 1 and 65535, not %d", port)
	}
	p.port = int(port)
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
	// Duplicates collapse, as st2's per-host result dict does.
	seen := map[string]bool{}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" && !seen[h] {
			seen[h] = true
			p.hosts = append(p.hosts, h)
		}
	}
	if len(p.hosts) == 0 {
		return p, fmt.Errorf("runner parameter \"hosts\" is required: a comma-separated list of hosts")
	}
	return p, nil
}

// address turns a hosts entry (host, host:port, [v6]:port or a bare v6
// address) into a dialable address, the port defaulting to port.
func address(entry string, port int) string {
	if h, p, err := net.SplitHostPort(entry); err == nil {
		return net.JoinHostPort(h, p)
	}
	return net.JoinHostPort(strings.Trim(entry, "[]"), strconv.Itoa(port))
}

// envName is what a shell accepts after export; anything else would break
// (or inject into) the command line.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// paramSpec reads what argument serialization needs from a parameter's
// JSON-schema property.
func paramSpec(spec map[string]any) scriptargs.Param {
	var p scriptargs.Param
	if t, ok := spec["type"].(string); ok {
		p.Type = t
	}
	if n, ok := spec["position"].(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			pos := int(i)
			p.Position = &pos
		}
	}
	return p
}

// commonParameters are StackStorm's remote runner parameters (names, types,
// defaults), described in our own words, plus known_hosts_check.
func commonParameters() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	secret := func(desc string) map[string]any {
		return map[string]any{"type": "string", "secret": true, "required": false, "description": desc}
	}
	return map[string]any{
		"hosts": map[string]any{"type": "string", "required": true,
			"description": "Comma-separated hosts to run on; each may carry its own port (web1,web2:2222,[::1]:22)."},
		"username": str("Login user on the remote hosts. Defaults to the user the runner plugin runs as."),
		"password": secret("Password to log in with. Without it, the private key (or, failing that, " +
			"the SSH agent and the default keys in ~/.ssh) is used."),
		"private_key": secret("Private key to log in with: a path to a key file, or the key itself (PEM or OpenSSH format)."),
		"passphrase":  secret("Passphrase that decrypts private_key, when it is encrypted."),
		"port": map[string]any{"type": "integer", "default": 22, "required": false,
			"description": "SSH port for hosts that do not name one."},
		"parallel": map[string]any{"type": "boolean", "default": true, "immutable": true,
			"description": "Run on all hosts at once rather than one after another."},
		"sudo": map[string]any{"type": "boolean", "default": false,
			"description": "Run the command as root through sudo on each host."},
		"sudo_password": map[string]any{"type": "string", "secret": true, "required": false, "default": nil,
			"description": "Password sudo asks for, when the remote user may not use sudo without one."},
		"cwd": str("Directory on each host the command starts in. Defaults to the login directory."),
		"env": map[string]any{"type": "object",
			"description": "Environment variables exported for the command (name: value)."},
		"timeout": map[string]any{"type": "integer", "default": 60,
			"description": "Seconds the whole run may take on all hosts; unfinished commands are then stopped."},
		"bastion_host": str("Jump host every connection goes through, logged into with the same user, " +
			"credentials and port as the target hosts."),
		"dir": map[string]any{"type": "string", "default": "/tmp",
			"description": "Directory on each host that scripts are copied into (and removed from) for the run."},
		"kwarg_op": map[string]any{"type": "string", "default": "--",
			"description": "Prefix for named script arguments, such as \"--\" or \"-\"."},
		"known_hosts_check": map[string]any{"type": "boolean", "default": true,
			"description": "A squall addition (StackStorm has no such switch). Check each host's key against " +
				"~/.ssh/known_hosts, or the file named by the SQUALL_SSH_KNOWN_HOSTS environment variable of the " +
				"runner plugin, and refuse hosts whose key is unknown or has changed. Turn off only for " +
				"throw-away hosts: without it, a man in the middle can read passwords and output."},
	}
}

// hostResult is one host's entry in the result, as st2 reports it.
var hostResult = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"succeeded":   map[string]any{"type": "boolean"},
		"failed":      map[string]any{"type": "boolean"},
		"return_code": map[string]any{"type": "integer"},
		"stdout":      map[string]any{},
		"stderr":      map[string]any{},
		"error":       map[string]any{"type": "string"},
		"timeout":     map[string]any{"type": "boolean"},
	},
}

// outputSchema: the result maps each host to its entry.
var outputSchema = map[string]any{"type": "object", "additionalProperties": hostResult}

func runnerTypes() []runner.RunnerType {
	cmd := commonParameters()
	cmd["cmd"] = map[string]any{"type": "string", "description": "Shell command to run on every host."}
	return []runner.RunnerType{
		{
			Name: TypeCmd, Description: "Runs a shell command over SSH on one or more hosts as a fixed user.",
			Parameters: cmd, OutputSchema: outputSchema,
		},
		{
			Name: TypeScript, Description: "Copies the action's script to one or more hosts over SSH and runs it there as a fixed user.",
			Parameters: commonParameters(), OutputSchema: outputSchema,
		},
	}
}

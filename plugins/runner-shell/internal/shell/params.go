package shell

import (
	"encoding/json"
	"fmt"

	"github.com/squall-io/squall/sdk/runner/scriptargs"
)

// params are the runner parameters after defaults (the host fills them).
type params struct {
	cmd          string
	cwd          string
	env          map[string]string
	kwargOp      string
	sudo         bool
	sudoPassword string
	timeout      int64
}

func parseParams(m map[string]any) (params, error) {
	p := params{kwargOp: "--", env: map[string]string{}}
	var err error
	str := func(name string, into *string) {
		if err != nil {
			return
		}
		switch v := m[name].(type) {
		case nil:
		case string:
			*into = v
		default:
			err = fmt.Errorf("runner parameter %q must be a string, not %T", name, v)
		}
	}
	str("cmd", &p.cmd)
	str("cwd", &p.cwd)
	str("kwarg_op", &p.kwargOp)
	str("sudo_password", &p.sudoPassword)
	if err != nil {
		return p, err
	}
	switch v := m["sudo"].(type) {
	case nil:
	case bool:
		p.sudo = v
	default:
		return p, fmt.Errorf("runner parameter \"sudo\" must be a boolean, not %T", v)
	}
	switch v := m["timeout"].(type) {
	case nil:
	case json.Number:
		if p.timeout, err = v.Int64(); err != nil || p.timeout < 0 {
			return p, fmt.Errorf("runner parameter \"timeout\" must be a non-negative integer, not %s", v)
		}
	default:
		return p, fmt.Errorf("runner parameter \"timeout\" must be an integer, not %T", v)
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

// Package params handles action parameters the StackStorm way: runner and
// action specs merged, defaults, immutable and secret parameters, JSON
// schema validation with errors that name the parameter, and masking.
package params

import (
	"encoding/json"
	"fmt"
	"sort"
)

// jsonTypes are the types a parameter may declare.
var jsonTypes = map[string]bool{
	"string": true, "integer": true, "number": true, "boolean": true,
	"array": true, "object": true, "null": true,
}

// overridable are the attributes an action may change on a runner
// parameter; anything else must stay as the runner declares it.
var overridable = map[string]bool{
	"default": true, "description": true, "enum": true, "immutable": true,
	"required": true, "secret": true, "position": true,
}

// ValidateSpecs checks parameter specs (name -> JSON-schema property with
// StackStorm's position, secret, immutable and boolean required), and that
// they override runner parameters only where StackStorm allows it.
func ValidateSpecs(specs map[string]any, runnerParams map[string]any) error {
	for _, name := range sortedKeys(specs) {
		prop, ok := specs[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: must be a mapping of attributes, not %T", name, specs[name])
		}
		if err := validateProp(name, prop); err != nil {
			return err
		}
		rp, isRunner := runnerParams[name].(map[string]any)
		if !isRunner {
			continue
		}
		for _, attr := range sortedKeys(prop) {
			if overridable[attr] {
				continue
			}
			if !equalJSON(prop[attr], rp[attr]) {
				return fmt.Errorf("%s: attribute %q of the runner parameter cannot be overridden", name, attr)
			}
		}
	}
	return nil
}

func validateProp(name string, prop map[string]any) error {
	switch t := prop["type"].(type) {
	case nil:
	case string:
		if !jsonTypes[t] {
			return fmt.Errorf("%s: type %q is not one of string, integer, number, boolean, array, object, null", name, t)
		}
	case []any:
		for _, e := range t {
			if s, _ := e.(string); !jsonTypes[s] {
				return fmt.Errorf("%s: type %v is not a valid type", name, e)
			}
		}
	default:
		return fmt.Errorf("%s: type must be a string, not %T", name, t)
	}
	for _, attr := range []string{"required", "secret", "immutable"} {
		if v, ok := prop[attr]; ok {
			if _, isBool := v.(bool); !isBool {
				return fmt.Errorf("%s: %s must be true or false, not %v", name, attr, v)
			}
		}
	}
	if p, ok := prop["position"]; ok {
		n, isInt := asInt(p)
		if !isInt || n < 0 {
			return fmt.Errorf("%s: position must be a non-negative integer, not %v", name, p)
		}
	}
	if e, ok := prop["enum"]; ok {
		if _, isList := e.([]any); !isList {
			return fmt.Errorf("%s: enum must be a list", name)
		}
	}
	return nil
}

// Merge returns the effective specs of an action: the runner's parameters
// with the action's attributes laid over them, plus the action's own.
func Merge(runnerParams, actionParams map[string]any) map[string]any {
	out := make(map[string]any, len(runnerParams)+len(actionParams))
	for name, p := range runnerParams {
		out[name] = p
	}
	for name, p := range actionParams {
		ap, _ := p.(map[string]any)
		rp, ok := runnerParams[name].(map[string]any)
		if !ok {
			out[name] = ap
			continue
		}
		merged := make(map[string]any, len(rp)+len(ap))
		for k, v := range rp {
			merged[k] = v
		}
		for k, v := range ap {
			merged[k] = v
		}
		out[name] = merged
	}
	return out
}

// Secrets names the secret parameters of specs, sorted.
func Secrets(specs map[string]any) []string {
	var out []string
	for name, p := range specs {
		if prop, _ := p.(map[string]any); prop != nil && prop["secret"] == true {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Mask is StackStorm's mask for secret values.
const Mask = "********"

// MaskValues returns values with each named secret replaced by Mask; the
// input is not changed.
func MaskValues(values map[string]any, secrets []string) map[string]any {
	if len(secrets) == 0 {
		return values
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	for _, s := range secrets {
		if _, ok := out[s]; ok {
			out[s] = Mask
		}
	}
	return out
}

// Immutable reports the provided parameters that specs mark immutable.
func Immutable(values, specs map[string]any) []string {
	var out []string
	for name := range values {
		if prop, _ := specs[name].(map[string]any); prop != nil && prop["immutable"] == true {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// WithDefaults returns values plus the default of every spec not given.
func WithDefaults(values, specs map[string]any) map[string]any {
	out := make(map[string]any, len(specs))
	for name, p := range specs {
		prop, _ := p.(map[string]any)
		if d, ok := prop["default"]; ok {
			out[name] = d
		}
	}
	for k, v := range values {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), n == float64(int64(n))
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

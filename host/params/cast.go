package params

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Cast turns a string (from the command line, or a rendered template) into
// a value of the declared type, as StackStorm's CLI and parameter
// rendering do. Untyped and string parameters keep the string.
func Cast(s string, typ string) (any, error) {
	switch typ {
	case "integer":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case "number":
		f := strings.TrimSpace(s)
		if _, err := strconv.ParseFloat(f, 64); err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return json.Number(f), nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "yes", "1", "on", "y":
			return true, nil
		case "false", "no", "0", "off", "n":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (true or false)", s)
	case "array":
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "[") {
			var v []any
			if err := decodeJSON(t, &v); err != nil {
				return nil, fmt.Errorf("%q is not a JSON array: %v", s, err)
			}
			return v, nil
		}
		if t == "" {
			return []any{}, nil
		}
		var out []any
		for _, e := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out, nil
	case "object":
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "{") {
			var v map[string]any
			if err := decodeJSON(t, &v); err != nil {
				return nil, fmt.Errorf("%q is not a JSON object: %v", s, err)
			}
			return v, nil
		}
		// key=value,key2=value2, as st2's CLI accepts.
		out := map[string]any{}
		for _, pair := range strings.Split(t, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				return nil, fmt.Errorf("%q is not a JSON object or key=value pairs", s)
			}
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return out, nil
	case "null":
		if s == "" || strings.EqualFold(s, "null") || s == "None" {
			return nil, nil
		}
		return nil, fmt.Errorf("%q is not null", s)
	}
	return s, nil
}

// TypeOf returns the declared type of a parameter spec ("" if none or a
// list of types).
func TypeOf(spec any) string {
	prop, _ := spec.(map[string]any)
	t, _ := prop["type"].(string)
	return t
}

func decodeJSON(s string, out any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(out)
}

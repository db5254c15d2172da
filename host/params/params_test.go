package params

import (
	"strings"
	"testing"
)

var runnerParams = map[string]any{
	"cmd":     map[string]any{"type": "string"},
	"timeout": map[string]any{"type": "integer", "default": 60},
	"sudo":    map[string]any{"type": "boolean", "default": false},
}

func TestValidateSpecs(t *testing.T) {
	tests := []struct {
		name  string
		specs map[string]any
		err   string
	}{
		{"ok", map[string]any{"cmd": map[string]any{"required": true, "default": "ls"},
			"n": map[string]any{"type": "integer", "position": 0}}, ""},
		{"not a mapping", map[string]any{"x": "string"}, "x: must be a mapping"},
		{"bad type", map[string]any{"x": map[string]any{"type": "text"}}, `type "text" is not one of`},
		{"bad position", map[string]any{"x": map[string]any{"position": -1}}, "position must be a non-negative integer"},
		{"required not bool", map[string]any{"x": map[string]any{"required": "yes"}}, "required must be true or false"},
		{"override type", map[string]any{"timeout": map[string]any{"type": "string"}}, `attribute "type" of the runner parameter cannot be overridden`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSpecs(tc.specs, runnerParams)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, want %q", err, tc.err)
			}
		})
	}
}

func TestValidateValues(t *testing.T) {
	specs := Merge(runnerParams, map[string]any{
		"cmd":   map[string]any{"required": true},
		"count": map[string]any{"type": "integer"},
		"mode":  map[string]any{"type": "string", "enum": []any{"a", "b"}},
		"pw":    map[string]any{"type": "string", "secret": true},
	})
	tests := []struct {
		name   string
		values map[string]any
		err    string
	}{
		{"ok", map[string]any{"cmd": "ls", "count": 3, "mode": "a"}, ""},
		{"optional null", map[string]any{"cmd": "ls", "pw": nil}, ""},
		{"missing required", map[string]any{}, "missing property 'cmd'"},
		{"wrong type", map[string]any{"cmd": "ls", "count": "three"}, `parameter "count": got string, want integer`},
		{"not in enum", map[string]any{"cmd": "ls", "mode": "c"}, `parameter "mode"`},
		{"unknown", map[string]any{"cmd": "ls", "bogus": 1}, "additional properties 'bogus' not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.values, specs, false)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, want %q", err, tc.err)
			}
		})
	}
	if s := Secrets(specs); len(s) != 1 || s[0] != "pw" {
		t.Fatalf("secrets: %v", s)
	}
	masked := MaskValues(map[string]any{"pw": "hunter2", "cmd": "ls"}, []string{"pw"})
	if masked["pw"] != Mask || masked["cmd"] != "ls" {
		t.Fatalf("mask: %v", masked)
	}
	if im := Immutable(map[string]any{"x": 1}, map[string]any{"x": map[string]any{"immutable": true}}); len(im) != 1 {
		t.Fatalf("immutable: %v", im)
	}
}

package params

import (
	"encoding/json"
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

func TestCast(t *testing.T) {
	tests := []struct {
		in, typ string
		want    string // JSON of the result
		err     bool
	}{
		{"5", "integer", "5", false},
		{"5.5", "integer", "", true},
		{"2.5", "number", "2.5", false},
		{"yes", "boolean", "true", false},
		{"False", "boolean", "false", false},
		{"maybe", "boolean", "", true},
		{"a, b,c", "array", `["a","b","c"]`, false},
		{`[1, "x"]`, "array", `[1,"x"]`, false},
		{`{"a": 1}`, "object", `{"a":1}`, false},
		{"a=1,b=2", "object", `{"a":"1","b":"2"}`, false},
		{"oops", "object", "", true},
		{"ls -al", "string", `"ls -al"`, false},
		{"x", "", `"x"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+tc.in, func(t *testing.T) {
			v, err := Cast(tc.in, tc.typ)
			if tc.err {
				if err == nil {
					t.Fatalf("want an error, got %v", v)
				}
				return
			}
			b, _ := json.Marshal(v)
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %s %v, want %s", b, err, tc.want)
			}
		})
	}
}

func TestFinalize(t *testing.T) {
	specs := map[string]any{
		"message": map[string]any{"type": "string", "required": true},
		"cmd":     map[string]any{"type": "string", "default": `echo "{{message}}"`},
		"count":   map[string]any{"type": "integer", "default": "{{ st2kv.system.count }}"},
		"who":     map[string]any{"type": "string", "default": "{{ action_context.user }}@{{ config_context.region }}"},
		"pw":      map[string]any{"type": "string", "default": "{{ st2kv.system.pw | decrypt_kv }}"},
		"plain":   map[string]any{"type": "integer", "default": 3},
	}
	rc := RenderContext{
		ST2KV:         func() map[string]any { return map[string]any{"system": map[string]any{"count": "7", "pw": "C"}} },
		ActionContext: map[string]any{"user": "stanley"},
		ConfigContext: map[string]any{"region": "eu"},
		Decrypt:       func(string) (string, error) { return "plain", nil },
	}
	got, err := Finalize(map[string]any{"message": "hi {{ who }}"}, specs, rc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"cmd":"echo \"hi stanley@eu\"","count":7,"message":"hi stanley@eu","plain":3,"pw":"plain","who":"stanley@eu"}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	_, err = Finalize(map[string]any{"a": "{{ b }}", "b": "{{ a }}"}, nil, RenderContext{})
	if err == nil || !strings.Contains(err.Error(), "cycle: a, b") {
		t.Fatalf("cycle: %v", err)
	}
	_, err = Finalize(map[string]any{"count": "{{ 'x' }}"}, specs, rc)
	if err == nil || !strings.Contains(err.Error(), `parameter "count"`) {
		t.Fatalf("bad cast: %v", err)
	}
}

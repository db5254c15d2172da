package packs

import (
	"reflect"
	"testing"

	"github.com/squall-io/squall/cluster/structs"
)

func TestDecodeYAML11(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"yaml 1.1 booleans", "a: yes\nb: off\nc: True\nd: 'yes'\ne: n\n",
			map[string]any{"a": true, "b": false, "c": true, "d": "yes", "e": "n"}},
		{"nested", "p:\n  x:\n    immutable: on\n    default: [no, 'no']\n",
			map[string]any{"p": map[string]any{"x": map[string]any{"immutable": true, "default": []any{false, "no"}}}}},
		{"numbers stay numbers", "t: 60\nf: 1.5\n", map[string]any{"t": 60, "f": 1.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			if err := DecodeYAML([]byte(tc.in), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	var bad map[string]any
	if err := DecodeYAML([]byte("a: [1, 2\n"), &bad); err == nil {
		t.Fatal("a syntax error must fail")
	}
}

func TestBuildActionEntryPoint(t *testing.T) {
	known := func(string) (structs.RunnerType, bool) { return structs.RunnerType{}, true }
	for _, ep := range []string{"/etc/passwd", "../../x.sh", ".."} {
		m := ActionMeta{Name: "a", RunnerType: "local-shell-script", EntryPoint: ep}
		if _, err := BuildAction(m, "p", "api", "", Options{RunnerType: known}); err == nil {
			t.Fatalf("entry point %q accepted", ep)
		}
	}
	m := ActionMeta{Name: "a", RunnerType: "local-shell-script", EntryPoint: "lib/run.sh"}
	if _, err := BuildAction(m, "p", "api", "", Options{RunnerType: known}); err != nil {
		t.Fatal(err)
	}
}

package jinja

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func testCtx() map[string]any {
	return map[string]any{
		"n":    int64(3),
		"f":    2.5,
		"num":  json.Number("42"),
		"s":    "hello",
		"list": []any{int64(1), "a", true},
		"dict": map[string]any{"k": "v", "nested": map[string]any{"x": int64(1)}},
		"st2kv": map[string]any{
			"system": map[string]any{"foo": map[string]any{"bar": "baz"}, "count": "7"},
			"user":   map[string]any{"token": "t"},
		},
	}
}

func TestRenderNative(t *testing.T) {
	tests := []struct {
		name, tmpl string
		want       any
	}{
		{"list stays a list", "{{ list }}", []any{int64(1), "a", true}},
		{"dict stays a map", "{{ dict.nested }}", map[string]any{"x": int64(1)}},
		{"int", "{{ n + 1 }}", int64(4)},
		{"json.Number is an int", "{{ num + 1 }}", int64(43)},
		{"float", "{{ f * 2 }}", 5.0},
		{"bool", "{{ n > 2 }}", true},
		{"string", "{{ s | upper }}", "HELLO"},
		{"surrounding whitespace", "  {{ list }}\n", []any{int64(1), "a", true}},
		{"list literal", "{{ [1, 'x'] }}", []any{int64(1), "x"}},
		{"dict literal", "{{ {'a': 1} }}", map[string]any{"a": int64(1)}},
		{"lazy datastore lookup", "{{ st2kv.system.foo.bar }}", "baz"},
		{"undefined is empty", "{{ missing }}", ""},
		{"undefined attribute is empty", "{{ dict.missing }}", ""},
		{"conditional", "{{ 'big' if n > 2 else 'small' }}", "big"},
		{"conditional without else", "{{ 'big' if n > 5 }}", ""},
		{"use_none gives nil", "{{ missing | use_none }}", nil},
		{"two expressions render a string", "{{ n }}{{ n }}", "33"},
		{"text around renders a string", "n={{ n }}", "n=3"},
		{"no template is unchanged", "plain {text} 100%", "plain {text} 100%"},
		{"comment only syntax is not a template", "{# x #}", "{# x #}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.tmpl, testCtx())
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.tmpl, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Render(%q) = %#v, want %#v", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestRenderString(t *testing.T) {
	tests := []struct{ name, tmpl, want string }{
		{"expression", "{{ n }}", "3"},
		{"list is printed", "{{ list }}", "[1, 'a', True]"},
		{"float keeps its point", "{{ f }}", "2.5"},
		{"undefined in text", "a{{ missing }}b", "ab"},
		{"trim_blocks and lstrip_blocks", "{% for i in list %}\n  {% if i %}\n{{ i }},\n  {% endif %}\n{% endfor %}", "1,\na,\nTrue,\n"},
		{"builtin filters", "{{ list | join('-') }} {{ s | length }} {{ '5' | int + 1 }} {{ missing | default('d') }}", "1-a-True 5 6 d"},
		{"replace", "{{ s | replace('l', 'L') }}", "heLLo"},
		{"raw", "{% raw %}{{ x }}{% endraw %}", "{{ x }}"},
		{"set", "{% set x = 'a' %}{{ x }}", "a"},
		{"range", "{% for i in range(3) %}{{ i }}{% endfor %}", "012"},
		{"no template", "{text}", "{text}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderString(tt.tmpl, testCtx())
			if err != nil {
				t.Fatalf("RenderString(%q): %v", tt.tmpl, err)
			}
			if got != tt.want {
				t.Fatalf("RenderString(%q) = %q, want %q", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestHasTemplate(t *testing.T) {
	for s, want := range map[string]bool{
		"{{ x }}": true, "a {% if x %}b{% endif %}": true, "plain": false, "{ x }": false, "{#": false, "": false,
	} {
		t.Run(s, func(t *testing.T) {
			if got := HasTemplate(s); got != want {
				t.Fatalf("HasTemplate(%q) = %v, want %v", s, got, want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct{ name, tmpl, want string }{
		{"bad syntax", "{{ x", "'}}' expected"},
		{"unclosed block", "{% if x %}", "failed to render"},
		{"unknown filter", "{{ x | nope }}", "filter 'nope' not found"},
		{"panic is recovered", "{{ 1 % 0 }}", "template panicked"},
		{"python percent formatting", "{{ '%s' % n }}", "python %-formatting is not supported"},
		{"attribute of undefined", "{{ dict.missing.x }}", "dict.missing.x"},
		{"output cap", "{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}", "rendered output exceeds"},
		{"range cap", "{{ range(1000000) | list }}", "exceeds the limit"},
		{"no file access", "{% include '/etc/passwd' %}", "unknown path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.tmpl, testCtx())
			if err == nil {
				t.Fatalf("Render(%q): no error", tt.tmpl)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "failed to render ") || !strings.Contains(msg, tt.tmpl[:4]) || !strings.Contains(msg, tt.want) {
				t.Fatalf("Render(%q) error %q, want it to name the template and contain %q", tt.tmpl, msg, tt.want)
			}
		})
	}
}

func TestRenderTimeout(t *testing.T) {
	before := runtime.NumGoroutine()
	start := time.Now()
	_, err := Render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", nil)
	if err == nil || !strings.Contains(err.Error(), "template rendering took too long") {
		t.Fatalf("error %v, want a timeout", err)
	}
	if d := time.Since(start); d < MaxDuration || d > MaxDuration+time.Second {
		t.Fatalf("took %v, want about %v", d, MaxDuration)
	}
	// The abandoned render must stop at its next range() call.
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 100 {
			t.Fatalf("render goroutine still running: %d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRenderDoesNotMutateContext(t *testing.T) {
	ctx := testCtx()
	if _, err := Render("{% set _ = dict.update({'k': 'changed'}) %}{{ dict.k }}", ctx); err != nil {
		t.Logf("update not supported: %v", err)
	}
	if got := ctx["dict"].(map[string]any)["k"]; got != "v" {
		t.Fatalf("caller's context changed: k = %v", got)
	}
	if _, ok := ctx[stateKey]; ok {
		t.Fatal("render state leaked into the caller's context")
	}
}

func TestRenderConcurrently(t *testing.T) {
	done := make(chan error)
	for i := range 16 {
		go func() {
			got, err := Render("{{ n + i }}", map[string]any{"n": int64(1), "i": int64(i)})
			if err == nil && got != int64(1+i) {
				err = fmt.Errorf("got %v, want %d", got, 1+i)
			}
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// Whole numbers from Go's JSON decoding (float64) render as integers, as
// Python's json would have read them.
func TestWholeFloatsRenderAsIntegers(t *testing.T) {
	got, err := RenderString("{{ n }} {{ f }} {{ l[0] }}", map[string]any{"n": 5.0, "f": 2.5, "l": []any{0.0}})
	if err != nil || got != "5 2.5 0" {
		t.Fatalf("got %q %v", got, err)
	}
}

func TestRenderStrictUndefined(t *testing.T) {
	ctx := map[string]any{"a": map[string]any{"b": 1}}
	strict := Options{StrictUndefined: true}
	for _, tmpl := range []string{"{{ missing }}", "x {{ missing }}", "{{ a.c }}"} {
		if _, err := RenderWith(tmpl, ctx, strict); err == nil {
			t.Errorf("%s: an undefined name must fail a strict render", tmpl)
		}
		if _, err := RenderWith(tmpl, ctx, Options{}); err != nil {
			t.Errorf("%s: undefined renders empty by default: %v", tmpl, err)
		}
	}
	for tmpl, want := range map[string]any{"{{ a.b }}": int64(1), "{{ missing is defined }}": false, "{{ missing | default(2) }}": int64(2)} {
		if got, err := RenderWith(tmpl, ctx, strict); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", tmpl, got, err, want)
		}
	}
}

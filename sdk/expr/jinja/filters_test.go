package jinja

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Expected values come from running StackStorm's filter functions in Python.
func TestDecryptKV(t *testing.T) {
	ctx := map[string]any{"st2kv": map[string]any{"system": map[string]any{"pw": "CIPHER"}}}
	decrypt := func(c string) (string, error) {
		if c != "CIPHER" {
			return "", fmt.Errorf("bad ciphertext")
		}
		return "s3cr3t", nil
	}
	got, err := RenderWith("{{ st2kv.system.pw | decrypt_kv }}", ctx, Options{Decrypt: decrypt})
	if err != nil || got != "s3cr3t" {
		t.Fatalf("decrypt_kv: %v %v", got, err)
	}
	if got, _ := RenderWith("{{ st2kv.system.pw }}", ctx, Options{Decrypt: decrypt}); got != "CIPHER" {
		t.Fatalf("without decrypt_kv the ciphertext stays: %v", got)
	}
	if _, err := Render("{{ st2kv.system.pw | decrypt_kv }}", ctx); err == nil {
		t.Fatal("decrypt_kv without a key must fail")
	}
}

func TestFilters(t *testing.T) {
	ctx := map[string]any{
		"obj":    map[string]any{"b": []any{int64(1), "x", 2.5}, "s": "h\u00e9llo <&>", "e": map[string]any{}, "l": []any{}},
		"deep":   map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": int64(1)}, map[string]any{"c": int64(2)}}}},
		"tricky": "a\"b\nc\u00e9\U0001F600\x7f",
		"secret": "s3cr3t",
	}
	tests := []struct {
		name, tmpl string
		want       any
	}{
		{"to_json_string", "{{ obj | to_json_string }}", `{"b": [1,"x",2.5],"e": {},"l": [],"s": "h\u00e9llo <&>"}`},
		{"to_json_string indent", "{{ obj | to_json_string(indent=2) }}", "{\n  \"b\": [\n    1,\n    \"x\",\n    2.5\n  ],\n  \"e\": {},\n  \"l\": [],\n  \"s\": \"h\\u00e9llo <&>\"\n}"},
		{"to_json_string separators", "{{ obj.b | to_json_string(separators=[',', ':']) }}", `[1,"x",2.5]`},
		{"to_json_string floats", "{{ [1e16, 0.00001, 0.0001, 123456789.0, 2.0] | to_json_string }}", "[1e+16,1e-05,0.0001,123456789.0,2.0]"},
		{"to_complex", "{{ obj | to_complex }}", `{"b": [1, "x", 2.5], "e": {}, "l": [], "s": "h\u00e9llo <&>"}`},
		{"json_escape", "{{ tricky | json_escape }}", `a\"b\nc\u00e9\ud83d\ude00\u007f`},
		{"from_json_string", `{{ '{"a": [1, 2.0, null, true]}' | from_json_string }}`, map[string]any{"a": []any{int64(1), 2.0, nil, true}}},
		{"from_yaml_string", "{{ 'x: 1\ny: [a, {b: 2}]\n' | from_yaml_string }}", map[string]any{"x": int64(1), "y": []any{"a", map[string]any{"b": int64(2)}}}},
		{"to_yaml_string", "{{ {'b': 1, 'a': [1, {'c': None}]} | to_yaml_string }}", "a:\n- 1\n- c: null\nb: 1\n"},
		{"jsonpath_query", "{{ deep | jsonpath_query('$..c') }}", []any{int64(1), int64(2)}},
		{"jsonpath_query index", "{{ deep | jsonpath_query('a.b[1].c') }}", []any{int64(2)}},
		{"jsonpath_query no match", "{{ deep | jsonpath_query('$.nope') | use_none }}", nil},
		{"regex_match", "{{ 'abc' | regex_match('b') }}", false},
		{"regex_match anchors at start", "{{ 'abc' | regex_match('a.') }}", true},
		{"regex_match ignorecase", "{{ 'ABC' | regex_match('abc', ignorecase=True) }}", true},
		{"regex_search", "{{ 'abc' | regex_search('b') }}", true},
		{"regex_search no match", "{{ 'abc' | regex_search('^b') }}", false},
		{"regex_search python \\Z", "{{ 'ab\n' | regex_search('b\\\\Z') }}", false},
		{"regex_search python \\Z at end", "{{ 'ab' | regex_search('b\\\\Z') }}", true},
		{"regex_replace groups", `{{ 'ac ab' | regex_replace('(a)(b)?', '[\\1|\\2]\\\\n\\g<0>') }}`, `[a|]\nac [a|b]\nab`},
		{"regex_replace named", `{{ 'abc123' | regex_replace('(?P<d>\\d+)', '<\\g<d>>') }}`, "abc<123>"},
		{"regex_replace empty matches", "{{ 'abxd' | regex_replace('x*', '-') }}", "-a-b--d-"},
		{"regex_substring", "{{ 'a1b22' | regex_substring('\\\\d+') }}", "1"},
		{"regex_substring index", "{{ 'a1b22' | regex_substring('\\\\d+', 1) }}", "22"},
		{"regex_substring negative index", "{{ 'a1b22' | regex_substring('\\\\d+', -1) }}", "22"},
		{"regex_substring groups", "{{ 'a1b 2' | regex_substring('(?P<x>\\\\d)(\\\\w)?', 1) }}", []any{"2", ""}},
		{"to_human_time_from_seconds", "{{ 93784 | to_human_time_from_seconds }}", "1d2h3m4s"},
		{"to_human_time zero", "{{ 0 | to_human_time_from_seconds }}", "0s"},
		{"to_human_time minutes", "{{ 65 | to_human_time_from_seconds }}", "1m5s"},
		{"to_human_time keeps inner zeros", "{{ 86405 | to_human_time_from_seconds }}", "1d0h0m5s"},
		{"to_human_time drops months", "{{ 3456000 | to_human_time_from_seconds }}", "9d0h0m0s"},
		{"to_human_time years", "{{ 34560001 | to_human_time_from_seconds }}", "1y4d0h0m1s"},
		{"to_human_time sub-second", "{{ 0.5 | to_human_time_from_seconds }}", "0.5μs"},
		{"to_human_time rounds half to even", "{{ 2.5 | to_human_time_from_seconds }}", "2s"},
		{"to_human_time negative", "{{ -3 | to_human_time_from_seconds }}", "-3μs"},
		{"version_compare", "{{ '1.2.3' | version_compare('1.10.0') }}", int64(-1)},
		{"version_compare equal", "{{ '1.2.3' | version_compare('1.2.3') }}", int64(0)},
		{"version_more_than", "{{ '2.0.0' | version_more_than('1.9.9') }}", true},
		{"version_less_than", "{{ '1.0.0-rc.1' | version_less_than('1.0.0') }}", true},
		{"version_equal", "{{ '1.0.0' | version_equal('1.0.0') }}", true},
		{"version_match", "{{ '1.5.0' | version_match('>=1.2.0') }}", true},
		{"version_match less", "{{ '1.5.0' | version_match('<1.2.0') }}", false},
		{"version_match not equal", "{{ '1.5.0' | version_match('!=1.5.0') }}", false},
		{"version_bump_major", "{{ '1.2.3' | version_bump_major }}", "2.0.0"},
		{"version_bump_minor", "{{ '1.2.3' | version_bump_minor }}", "1.3.0"},
		{"version_bump_patch", "{{ '1.2.3-rc.1' | version_bump_patch }}", "1.2.4"},
		{"version_strip_patch", "{{ '1.2.3' | version_strip_patch }}", "1.2"},
		{"use_none on a value", "{{ secret | use_none }}", "s3cr3t"},
		{"use_none in text", "x{{ None | use_none }}", "x" + noneMagic},
		{"basename", "{{ '/a/b.txt' | basename }}", "b.txt"},
		{"basename trailing slash", "{{ '/a/b/' | basename }}", ""},
		{"dirname", "{{ '/a/b/' | dirname }}", "/a/b"},
		{"dirname relative", "{{ 'a' | dirname }}", ""},
		{"dirname root", "{{ '/a' | dirname }}", "/"},
		{"dirname double slash", "{{ 'a//b' | dirname }}", "a"},
		{"format", "{{ '%s-%05.1f-%d|%g|%e|%x|%5s|%-4d|%r' | format(3, 2.5, 7, 1234567, 1.5, 255, 'ab', 3, 'q') }}", "3-002.5-7|1.23457e+06|1.500000e+00|ff|   ab|3   |'q'"},
		{"format by name", "{{ '%(a)s=%(b)d' | format(a='x', b=2) }}", "x=2"},
		{"format None", "{{ '%s' | format(None) }}", "None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.tmpl, ctx)
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.tmpl, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Render(%q) = %#v, want %#v", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ name, tmpl, want string }{
		{"from_json_string invalid", "{{ '{' | from_json_string }}", "from_json_string"},
		{"from_json_string trailing data", "{{ '1 2' | from_json_string }}", "extra data"},
		{"from_yaml_string invalid", "{{ 'a: [' | from_yaml_string }}", "from_yaml_string"},
		{"jsonpath_query invalid", "{{ {} | jsonpath_query('$.[') }}", "invalid jsonpath"},
		{"jsonpath_query needs a query", "{{ {} | jsonpath_query }}", "expected an argument"},
		{"regex invalid", "{{ 'a' | regex_search('(') }}", "invalid regex"},
		{"regex_replace bad group", "{{ 'a' | regex_replace('a', '\\\\2') }}", "invalid group reference"},
		{"regex_substring out of range", "{{ 'a' | regex_substring('b') }}", "no match at index 0"},
		{"to_human_time of a string", "{{ 'x' | to_human_time_from_seconds }}", "expected a number"},
		{"version invalid", "{{ '1.2' | version_bump_major }}", "not valid semver"},
		{"version v prefix", "{{ 'v1.2.3' | version_compare('1.2.3') }}", "not valid semver"},
		{"version_match bad operator", "{{ '1.2.3' | version_match('~1.2.3') }}", "<op><version>"},
		{"format too many args", "{{ '%s' | format(1, 2) }}", "not all arguments converted"},
		{"format too few args", "{{ '%s %s' | format(1) }}", "not enough arguments"},
		{"format a number from a string", "{{ '%d' | format('x') }}", "a number is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.tmpl, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render(%q) error %v, want one containing %q", tt.tmpl, err, tt.want)
			}
		})
	}
}

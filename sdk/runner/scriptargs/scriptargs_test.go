package scriptargs

import (
	"encoding/json"
	"math"
	"testing"
)

func pos(i int, typ string) Param { return Param{Position: &i, Type: typ} }

type num = json.Number

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", `''`},
		{"plain", "abc123", `abc123`},
		{"all safe chars", "aZ09_@%+=:,./-", `aZ09_@%+=:,./-`},
		{"space", "mamma mia", `'mamma mia'`},
		{"single quote", "it's", `'it'"'"'s'`},
		{"double quote", `a"b`, `'a"b'`},
		{"newline", "foo\nbar", "'foo\nbar'"},
		{"dollar", "$HOME", `'$HOME'`},
		{"semicolon", "date ; whoami", `'date ; whoami'`},
		{"non-ASCII letter", "ｆｏｏ", `'ｆｏｏ'`},
		{"accented", "é", `'é'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quote(tc.in); got != tc.want {
				t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPyFloat(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{5, "5.0"}, {1.5, "1.5"}, {0.1, "0.1"}, {-2.25, "-2.25"}, {math.Copysign(0, -1), "-0.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1.5e300, "1.5e+300"},
		{0.0001, "0.0001"}, {0.00001, "1e-05"}, {1.5e-7, "1.5e-07"}, {123456789.123, "123456789.123"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := pyFloat(tc.in); got != tc.want {
				t.Errorf("pyFloat(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		params map[string]Param
		op     string // DefaultKwargOp when empty and !rawOp
		rawOp  bool
		want   string
	}{
		{name: "nothing", want: ""},
		{name: "undeclared values are dropped", values: map[string]any{"x": "y"}, want: ""},

		// Assembly and ordering.
		{name: "positional strings as in st2's ShellScriptAction test",
			values: map[string]any{"a": "ein", "b": "zwei", "c": "drei", "d": "mamma mia", "e": "foo\nbar"},
			params: map[string]Param{"a": pos(0, "string"), "b": pos(1, "string"), "c": pos(2, "string"), "d": pos(3, "string"), "e": pos(4, "string")},
			want:   "ein zwei drei 'mamma mia' 'foo\nbar'"},
		{name: "named first, sorted by name, then positional",
			values: map[string]any{"key2": "value2", "key1": "value1", "key3": "value 3", "p": "ein"},
			params: map[string]Param{"key2": {Type: "string"}, "key1": {Type: "string"}, "key3": {Type: "string"}, "p": pos(0, "string")},
			want:   "--key1=value1 --key2=value2 --key3='value 3' ein"},
		{name: "positions sorted numerically, gaps and negatives",
			values: map[string]any{"a": "A", "b": "B", "c": "C", "d": "D"},
			params: map[string]Param{"a": pos(10, "string"), "b": pos(2, "string"), "c": pos(-1, "string"), "d": pos(5, "string")},
			want:   "C B D A"},
		{name: "positional without value still takes its slot",
			values: map[string]any{"a": "A", "c": "C"},
			params: map[string]Param{"a": pos(0, "string"), "b": pos(1, "string"), "c": pos(2, "string")},
			want:   "A '' C"},
		{name: "shared position: larger name is positional, the other named",
			values: map[string]any{"a": "A", "b": "B"},
			params: map[string]Param{"a": pos(0, "string"), "b": pos(0, "string")},
			want:   "--a=A B"},
		{name: "custom kwarg_op", op: "-",
			values: map[string]any{"v": true, "n": "x"},
			params: map[string]Param{"v": {Type: "boolean"}, "n": {Type: "string"}},
			want:   "-n=x -v"},
		{name: "empty kwarg_op", rawOp: true,
			values: map[string]any{"key1": "value1"},
			params: map[string]Param{"key1": {Type: "string"}},
			want:   "key1=value1"},

		// Named arguments.
		{name: "named None, empty string and False are skipped",
			values: map[string]any{"a": nil, "b": "", "c": false},
			params: map[string]Param{"a": {Type: "string"}, "b": {Type: "string"}, "c": {Type: "boolean"}, "d": {Type: "string"}},
			want:   ""},
		{name: "named True is the bare name, never quoted",
			values: map[string]any{"my flag": true},
			params: map[string]Param{"my flag": {Type: "boolean"}},
			want:   "--my flag"},
		{name: "named name and value are quoted",
			values: map[string]any{"ｆｏｏ": "ｂａｒ", "k": `"date ; whoami"`},
			params: map[string]Param{"ｆｏｏ": {Type: "string"}, "k": {Type: "string"}},
			want:   `--k='"date ; whoami"' '--ｆｏｏ'='ｂａｒ'`},
		{name: "named numbers",
			values: map[string]any{"n": num("5"), "i": num("0"), "f": num("1.50"), "e": num("1e2"), "big": num("12345678901234567890"), "neg": num("-0")},
			params: map[string]Param{"n": {Type: "number"}, "i": {Type: "integer"}, "f": {}, "e": {}, "big": {Type: "integer"}, "neg": {}},
			want:   "--big=12345678901234567890 --e=100.0 --f=1.5 --i=0 --n=5.0 --neg=0"},
		{name: "named integer from a float literal truncates",
			values: map[string]any{"i": num("5.7"), "j": num("-5.7"), "k": 3.0},
			params: map[string]Param{"i": {Type: "integer"}, "j": {Type: "integer"}, "k": {Type: "integer"}},
			want:   "--i=5 --j=-5 --k=3"},
		{name: "named list and dict are Python repr",
			values: map[string]any{"l": []any{"a", num("1"), true, nil, num("2.0")}, "d": map[string]any{"b": "x", "a": num("1")}},
			params: map[string]Param{"l": {Type: "array"}, "d": {Type: "object"}},
			want:   `--d='{'"'"'a'"'"': 1, '"'"'b'"'"': '"'"'x'"'"'}' --l='['"'"'a'"'"', 1, True, None, 2.0]'`},
		{name: "named empty list and dict are kept",
			values: map[string]any{"l": []any{}, "d": map[string]any{}},
			params: map[string]Param{"l": {Type: "array"}, "d": {Type: "object"}},
			want:   `--d='{}' --l='[]'`},

		// Positional serialization by type.
		{name: "string type",
			values: map[string]any{"a": nil, "b": "", "c": "x y", "d": true, "e": num("7")},
			params: map[string]Param{"a": pos(0, "string"), "b": pos(1, "string"), "c": pos(2, "string"), "d": pos(3, "string"), "e": pos(4, "string")},
			want:   `'' '' 'x y' True 7`},
		{name: "number type is cast to float",
			values: map[string]any{"a": num("5"), "b": num("1.5"), "c": nil, "d": num("0"), "e": num("1e16")},
			params: map[string]Param{"a": pos(0, "number"), "b": pos(1, "number"), "c": pos(2, "number"), "d": pos(3, "number"), "e": pos(4, "number")},
			want:   `5.0 1.5 '' 0.0 1e+16`},
		{name: "float type is not cast",
			values: map[string]any{"a": num("2"), "b": num("1.5")},
			params: map[string]Param{"a": pos(0, "float"), "b": pos(1, "float")},
			want:   `2 1.5`},
		{name: "integer type: falsy gives empty",
			values: map[string]any{"a": num("7"), "b": num("0"), "c": nil, "d": num("5.7"), "e": num("-3")},
			params: map[string]Param{"a": pos(0, "integer"), "b": pos(1, "integer"), "c": pos(2, "integer"), "d": pos(3, "integer"), "e": pos(4, "integer")},
			want:   `7 '' '' 5 -3`},
		{name: "boolean type",
			values: map[string]any{"a": true, "b": false, "c": nil},
			params: map[string]Param{"a": pos(0, "boolean"), "b": pos(1, "boolean"), "c": pos(2, "boolean")},
			want:   `1 0 ''`},
		{name: "array type joins str() with commas",
			values: map[string]any{"a": []any{"foo", "bar", "baz"}, "b": []any{}, "c": nil, "d": []any{"a b", num("1"), false, nil, num("1.0")}},
			params: map[string]Param{"a": pos(0, "array"), "b": pos(1, "array"), "c": pos(2, "array"), "d": pos(3, "array")},
			want:   `foo,bar,baz '' '' 'a b,1,False,None,1.0'`},
		{name: "array elements that are lists or dicts are Python repr",
			values: map[string]any{"a": []any{[]any{"x"}, map[string]any{"k": "v"}}},
			params: map[string]Param{"a": pos(0, "list")},
			want:   `'['"'"'x'"'"'],{'"'"'k'"'"': '"'"'v'"'"'}'`},
		{name: "object type is compact JSON",
			values: map[string]any{"a": map[string]any{"b": "2", "a": num("1")}, "b": map[string]any{}, "c": nil},
			params: map[string]Param{"a": pos(0, "object"), "b": pos(1, "object"), "c": pos(2, "object")},
			want:   `'{"a":1,"b":"2"}' '' ''`},
		{name: "object JSON nesting, floats and escapes",
			values: map[string]any{"a": map[string]any{"l": []any{num("1.50"), true, nil, map[string]any{}}, "s": "é\n\t\"\\'\b\f\x01\x7f/<&>"}},
			params: map[string]Param{"a": pos(0, "object")},
			want:   `'{"l":[1.5,true,null,{}],"s":"é\n\t\"\\'"'"'\b\f\u0001` + "\x7f" + `/<&>"}'`},
		{name: "null type is always empty",
			values: map[string]any{"a": "x"},
			params: map[string]Param{"a": pos(0, "null")},
			want:   `''`},
		{name: "undeclared type: falsy gives empty, else str()",
			values: map[string]any{"a": "x", "b": false, "c": true, "d": num("0"), "e": num("0.0"), "f": []any{"a"}, "g": nil, "h": num("2.50"), "i": map[string]any{}},
			params: map[string]Param{"a": pos(0, ""), "b": pos(1, ""), "c": pos(2, ""), "d": pos(3, ""), "e": pos(4, ""), "f": pos(5, ""), "g": pos(6, ""), "h": pos(7, ""), "i": pos(8, "")},
			want:   `x '' True '' '' '['"'"'a'"'"']' '' 2.5 ''`},
		{name: "st2 get_args example after casting",
			values: map[string]any{"actionint": num("1"), "actionfloat": num("1.5"), "actionstr": "string value", "actionbool": true,
				"actionlist": []any{"foo", "bar", "baz"}, "actionobject": map[string]any{"a": num("1"), "b": "2"}, "runnerdummy": "x"},
			params: map[string]Param{"actionint": pos(0, "number"), "actionfloat": pos(1, "float"), "actionstr": pos(2, "string"),
				"actionbool": pos(3, "boolean"), "actionlist": pos(4, "list"), "actionobject": pos(5, "object"), "actionnull": pos(6, "null"),
				"runnerdummy": {Type: "string"}},
			want: `--runnerdummy=x 1.0 1.5 'string value' 1 foo,bar,baz '{"a":1,"b":"2"}' ''`},

		// Python repr of strings inside lists.
		{name: "repr picks double quotes for a lone single quote",
			values: map[string]any{"l": []any{"it's", `a'b"c`, `back\slash`}},
			params: map[string]Param{"l": {Type: "array"}},
			want:   `--l='["it'"'"'s", '"'"'a\'"'"'b"c'"'"', '"'"'back\\slash'"'"']'`},
		{name: "repr escapes control and non-printable characters",
			values: map[string]any{"l": []any{"\t\n\r\x01\b\x7f\u00a0\u200b\ue000é😀"}},
			params: map[string]Param{"l": {Type: "array"}},
			want:   `--l='['"'"'\t\n\r\x01\x08\x7f\xa0\u200b\ue000é😀'"'"']'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := tc.op
			if op == "" && !tc.rawOp {
				op = DefaultKwargOp
			}
			if got := Args(tc.values, tc.params, op); got != tc.want {
				t.Errorf("Args() =\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}

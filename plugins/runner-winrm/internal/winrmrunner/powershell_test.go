package winrmrunner

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The expectations are st2's own test vectors for _param_to_ps and
// create_ps_params_string (test_winrm_base.py), dicts in sorted order.
func TestPSValue(t *testing.T) {
	tests := []struct {
		v    any
		typ  string
		want string
	}{
		{nil, "", "$null"},
		{"StackStorm 1234", "", `"StackStorm 1234"`},
		{"\n\r\t\a\b\f\v\"'`\x00$", "", "\"`n`r`t`a`b`f`v`\"`'```0`$\""},
		{true, "", "$true"},
		{false, "", "$false"},
		{json.Number("9876"), "", "9876"},
		{json.Number("-765"), "", "-765"},
		{json.Number("98.76"), "", "98.76"},
		{json.Number("5"), "number", "5.0"},
		{json.Number("5.7"), "integer", "5"},
		{json.Number("1e20"), "", "1e+20"},
		{[]any{"StackStorm Test String", "`\x00$", true, json.Number("99")}, "", "@(\"StackStorm Test String\", \"```0`$\", $true, 99)"},
		{[]any{[]any{"a"}, []any{"b"}, []any{[]any{"c"}}}, "", `@(@("a"), @("b"), @(@("c")))`},
		{map[string]any{"a": map[string]any{"deep_a": "value"}, "b": map[string]any{"deep_b": map[string]any{"deep_deep_b": "value"}}}, "",
			`@{"a" = @{"deep_a" = "value"}; "b" = @{"deep_b" = @{"deep_deep_b" = "value"}}}`},
		{[]any{map[string]any{"deep_a": "value"}, map[string]any{"deep_b": []any{"a", "b", "c"}}}, "",
			`@(@{"deep_a" = "value"}, @{"deep_b" = @("a", "b", "c")})`},
	}
	for _, tc := range tests {
		if got := psValue(tc.v, tc.typ); got != tc.want {
			t.Errorf("psValue(%#v, %q) = %s, want %s", tc.v, tc.typ, got, tc.want)
		}
	}
}

func TestScriptParams(t *testing.T) {
	specs := map[string]any{
		"b": map[string]any{"type": "boolean"}, "first": map[string]any{"type": "integer", "position": json.Number("0")},
		"second": map[string]any{"type": "array", "position": json.Number("1")}, "flag": map[string]any{"type": "boolean", "position": json.Number("2")},
	}
	values := map[string]any{"a": "value1", "b": true, "c": []any{"x", "y"}, "d": map[string]any{"z": "w"},
		"first": json.Number("1"), "second": []any{"p", json.Number("2")}, "flag": false}
	want := `-a "value1" -b $true -c @("x", "y") -d @{"z" = "w"} "1" "p,2" "0"`
	if got := scriptParams(values, specs, "-"); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := scriptParams(map[string]any{"a": "v"}, nil, "/"); got != `/a "v" ` {
		t.Fatalf("named only: %q (st2 leaves a trailing space)", got)
	}
	if got := scriptParams(nil, nil, "-"); got != "" {
		t.Fatalf("none: %q", got)
	}
}

func TestCleanCLIXML(t *testing.T) {
	for in, want := range map[string]string{
		"plain error\r\n":   "plain error\r\n",
		"#< CLIXML\r\n<bad": "#< CLIXML\r\n<bad",
		"#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">a_x000D__x000A_</S><S S=\"Error\">b</S></Objs>": "a\nb",
	} {
		if got := cleanCLIXML(in); got != want {
			t.Errorf("cleanCLIXML(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONLoads(t *testing.T) {
	got := jsonLoads(map[string]any{"stdout": " [1, true]\r\n", "stderr": `{"a": 1} trailing`})
	want := map[string]any{"stdout": []any{json.Number("1"), true}, "stderr": `{"a": 1} trailing`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%#v", got)
	}
}

func TestParseParams(t *testing.T) {
	p, err := parseParams(map[string]any{"host": "win01", "username": "u", "password": "p", "port": json.Number("5985")})
	if err != nil || p.url() != "http://win01:5985/wsman" || p.transport != "ntlm" || !p.verifySSL || p.timeout.Seconds() != 60 {
		t.Fatalf("%+v %v", p, err)
	}
	p, _ = parseParams(map[string]any{"host": "fe80::1", "username": "u", "password": "p"})
	if p.url() != "https://[fe80::1]:5986/wsman" {
		t.Fatal(p.url())
	}
	if _, err := parseParams(map[string]any{"host": "h", "username": "u"}); err == nil || err.Error() != `runner parameter "password" is required` {
		t.Fatal(err)
	}
}

package jinja

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/ohler55/ojg/jp"
	"go.yaml.in/yaml/v3"
)

// st2Filters are StackStorm's custom filters (st2common.util.jinja), with
// the semantics of st2common/expressions/functions.
var st2Filters = map[string]exec.FilterFunction{
	"decrypt_kv":       decryptKV,
	"from_json_string": filter(0, nil, func(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) { return pyLoads(in.String()) }),
	"from_yaml_string": filter(0, nil, fromYAML),
	"json_escape":      filter(0, nil, jsonEscape),
	"jsonpath_query":   filter(1, nil, jsonpathQuery),
	// to_complex is json.dumps(value) with Python's default separators.
	"to_complex": filter(0, nil, func(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) { return dumps(in, pyDefaultJSON) }),
	"to_json_string": filter(0, []*exec.KwArg{
		{Name: "indent"}, {Name: "sort_keys", Default: false}, {Name: "separators"},
	}, toJSON),
	"to_yaml_string": filter(0, []*exec.KwArg{{Name: "indent"}, {Name: "allow_unicode", Default: true}}, toYAML),

	"regex_match":   filter(1, []*exec.KwArg{{Name: "ignorecase", Default: false}}, regexMatch(true)),
	"regex_search":  filter(1, []*exec.KwArg{{Name: "ignorecase", Default: false}}, regexMatch(false)),
	"regex_replace": filter(2, []*exec.KwArg{{Name: "ignorecase", Default: false}}, regexReplace),
	"regex_substring": filter(1, []*exec.KwArg{
		{Name: "result_index", Default: 0}, {Name: "ignorecase", Default: false},
	}, regexSubstring),

	"to_human_time_from_seconds": filter(0, nil, humanTime),

	"version_compare":     versionCmp(func(c int) any { return c }),
	"version_more_than":   versionCmp(func(c int) any { return c == 1 }),
	"version_less_than":   versionCmp(func(c int) any { return c == -1 }),
	"version_equal":       versionCmp(func(c int) any { return c == 0 }),
	"version_match":       filter(1, nil, versionMatch),
	"version_bump_major":  versionFormat(func(v *semver.Version) string { return fmt.Sprintf("%d.0.0", v.Major()+1) }),
	"version_bump_minor":  versionFormat(func(v *semver.Version) string { return fmt.Sprintf("%d.%d.0", v.Major(), v.Minor()+1) }),
	"version_bump_patch":  versionFormat(func(v *semver.Version) string { return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()+1) }),
	"version_strip_patch": versionFormat(func(v *semver.Version) string { return fmt.Sprintf("%d.%d", v.Major(), v.Minor()) }),

	"use_none": filter(0, nil, func(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
		if in.IsNil() {
			return noneMagic, nil
		}
		return in, nil
	}),
	"basename": filter(0, nil, func(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
		s := in.String()
		return s[strings.LastIndexByte(s, '/')+1:], nil
	}),
	"dirname": filter(0, nil, pyDirname),
}

type filterBody func(in *exec.Value, args *exec.ReducedVarArgs) (any, error)

// filter adapts a body taking n positional arguments and the given keyword
// arguments (also accepted positionally) to gonja; an error comes back as
// "invalid call to filter 'name': ...".
func filter(n int, kwargs []*exec.KwArg, body filterBody) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		args := params.Expect(n, kwargs)
		if args.IsError() {
			return exec.AsValue(exec.ErrInvalidCall(errors.New(args.Error())))
		}
		out, err := body(in, args)
		if err != nil {
			return exec.AsValue(exec.ErrInvalidCall(err))
		}
		return exec.ToValue(out)
	}
}

func dumps(in *exec.Value, o pyJSONOptions) (any, error) {
	v, err := plain(in)
	if err != nil {
		return nil, err
	}
	return pyDumps(v, o)
}

func toJSON(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	o := pyJSONOptions{itemSep: ",", keySep: ": "}
	if indent := a.KwArgs["indent"]; !indent.IsNil() {
		s := indent.String()
		if indent.IsInteger() {
			s = strings.Repeat(" ", max(indent.Integer(), 0))
		}
		o.indent = &s
	}
	if seps := a.KwArgs["separators"]; !seps.IsNil() {
		if !seps.IsList() || seps.Len() != 2 {
			return nil, errors.New("separators must be a pair of strings")
		}
		o.itemSep, o.keySep = seps.Index(0).String(), seps.Index(1).String()
	}
	return dumps(in, o)
}

// jsonEscape is json.dumps(value).strip('"'): escaping for embedding in JSON.
func jsonEscape(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
	s, err := dumps(in, pyDefaultJSON)
	if err != nil {
		return nil, err
	}
	return strings.Trim(s.(string), `"`), nil
}

func fromYAML(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
	var v any
	if err := yaml.Unmarshal([]byte(in.String()), &v); err != nil {
		return nil, err
	}
	return yamlPlain(v), nil
}

// yamlPlain turns decoded YAML into plain data: string keys, int64 integers.
func yamlPlain(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = yamlPlain(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = yamlPlain(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = yamlPlain(e)
		}
		return v
	case int:
		return int64(v)
	case uint64:
		return float64(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return v
}

// toYAML is yaml.safe_dump(default_flow_style=False): block style, sorted
// keys, sequences not indented under their key, indent 2.
func toYAML(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	v, err := plain(in)
	if err != nil {
		return nil, err
	}
	indent := 2
	if i := a.KwArgs["indent"]; i.IsInteger() && i.Integer() > 1 {
		indent = i.Integer()
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(indent)
	enc.CompactSeqIndent()
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// jsonpathQuery returns the list of matches, or None when nothing matches.
func jsonpathQuery(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	v, err := plain(in)
	if err != nil {
		return nil, err
	}
	x, err := jp.ParseString(a.Args[0].String())
	if err != nil {
		return nil, fmt.Errorf("invalid jsonpath %q: %w", a.Args[0].String(), err)
	}
	matches := x.Get(v)
	if len(matches) == 0 {
		return nil, nil
	}
	return matches, nil
}

func regexMatch(anchored bool) filterBody {
	return func(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
		re, err := compilePy(a.Args[0].String(), a.KwArgs["ignorecase"].IsTrue(), anchored)
		if err != nil {
			return nil, err
		}
		return re.re.MatchString(in.String())
	}
}

func regexReplace(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	re, err := compilePy(a.Args[0].String(), a.KwArgs["ignorecase"].IsTrue(), false)
	if err != nil {
		return nil, err
	}
	return re.sub(in.String(), a.Args[1].String())
}

// regexSubstring is re.findall(...)[result_index], negative indexes included.
func regexSubstring(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	re, err := compilePy(a.Args[0].String(), a.KwArgs["ignorecase"].IsTrue(), false)
	if err != nil {
		return nil, err
	}
	all, err := re.findall(in.String())
	if err != nil {
		return nil, err
	}
	i := a.KwArgs["result_index"].Integer()
	if i < 0 {
		i += len(all)
	}
	if i < 0 || i >= len(all) {
		return nil, fmt.Errorf("no match at index %d (%d matches)", a.KwArgs["result_index"].Integer(), len(all))
	}
	return all[i], nil
}

// humanTime reproduces StackStorm's format exactly, quirks included: the
// parts come from the date 0001-01-01 plus the duration, so whole months
// are dropped from the days, and labels are assigned from the right
// ("1d0h0m5s").
func humanTime(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
	var secs int64
	switch {
	case in.IsBool() || in.IsInteger():
		secs = int64(in.Integer())
		if in.IsBool() && in.Bool() {
			secs = 1
		}
		if secs == 0 {
			return "0s", nil
		}
		if secs < 1 {
			return fmt.Sprintf("%dμs", secs), nil
		}
	case in.IsFloat():
		f := in.Float()
		if f == 0 {
			return "0s", nil
		}
		if f < 1 {
			return pyFloat(f) + "μs", nil
		}
		if f > math.MaxInt32*86400.0 {
			return nil, errors.New("seconds out of range")
		}
		secs = int64(math.RoundToEven(f))
	default:
		return nil, fmt.Errorf("expected a number of seconds, got %q", in.String())
	}
	t := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(secs/86400)).Add(time.Duration(secs%86400) * time.Second)
	if t.Year() > 9999 {
		return nil, errors.New("seconds out of range")
	}
	parts := []int{t.Year() - 1, t.Day() - 1, t.Hour(), t.Minute(), t.Second()}
	for len(parts) > 1 && parts[0] == 0 {
		parts = parts[1:]
	}
	labels := []string{"y", "d", "h", "m", "s"}[5-len(parts):]
	var b strings.Builder
	for i, p := range parts {
		fmt.Fprintf(&b, "%d%s", p, labels[i])
	}
	return b.String(), nil
}

// parseVersion is semver.parse of the Python semver module: strict
// MAJOR.MINOR.PATCH, no "v" prefix.
func parseVersion(v *exec.Value) (*semver.Version, error) {
	s := v.String()
	ver, err := semver.StrictNewVersion(s)
	if err != nil || strings.HasPrefix(s, "v") {
		return nil, fmt.Errorf("%q is not valid semver", s)
	}
	return ver, nil
}

func versionCmp(result func(int) any) exec.FilterFunction {
	return filter(1, nil, func(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
		v, err := parseVersion(in)
		if err != nil {
			return nil, err
		}
		o, err := parseVersion(a.Args[0])
		if err != nil {
			return nil, err
		}
		return result(v.Compare(o)), nil
	})
}

// versionMatch is semver.match: "<op><version>" with op one of >=, <=, ==,
// !=, >, <.
func versionMatch(in *exec.Value, a *exec.ReducedVarArgs) (any, error) {
	v, err := parseVersion(in)
	if err != nil {
		return nil, err
	}
	expr := a.Args[0].String()
	op := ""
	for _, candidate := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if strings.HasPrefix(expr, candidate) {
			op = candidate
			break
		}
	}
	if op == "" {
		return nil, fmt.Errorf("%q should be <op><version>, op one of >=, <=, ==, !=, >, <", expr)
	}
	o, err := parseVersion(exec.AsValue(expr[len(op):]))
	if err != nil {
		return nil, err
	}
	c := v.Compare(o)
	switch op {
	case ">=":
		return c >= 0, nil
	case "<=":
		return c <= 0, nil
	case "==":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case ">":
		return c > 0, nil
	}
	return c < 0, nil
}

func versionFormat(format func(*semver.Version) string) exec.FilterFunction {
	return filter(0, nil, func(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
		v, err := parseVersion(in)
		if err != nil {
			return nil, err
		}
		return format(v), nil
	})
}

// pyDirname is posixpath.dirname: the part before the last "/", with
// trailing slashes removed unless it is all slashes.
func pyDirname(in *exec.Value, _ *exec.ReducedVarArgs) (any, error) {
	s := in.String()
	head := s[:strings.LastIndexByte(s, '/')+1]
	if trimmed := strings.TrimRight(head, "/"); trimmed != "" {
		head = trimmed
	}
	return head, nil
}

// decryptKV decrypts a datastore ciphertext with the render's Decrypt
// option (StackStorm's decrypt_kv).
func decryptKV(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	st := state(e)
	if st == nil || st.decrypt == nil {
		return exec.AsValue(exec.ErrInvalidCall(errors.New("decrypt_kv: no datastore key to decrypt with")))
	}
	plain, err := st.decrypt(in.String())
	if err != nil {
		return exec.AsValue(exec.ErrInvalidCall(fmt.Errorf("decrypt_kv: %w", err)))
	}
	return exec.AsValue(plain)
}

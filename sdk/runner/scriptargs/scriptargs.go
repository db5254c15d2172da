// Package scriptargs builds the arguments StackStorm's script runners
// (local-shell-script, remote-shell-script) append to the script path; it
// is in the SDK so that every runner, built in or third-party, writes them
// the same way. Sources, all in StackStorm/st2:
//
// Casting (st2common/util/param.py render_final_params, _cast; util/casts.py):
// a "number" becomes a float (5 prints as 5.0) and an "integer" an int (5.7
// becomes 5). st2 also casts strings, such as "true" for a boolean; that is
// the caller's job, which passes values of the declared types.
//
// Splitting (st2common/util/action_db.py get_args, _get_position_arg_dict):
// declared parameters with a position are positional, ordered by position,
// and gaps leave no hole. A positional parameter without a value still gives
// an argument, serialized from None. When two share a position, st2 keeps
// the one last in the metadata and makes the other named. A Go map has no
// such order, so the larger name wins here. Every other declared parameter
// is named. Undeclared values are dropped (param.py _split_params).
//
// Positional values (action_db.py serialize_positional_argument), by type:
// string, number or float: None gives "", else str(v). boolean: None gives
// "", else "1" or "0" by truthiness. array or list: falsy gives "", else
// ",".join(map(str, v)). object: falsy gives "", else compact JSON
// (util/jsonify.py json_encode, orjson). null: "". Any other type, including
// "" and "integer": falsy gives "", else str(v), so an integer 0 gives "".
//
// Named arguments (st2common/runners/base.py ShellRunnerMixin
// _transform_named_args, st2common/models/system/action.py ShellScriptAction
// _get_script_arguments) are named kwarg_op+name. The default kwarg_op is
// "--" (contrib/runners/local_runner/local_runner/base.py DEFAULT_KWARG_OP).
// None, "" and False are skipped. True gives the bare, unquoted name. Any
// other value gives quote(name)=quote(str(v)), so lists and dicts appear as
// Python repr. st2 orders them by its parameter dependency graph, which a Go
// map cannot reproduce, so they are sorted by name here.
//
// Assembly (_get_script_arguments): named arguments first, then positional
// ones, joined by single spaces. Quoting follows Python shlex.quote
// (st2common/util/shell.py quote_unix). An empty string becomes a pair of
// single quotes. A string of only [A-Za-z0-9_@%+=:,./-] stays bare. Anything
// else is wrapped in single quotes, with each embedded quote as '"'"'.
//
// Differences: dict keys are sorted, where Python keeps document order. JSON
// floats use Python repr digits (as orjson for exponents -4 to 15). What st2
// fails to serialize (a list for a "string") gets str() instead of an error.
package scriptargs

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// DefaultKwargOp is the local runner's default kwarg_op runner parameter.
const DefaultKwargOp = "--"

// Param describes one action parameter as the action metadata declares it.
type Param struct {
	Position *int   // nil when the parameter has no position
	Type     string // JSON-schema type: string, integer, number, boolean, array, object, "" when undeclared
}

// Args returns the shell-quoted named and then positional arguments, as one
// string to append after the script path. values holds the final parameter
// values, JSON-decoded, and a missing key counts as None. kwargOp is used
// exactly as given. Pass DefaultKwargOp for st2's default.
func Args(values map[string]any, params map[string]Param, kwargOp string) string {
	names := slices.Sorted(maps.Keys(params))
	byPos := map[int]string{} // the larger name wins a shared position
	for _, name := range names {
		if p := params[name].Position; p != nil {
			byPos[*p] = name
		}
	}
	positions, isPos := slices.Sorted(maps.Keys(byPos)), map[string]bool{}
	for _, name := range byPos {
		isPos[name] = true
	}

	var parts []string
	for _, name := range names {
		if isPos[name] {
			continue
		}
		arg := kwargOp + name
		switch v := cast(norm(values[name]), params[name].Type); v {
		case nil, false, "":
		case true:
			parts = append(parts, arg)
		default:
			parts = append(parts, Quote(arg)+"="+Quote(pyStr(v)))
		}
	}
	for _, pos := range positions {
		typ := params[byPos[pos]].Type
		parts = append(parts, Quote(positional(typ, cast(norm(values[byPos[pos]]), typ))))
	}
	return strings.Join(parts, " ")
}

// unsafe is shlex's _find_unsafe; Go's \w, like Python's with re.ASCII, is [0-9A-Za-z_].
var unsafe = regexp.MustCompile(`[^\w@%+=:,./-]`)

// Quote returns s quoted like Python's shlex.quote.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if !unsafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// pyInt is a Python int, kept as its decimal digits.
type pyInt string

// norm turns JSON numbers into what Python's json.loads gives (int for an
// integer literal, float otherwise), recursing into lists and dicts.
func norm(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, ok := new(big.Int).SetString(string(x), 10); ok {
			return pyInt(n.String())
		}
		f, _ := strconv.ParseFloat(string(x), 64) // ±Inf past float range, as Python
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = norm(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = norm(e)
		}
		return out
	}
	return v
}

// cast applies st2common/util/casts.py to a normalized value: "number"
// values become floats and "integer" values ints.
func cast(v any, typ string) any {
	switch x := v.(type) {
	case pyInt:
		if typ == "number" {
			f, _ := strconv.ParseFloat(string(x), 64)
			return f
		}
	case float64:
		if typ == "integer" && !math.IsInf(x, 0) && !math.IsNaN(x) {
			n, _ := big.NewFloat(math.Trunc(x)).Int(nil)
			return pyInt(n.String())
		}
	}
	return v
}

// positional is serialize_positional_argument.
func positional(typ string, v any) string {
	switch {
	case typ == "null", v == nil && (typ == "string" || typ == "number" || typ == "float" || typ == "boolean"):
		return ""
	case typ == "string" || typ == "number" || typ == "float":
		return pyStr(v)
	case typ == "boolean":
		return map[bool]string{true: "1", false: "0"}[truthy(v)]
	case !truthy(v):
		return ""
	case typ == "object":
		var b strings.Builder
		write(&b, v, true)
		return b.String()
	}
	x, ok := v.([]any)
	if !ok || typ != "array" && typ != "list" {
		return pyStr(v)
	}
	elems := make([]string, len(x))
	for i, e := range x {
		elems[i] = pyStr(e)
	}
	return strings.Join(elems, ",")
}

// truthy is Python's bool(): None, False, 0, 0.0, "", [] and {} are false.
func truthy(v any) bool {
	if s, ok := v.(string); ok {
		return s != ""
	}
	return !slices.Contains([]string{"None", "False", "0", "0.0", "-0.0", "[]", "{}"}, pyStr(v))
}

// pyStr is Python's str().
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	write(&b, v, false)
	return b.String()
}

// write appends v as compact JSON (orjson) when js is set, else as Python repr.
func write(b *strings.Builder, v any, js bool) {
	pad := map[bool]string{false: " "}[js] // Python puts a space after , and :
	switch x := v.(type) {
	case nil:
		b.WriteString(map[bool]string{true: "null", false: "None"}[js])
	case bool:
		b.WriteString(map[bool]map[bool]string{true: {true: "true", false: "false"}, false: {true: "True", false: "False"}}[js][x])
	case pyInt:
		b.WriteString(string(x))
	case float64:
		if js && (math.IsInf(x, 0) || math.IsNaN(x)) {
			b.WriteString("null")
		} else {
			b.WriteString(pyFloat(x))
		}
	case string:
		quoteStr(b, x, js)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString("," + pad)
			}
			write(b, e, js)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteString("," + pad)
			}
			quoteStr(b, k, js)
			b.WriteString(":" + pad)
			write(b, x[k], js)
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, x)
	}
}

// pyFloat is Python's repr(float): shortest round-trip digits, in fixed
// notation when the decimal exponent is in [-4, 16), else as d.ddde±XX.
func pyFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strings.TrimPrefix(strings.ToLower(strconv.FormatFloat(f, 'g', -1, 64)), "+")
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	if exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:]); exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// quoteStr appends s as a JSON string the way orjson writes it (only ", \
// and control characters escaped) when js is set, else as Python's repr().
func quoteStr(b *strings.Builder, s string, js bool) {
	q := '"'
	if !js && (!strings.ContainsRune(s, '\'') || strings.ContainsRune(s, '"')) {
		q = '\''
	}
	short := map[rune]string{'\t': `\t`, '\n': `\n`, '\r': `\r`, '\b': `\b`, '\f': `\f`}
	b.WriteRune(q)
	for _, r := range s {
		switch {
		case r == q || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case short[r] != "" && (js || r != '\b' && r != '\f'): // repr writes \b, \f as \x08, \x0c
			b.WriteString(short[r])
		case js && r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		case js || (r >= 0x20 && r < 0x7f) || (r > 0x7f && unicode.IsPrint(r)):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteRune(q)
}

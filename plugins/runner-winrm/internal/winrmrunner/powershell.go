package winrmrunner

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// psCommand runs script through powershell.exe the way st2 and pywinrm do:
// the script as UTF-16LE, base64-encoded, so no quoting reaches cmd.exe.
func psCommand(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		raw[2*i], raw[2*i+1] = byte(u), byte(u>>8)
	}
	return "powershell -encodedcommand " + base64.StdEncoding.EncodeToString(raw)
}

// psEscapes is st2's PS_ESCAPE_SEQUENCES: what a double-quoted PowerShell
// string must backtick-escape.
var psEscapes = strings.NewReplacer(
	"\n", "`n", "\r", "`r", "\t", "`t", "\a", "`a", "\b", "`b", "\f", "`f", "\v", "`v",
	`"`, "`\"", "'", "`'", "`", "``", "\x00", "`0", "$", "`$",
)

// psValue is st2's _param_to_ps: a value as a PowerShell literal. typ is
// the parameter's declared type, which decides how a number prints (st2
// casts "number" to a float and "integer" to an int before quoting).
func psValue(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return "$null"
	case string:
		return `"` + psEscapes.Replace(x) + `"`
	case bool:
		if x {
			return "$true"
		}
		return "$false"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = psValue(e, "")
		}
		return "@(" + strings.Join(parts, ", ") + ")"
	case map[string]any:
		keys := sortedKeys(x) // Python keeps insertion order; a Go map has none
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = psValue(k, "") + " = " + psValue(x[k], "")
		}
		return "@{" + strings.Join(parts, "; ") + "}"
	case json.Number:
		return pyNumber(x, typ)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pyNumber is Python's str() of a JSON number after st2's cast to typ.
func pyNumber(n json.Number, typ string) string {
	if _, err := strconv.ParseInt(string(n), 10, 64); err == nil && typ != "number" {
		return string(n)
	}
	f, err := n.Float64()
	if err != nil {
		return string(n)
	}
	if typ == "integer" && !math.IsInf(f, 0) {
		return strconv.FormatFloat(math.Trunc(f), 'f', 0, 64)
	}
	// repr(float): shortest round-trip digits, exponent outside [-4, 16).
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

// scriptParams is st2's create_ps_params_string for the action's
// parameters: named ones as kwargOp+name followed by the PowerShell
// literal, then positional ones (declared with a position, in position
// order) serialized as st2's get_args does and quoted as strings. Named
// arguments are sorted by name where st2 keeps its own dict order; like
// st2, a trailing space follows them.
func scriptParams(values map[string]any, specs map[string]any, kwargOp string) string {
	type spec struct {
		typ string
		pos int
	}
	declared := map[string]spec{}
	byPos := map[int]string{} // the larger name wins a shared position
	for _, name := range sortedKeys(specs) {
		m, _ := specs[name].(map[string]any)
		sp := spec{pos: -1}
		sp.typ, _ = m["type"].(string)
		if n, ok := m["position"].(json.Number); ok {
			if i, err := n.Int64(); err == nil && i >= 0 {
				sp.pos = int(i)
				byPos[sp.pos] = name
			}
		}
		declared[name] = sp
	}
	positional := map[string]bool{}
	for _, name := range byPos {
		positional[name] = true
	}
	var named []string
	for _, name := range sortedKeys(values) {
		if !positional[name] {
			named = append(named, kwargOp+name+" "+psValue(values[name], declared[name].typ))
		}
	}
	positions := make([]int, 0, len(byPos))
	for p := range byPos {
		positions = append(positions, p)
	}
	sort.Ints(positions)
	var pos []string
	for _, p := range positions {
		name := byPos[p]
		pos = append(pos, psValue(serializePositional(values[name], declared[name].typ), ""))
	}
	out := ""
	if len(named) > 0 {
		out = strings.Join(named, " ") + " "
	}
	return out + strings.Join(pos, " ")
}

// serializePositional is st2's serialize_positional_argument: every
// positional value becomes a string.
func serializePositional(v any, typ string) string {
	switch typ {
	case "null":
		return ""
	case "string", "number", "float", "boolean":
		if v == nil {
			return ""
		}
		if typ == "boolean" {
			return map[bool]string{true: "1", false: "0"}[truthy(v)]
		}
		return pyStr(v, typ)
	}
	if !truthy(v) {
		return ""
	}
	if list, ok := v.([]any); ok && (typ == "array" || typ == "list") {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = pyStr(e, "")
		}
		return strings.Join(parts, ",")
	}
	if typ == "object" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n")
	}
	return pyStr(v, typ)
}

// pyStr is Python's str() for scalars; containers fall back to JSON where
// Python would print its repr.
func pyStr(v any, typ string) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return map[bool]string{true: "True", false: "False"}[x]
	case nil:
		return "None"
	case json.Number:
		return pyNumber(x, typ)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// truthy is Python's bool().
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cleanCLIXML is pywinrm's _clean_error_msg, which st2 applies to the
// stderr of PowerShell runs: PowerShell writes errors to a remote stderr as
// serialized CLIXML; keep the text of its <S> records, CRLFs restored.
func cleanCLIXML(stderr string) string {
	const marker = "#< CLIXML\r\n"
	if !strings.HasPrefix(stderr, marker) {
		return stderr
	}
	var objs struct {
		S []string `xml:"S"`
	}
	if xml.Unmarshal([]byte(stderr[len(marker):]), &objs) != nil {
		return stderr
	}
	var b strings.Builder
	for _, s := range objs.S {
		b.WriteString(strings.ReplaceAll(s, "_x000D__x000A_", "\n"))
	}
	if strings.TrimSpace(b.String()) == "" {
		return stderr
	}
	return strings.TrimSpace(b.String())
}

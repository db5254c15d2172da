package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// pyJSONOptions mirrors the json.dumps arguments StackStorm's filters pass.
// Keys are always sorted: Go maps have no insertion order to preserve.
type pyJSONOptions struct {
	indent  *string // nil: single line
	itemSep string
	keySep  string
}

// pyDefaultJSON is json.dumps(value) with no options.
var pyDefaultJSON = pyJSONOptions{itemSep: ", ", keySep: ": "}

// pyDumps encodes plain data byte for byte as Python's json.dumps with
// ensure_ascii=True would, so templates producing JSON match StackStorm's.
func pyDumps(v any, o pyJSONOptions) (string, error) {
	var b strings.Builder
	if err := pyEncode(&b, v, o, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func pyEncode(b *strings.Builder, v any, o pyJSONOptions, level int) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(v))
		}
	case string:
		pyQuote(b, v)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			newline(b, o, level+1)
			if err := pyEncode(b, e, o, level+1); err != nil {
				return err
			}
		}
		newline(b, o, level)
		b.WriteByte(']')
	case map[string]any:
		if len(v) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			newline(b, o, level+1)
			pyQuote(b, k)
			b.WriteString(o.keySep)
			if err := pyEncode(b, v[k], o, level+1); err != nil {
				return err
			}
		}
		newline(b, o, level)
		b.WriteByte('}')
	default:
		return fmt.Errorf("object of type %T is not JSON serializable", v)
	}
	return nil
}

func newline(b *strings.Builder, o pyJSONOptions, level int) {
	if o.indent == nil {
		return
	}
	b.WriteByte('\n')
	for range level {
		b.WriteString(*o.indent)
	}
}

// pyQuote escapes like json.dumps with ensure_ascii=True: everything outside
// printable ASCII becomes \uXXXX (surrogate pairs beyond the BMP).
func pyQuote(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r >= 0x20 && r < 0x7f {
				b.WriteRune(r)
				continue
			}
			units := []rune{r}
			if r > 0xffff {
				r -= 0x10000
				units = []rune{0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff}
			}
			for _, u := range units {
				b.WriteString(`\u`)
				b.WriteByte(hex[u>>12&0xf])
				b.WriteByte(hex[u>>8&0xf])
				b.WriteByte(hex[u>>4&0xf])
				b.WriteByte(hex[u&0xf])
			}
		}
	}
	b.WriteByte('"')
}

// pyFloat is Python's repr(float): positional between 1e-4 and 1e16, always
// with a fractional part, scientific otherwise.
func pyFloat(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(sci[strings.IndexByte(sci, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return sci
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyLoads is json.loads: integers stay integers (int64), the rest float64.
func pyLoads(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("extra data after the JSON value")
	}
	return normalize(v), nil
}

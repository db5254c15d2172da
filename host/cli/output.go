package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/urfave/cli/v3"
	"go.yaml.in/yaml/v3"
)

// printer writes results as st2 does: a table by default, JSON with -j,
// YAML with -y.
type printer struct {
	w     io.Writer
	json  bool
	yaml  bool
	attrs []string
}

func newPrinter(a *app, cmd *cli.Command) *printer {
	p := &printer{w: a.opts.Stdout}
	if cmd != nil {
		p.json, p.yaml = cmd.Bool("json"), cmd.Bool("yaml")
		for _, v := range cmd.StringSlice("attr") {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					p.attrs = append(p.attrs, s)
				}
			}
		}
	}
	return p
}

// toMaps turns a decoded JSON value into a list of objects.
func toMaps(v any) []map[string]any {
	switch t := v.(type) {
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case map[string]any:
		return []map[string]any{t}
	}
	return nil
}

// structured prints JSON/YAML if asked; it reports whether it did.
func (p *printer) structured(v any) bool {
	if p.attrs != nil {
		v = p.selectAttrs(v)
	}
	switch {
	case p.json:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "    ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		_, _ = p.w.Write(buf.Bytes())
		return true
	case p.yaml:
		out, _ := yaml.Marshal(jsonToPlain(v))
		_, _ = p.w.Write(out)
		return true
	}
	return false
}

// jsonToPlain turns json.Number into int64/float64 so YAML prints numbers.
func jsonToPlain(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonToPlain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonToPlain(e)
		}
		return out
	}
	return v
}

func (p *printer) selectAttrs(v any) any {
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, a := range p.attrs {
			if val, ok := m[a]; ok {
				out[a] = val
			}
		}
		return out
	}
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			if m, ok := e.(map[string]any); ok {
				out[i] = pick(m)
			}
		}
		return out
	case map[string]any:
		return pick(t)
	}
	return v
}

// list prints objects as rows with the given columns.
func (p *printer) list(v any, columns []string) {
	if p.structured(v) {
		return
	}
	if p.attrs != nil {
		columns = p.attrs
	}
	t := table.NewWriter()
	t.SetOutputMirror(p.w)
	header := table.Row{}
	for _, c := range columns {
		header = append(header, c)
	}
	t.AppendHeader(header, table.RowConfig{AutoMerge: false})
	for _, m := range toMaps(v) {
		row := table.Row{}
		for _, c := range columns {
			row = append(row, cell(dig(m, c)))
		}
		t.AppendRow(row)
	}
	t.Style().Format.Header = 0 // keep st2's lower-case headers
	t.Render()
}

// dig returns m[c], or for a dotted column ("action.ref") the nested
// value, as st2's tables do.
func dig(m map[string]any, c string) any {
	if v, ok := m[c]; ok {
		return v
	}
	var cur any = m
	for _, part := range strings.Split(c, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[part]
	}
	return cur
}

// object prints one object as st2's two-column Property | Value table.
func (p *printer) object(v any, attrs []string) {
	if p.structured(v) {
		return
	}
	m := toMaps(v)
	if len(m) == 0 {
		return
	}
	if p.attrs != nil {
		attrs = p.attrs
	}
	if attrs == nil {
		for k := range m[0] {
			attrs = append(attrs, k)
		}
		sort.Strings(attrs)
	}
	t := table.NewWriter()
	t.SetOutputMirror(p.w)
	t.AppendHeader(table.Row{"Property", "Value"})
	for _, a := range attrs {
		if val, ok := m[0][a]; ok {
			t.AppendRow(table.Row{a, cell(val)})
		}
	}
	t.Style().Format.Header = 0
	t.Render()
}

// cell renders a value for a table cell; nested values as JSON.
func cell(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return fmt.Sprint(v)
}

// asMap turns a struct into the map its JSON would decode to.
func asMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// readStructured reads a JSON or YAML file into plain values.
func readStructured(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s is neither valid JSON nor YAML: %w", path, err)
	}
	return doc, nil
}

package params

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/squall-io/squall/sdk/expr/jinja"
)

// RenderContext is what parameter templates can see besides the other
// parameters.
type RenderContext struct {
	// ST2KV returns the datastore as st2kv.system / st2kv.user; it is
	// called only when a template mentions st2kv.
	ST2KV         func() map[string]any
	ActionContext map[string]any
	ConfigContext map[string]any
	Decrypt       func(ciphertext string) (string, error)
}

// Finalize returns an action's final parameters: the provided values over
// the defaults, every template rendered (a parameter may refer to others;
// they are rendered in dependency order), and rendered strings cast to
// their declared types.
func Finalize(provided, specs map[string]any, rc RenderContext) (map[string]any, error) {
	values := WithDefaults(provided, specs)
	pending := map[string]bool{}
	for name, v := range values {
		if hasTemplate(v) {
			pending[name] = true
		}
	}
	if len(pending) == 0 {
		return values, nil
	}
	ctx := map[string]any{"action_context": rc.ActionContext, "config_context": rc.ConfigContext}
	if ctx["action_context"] == nil {
		ctx["action_context"] = map[string]any{}
	}
	if ctx["config_context"] == nil {
		ctx["config_context"] = map[string]any{}
	}
	for name, v := range values {
		if !pending[name] {
			ctx[name] = v
		}
	}
	if rc.ST2KV != nil && mentions(values, pending, "st2kv") {
		ctx["st2kv"] = rc.ST2KV()
	}
	opts := jinja.Options{Decrypt: rc.Decrypt}
	for len(pending) > 0 {
		progressed := false
		for _, name := range sortedKeys(pending) {
			if refersToPending(values[name], pending, name) {
				continue
			}
			out, err := renderValue(values[name], ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("failed to render parameter %q: %w", name, err)
			}
			if s, ok := out.(string); ok && hasTemplate(values[name]) {
				if out, err = castRendered(s, specs[name]); err != nil {
					return nil, fmt.Errorf("parameter %q: %w", name, err)
				}
			}
			values[name], ctx[name] = out, out
			delete(pending, name)
			progressed = true
		}
		if !progressed {
			return nil, fmt.Errorf("parameters refer to each other in a cycle: %s", strings.Join(sortedKeys(pending), ", "))
		}
	}
	return values, nil
}

// castRendered casts a rendered string to a non-string declared type.
func castRendered(s string, spec any) (any, error) {
	switch t := TypeOf(spec); t {
	case "", "string":
		return s, nil
	default:
		return Cast(s, t)
	}
}

func renderValue(v any, ctx map[string]any, o jinja.Options) (any, error) {
	switch t := v.(type) {
	case string:
		return jinja.RenderWith(t, ctx, o)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := renderValue(e, ctx, o)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			r, err := renderValue(e, ctx, o)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func hasTemplate(v any) bool {
	switch t := v.(type) {
	case string:
		return jinja.HasTemplate(t)
	case []any:
		for _, e := range t {
			if hasTemplate(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if hasTemplate(e) {
				return true
			}
		}
	}
	return false
}

// templateText gathers the template strings inside a value.
func templateText(v any, sb *strings.Builder) {
	switch t := v.(type) {
	case string:
		if jinja.HasTemplate(t) {
			sb.WriteString(t)
			sb.WriteByte('\n')
		}
	case []any:
		for _, e := range t {
			templateText(e, sb)
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			templateText(t[k], sb)
		}
	}
}

var identRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// refersToPending reports whether v's templates name another parameter
// that is still to be rendered.
func refersToPending(v any, pending map[string]bool, self string) bool {
	var sb strings.Builder
	templateText(v, &sb)
	for _, id := range identRe.FindAllString(sb.String(), -1) {
		if id != self && pending[id] {
			return true
		}
	}
	return false
}

func mentions(values map[string]any, names map[string]bool, word string) bool {
	for name := range names {
		var sb strings.Builder
		templateText(values[name], &sb)
		if strings.Contains(sb.String(), word) {
			return true
		}
	}
	return false
}

// Package criteria evaluates StackStorm rule criteria against a trigger
// instance's payload: keys are "trigger.<path>" (dots, and [i] or .i for
// list items), every criterion must hold, and the operators are
// StackStorm's (st2common/operators.py), with their long and short names.
package criteria

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// Criterion is one entry of a rule's criteria.
type Criterion struct {
	Type      string
	Pattern   any
	Condition string // search only: any, all, any2any, all2any
	nested    map[string]Criterion
}

// Now is the clock of the timediff operators; tests replace it.
var Now = time.Now

// regexTimeout bounds one regex match (ReDoS).
const regexTimeout = 100 * time.Millisecond

// aliases maps every operator name to its canonical one.
var aliases = map[string]string{
	"equals": "equals", "eq": "equals", "nequals": "nequals", "neq": "nequals",
	"iequals": "iequals", "ieq": "iequals", "contains": "contains", "icontains": "icontains",
	"ncontains": "ncontains", "incontains": "incontains", "startswith": "startswith",
	"istartswith": "istartswith", "endswith": "endswith", "iendswith": "iendswith",
	"lessthan": "lessthan", "lt": "lessthan", "greaterthan": "greaterthan", "gt": "greaterthan",
	"matchwildcard": "matchwildcard", "matchregex": "matchregex", "regex": "regex", "iregex": "iregex",
	"timediff_lt": "timediff_lt", "td_lt": "timediff_lt", "timediff_gt": "timediff_gt", "td_gt": "timediff_gt",
	"exists": "exists", "nexists": "nexists", "inside": "inside", "in": "inside",
	"ninside": "ninside", "nin": "ninside", "search": "search",
}

// Operators lists every operator name, long and short, sorted.
func Operators() []string {
	out := make([]string, 0, len(aliases))
	for k := range aliases {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Parse validates criteria as a rule writes them; errors name the key.
func Parse(raw map[string]any) (map[string]Criterion, error) {
	return parse(raw, "trigger.")
}

func parse(raw map[string]any, prefix string) (map[string]Criterion, error) {
	out := make(map[string]Criterion, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		c, err := parseOne(key, raw[key], prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = c
	}
	return out, nil
}

func parseOne(key string, v any, prefix string) (Criterion, error) {
	if !strings.HasPrefix(key, prefix) {
		return Criterion{}, fmt.Errorf("a criterion's key starts with %q", prefix)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Criterion{}, fmt.Errorf("must be a mapping with type and pattern")
	}
	name, _ := m["type"].(string)
	op, known := aliases[name]
	if !known {
		return Criterion{}, fmt.Errorf("unknown operator %q (one of %s)", name, strings.Join(Operators(), ", "))
	}
	c := Criterion{Type: op, Pattern: m["pattern"]}
	c.Condition, _ = m["condition"].(string)
	_, hasPattern := m["pattern"]
	switch {
	case op == "exists" || op == "nexists":
	case !hasPattern:
		return c, fmt.Errorf("operator %s needs a pattern", name)
	case op == "search":
		nested, ok := c.Pattern.(map[string]any)
		if !ok {
			return c, fmt.Errorf("search needs a pattern of nested criteria on item.<path>")
		}
		switch c.Condition {
		case "any", "all", "any2any", "all2any":
		default:
			return c, fmt.Errorf("search needs condition any, all, any2any or all2any, not %q", c.Condition)
		}
		var err error
		if c.nested, err = parse(nested, "item."); err != nil {
			return c, err
		}
	case op == "matchregex" || op == "regex" || op == "iregex":
		if s, ok := c.Pattern.(string); ok && !strings.Contains(s, "{{") {
			if _, err := compile(op, s); err != nil {
				return c, fmt.Errorf("bad regular expression %q: %v", s, err)
			}
		}
	}
	return c, nil
}

// Match reports whether payload satisfies every criterion. render, when
// set, renders string patterns that hold Jinja first.
func Match(criteria map[string]Criterion, payload map[string]any, render func(string) (any, error)) (bool, error) {
	return matchAll(criteria, map[string]any{"trigger": payload}, render)
}

func matchAll(criteria map[string]Criterion, root map[string]any, render func(string) (any, error)) (bool, error) {
	for key, c := range criteria {
		ok, err := c.eval(root, key, render)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (c Criterion) eval(root map[string]any, key string, render func(string) (any, error)) (bool, error) {
	value, found := lookup(root, key)
	switch c.Type {
	case "exists":
		return found, nil
	case "nexists":
		return !found, nil
	}
	if !found {
		return false, nil
	}
	pattern := c.Pattern
	if s, ok := pattern.(string); ok && render != nil && strings.Contains(s, "{{") {
		var err error
		if pattern, err = render(s); err != nil {
			return false, fmt.Errorf("%s: failed to render the pattern: %w", key, err)
		}
	}
	if c.Type == "search" {
		return c.search(value, render)
	}
	return apply(c.Type, value, pattern)
}

// search matches list items against nested criteria on "item.<path>".
func (c Criterion) search(value any, render func(string) (any, error)) (bool, error) {
	items, ok := value.([]any)
	if !ok {
		return false, nil
	}
	anyItem := c.Condition == "any" || c.Condition == "any2any"
	allCriteria := c.Condition == "any" || c.Condition == "all"
	for _, item := range items {
		root := map[string]any{"item": item}
		matched := false
		if allCriteria {
			ok, err := matchAll(c.nested, root, render)
			if err != nil {
				return false, err
			}
			matched = ok
		} else {
			for key, n := range c.nested {
				ok, err := n.eval(root, key, render)
				if err != nil {
					return false, err
				}
				if ok {
					matched = true
					break
				}
			}
		}
		if anyItem && matched {
			return true, nil
		}
		if !anyItem && !matched {
			return false, nil
		}
	}
	return !anyItem && len(items) > 0, nil
}

// lookup resolves a dotted key with [i] or .i list indices.
func lookup(root map[string]any, key string) (any, bool) {
	var cur any = root
	for _, part := range splitKey(key) {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// indexReplacer turns list indices ("a[0]") into path parts ("a.0");
// built once, as building one costs more than using it.
var indexReplacer = strings.NewReplacer("[", ".", "]", "")

func splitKey(key string) []string {
	return strings.Split(indexReplacer.Replace(key), ".")
}

func compile(op, pattern string) (*regexp2.Regexp, error) {
	opts := regexp2.None
	if op == "matchregex" {
		opts = regexp2.Singleline // Python re.DOTALL, as st2's match_regex
	}
	if op == "iregex" {
		opts = regexp2.IgnoreCase
	}
	re, err := regexp2.Compile(pattern, opts)
	if err == nil {
		re.MatchTimeout = regexTimeout
	}
	return re, err
}

// wildcard is Python's fnmatch on a POSIX system (case-sensitive).
func wildcard(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	if err == nil && !strings.Contains(s, "/") {
		return ok
	}
	// path.Match stops at "/"; fnmatch does not: compare as a regex.
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp2.Escape(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp2.Compile(b.String(), regexp2.Singleline)
	if err != nil {
		return false
	}
	re.MatchTimeout = regexTimeout
	m, _ := re.MatchString(s)
	return m
}

// number reads a JSON or YAML number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

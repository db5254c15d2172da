package criteria

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// apply runs one operator: value from the payload, pattern from the rule.
func apply(op string, value, pattern any) (bool, error) {
	vs, vIsStr := value.(string)
	ps, pIsStr := pattern.(string)
	bothStr := vIsStr && pIsStr
	switch op {
	case "equals":
		return equal(value, pattern), nil
	case "nequals":
		return !equal(value, pattern), nil
	case "iequals":
		return bothStr && strings.EqualFold(vs, ps), nil
	case "contains":
		return contains(value, pattern, false), nil
	case "ncontains":
		return !contains(value, pattern, false), nil
	case "icontains":
		return contains(value, pattern, true), nil
	case "incontains":
		return !contains(value, pattern, true), nil
	case "startswith":
		return bothStr && strings.HasPrefix(vs, ps), nil
	case "istartswith":
		return bothStr && strings.HasPrefix(strings.ToLower(vs), strings.ToLower(ps)), nil
	case "endswith":
		return bothStr && strings.HasSuffix(vs, ps), nil
	case "iendswith":
		return bothStr && strings.HasSuffix(strings.ToLower(vs), strings.ToLower(ps)), nil
	case "lessthan", "greaterthan":
		return compare(op, value, pattern), nil
	case "matchwildcard":
		return bothStr && wildcard(ps, vs), nil
	case "matchregex", "regex", "iregex":
		if !bothStr {
			return false, nil
		}
		re, err := compile(op, ps)
		if err != nil {
			return false, fmt.Errorf("bad regular expression %q: %v", ps, err)
		}
		if op == "matchregex" { // re.match: anchored at the start
			m, err := re.FindStringMatch(vs)
			return err == nil && m != nil && m.Index == 0, nil
		}
		m, err := re.MatchString(vs)
		return err == nil && m, nil
	case "timediff_lt", "timediff_gt":
		return timediff(op, value, pattern)
	case "inside":
		return contains(pattern, value, false), nil
	case "ninside":
		return !contains(pattern, value, false), nil
	}
	return false, fmt.Errorf("unknown operator %q", op)
}

// equal is Python's ==: numbers by value, everything else by content.
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return x == y
		}
		return false
	}
	// Scalars compare directly; only nested values need normalizing.
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return reflect.DeepEqual(plain(a), plain(b))
}

// plain turns YAML's ints into JSON's float64 for comparing nested values.
func plain(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// contains is Python's "needle in haystack": a substring, a list item or
// a dict key; fold compares strings without case.
func contains(haystack, needle any, fold bool) bool {
	switch h := haystack.(type) {
	case string:
		n, ok := needle.(string)
		if !ok {
			return false
		}
		if fold {
			return strings.Contains(strings.ToLower(h), strings.ToLower(n))
		}
		return strings.Contains(h, n)
	case []any:
		for _, item := range h {
			if fold {
				is, ok1 := item.(string)
				ns, ok2 := needle.(string)
				if ok1 && ok2 && strings.EqualFold(is, ns) {
					return true
				}
				continue
			}
			if equal(item, needle) {
				return true
			}
		}
	case map[string]any:
		n, ok := needle.(string)
		if !ok {
			return false
		}
		for k := range h {
			if k == n || (fold && strings.EqualFold(k, n)) {
				return true
			}
		}
	}
	return false
}

// compare orders numbers by value and strings lexically, as Python does;
// anything else does not compare.
func compare(op string, value, pattern any) bool {
	if x, ok := number(value); ok {
		if y, ok := number(pattern); ok {
			if op == "lessthan" {
				return x < y
			}
			return x > y
		}
		return false
	}
	vs, ok1 := value.(string)
	ps, ok2 := pattern.(string)
	if !ok1 || !ok2 {
		return false
	}
	if op == "lessthan" {
		return vs < ps
	}
	return vs > ps
}

// timediff compares how long ago an ISO 8601 timestamp was with a number
// of seconds.
func timediff(op string, value, pattern any) (bool, error) {
	s, ok := value.(string)
	if !ok {
		return false, nil
	}
	secs, ok := number(pattern)
	if !ok {
		return false, fmt.Errorf("%s needs a number of seconds as its pattern", op)
	}
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999Z07:00", "2006-01-02 15:04:05"} {
		if t, err = time.Parse(layout, s); err == nil {
			break
		}
	}
	if err != nil {
		return false, nil
	}
	diff := Now().Sub(t).Seconds()
	if op == "timediff_lt" {
		return diff < secs, nil
	}
	return diff > secs, nil
}

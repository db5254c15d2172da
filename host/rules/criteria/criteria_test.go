package criteria

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var payload = map[string]any{
	"body": map[string]any{
		"name": "st2", "count": json.Number("5"), "ratio": 2.5, "ok": true, "none": nil,
		"tags":  []any{"web", "DB"},
		"items": []any{map[string]any{"name": "a", "n": 1.0}, map[string]any{"name": "b", "n": 3.0}},
		"text":  "Hello World\nsecond line", "path": "/var/log/app.log",
		"when": "2026-11-22T10:00:00Z", "meta": map[string]any{"Key": "v"},
	},
}

func TestOperators(t *testing.T) {
	Now = func() time.Time { return time.Date(2026, 11, 22, 10, 1, 0, 0, time.UTC) }
	defer func() { Now = time.Now }()
	tests := []struct {
		key, op string
		pattern any
		want    bool
	}{
		{"trigger.body.name", "equals", "st2", true}, {"trigger.body.name", "eq", "st3", false},
		{"trigger.body.count", "equals", 5, true}, {"trigger.body.count", "equals", "5", false},
		{"trigger.body.ok", "eq", true, true}, {"trigger.body.none", "equals", nil, true},
		{"trigger.body.name", "nequals", "x", true}, {"trigger.body.name", "neq", "st2", false},
		{"trigger.body.name", "iequals", "ST2", true}, {"trigger.body.name", "ieq", "st", false},
		{"trigger.body.text", "contains", "World", true}, {"trigger.body.tags", "contains", "web", true},
		{"trigger.body.meta", "contains", "Key", true}, {"trigger.body.tags", "contains", "db", false},
		{"trigger.body.tags", "icontains", "db", true}, {"trigger.body.text", "icontains", "world", true},
		{"trigger.body.text", "ncontains", "xyz", true}, {"trigger.body.text", "incontains", "WORLD", false},
		{"trigger.body.name", "startswith", "st", true}, {"trigger.body.name", "istartswith", "ST", true},
		{"trigger.body.path", "endswith", ".log", true}, {"trigger.body.path", "iendswith", ".LOG", true},
		{"trigger.body.count", "lessthan", 6, true}, {"trigger.body.count", "lt", 5, false},
		{"trigger.body.ratio", "greaterthan", 2, true}, {"trigger.body.ratio", "gt", "1", false},
		{"trigger.body.path", "matchwildcard", "/var/log/*.log", true}, {"trigger.body.name", "matchwildcard", "s?3", false},
		{"trigger.body.text", "matchregex", "Hello.*line", true}, {"trigger.body.text", "matchregex", "World", false},
		{"trigger.body.text", "regex", "World", true}, {"trigger.body.text", "regex", "^world", false},
		{"trigger.body.text", "iregex", "^hello (?=world)", true},
		{"trigger.body.when", "timediff_lt", 120, true}, {"trigger.body.when", "td_lt", 30, false},
		{"trigger.body.when", "timediff_gt", 30, true}, {"trigger.body.when", "td_gt", 120, false},
		{"trigger.body.name", "exists", nil, true}, {"trigger.body.missing", "exists", nil, false},
		{"trigger.body.missing", "nexists", nil, true}, {"trigger.body.name", "nexists", nil, false},
		{"trigger.body.name", "inside", []any{"st2", "x"}, true}, {"trigger.body.name", "in", "xst2x", true},
		{"trigger.body.name", "ninside", []any{"x"}, true}, {"trigger.body.name", "nin", []any{"st2"}, false},
		{"trigger.body.items[1].name", "equals", "b", true}, {"trigger.body.items.0.n", "equals", 1, true},
		{"trigger.body.missing", "equals", nil, false}, {"trigger.body.items[9].name", "equals", "b", false},
	}
	for _, tc := range tests {
		t.Run(tc.op+" "+tc.key, func(t *testing.T) {
			c, err := Parse(map[string]any{tc.key: map[string]any{"type": tc.op, "pattern": tc.pattern}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Match(c, payload, nil)
			if err != nil || got != tc.want {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	crit := func(cond string) map[string]any {
		return map[string]any{"trigger.body.items": map[string]any{"type": "search", "condition": cond, "pattern": map[string]any{
			"item.name": map[string]any{"type": "equals", "pattern": "b"},
			"item.n":    map[string]any{"type": "greaterthan", "pattern": 2},
		}}}
	}
	for cond, want := range map[string]bool{"any": true, "all": false, "any2any": true, "all2any": false} {
		c, err := Parse(crit(cond))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := Match(c, payload, nil); got != want {
			t.Fatalf("search %s: %v", cond, got)
		}
	}
}

func TestRenderedPattern(t *testing.T) {
	c, _ := Parse(map[string]any{"trigger.body.name": map[string]any{"type": "equals", "pattern": "{{ st2kv.system.name }}"}})
	got, err := Match(c, payload, func(s string) (any, error) { return "st2", nil })
	if err != nil || !got {
		t.Fatalf("rendered pattern: %v %v", got, err)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"trigger.a": map[string]any{"type": "bogus", "pattern": 1}}, "unknown operator"},
		{map[string]any{"trigger.a": map[string]any{"type": "equals"}}, "needs a pattern"},
		{map[string]any{"trigger.a": "x"}, "must be a mapping"},
		{map[string]any{"payload.a": map[string]any{"type": "exists"}}, "starts with"},
		{map[string]any{"trigger.a": map[string]any{"type": "regex", "pattern": "(x"}}, "bad regular expression"},
		{map[string]any{"trigger.a": map[string]any{"type": "search", "pattern": map[string]any{}, "condition": "some"}}, "condition"},
	}
	for _, tc := range tests {
		if _, err := Parse(tc.raw); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%v: %v, want %q", tc.raw, err, tc.want)
		}
	}
	if len(Operators()) != 33 {
		t.Fatalf("operators: %d", len(Operators()))
	}
}

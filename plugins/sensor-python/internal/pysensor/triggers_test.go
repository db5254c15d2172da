package pysensor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/squall-io/squall/sdk/sensor"
)

func TestDiff(t *testing.T) {
	a := sensor.Trigger{ID: "a", Type: "p.t", Parameters: map[string]any{"x": "1"}}
	a2 := sensor.Trigger{ID: "a", Type: "p.t", Parameters: map[string]any{"x": "2"}}
	b := sensor.Trigger{ID: "b", Type: "p.t"}
	bEmpty := sensor.Trigger{ID: "b", Type: "p.t", Parameters: map[string]any{}}
	c := sensor.Trigger{ID: "c", Type: "p.t"}
	tests := []struct {
		name      string
		old, next []sensor.Trigger
		want      string
	}{
		{"nothing", nil, nil, ""},
		{"all new", nil, []sensor.Trigger{a, b}, "add_trigger a, add_trigger b"},
		{"unchanged", []sensor.Trigger{a, b}, []sensor.Trigger{b, a}, ""},
		{"nil and empty parameters are the same", []sensor.Trigger{b}, []sensor.Trigger{bEmpty}, ""},
		{"parameters changed", []sensor.Trigger{a}, []sensor.Trigger{a2}, "update_trigger a"},
		{"removed first, by id", []sensor.Trigger{c, a, b}, []sensor.Trigger{a2}, "remove_trigger b, remove_trigger c, update_trigger a"},
		{"duplicates: the last wins", []sensor.Trigger{a}, []sensor.Trigger{a2, a}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, ev := range diff(byID(tc.old), tc.next) {
				got = append(got, fmt.Sprintf("%s %s", ev.Op, ev.Trigger.ID))
			}
			if s := strings.Join(got, ", "); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
}

package pysensor

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"

	"github.com/squall-io/squall/sdk/sensor"
)

// invocation is the first line on the events channel (fd 5).
type invocation struct {
	EntryPoint   string         `json:"entry_point"`
	ClassName    string         `json:"class_name"`
	Pack         string         `json:"pack"`
	PackPath     string         `json:"pack_path"`
	Config       map[string]any `json:"config"`
	PollInterval int64          `json:"poll_interval"` // seconds; 0: the sensor's default
	Triggers     []trigger      `json:"triggers"`
}

// trigger is a trigger as the wrapper gets it; it adds pack and uid.
type trigger struct {
	ID         string         `json:"id"`
	Ref        string         `json:"ref"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Parameters map[string]any `json:"parameters"`
}

// event is one trigger change on the events channel.
type event struct {
	Op      string  `json:"op"` // add_trigger, update_trigger, remove_trigger
	Trigger trigger `json:"trigger"`
}

func toWire(t sensor.Trigger) trigger {
	params := t.Parameters
	if params == nil {
		params = map[string]any{}
	}
	return trigger{ID: t.ID, Ref: t.Ref, Name: t.Name, Type: t.Type, Parameters: params}
}

func byID(ts []sensor.Trigger) map[string]sensor.Trigger {
	m := make(map[string]sensor.Trigger, len(ts))
	for _, t := range ts {
		m[t.ID] = t
	}
	return m
}

// diff turns a new trigger set into the calls StackStorm makes: remove
// for triggers gone, add for new ones, update for those whose parameters
// (or type) changed. Removals come first, by id, so that a rule whose
// trigger was replaced loses the old one before it gets the new one.
func diff(old map[string]sensor.Trigger, next []sensor.Trigger) []event {
	nextByID := byID(next)
	var gone []string
	for id := range old {
		if _, ok := nextByID[id]; !ok {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	var out []event
	for _, id := range gone {
		out = append(out, event{Op: "remove_trigger", Trigger: toWire(old[id])})
	}
	seen := map[string]bool{}
	for _, t := range next {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		t = nextByID[t.ID] // the last of duplicates wins, as in byID
		prev, ok := old[t.ID]
		switch {
		case !ok:
			out = append(out, event{Op: "add_trigger", Trigger: toWire(t)})
		case !same(prev, t):
			out = append(out, event{Op: "update_trigger", Trigger: toWire(t)})
		}
	}
	return out
}

func same(a, b sensor.Trigger) bool {
	if a.Ref != b.Ref || a.Name != b.Name || a.Type != b.Type {
		return false
	}
	if len(a.Parameters) == 0 && len(b.Parameters) == 0 {
		return true
	}
	return reflect.DeepEqual(a.Parameters, b.Parameters)
}

// feed writes the invocation, then the changes each trigger set brings,
// until ctx ends or the process exits.
func (s *session) feed(ctx context.Context, exited <-chan struct{}) {
	enc := json.NewEncoder(s.pipes.Events)
	inv := invocation{
		EntryPoint: s.run.EntryPoint, ClassName: s.run.ClassName, Pack: s.run.Pack, PackPath: s.run.PackPath,
		Config: s.run.Config, PollInterval: int64(s.run.PollInterval.Seconds()),
	}
	for _, t := range s.run.Triggers {
		inv.Triggers = append(inv.Triggers, toWire(t))
	}
	if err := enc.Encode(inv); err != nil {
		return // the process is gone: supervise reports why
	}
	current := byID(s.run.Triggers)
	for {
		select {
		case <-ctx.Done():
			return
		case <-exited:
			return
		case next := <-s.run.Updates:
			for _, ev := range diff(current, next) {
				if err := enc.Encode(ev); err != nil {
					return
				}
			}
			current = byID(next)
		}
	}
}

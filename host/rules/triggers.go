package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/packs"
)

// Built-in trigger types (StackStorm's names).
const (
	TriggerWebhook     = "core.st2.webhook"
	TriggerSensorSpawn = "core.st2.sensor.process_spawn"
	TriggerSensorExit  = "core.st2.sensor.process_exit"
	triggerKVPrefix    = "core.st2.key_value_pair."
)

func obj(props map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": props}
}

func anyProps(names ...string) map[string]any {
	p := map[string]any{}
	for _, n := range names {
		p[n] = map[string]any{}
	}
	return p
}

func builtin(ref, description string, params, payload map[string]any) structs.TriggerType {
	name := strings.TrimPrefix(ref, "core.")
	if params == nil {
		params = map[string]any{}
	}
	return structs.TriggerType{
		ID: ref, Ref: ref, Pack: "core", Name: name, Description: description,
		ParametersSchema: params, PayloadSchema: payload,
	}
}

var timerPayload = obj(map[string]any{
	"executed_at": map[string]any{"type": "string", "format": "date-time"}, "schedule": map[string]any{"type": "object"}})

// builtinTriggerTypes are part of the binary, as StackStorm's system
// trigger types are part of st2.
var builtinTriggerTypes = func() map[string]structs.TriggerType {
	kv := obj(anyProps("object"))
	sensor := obj(anyProps("object"))
	list := []structs.TriggerType{
		builtin(structs.TriggerActionTrigger, "Trigger encapsulating the completion of an action execution.", nil,
			obj(anyProps("execution_id", "status", "start_timestamp", "action_name", "action_ref", "runner_ref", "parameters", "result"))),
		builtin(structs.TriggerNotifyTrigger, "Notification trigger.", nil,
			obj(anyProps("execution_id", "status", "start_timestamp", "end_timestamp", "action_ref", "runner_ref", "channel", "route", "message", "data"))),
		builtin(TriggerIntervalTimer, "Triggers on specified intervals. e.g. every 30s, 1week etc.",
			obj(map[string]any{
				"unit":  map[string]any{"enum": []any{"weeks", "days", "hours", "minutes", "seconds"}, "required": true},
				"delta": map[string]any{"type": "integer", "required": true}}), timerPayload),
		builtin(TriggerDateTimer, "Triggers exactly once when the current time matches the specified time. e.g. timezone:UTC date:2014-12-31 23:59:59.",
			obj(map[string]any{"timezone": map[string]any{"type": "string"}, "date": map[string]any{"type": "string", "required": true}}), timerPayload),
		builtin(TriggerCronTimer, "Triggers whenever current time matches the specified time constaints like a UNIX cron scheduler.",
			obj(map[string]any{
				"timezone": map[string]any{"type": "string"}, "year": map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}},
				"month": map[string]any{}, "day": map[string]any{}, "week": map[string]any{}, "day_of_week": map[string]any{},
				"hour": map[string]any{}, "minute": map[string]any{}, "second": map[string]any{}}), timerPayload),
		builtin(TriggerWebhook, "Trigger type for registering webhooks that can consume arbitrary payload.",
			map[string]any{"type": "object", "additionalProperties": false,
				"properties": map[string]any{"url": map[string]any{"type": "string", "required": true}}},
			obj(map[string]any{"headers": map[string]any{"type": "object"}, "body": map[string]any{"anyOf": []any{
				map[string]any{"type": "array"}, map[string]any{"type": "object"}}}})),
		builtin(triggerKVPrefix+"create", "Trigger encapsulating datastore item creation.", nil, kv),
		builtin(triggerKVPrefix+"update", "Trigger encapsulating datastore set action.", nil, kv),
		builtin(triggerKVPrefix+"value_change", "Trigger encapsulating a change of datastore item value.", nil,
			obj(anyProps("old_object", "new_object"))),
		builtin(triggerKVPrefix+"delete", "Trigger encapsulating datastore item deletion.", nil, kv),
		builtin(structs.TriggerInquiry, "Trigger indicating a new \"inquiry\" has entered \"pending\" status", nil,
			obj(map[string]any{"id": map[string]any{"type": "string"}, "route": map[string]any{"type": "string"}})),
		builtin(TriggerSensorSpawn, "Trigger indicating sensor process is started up.", nil, sensor),
		builtin(TriggerSensorExit, "Trigger indicating sensor process is stopped.", nil, sensor),
	}
	out := map[string]structs.TriggerType{}
	for _, t := range list {
		out[t.Ref] = t
	}
	return out
}()

// IsBuiltinTriggerType reports whether ref is one of StackStorm's system
// trigger types, which cannot be changed or deleted.
func IsBuiltinTriggerType(ref string) bool { _, ok := builtinTriggerTypes[ref]; return ok }

// TriggerType returns a trigger type by ref: built-in or registered.
func (s *Service) TriggerType(ref string) (*structs.TriggerType, bool) {
	if t, ok := builtinTriggerTypes[ref]; ok {
		return &t, true
	}
	t, err := s.cfg.State().TriggerTypeGet(ref)
	return t, err == nil
}

// TriggerTypes returns every trigger type, by ref.
func (s *Service) TriggerTypes() []*structs.TriggerType {
	out := make([]*structs.TriggerType, 0, len(builtinTriggerTypes))
	for _, t := range builtinTriggerTypes {
		out = append(out, &t)
	}
	if registered, err := s.cfg.State().TriggerTypes(); err == nil {
		out = append(out, registered...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// PutTriggerType creates (create) or replaces a trigger type through the
// API; built-in types are read-only.
func (s *Service) PutTriggerType(ctx context.Context, m packs.TriggerTypeMeta, refOrID string, create bool) (*structs.TriggerType, error) {
	pack := m.Pack
	if pack == "" {
		pack = DefaultPack
	}
	t, err := packs.BuildTriggerType(m, pack, "trigger type")
	if err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "%v", err)
	}
	t.MetadataFile = ""
	mode := command.RuleCreate
	if !create {
		mode = command.RuleUpdate
		old, err := s.GetTriggerType(refOrID)
		if err != nil {
			return nil, err
		}
		if old.Ref != t.Ref {
			return nil, structs.Errorf(structs.KindInvalid, "an update cannot rename %s to %s", old.Ref, t.Ref)
		}
	}
	if IsBuiltinTriggerType(t.Ref) {
		return nil, structs.Errorf(structs.KindInvalid, "%s is a system trigger type and cannot be changed", t.Ref)
	}
	t.ID = s.cfg.NewID()
	now := time.Now().UTC()
	if _, err := s.cfg.Raft.Apply(ctx, command.TriggerTypePut, command.TriggerTypePutRequest{TriggerType: t, Mode: mode, Now: now}); err != nil {
		return nil, err
	}
	t.CreatedAt = now
	return &t, nil
}

// GetTriggerType returns a trigger type by ref or id.
func (s *Service) GetTriggerType(refOrID string) (*structs.TriggerType, error) {
	if t, ok := s.TriggerType(refOrID); ok {
		return t, nil
	}
	for _, t := range s.TriggerTypes() {
		if t.ID == refOrID {
			return t, nil
		}
	}
	return nil, structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", refOrID)
}

// DeleteTriggerType deletes a registered trigger type no rule uses.
func (s *Service) DeleteTriggerType(ctx context.Context, refOrID string) error {
	t, err := s.GetTriggerType(refOrID)
	if err != nil {
		return err
	}
	if IsBuiltinTriggerType(t.Ref) {
		return structs.Errorf(structs.KindInvalid, "%s is a system trigger type and cannot be deleted", t.Ref)
	}
	if users, _ := s.cfg.State().RulesForTrigger(t.Ref); len(users) > 0 {
		return structs.Errorf(structs.KindConflict, "trigger type %s is used by rule %s", t.Ref, users[0].Ref)
	}
	_, err = s.cfg.Raft.Apply(ctx, command.TriggerTypeDelete, command.TriggerTypeDeleteRequest{Ref: t.Ref})
	return err
}

// Trigger is StackStorm's trigger object: a trigger type with the
// parameters a rule gives it. Rules with the same type and parameters
// share one.
type Trigger struct {
	ID         string         `json:"id"`
	Ref        string         `json:"ref"`
	UID        string         `json:"uid"`
	Name       string         `json:"name"`
	Pack       string         `json:"pack"`
	Type       string         `json:"type"`
	Parameters map[string]any `json:"parameters"`
}

// TriggerOf is the trigger a rule listens to. A type without parameters
// has one trigger named like it; with parameters the name is derived
// from them, so every node and leader computes the same.
func TriggerOf(r *structs.Rule) Trigger {
	t := Trigger{Type: r.Trigger.Type, Parameters: nonNil(r.Trigger.Parameters)}
	pack, name, _ := strings.Cut(r.Trigger.Type, ".")
	t.Pack = pack
	if len(t.Parameters) == 0 {
		t.Name = name
	} else {
		key, _ := json.Marshal([]any{r.Trigger.Type, t.Parameters})
		sum := sha256.Sum256(key)
		t.Name = hex.EncodeToString(sum[:16])
	}
	t.Ref = t.Pack + "." + t.Name
	t.ID, t.UID = t.Ref, "trigger:"+t.Pack+":"+t.Name
	return t
}

// Triggers returns the triggers enabled rules listen to, by ref; with
// types set, only those of these types.
func (s *Service) Triggers(types ...string) ([]Trigger, error) {
	all, err := s.cfg.State().Rules()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	seen := map[string]bool{}
	var out []Trigger
	for _, r := range all {
		if !r.Enabled || (len(want) > 0 && !want[r.Trigger.Type]) {
			continue
		}
		t := TriggerOf(r)
		if !seen[t.Ref] {
			seen[t.Ref] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

// Trigger returns the trigger with this ref or id that a rule uses.
func (s *Service) Trigger(refOrID string) (Trigger, bool) {
	all, err := s.Triggers()
	if err != nil {
		return Trigger{}, false
	}
	for _, t := range all {
		if t.Ref == refOrID || t.ID == refOrID {
			return t, true
		}
	}
	return Trigger{}, false
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// trimURL is a webhook url as rules and requests compare it: without the
// slashes around it, as StackStorm does.
func trimURL(u string) string { return strings.Trim(u, "/") }

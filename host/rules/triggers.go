package rules

import (
	"sort"
	"strings"

	"github.com/squall-io/squall/cluster/structs"
)

// Built-in trigger types (StackStorm's names). Timers, sensors' and
// packs' trigger types, and the internal triggers arrive with them.
const (
	TriggerWebhook = "core.st2.webhook"
)

// TriggerType is a kind of trigger, as StackStorm's API shows it.
type TriggerType struct {
	Ref              string         `json:"ref"`
	Name             string         `json:"name"`
	Pack             string         `json:"pack"`
	Description      string         `json:"description"`
	ParametersSchema map[string]any `json:"parameters_schema"`
	PayloadSchema    map[string]any `json:"payload_schema"`
}

var builtinTriggerTypes = map[string]TriggerType{
	structs.TriggerActionTrigger: {
		Ref: structs.TriggerActionTrigger, Name: "st2.generic.actiontrigger", Pack: "core",
		Description:      "Trigger encapsulating the completion of an action execution.",
		ParametersSchema: map[string]any{},
		PayloadSchema: map[string]any{"type": "object", "properties": map[string]any{
			"execution_id": map[string]any{}, "status": map[string]any{}, "start_timestamp": map[string]any{},
			"action_name": map[string]any{}, "action_ref": map[string]any{}, "runner_ref": map[string]any{},
			"parameters": map[string]any{}, "result": map[string]any{}}},
	},
	TriggerIntervalTimer: {
		Ref: TriggerIntervalTimer, Name: "st2.IntervalTimer", Pack: "core",
		Description: "Triggers on specified intervals. e.g. every 30s, 1week etc.",
		ParametersSchema: map[string]any{"type": "object", "properties": map[string]any{
			"unit":  map[string]any{"enum": []any{"weeks", "days", "hours", "minutes", "seconds"}, "required": true},
			"delta": map[string]any{"type": "integer", "required": true}}},
		PayloadSchema: timerPayload,
	},
	TriggerDateTimer: {
		Ref: TriggerDateTimer, Name: "st2.DateTimer", Pack: "core",
		Description: "Triggers exactly once when the current time matches the specified time. e.g. timezone:UTC date:2014-12-31 23:59:59.",
		ParametersSchema: map[string]any{"type": "object", "properties": map[string]any{
			"timezone": map[string]any{"type": "string"}, "date": map[string]any{"type": "string", "required": true}}},
		PayloadSchema: timerPayload,
	},
	TriggerWebhook: {
		Ref: TriggerWebhook, Name: "st2.webhook", Pack: "core",
		Description: "Trigger type for registering webhooks that can consume arbitrary payload.",
		ParametersSchema: map[string]any{"type": "object", "additionalProperties": false,
			"properties": map[string]any{"url": map[string]any{"type": "string", "required": true}}},
		PayloadSchema: map[string]any{"type": "object", "properties": map[string]any{
			"headers": map[string]any{"type": "object"}, "body": map[string]any{"anyOf": []any{
				map[string]any{"type": "array"}, map[string]any{"type": "object"}}}}},
	},
}

var timerPayload = map[string]any{"type": "object", "properties": map[string]any{
	"executed_at": map[string]any{"type": "string", "format": "date-time"}, "schedule": map[string]any{"type": "object"}}}

// KnownTriggerType reports whether rules may listen to t.
func KnownTriggerType(t string) bool { _, ok := builtinTriggerTypes[t]; return ok }

// TriggerTypes returns every trigger type, by ref.
func TriggerTypes() []TriggerType {
	out := make([]TriggerType, 0, len(builtinTriggerTypes))
	for _, t := range builtinTriggerTypes {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// trimURL is a webhook url as rules and requests compare it: without the
// slashes around it, as StackStorm does.
func trimURL(u string) string { return strings.Trim(u, "/") }

package dispatcher

import (
	"fmt"
	"time"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/sdk/expr/jinja"
)

// notifySections says which notify sections apply to a final status, as
// StackStorm's notifier does: on-complete always, then on-success or
// on-failure.
func notifySections(status structs.ExecStatus) []string {
	switch status {
	case structs.ExecSucceeded:
		return []string{"on-complete", "on-success"}
	case structs.ExecCanceled:
		return []string{"on-complete"}
	}
	return []string{"on-complete", "on-failure"}
}

// notifyInstances renders an execution's notify section into one
// core.st2.generic.notifytrigger instance per route. Rendering happens
// here, on the node that ran it: the FSM must not evaluate templates.
func (d *Dispatcher) notifyInstances(e *structs.Execution, status structs.ExecStatus, result any, end time.Time) []structs.TriggerInstance {
	if len(e.Notify) == 0 {
		return nil
	}
	ctx := map[string]any{"action_results": result, "action_parameters": e.Parameters, "action_context": e.Context}
	var out []structs.TriggerInstance
	for _, section := range notifySections(status) {
		sec, _ := e.Notify[section].(map[string]any)
		if sec == nil {
			continue
		}
		routes, _ := sec["routes"].([]any)
		if len(routes) == 0 {
			routes, _ = sec["channels"].([]any) // StackStorm's older name
		}
		message, data := d.renderNotify(sec["message"], ctx), d.renderNotify(sec["data"], ctx)
		for i, route := range routes {
			out = append(out, structs.TriggerInstance{
				ID: fmt.Sprintf("notify-%s-%s-%d", e.ID, section, i), Parameters: map[string]any{}, OccurrenceTime: end,
				Payload: map[string]any{
					"execution_id": e.ID, "status": string(status), "action_ref": e.Action.Ref, "runner_ref": e.Action.RunnerType,
					"start_timestamp": e.StartTimestamp.UTC().Format(timestampFormat),
					"end_timestamp":   end.UTC().Format(timestampFormat),
					"channel":         route, "route": route, "message": message, "data": data,
				},
			})
		}
	}
	return out
}

const timestampFormat = "2006-01-02T15:04:05.000000Z"

// renderNotify renders strings in a notify message or data; a template
// that fails keeps its text (a notification is better late than lost).
func (d *Dispatcher) renderNotify(v any, ctx map[string]any) any {
	switch t := v.(type) {
	case string:
		out, err := jinja.Render(t, ctx)
		if err != nil {
			d.logger.Warn("failed to render a notify template", "template", t, "error", err)
			return t
		}
		return out
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = d.renderNotify(x, ctx)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = d.renderNotify(x, ctx)
		}
		return l
	}
	return v
}

package executions

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
)

// TimeFormat is StackStorm's API timestamp format (microseconds, UTC).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// View renders an execution as StackStorm's API returns it (an
// ActionExecution), with secret parameters masked.
func View(st *state.Store, e *structs.Execution) map[string]any {
	masked := params.MaskValues(e.Parameters, e.Secrets)
	if masked == nil {
		masked = map[string]any{}
	}
	v := map[string]any{
		"id":              e.ID,
		"status":          e.Status,
		"parameters":      masked,
		"context":         e.Context,
		"start_timestamp": e.StartTimestamp.UTC().Format(TimeFormat),
		"log":             logView(e.Log),
		"web_url":         "",
		"liveaction": map[string]any{
			"id": e.ID, "action": e.Action.Ref, "parameters": masked, "status": e.Status,
			"runner_info": map[string]any{"hostname": e.Node, "node": e.Node},
		},
		"action": actionView(st, e),
		"runner": runnerView(st, e.Action.RunnerType),
	}
	end := time.Now().UTC()
	if !e.EndTimestamp.IsZero() {
		v["end_timestamp"] = e.EndTimestamp.UTC().Format(TimeFormat)
		end = e.EndTimestamp
	}
	v["elapsed_seconds"] = float64(end.Sub(e.StartTimestamp).Microseconds()) / 1e6
	if len(e.Result) > 0 {
		v["result"] = json.RawMessage(e.Result)
	} else {
		v["result"] = map[string]any{}
	}
	if e.Parent != "" {
		v["parent"] = e.Parent
	}
	if wf, err := st.WorkflowGet(e.ID); err == nil {
		children := make([]string, 0, len(wf.Tasks))
		for _, t := range wf.Tasks {
			children = append(children, t.Execution)
		}
		v["children"] = children
	}
	if e.TraceTag != "" {
		v["trace_tag"] = e.TraceTag
	}
	return v
}

func logView(log []structs.StatusChange) []map[string]any {
	out := make([]map[string]any, 0, len(log))
	for _, c := range log {
		out = append(out, map[string]any{"status": c.Status, "timestamp": c.Timestamp.UTC().Format(TimeFormat)})
	}
	return out
}

func actionView(st *state.Store, e *structs.Execution) map[string]any {
	v := map[string]any{
		"ref": e.Action.Ref, "name": e.Action.Name, "pack": e.Action.Pack, "runner_type": e.Action.RunnerType,
		"uid": "action:" + e.Action.Pack + ":" + e.Action.Name,
	}
	if a, err := st.ActionGet(e.Action.Ref); err == nil {
		v["id"], v["description"], v["enabled"] = a.ID, a.Description, a.Enabled
		v["entry_point"], v["parameters"] = a.EntryPoint, a.Parameters
	}
	return v
}

func runnerView(st *state.Store, name string) map[string]any {
	v := map[string]any{"name": name, "uid": "runner_type:" + name}
	if rt, err := runnerType(st, name); err == nil {
		v["description"], v["enabled"], v["runner_parameters"] = rt.Description, true, rt.RunnerParameters
	}
	return v
}

// Select keeps only the named attributes of a view (StackStorm's
// include_attributes: "id,status,action.ref"); an empty list keeps all.
func Select(v map[string]any, include []string) map[string]any {
	if len(include) == 0 {
		return v
	}
	out := map[string]any{}
	for _, path := range include {
		top, sub, nested := strings.Cut(strings.TrimSpace(path), ".")
		val, ok := v[top]
		if !ok {
			continue
		}
		if !nested {
			out[top] = val
			continue
		}
		inner, isMap := val.(map[string]any)
		if !isMap {
			continue
		}
		dst, _ := out[top].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			out[top] = dst
		}
		for k, w := range Select(inner, []string{sub}) {
			dst[k] = w
		}
	}
	return out
}

// Exclude drops the named top-level attributes (exclude_attributes).
func Exclude(v map[string]any, exclude []string) map[string]any {
	for _, name := range exclude {
		delete(v, strings.TrimSpace(name))
	}
	return v
}

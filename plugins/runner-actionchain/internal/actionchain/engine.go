// Package actionchain is StackStorm's action-chain runner as a stateless
// workflow engine: each Step reads the chain file and the state the last
// step returned, applies one event, and says which task to start next.
//
// What the host can rely on:
//   - At most one task runs at a time; its TaskID is "<task name>.<n>",
//     n counting every task the chain started.
//   - TaskStart.Parameters are rendered but not cast: the host casts them
//     to the action's parameter types, as StackStorm's cast_params does.
//   - TaskStart.Context holds "chain" (the task as written), and "notify"
//     (the task's own notify) or "skip_notify" (the task is listed in the
//     skip_notify runner parameter: no notification, not even the chain's).
//     The host adds "parent".
//   - The task's result is used as the host reports it: templates reach
//     it as <task name>.<key> and __results.<task name>.<key>.
//   - A task ending canceled cancels the chain; any status but succeeded
//     and canceled follows on-failure. A timed-out last task ends the
//     chain failed (StackStorm says timeout; workflow statuses have none).
//   - Pause and cancel wait for the running task (cancel names it in
//     Cancel); st2kv is read through the host service at each step that
//     renders a template mentioning it.
package actionchain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/workflow"
)

// RunnerType is the runner_type of action-chain actions.
const RunnerType = "action-chain"

// DefaultMaxTaskRuns bounds how many tasks one chain may start. Chains
// may loop (a task's on-success can point back), and StackStorm has no
// bound; a loop that never exits would otherwise grow the state forever.
const DefaultMaxTaskRuns = 1000

// Engine is the action-chain engine. It keeps nothing between steps.
type Engine struct{}

var _ workflow.Engine = (*Engine)(nil)

// New returns the engine.
func New() *Engine { return &Engine{} }

// Info declares the action-chain runner with StackStorm's runner
// parameters, plus max_task_runs.
func (*Engine) Info() workflow.Info {
	params := map[string]any{
		"display_published": map[string]any{
			"type": "boolean", "default": true,
			"description": "Intermediate published variables will be stored and displayed.",
		},
		"skip_notify": map[string]any{
			"type": "array", "default": []any{}, "items": map[string]any{"type": "string"},
			"description": "List of tasks to skip notifications for.",
		},
		"max_task_runs": map[string]any{
			"type": "integer", "default": DefaultMaxTaskRuns, "minimum": 1,
			"description": "Most tasks one chain execution may start (a chain may loop).",
		},
	}
	return workflow.Info{Name: "runner-actionchain", Version: "1.0.0", RunnerTypes: []runner.RunnerType{{
		Name: RunnerType, Description: "A runner for launching linear action chains.",
		Parameters: params, OutputKey: "published",
		OutputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"published": map[string]any{"type": "object"}, "tasks": map[string]any{"type": "array"},
		}, "additionalProperties": false},
	}}}
}

// options are the runner parameters of one chain execution.
type options struct {
	displayPublished bool
	skipNotify       map[string]bool
	maxTaskRuns      int
}

func parseOptions(p map[string]any) (options, error) {
	o := options{displayPublished: true, skipNotify: map[string]bool{}, maxTaskRuns: DefaultMaxTaskRuns}
	if v, ok := p["display_published"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return o, fmt.Errorf("runner parameter display_published must be a boolean, not %T", v)
		}
		o.displayPublished = b
	}
	if v, ok := p["skip_notify"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			return o, fmt.Errorf("runner parameter skip_notify must be a list of task names")
		}
		for _, name := range list {
			o.skipNotify[fmt.Sprint(name)] = true
		}
	}
	if v, ok := p["max_task_runs"]; ok && v != nil {
		n, err := toInt(v)
		if err != nil || n < 1 {
			return o, fmt.Errorf("runner parameter max_task_runs must be a positive integer, not %v", v)
		}
		o.maxTaskRuns = n
	}
	return o, nil
}

func toInt(v any) (int, error) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return int(n), err
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case float64:
		if v == float64(int(v)) {
			return int(v), nil
		}
	}
	return 0, fmt.Errorf("not an integer: %v", v)
}

// Step applies one event to one chain.
func (e *Engine) Step(ctx context.Context, req *workflow.StepRequest) (*workflow.StepResponse, error) {
	opts, err := parseOptions(req.RunnerParameters)
	if err != nil {
		return nil, err
	}
	s := &step{req: req, opts: opts, r: newRenderer(ctx, req.Host)}
	if req.Event.Kind == workflow.EventStart {
		s.st = newState()
		return s.start()
	}
	if s.st, err = decodeState(req.State); err != nil {
		return nil, err
	}
	if s.done() {
		if req.Event.Kind == workflow.EventTaskDone {
			return nil, fmt.Errorf("task %q ended after the chain did (%s)", req.Event.TaskID, s.st.Status)
		}
		return s.respond(nil, nil) // pause, resume or cancel of an ended chain change nothing
	}
	// The chain file is read again on each step: the state keeps only
	// names. A file that no longer parses fails the chain.
	if s.chain, err = parseChain(req.Definition); err != nil {
		return s.fail(err.Error())
	}
	switch req.Event.Kind {
	case workflow.EventTaskDone:
		return s.taskDone()
	case workflow.EventPause:
		return s.pause()
	case workflow.EventResume:
		return s.resume()
	case workflow.EventCancel:
		return s.cancel()
	}
	return nil, fmt.Errorf("unknown event %q", req.Event.Kind)
}

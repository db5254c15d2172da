package actionchain

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// chainState is everything the engine knows about one chain between
// steps; the host keeps it in raft. Definitions are re-read each step
// (the host hands them over), so only what happened is stored.
type chainState struct {
	Status string `json:"status"`
	// Vars are the chain's variables: vars as rendered at start, then
	// every published value (StackStorm publishes into the same scope).
	Vars map[string]any `json:"vars"`
	// Published is what publish produced, for the result.
	Published map[string]any `json:"published"`
	// Results is each task's latest result by task name (__results).
	Results map[string]any `json:"results"`
	Tasks   []taskRecord   `json:"tasks"`
	// Runs counts the tasks started: task ids and the loop bound.
	Runs int `json:"runs"`
	// Running is the task whose execution is going, if any.
	Running *running `json:"running,omitempty"`
	// Next and Final say where a chain paused between two tasks resumes:
	// the task to start, or, when none, the status it ends with.
	Next  string `json:"next,omitempty"`
	Final string `json:"final,omitempty"`
	// Error is the chain's top-level error.
	Error string `json:"error,omitempty"`
}

type running struct {
	TaskID string `json:"task_id"`
	Node   string `json:"node"`
}

// taskRecord is one entry of the result's "tasks", with StackStorm's
// keys. There are no timestamps: a step must not read the clock, and the
// child execution carries its own.
type taskRecord struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ExecutionID string `json:"execution_id"`
	Workflow    any    `json:"workflow"`
	State       string `json:"state"`
	Result      any    `json:"result"`
}

func newState() *chainState {
	return &chainState{Vars: map[string]any{}, Published: map[string]any{}, Results: map[string]any{}, Tasks: []taskRecord{}}
}

// decodeState reads a previous step's state; numbers stay json.Number as
// everywhere else on the plugin boundary.
func decodeState(b []byte) (*chainState, error) {
	st := newState()
	if len(b) == 0 {
		return nil, fmt.Errorf("the chain has no state: it was never started")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(st); err != nil {
		return nil, fmt.Errorf("failed to decode the chain's state: %w", err)
	}
	for _, m := range []*map[string]any{&st.Vars, &st.Published, &st.Results} {
		if *m == nil {
			*m = map[string]any{}
		}
	}
	return st, nil
}

func (st *chainState) encode() ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the chain's state: %w", err)
	}
	return b, nil
}

// result is the chain execution's result, StackStorm's shape: the tasks
// run so far, what was published (unless display_published is off) and
// the top-level error.
func (st *chainState) result(displayPublished bool) map[string]any {
	tasks := make([]any, len(st.Tasks))
	for i, t := range st.Tasks {
		tasks[i] = map[string]any{
			"id": t.ID, "name": t.Name, "execution_id": t.ExecutionID,
			"workflow": t.Workflow, "state": t.State, "result": t.Result,
		}
	}
	out := map[string]any{"tasks": tasks}
	if displayPublished {
		out["published"] = st.Published
	}
	if st.Error != "" {
		out["error"] = st.Error
	}
	return out
}

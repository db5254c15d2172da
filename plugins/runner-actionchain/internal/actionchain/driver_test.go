package actionchain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/workflow"
)

// driver steps one chain the way the host does, without a host: it keeps
// the state the engine returns and reports the tasks' ends.
type driver struct {
	t      *testing.T
	engine workflow.Engine
	req    *workflow.StepRequest
	resp   *workflow.StepResponse
	// started is every task the engine asked for, in order.
	started []workflow.TaskStart
}

func newDriver(t *testing.T, def string, params, runnerParams map[string]any, host hostservice.Client) *driver {
	t.Helper()
	return &driver{t: t, engine: New(), req: &workflow.StepRequest{
		ExecutionID: "chain1", RunnerType: RunnerType, Definition: []byte(def),
		Parameters: jsonRoundTrip(t, params), RunnerParameters: jsonRoundTrip(t, runnerParams),
		Context: map[string]any{"user": "stanley"}, Host: host,
	}}
}

// step sends one event and keeps the new state. An engine error fails
// the test.
func (d *driver) step(ev workflow.Event) *workflow.StepResponse {
	d.t.Helper()
	d.req.Event = ev
	resp, err := d.engine.Step(context.Background(), d.req)
	if err != nil {
		d.t.Fatalf("%s: %v", ev.Kind, err)
	}
	d.req.State, d.resp = resp.State, resp
	d.started = append(d.started, resp.Start...)
	return resp
}

func (d *driver) start() *workflow.StepResponse {
	return d.step(workflow.Event{Kind: workflow.EventStart})
}

// finish reports the end of the one task the last step started.
func (d *driver) finish(status string, result any) *workflow.StepResponse {
	d.t.Helper()
	if len(d.started) == 0 {
		d.t.Fatal("no task was started")
	}
	last := d.started[len(d.started)-1]
	return d.step(workflow.Event{
		Kind: workflow.EventTaskDone, TaskID: last.TaskID, ExecutionID: "exec-" + last.TaskID,
		Status: status, Result: jsonRoundTrip(d.t, result),
	})
}

// names lists the tasks started, by task name.
func (d *driver) names() []string {
	var out []string
	for _, s := range d.started {
		out = append(out, s.Name)
	}
	return out
}

// result returns the chain's result as the host would store it.
func (d *driver) result() map[string]any {
	d.t.Helper()
	m, _ := jsonRoundTrip(d.t, d.resp.Result).(map[string]any)
	return m
}

// jsonRoundTrip turns v into what crosses the plugin boundary: plain
// data with json.Number.
func jsonRoundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// str renders a value for comparison: numbers of every Go type compare
// by their text.
func str(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

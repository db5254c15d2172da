package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/host/scheduler"
	"github.com/squall-io/squall/sdk/runner"
	sdkworkflow "github.com/squall-io/squall/sdk/workflow"
)

// sequence runs the actions named in the workflow's "steps" parameter one
// after the other, failing when one fails; its state is the next index.
type sequence struct {
	mu    sync.Mutex
	steps int
}

func (s *sequence) Step(_ context.Context, req *sdkworkflow.StepRequest) (*sdkworkflow.StepResponse, error) {
	s.mu.Lock()
	s.steps++
	s.mu.Unlock()
	steps, _ := req.Parameters["steps"].([]any)
	var st struct {
		Next    int
		Pausing bool
	}
	if req.State != nil {
		if err := json.Unmarshal(req.State, &st); err != nil {
			return nil, err
		}
	}
	respond := func(status string, start bool, result any) (*sdkworkflow.StepResponse, error) {
		r := &sdkworkflow.StepResponse{Status: status, Result: result}
		if start {
			r.Start = []sdkworkflow.TaskStart{{TaskID: fmt.Sprint(st.Next), Name: fmt.Sprint("step", st.Next), Action: fmt.Sprint(steps[st.Next])}}
			st.Next++
		}
		r.State, _ = json.Marshal(st)
		return r, nil
	}
	switch req.Event.Kind {
	case sdkworkflow.EventStart:
		if len(steps) == 0 {
			return nil, errors.New("no steps")
		}
		return respond(sdkworkflow.StatusRunning, true, nil)
	case sdkworkflow.EventCancel:
		r, err := respond(sdkworkflow.StatusCanceling, false, nil)
		r.Cancel = []string{fmt.Sprint(st.Next - 1)}
		return r, err
	case sdkworkflow.EventPause:
		st.Pausing = true
		return respond(sdkworkflow.StatusPausing, false, nil)
	case sdkworkflow.EventResume:
		st.Pausing = false
		return respond(sdkworkflow.StatusRunning, true, nil)
	case sdkworkflow.EventTaskDone:
		switch {
		case req.Event.Status == "canceled":
			return respond(sdkworkflow.StatusCanceled, false, nil)
		case req.Event.Status != "succeeded":
			return respond(sdkworkflow.StatusFailed, false, map[string]any{"failed": req.Event.TaskID})
		case st.Next == len(steps):
			return respond(sdkworkflow.StatusSucceeded, false, map[string]any{"done": st.Next})
		case st.Pausing:
			return respond(sdkworkflow.StatusPaused, false, nil)
		}
		return respond(sdkworkflow.StatusRunning, true, nil)
	}
	return nil, errors.New("unsupported event " + req.Event.Kind)
}

type fixture struct {
	d      *fsm.Direct
	ex     *executions.Service
	driver *Driver
	engine *sequence
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must := func(_ uint64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Apply(ctx, command.NodeRunners, command.NodeRunnersRequest{Runners: structs.NodeRunners{Node: "n1", RunnerTypes: []structs.RunnerType{
		{Name: "noop"}, {Name: "seq", Workflow: true, RunnerParameters: map[string]any{}},
	}}}))
	for _, a := range []structs.Action{
		{Ref: "core.noop", Pack: "core", Name: "noop", Enabled: true, RunnerType: "noop"},
		{Ref: "p.seq", Pack: "p", Name: "seq", Enabled: true, RunnerType: "seq",
			Parameters: map[string]any{"steps": map[string]any{"type": "array"}}},
	} {
		must(d.Apply(ctx, command.ActionPut, command.ActionPutRequest{Action: a, Mode: command.ActionCreate}))
	}
	render := func(e *structs.Execution, p *structs.Pack) params.RenderContext {
		return executions.RenderContext(d.FSM.State(), nil, e, p)
	}
	ex := executions.New(executions.Config{Raft: d, State: d.FSM.State, Scheduler: scheduler.New("n1", d.FSM.State),
		Logger: hclog.NewNullLogger(), Render: render})
	engine := &sequence{}
	driver := New(Config{
		State: d.FSM.State, Raft: d, Engines: engine, Executions: ex, Logger: hclog.NewNullLogger(),
		NewID: func() string { return executions.NewID(time.Now()) },
		Request: func(e *structs.Execution) (*runner.Request, error) {
			return &runner.Request{ExecutionID: e.ID, RunnerType: e.Action.RunnerType, Parameters: e.Parameters}, nil
		},
	})
	return &fixture{d: d, ex: ex, driver: driver, engine: engine}
}

// finishChildren plays the nodes: every scheduled child ends with status.
func (f *fixture) finishChildren(t *testing.T, status structs.ExecStatus) int {
	t.Helper()
	children, _, _ := f.d.FSM.State().ExecsOnNode("n1", structs.ExecScheduled)
	for _, c := range children {
		if _, err := f.d.Apply(context.Background(), command.ExecUpdate, command.ExecUpdateRequest{ID: c.ID, Status: status, Now: time.Now().UTC(),
			Result: []byte(`{"ok": true}`)}); err != nil {
			t.Fatal(err)
		}
	}
	return len(children)
}

func (f *fixture) start(t *testing.T, steps ...any) string {
	t.Helper()
	if steps == nil {
		steps = []any{}
	}
	e, err := f.ex.Create(context.Background(), executions.Caller{User: "st2admin", IsAdmin: true},
		executions.CreateRequest{Action: "p.seq", Parameters: map[string]any{"steps": steps}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Node != "" {
		t.Fatalf("a workflow was scheduled on node %q", e.Node)
	}
	return e.ID
}

// drive steps every workflow until nothing happens.
func (f *fixture) drive(t *testing.T) {
	t.Helper()
	for i := 0; i < 100; i++ {
		progressed := false
		for _, status := range driven {
			execs, _ := f.d.FSM.State().ExecsDriven(status)
			for _, e := range execs {
				ok, err := f.driver.advance(context.Background(), e)
				if err != nil {
					t.Fatal(err)
				}
				progressed = progressed || ok
			}
		}
		if !progressed {
			return
		}
	}
	t.Fatal("the workflow never settled")
}

func (f *fixture) status(t *testing.T, id string) *structs.Execution {
	t.Helper()
	e, err := f.d.FSM.State().ExecGet(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSequenceRunsToTheEnd(t *testing.T) {
	f := setup(t)
	id := f.start(t, "core.noop", "core.noop")
	for round := 0; round < 2; round++ {
		f.drive(t)
		if e := f.status(t, id); e.Status != structs.ExecRunning {
			t.Fatalf("round %d: workflow %s", round, e.Status)
		}
		if n := f.finishChildren(t, structs.ExecSucceeded); n != 1 {
			t.Fatalf("round %d: %d tasks running", round, n)
		}
	}
	f.drive(t)
	e := f.status(t, id)
	if e.Status != structs.ExecSucceeded || string(e.Result) != `{"done":2}` {
		t.Fatalf("workflow: %s %s", e.Status, e.Result)
	}
	wf, _ := f.d.FSM.State().WorkflowGet(id)
	if len(wf.Tasks) != 2 || !wf.Tasks[0].Reported || !wf.Tasks[1].Reported {
		t.Fatalf("tasks: %+v", wf.Tasks)
	}
	c, _ := f.d.FSM.State().ExecGet(wf.Tasks[0].Execution)
	if c.Parent != id || c.Context["parent"].(map[string]any)["execution_id"] != id {
		t.Fatalf("child: %+v", c)
	}
}

func TestTaskFailuresAndBadTasks(t *testing.T) {
	f := setup(t)
	failing := f.start(t, "core.noop")
	unknown := f.start(t, "core.nosuchaction")
	f.drive(t)
	f.finishChildren(t, structs.ExecFailed)
	f.drive(t)
	if e := f.status(t, failing); e.Status != structs.ExecFailed || string(e.Result) != `{"failed":"0"}` {
		t.Fatalf("failing task: %s %s", e.Status, e.Result)
	}
	// A task naming an unknown action is a failed child the engine hears.
	if e := f.status(t, unknown); e.Status != structs.ExecFailed {
		t.Fatalf("unknown action: %s %s", e.Status, e.Result)
	}
	wf, _ := f.d.FSM.State().WorkflowGet(unknown)
	if c, _ := f.d.FSM.State().ExecGet(wf.Tasks[0].Execution); c.Status != structs.ExecFailed || len(c.Result) == 0 {
		t.Fatalf("unknown action's child: %+v", c)
	}
	// An engine that refuses the workflow fails it with the reason.
	empty := f.start(t)
	f.drive(t)
	if e := f.status(t, empty); e.Status != structs.ExecFailed || !json.Valid(e.Result) || string(e.Result) == "null" {
		t.Fatalf("refused workflow: %s %s", e.Status, e.Result)
	}
}

func TestCancelCascades(t *testing.T) {
	f := setup(t)
	id := f.start(t, "core.noop", "core.noop")
	f.drive(t)
	if _, err := f.ex.Cancel(context.Background(), executions.Caller{IsAdmin: true}, id); err != nil {
		t.Fatal(err)
	}
	f.drive(t)
	if e := f.status(t, id); e.Status != structs.ExecCanceling {
		t.Fatalf("workflow after cancel: %s", e.Status)
	}
	wf, _ := f.d.FSM.State().WorkflowGet(id)
	if c := f.status(t, wf.Tasks[0].Execution); c.Status != structs.ExecCanceling {
		t.Fatalf("running task after cancel: %s", c.Status)
	}
	// The node ends the canceled task; the workflow ends canceled.
	if _, err := f.d.Apply(context.Background(), command.ExecUpdate, command.ExecUpdateRequest{ID: wf.Tasks[0].Execution,
		Status: structs.ExecCanceled, Now: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	f.drive(t)
	if e := f.status(t, id); e.Status != structs.ExecCanceled {
		t.Fatalf("workflow: %s", e.Status)
	}
}

// TestStaleLeaderStep: two drivers step the same event (an old and a new
// leader); only one step is recorded, so the task starts once.
func TestStaleLeaderStep(t *testing.T) {
	f := setup(t)
	id := f.start(t, "core.noop")
	e := f.status(t, id)
	if _, err := f.driver.advance(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if _, err := f.driver.advance(context.Background(), e); err != nil { // the same stale view again
		t.Fatal(err)
	}
	wf, _ := f.d.FSM.State().WorkflowGet(id)
	children, _, _ := f.d.FSM.State().ExecsOnNode("n1", structs.ExecScheduled)
	if wf.Version != 1 || len(wf.Tasks) != 1 || len(children) != 1 {
		t.Fatalf("version %d, %d tasks, %d children", wf.Version, len(wf.Tasks), len(children))
	}
}

func TestPauseResume(t *testing.T) {
	f := setup(t)
	id := f.start(t, "core.noop", "core.noop")
	f.drive(t)
	if _, err := f.ex.SetStatus(context.Background(), executions.Caller{IsAdmin: true}, id, structs.ExecPausing); err != nil {
		t.Fatal(err)
	}
	f.drive(t)
	if e := f.status(t, id); e.Status != structs.ExecPausing {
		t.Fatalf("while its task runs: %s", e.Status)
	}
	f.finishChildren(t, structs.ExecSucceeded)
	f.drive(t)
	if e := f.status(t, id); e.Status != structs.ExecPaused {
		t.Fatalf("after its task: %s", e.Status)
	}
	if n := f.finishChildren(t, structs.ExecSucceeded); n != 0 {
		t.Fatalf("a paused workflow started %d tasks", n)
	}
	if _, err := f.ex.SetStatus(context.Background(), executions.Caller{IsAdmin: true}, id, structs.ExecPausing); err == nil {
		t.Fatal("pausing a paused workflow must be refused")
	}
	if _, err := f.ex.SetStatus(context.Background(), executions.Caller{IsAdmin: true}, id, structs.ExecResuming); err != nil {
		t.Fatal(err)
	}
	f.drive(t)
	if n := f.finishChildren(t, structs.ExecSucceeded); n != 1 {
		t.Fatalf("resumed: %d tasks", n)
	}
	f.drive(t)
	if e := f.status(t, id); e.Status != structs.ExecSucceeded {
		t.Fatalf("end: %s %s", e.Status, e.Result)
	}
}

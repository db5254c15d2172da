// Package workflow drives workflow executions on the leader. An engine
// plugin (orquesta, action-chain) is stateless: for each event — the
// workflow started, a task's execution ended, it was canceled — the
// driver hands the engine the state stored in raft and applies what comes
// back (new state, child executions, status, result) in one versioned
// command. A new leader picks up where the old one stopped: nothing lives
// in memory between steps, and a step computed by a stale leader is a
// no-op.
package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/pluginmgr"
	"github.com/squall-io/squall/sdk/runner"
	sdkworkflow "github.com/squall-io/squall/sdk/workflow"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Engines steps workflows (the plugin manager).
type Engines interface {
	Step(ctx context.Context, req *sdkworkflow.StepRequest) (*sdkworkflow.StepResponse, error)
}

// Executions prepares and cancels the tasks' child executions.
type Executions interface {
	Prepare(c executions.Caller, req executions.CreateRequest) (*structs.Execution, error)
	Cancel(ctx context.Context, c executions.Caller, id string) (*structs.Execution, error)
}

// Config wires a Driver.
type Config struct {
	State      func() *state.Store
	Raft       Raft
	Engines    Engines
	Executions Executions
	// Request builds the workflow's final parameters and entry point on
	// this node (the dispatcher's runner request).
	Request func(*structs.Execution) (*runner.Request, error)
	NewID   func() string
	Logger  hclog.Logger
}

// Driver steps the cluster's workflows while its Run's context lives.
type Driver struct {
	cfg    Config
	logger hclog.Logger
}

// New returns a Driver.
func New(cfg Config) *Driver { return &Driver{cfg: cfg, logger: cfg.Logger.Named("workflow")} }

// driven are the statuses of a workflow execution the driver steps (a
// workflow runs on no node: state.ExecsDriven).
var driven = []structs.ExecStatus{
	structs.ExecScheduled, structs.ExecRunning, structs.ExecCanceling, structs.ExecPausing, structs.ExecPaused, structs.ExecResuming,
}

// Run steps workflows until ctx ends (leadership lost).
func (d *Driver) Run(ctx context.Context) {
	for ctx.Err() == nil {
		st := d.cfg.State()
		cursor, _ := st.ExecLastModified()
		_, watch, err := st.ExecsModifiedSince(cursor)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		progressed := false
		for _, status := range driven {
			execs, err := st.ExecsDriven(status)
			if err != nil {
				continue
			}
			for _, e := range execs {
				ok, err := d.advance(ctx, e)
				if err != nil && ctx.Err() == nil {
					d.logger.Warn("failed to step a workflow; retrying", "execution_id", e.ID, "error", err)
				}
				progressed = progressed || ok
			}
		}
		if progressed {
			continue
		}
		select {
		case <-ctx.Done():
		case <-watch:
		case <-time.After(time.Second): // a plugin that came back; a restored store
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// advance takes one step of a workflow if something happened to it, and
// reports whether it did.
func (d *Driver) advance(ctx context.Context, e *structs.Execution) (bool, error) {
	st := d.cfg.State()
	wf, err := st.WorkflowGet(e.ID)
	if err != nil && structs.KindOf(err) != structs.KindNotFound {
		return false, err
	}
	step := command.WorkflowStepRequest{ExecutionID: e.ID}
	var ev sdkworkflow.Event
	switch {
	case wf == nil:
		ev.Kind = sdkworkflow.EventStart
	case e.Status == structs.ExecCanceling && wf.Status != sdkworkflow.StatusCanceling && wf.Status != sdkworkflow.StatusCanceled:
		ev.Kind = sdkworkflow.EventCancel
	case e.Status == structs.ExecPausing && wf.Status == sdkworkflow.StatusRunning:
		ev.Kind = sdkworkflow.EventPause
	case e.Status == structs.ExecResuming && (wf.Status == sdkworkflow.StatusPaused || wf.Status == sdkworkflow.StatusPausing):
		ev.Kind = sdkworkflow.EventResume
	default:
		ev = d.nextTaskEnd(wf)
		if ev.Kind == "" {
			if e.Status != structs.ExecRunning || wf.Status != sdkworkflow.StatusRunning || !d.waitsOnInquiry(wf) {
				return false, nil
			}
			// A task asks a human (an inquiry): the workflow pauses, as in
			// StackStorm; the response resumes it.
			ev.Kind = sdkworkflow.EventPause
			break
		}
		step.Reported = ev.TaskID
	}
	var state []byte
	if wf != nil {
		step.Version, state = wf.Version, wf.State
	}
	resp, err := d.step(ctx, e, state, ev)
	switch {
	case errors.Is(err, pluginmgr.ErrNoRunner) || errors.Is(err, pluginmgr.ErrPluginExited):
		return false, err // the engine is not here (yet): try again later
	case err != nil:
		// The engine refused the workflow: it fails with the reason.
		resp = &sdkworkflow.StepResponse{State: state, Status: sdkworkflow.StatusFailed,
			Result: map[string]any{"errors": []any{map[string]any{"message": err.Error()}}}}
	}
	step.State, step.Status, step.Now = resp.State, resp.Status, time.Now().UTC()
	if step.Result, err = json.Marshal(resp.Result); err != nil {
		return false, fmt.Errorf("the engine's result does not encode: %w", err)
	}
	for _, t := range resp.Start {
		step.Tasks = append(step.Tasks, command.WorkflowChild{TaskID: t.TaskID, Name: t.Name, Execution: d.child(e, t)})
	}
	if _, err := d.cfg.Raft.Apply(ctx, command.WorkflowStep, step); err != nil {
		return false, err
	}
	if wf != nil {
		d.cancel(ctx, wf, resp.Cancel)
	}
	return true, nil
}

// nextTaskEnd is the first task whose execution ended and whose end the
// engine has not heard, or no event.
func (d *Driver) nextTaskEnd(wf *structs.Workflow) sdkworkflow.Event {
	for _, t := range wf.Tasks {
		if t.Reported {
			continue
		}
		c, err := d.cfg.State().ExecGet(t.Execution)
		if err != nil {
			// A child that is gone (purged) ended long ago: report it failed.
			return sdkworkflow.Event{Kind: sdkworkflow.EventTaskDone, TaskID: t.TaskID, ExecutionID: t.Execution,
				Status: string(structs.ExecFailed), Result: map[string]any{"error": "the task's execution no longer exists"}}
		}
		if !c.Status.Done() {
			continue
		}
		var result any
		if len(c.Result) > 0 {
			_ = json.Unmarshal(c.Result, &result)
		}
		return sdkworkflow.Event{Kind: sdkworkflow.EventTaskDone, TaskID: t.TaskID, ExecutionID: c.ID, Status: string(c.Status), Result: result}
	}
	return sdkworkflow.Event{}
}

// waitsOnInquiry reports whether a task's execution is a pending inquiry.
func (d *Driver) waitsOnInquiry(wf *structs.Workflow) bool {
	for _, t := range wf.Tasks {
		if t.Reported {
			continue
		}
		if c, err := d.cfg.State().ExecGet(t.Execution); err == nil && c.Status == structs.ExecPending {
			return true
		}
	}
	return false
}

// step builds the engine's request from the workflow execution.
func (d *Driver) step(ctx context.Context, e *structs.Execution, state []byte, ev sdkworkflow.Event) (*sdkworkflow.StepResponse, error) {
	rreq, err := d.cfg.Request(e)
	if err != nil {
		return nil, err
	}
	var def []byte
	if rreq.Action.EntryPoint != "" {
		if def, err = os.ReadFile(rreq.Action.EntryPoint); err != nil {
			return nil, fmt.Errorf("failed to read the workflow definition: %w", err)
		}
	}
	return d.cfg.Engines.Step(ctx, &sdkworkflow.StepRequest{
		ExecutionID: e.ID, RunnerType: e.Action.RunnerType, Action: rreq.Action, Definition: def,
		Parameters: rreq.Parameters, RunnerParameters: rreq.RunnerParameters, Context: e.Context,
		State: state, Event: ev,
	})
}

// child prepares a task's execution as the workflow's user. A task that
// cannot start (unknown action, bad parameters) becomes a failed child
// with the reason, which the engine then hears as the task's end.
func (d *Driver) child(e *structs.Execution, t sdkworkflow.TaskStart) structs.Execution {
	ctx := map[string]any{}
	for k, v := range t.Context {
		ctx[k] = v
	}
	ctx["parent"] = map[string]any{"execution_id": e.ID, "user": e.User, "pack": e.Action.Pack}
	child, err := d.cfg.Executions.Prepare(executions.Caller{User: e.User, IsAdmin: true}, executions.CreateRequest{
		Action: t.Action, Parameters: t.Parameters, Context: ctx, User: e.User,
	})
	if err == nil {
		child.Parent = e.ID
		return *child
	}
	now := time.Now().UTC()
	result, _ := json.Marshal(map[string]any{"error": err.Error()})
	return structs.Execution{
		ID: d.cfg.NewID(), Action: structs.ExecAction{Ref: t.Action}, Parameters: t.Parameters, Status: structs.ExecFailed,
		User: e.User, Context: ctx, Parent: e.ID, StartTimestamp: now, EndTimestamp: now, Result: result,
		Log: []structs.StatusChange{{Status: structs.ExecFailed, Timestamp: now}},
	}
}

// cancel cancels the executions of the named tasks that are still going.
func (d *Driver) cancel(ctx context.Context, wf *structs.Workflow, tasks []string) {
	for _, id := range tasks {
		for _, t := range wf.Tasks {
			if t.TaskID != id {
				continue
			}
			if _, err := d.cfg.Executions.Cancel(ctx, executions.Caller{IsAdmin: true}, t.Execution); err != nil {
				d.logger.Debug("task not canceled", "task", id, "execution_id", t.Execution, "error", err)
			}
		}
	}
}

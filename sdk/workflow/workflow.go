// Package workflow is the contract of workflow engine plugins (orquesta,
// action-chain): implement Engine, call Serve from main. An engine is
// stateless: each Step gets the workflow's serialized state and one event
// and returns the new state, the tasks to start and the status. The host
// keeps the state in raft and runs each task as a child execution, so a
// workflow survives the loss of the node that was driving it.
package workflow

import (
	"context"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/runner"
)

// Engine runs workflows one event at a time. Step must be safe for
// concurrent use and deterministic given its request (the host may call it
// again with the same state after a failover; only the first answer that
// reaches raft counts).
type Engine interface {
	Info() Info
	Step(ctx context.Context, req *StepRequest) (*StepResponse, error)
}

// Info describes a plugin and the workflow runner types it provides
// (runner_type in action metadata), with their runner parameters.
type Info struct {
	Name        string
	Version     string
	RunnerTypes []runner.RunnerType
}

// Event kinds.
const (
	EventStart    = "start"
	EventTaskDone = "task_done"
	EventPause    = "pause"
	EventResume   = "resume"
	EventCancel   = "cancel"
)

// Workflow statuses, StackStorm's execution statuses.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusPausing   = "pausing"
	StatusPaused    = "paused"
	StatusCanceling = "canceling"
	StatusCanceled  = "canceled"
)

// Event is what happened since the last step.
type Event struct {
	Kind string
	// For task_done: the task the engine named in TaskStart.TaskID, the
	// child execution, its final status and result.
	TaskID      string
	ExecutionID string
	Status      string
	Result      any
}

// StepRequest is one step of one workflow execution. Numbers in maps are
// json.Number.
type StepRequest struct {
	ExecutionID string
	RunnerType  string
	Action      runner.Action
	// Definition is the workflow file (the action's entry point).
	Definition       []byte
	Parameters       map[string]any // the workflow's input
	RunnerParameters map[string]any
	Context          map[string]any // the execution's context (user, parent, trace)
	// State is what the previous step returned; nil for EventStart.
	State []byte
	Event Event
	// Host reaches the datastore (st2kv in expressions) as the execution.
	Host hostservice.Client
}

// TaskStart asks the host to run one task as a child execution.
type TaskStart struct {
	// TaskID is the engine's name for this run of the task (unique within
	// the workflow, e.g. "task1", "task1.2" for an item); it comes back in
	// the task's EventTaskDone.
	TaskID     string
	Name       string
	Action     string // action ref
	Parameters map[string]any
	// Context is merged into the child execution's context.
	Context map[string]any
}

// StepResponse is the engine's answer.
type StepResponse struct {
	State  []byte
	Status string
	Start  []TaskStart
	// Cancel names tasks whose running executions the host cancels.
	Cancel []string
	// Result is the workflow execution's result (kept while running too,
	// as StackStorm shows partial output).
	Result any
}

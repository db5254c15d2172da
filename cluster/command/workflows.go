package command

import (
	"encoding/json"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// WorkflowStepRequest records one step of a workflow execution: the
// engine's new state and status, the child executions of the tasks it
// started, and the task whose end it consumed. Version is the workflow's
// version the step was computed from (0 at start): a step from a stale
// leader is a no-op.
type WorkflowStepRequest struct {
	ExecutionID string
	Version     uint64
	State       []byte
	Status      string
	Result      json.RawMessage
	Tasks       []WorkflowChild
	// Reported is the task id whose end this step handed to the engine.
	Reported string
	Now      time.Time
}

// WorkflowChild is a task started by a step and its child execution.
type WorkflowChild struct {
	TaskID    string
	Name      string
	Execution structs.Execution
}

package structs

// Workflow is the durable state of one workflow execution: what its
// engine returned at the last step and the tasks it started. The leader
// steps it as events happen; Version makes a step from a stale leader a
// no-op.
type Workflow struct {
	ExecutionID string
	Version     uint64
	State       []byte // the engine's, opaque
	Status      string // the engine's last status
	Tasks       []WorkflowTask
}

// WorkflowTask is one task run: the engine's task id, the child
// execution, and whether its end was handed to the engine.
type WorkflowTask struct {
	TaskID    string
	Name      string
	Execution string
	Reported  bool
}

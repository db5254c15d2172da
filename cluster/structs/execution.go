package structs

import (
	"encoding/json"
	"time"
)

// ExecStatus is an execution's status, with StackStorm's names.
type ExecStatus string

const (
	ExecRequested ExecStatus = "requested"
	ExecScheduled ExecStatus = "scheduled"
	ExecDelayed   ExecStatus = "delayed"
	ExecRunning   ExecStatus = "running"
	ExecSucceeded ExecStatus = "succeeded"
	ExecFailed    ExecStatus = "failed"
	ExecTimeout   ExecStatus = "timeout"
	ExecCanceling ExecStatus = "canceling"
	ExecCanceled  ExecStatus = "canceled"
	ExecAbandoned ExecStatus = "abandoned"
	ExecPending   ExecStatus = "pending"
	ExecPausing   ExecStatus = "pausing"
	ExecPaused    ExecStatus = "paused"
	ExecResuming  ExecStatus = "resuming"
)

// Done reports whether s is final: nothing changes an execution after it.
func (s ExecStatus) Done() bool {
	switch s {
	case ExecSucceeded, ExecFailed, ExecTimeout, ExecCanceled, ExecAbandoned:
		return true
	}
	return false
}

// ExecStatuses lists every status, for validating filters.
var ExecStatuses = []ExecStatus{
	ExecRequested, ExecScheduled, ExecDelayed, ExecRunning, ExecSucceeded, ExecFailed, ExecTimeout,
	ExecCanceling, ExecCanceled, ExecAbandoned, ExecPending, ExecPausing, ExecPaused, ExecResuming,
}

// ExecAction is what an execution keeps of its action: enough to list and
// re-run it even after the action changes.
type ExecAction struct {
	Ref        string
	Pack       string
	Name       string
	RunnerType string
}

// StatusChange is one entry of an execution's history (StackStorm's log).
type StatusChange struct {
	Status    ExecStatus
	Timestamp time.Time
}

// Execution is one run of an action.
type Execution struct {
	ID     string
	Action ExecAction
	// Parameters are the ones the caller gave, cast and validated; the
	// node that runs it adds defaults and renders templates.
	Parameters map[string]any
	// Secrets names the parameters to mask in every answer.
	Secrets []string
	Status  ExecStatus
	// Node runs it (set when scheduled).
	Node     string
	User     string
	Context  map[string]any
	TraceTag string
	// TraceID is the trace the execution joined: its trigger instance's,
	// its parent's, or one its trace tag names.
	TraceID string
	Parent  string
	// Notify is StackStorm's notify section (on-complete, on-success,
	// on-failure) of the action or the request.
	Notify         map[string]any
	StartTimestamp time.Time
	EndTimestamp   time.Time
	Result         json.RawMessage
	Log            []StatusChange
	CreateIdx      uint64
	ModifyIdx      uint64
	// ModifySeq orders changes even within one raft entry (a batch holds
	// many): raft index << 20 | position. The change feed follows it.
	ModifySeq uint64
}

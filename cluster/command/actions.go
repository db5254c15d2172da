package command

import (
	"encoding/json"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// PackBundle is one pack as registration read it.
type PackBundle struct {
	Pack         structs.Pack
	Content      structs.PackContent
	Actions      []structs.Action
	TriggerTypes []structs.TriggerType
	Sensors      []structs.Sensor
	Rules        []structs.Rule
}

// PackRegisterRequest replaces each named pack whole: its metadata, its
// files, and its actions (actions the pack no longer has are removed).
type PackRegisterRequest struct {
	Packs []PackBundle
	Now   time.Time
}

// ActionMode says what ActionPut may do.
type ActionMode string

const (
	ActionCreate ActionMode = "create" // fails if the action exists
	ActionUpdate ActionMode = "update" // fails if the action does not exist
)

// ActionPutRequest creates or updates one action.
type ActionPutRequest struct {
	Action structs.Action
	Mode   ActionMode
	Now    time.Time
}

// ActionDeleteRequest deletes one action by ref.
type ActionDeleteRequest struct {
	Ref string
}

// NodeRunnersRequest records what one node can run.
type NodeRunnersRequest struct {
	Runners structs.NodeRunners
}

// ExecCreateRequest creates an execution; its Status and Log are set by
// the proposer (requested, or already scheduled on a node).
type ExecCreateRequest struct {
	Execution structs.Execution
}

// ExecUpdateRequest moves an execution to Status. Apply refuses moves out
// of a final status. StartedAt, when set and the execution never recorded
// running, adds that entry first: a run that ends quickly reports running
// and its end in one command.
type ExecUpdateRequest struct {
	ID     string
	Status structs.ExecStatus
	Node   string // for scheduled: the node it moves to
	// By, when set, is the node reporting on its run: refused if the
	// execution was moved to another node meanwhile.
	By        string
	Result    json.RawMessage
	StartedAt time.Time
	Now       time.Time
	// Notify holds the core.st2.generic.notifytrigger instances of a run
	// that ends now, rendered by the node that ran it; they are recorded
	// only if this update ends the execution and a rule listens.
	Notify []structs.TriggerInstance
}

// ExecPurgeRequest deletes the named executions that have finished; one
// that is still going is kept.
type ExecPurgeRequest struct {
	IDs []string
}

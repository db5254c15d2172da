package command

import (
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// RuleMode says what RulePut may do.
type RuleMode string

const (
	RuleCreate RuleMode = "create" // fails if the rule exists
	RuleUpdate RuleMode = "update" // fails if the rule does not exist
)

// RulePutRequest creates or updates one rule.
type RulePutRequest struct {
	Rule structs.Rule
	Mode RuleMode
	Now  time.Time
}

// RuleDeleteRequest deletes one rule by ref.
type RuleDeleteRequest struct {
	Ref string
}

// TriggerFireRequest records a trigger instance, pending, before its
// source is answered.
type TriggerFireRequest struct {
	Instance structs.TriggerInstance
	// Verdict, when the leader evaluated the instance as it fired it, is
	// applied in the same transaction: the instance is recorded processed.
	Verdict *RuleEnforceRequest
}

// RuleEnforceRequest is the rules engine's verdict on one instance: its
// final status, the enforcements and the executions they start, applied
// together. An instance that is no longer pending makes it a no-op, so a
// new leader re-evaluating an instance never fires a rule twice.
type RuleEnforceRequest struct {
	Instance     string
	Status       string
	Enforcements []structs.RuleEnforcement
	Executions   []structs.Execution
}

// TriggerTypePutRequest creates or replaces one trigger type.
type TriggerTypePutRequest struct {
	TriggerType structs.TriggerType
	Mode        RuleMode // create fails if it exists, update if it does not
	Now         time.Time
}

// TriggerTypeDeleteRequest deletes one trigger type by ref.
type TriggerTypeDeleteRequest struct {
	Ref string
}

// SensorPutRequest records sensors. With Plugin set it replaces every
// sensor that plugin declared (and their trigger types) by these; without,
// it updates the one sensor given (enable, disable).
type SensorPutRequest struct {
	Plugin       string
	Sensors      []structs.Sensor
	TriggerTypes []structs.TriggerType
	Now          time.Time
}

// TriggerPurgeRequest deletes processed trigger instances with their
// enforcements; a pending one is kept.
type TriggerPurgeRequest struct {
	IDs    []string
	Traces []string
}

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

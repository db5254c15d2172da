package structs

import "time"

// Rule is StackStorm's rule: when an instance of Trigger's type (with
// matching parameters) satisfies every criterion, run Action.
type Rule struct {
	ID          string
	Ref         string // pack.name
	Pack        string
	Name        string
	Description string
	Enabled     bool
	Type        string // standard or backstop
	Trigger     RuleTrigger
	// Criteria maps "trigger.<path>" to {type, pattern[, condition]}.
	Criteria map[string]any
	Action   RuleAction
	Tags     []map[string]any
	// MetadataFile is the YAML file of a rule registered with its pack.
	MetadataFile string
	CreatedAt    time.Time
	ModifyIdx    uint64
}

// Rule types.
const (
	RuleStandard = "standard"
	RuleBackstop = "backstop"
)

// UID is StackStorm's uid: rule:<pack>:<name>.
func (r *Rule) UID() string { return "rule:" + r.Pack + ":" + r.Name }

// RuleTrigger names the trigger type a rule listens to.
type RuleTrigger struct {
	Type       string
	Parameters map[string]any
}

// RuleAction is what a rule runs.
type RuleAction struct {
	Ref        string
	Parameters map[string]any
}

// TriggerActionTrigger is StackStorm's trigger of every finished
// execution; the FSM fires it when a rule listens to it.
const TriggerActionTrigger = "core.st2.generic.actiontrigger"

// TriggerNotifyTrigger is StackStorm's trigger of an action's notify
// section; the node that ran the action renders it.
const TriggerNotifyTrigger = "core.st2.generic.notifytrigger"

// TriggerInquiry is StackStorm's trigger of a new inquiry (an execution
// of the inquirer runner going pending).
const TriggerInquiry = "core.st2.generic.inquiry"

// Trigger instance statuses, StackStorm's.
const (
	TriggerInstancePending          = "pending"
	TriggerInstanceProcessing       = "processing"
	TriggerInstanceProcessed        = "processed"
	TriggerInstanceProcessingFailed = "processing_failed"
)

// TriggerInstance is one occurrence of a trigger, durable before it is
// acknowledged.
type TriggerInstance struct {
	ID             string
	Trigger        string // the trigger type's ref, e.g. core.st2.webhook
	Parameters     map[string]any
	Payload        map[string]any
	OccurrenceTime time.Time
	Status         string
	TraceTag       string
	// TraceID is the trace the instance belongs to (set when applied).
	TraceID   string
	CreateIdx uint64
	ModifyIdx uint64
}

// RuleEnforcement records one rule firing for one trigger instance: the
// execution it started, or why it could not.
type RuleEnforcement struct {
	ID              string
	Rule            string // ref
	RuleID          string
	TriggerInstance string
	Execution       string
	FailureReason   string
	EnforcedAt      time.Time
}

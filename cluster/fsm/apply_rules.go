package fsm

import (
	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

func applyRulePut(s *state.Store, body []byte, index uint64) any {
	var req command.RulePutRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	r := req.Rule
	old, err := state.RuleGetTxn(txn, r.Ref)
	if err != nil {
		return err
	}
	switch {
	case req.Mode == command.RuleCreate && old != nil:
		return structs.Errorf(structs.KindConflict, "rule %q already exists", r.Ref)
	case req.Mode == command.RuleUpdate && old == nil:
		return structs.Errorf(structs.KindNotFound, "rule %q not found", r.Ref)
	case old != nil:
		r.ID, r.CreatedAt = old.ID, old.CreatedAt
	default:
		r.CreatedAt = req.Now
	}
	r.ModifyIdx = index
	if err := state.RulePutTxn(txn, &r); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyRuleDelete(s *state.Store, body []byte) any {
	var req command.RuleDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.RuleGetTxn(txn, req.Ref)
	if err != nil {
		return err
	}
	if old == nil {
		return structs.Errorf(structs.KindNotFound, "rule %q not found", req.Ref)
	}
	if err := state.RuleDeleteTxn(txn, old); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyTriggerFire(s *state.Store, body []byte, seq *seqs) any {
	index := seq.index
	var req command.TriggerFireRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	ti := req.Instance
	if old, err := state.TriggerInstanceGetTxn(txn, ti.ID); err != nil || old != nil {
		return err // the same instance twice (a retried forward) is one instance
	}
	ti.CreateIdx, ti.ModifyIdx = index, index
	if err := recordInstance(txn, &ti, nil, index); err != nil {
		return err
	}
	if req.Verdict != nil {
		if err := enforceTxn(txn, req.Verdict, seq); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

// recordInstance stores a new trigger instance in its trace: the one its
// trace tag names, or a new one (tagged trigger_instance-<id> when the
// source gave no tag, as StackStorm does). cause is what fired it, if
// anything traced did.
func recordInstance(txn *memdb.Txn, ti *structs.TriggerInstance, cause map[string]string, index uint64) error {
	tag := ti.TraceTag
	if tag == "" && ti.TraceID == "" {
		tag = "trigger_instance-" + ti.ID
	}
	if cause == nil {
		cause = map[string]string{}
	}
	t, err := joinTrace(txn, ti.TraceID, tag, ti.ID, ti.OccurrenceTime, true, index, func(t *structs.Trace) {
		t.TriggerInstances = append(t.TriggerInstances, structs.TraceComponent{
			ObjectID: ti.ID, Ref: ti.Trigger, UpdatedAt: ti.OccurrenceTime, CausedBy: cause,
		})
	})
	if err != nil {
		return err
	}
	ti.TraceID, ti.TraceTag = t.ID, t.Tag
	return state.TriggerInstancePutTxn(txn, ti)
}

// applyRuleEnforce marks an instance with its outcome and records its
// enforcements and executions in one transaction; an instance already
// handled makes it a no-op.
func applyRuleEnforce(s *state.Store, body []byte, seq *seqs) any {
	var req command.RuleEnforceRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	if err := enforceTxn(txn, &req, seq); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// enforceTxn records a verdict on a pending instance (see applyRuleEnforce).
func enforceTxn(txn *memdb.Txn, req *command.RuleEnforceRequest, seq *seqs) error {
	ti, err := state.TriggerInstanceGetTxn(txn, req.Instance)
	if err != nil {
		return err
	}
	if ti == nil || ti.Status != structs.TriggerInstancePending {
		return nil
	}
	next := *ti
	next.Status, next.ModifyIdx = req.Status, seq.index
	if err := state.TriggerInstancePutTxn(txn, &next); err != nil {
		return err
	}
	ruleOf := map[string]*structs.RuleEnforcement{} // by execution
	for i := range req.Enforcements {
		en := &req.Enforcements[i]
		if err := state.EnforcementPutTxn(txn, en); err != nil {
			return err
		}
		if en.Execution != "" {
			ruleOf[en.Execution] = en
		}
	}
	var execs []structs.Execution
	for i := range req.Executions {
		e := req.Executions[i]
		if old, err := state.ExecGetTxn(txn, e.ID); err != nil || old != nil {
			continue
		}
		e.CreateIdx, e.ModifyIdx, e.ModifySeq = seq.index, seq.index, seq.next()
		execs = append(execs, e)
	}
	// One trace update for the whole verdict: the rules that fired and the
	// executions they started join the instance's trace.
	t, err := joinTrace(txn, ti.TraceID, "", "", ti.OccurrenceTime, false, seq.index, func(t *structs.Trace) {
		for _, en := range req.Enforcements {
			t.Rules = append(t.Rules, structs.TraceComponent{
				ObjectID: en.RuleID, Ref: en.Rule, UpdatedAt: en.EnforcedAt,
				CausedBy: causedBy("trigger_instance", ti.ID),
			})
		}
		for _, e := range execs {
			cause := map[string]string{}
			if en := ruleOf[e.ID]; en != nil {
				cause = causedBy("rule", en.RuleID+":"+ti.ID)
			}
			t.Executions = append(t.Executions, structs.TraceComponent{
				ObjectID: e.ID, Ref: e.Action.Ref, UpdatedAt: e.StartTimestamp, CausedBy: cause,
			})
		}
	})
	if err != nil {
		return err
	}
	for i := range execs {
		e := &execs[i]
		if t != nil {
			e.TraceID, e.TraceTag = t.ID, t.Tag
		}
		if err := state.ExecPutTxn(txn, e); err != nil {
			return err
		}
	}
	return nil
}

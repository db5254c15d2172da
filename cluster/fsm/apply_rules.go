package fsm

import (
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

func applyTriggerFire(s *state.Store, body []byte, index uint64) any {
	var req command.TriggerFireRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	ti := req.Instance
	if old, err := state.TriggerInstanceGetTxn(txn, ti.ID); err != nil || old != nil {
		return err // the same instance twice (a retried forward) is one instance
	}
	ti.CreateIdx, ti.ModifyIdx = index, index
	if err := state.TriggerInstancePutTxn(txn, &ti); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// applyRuleEnforce marks an instance with its outcome and records its
// enforcements and executions in one transaction; an instance already
// handled makes it a no-op.
func applyRuleEnforce(s *state.Store, body []byte, seq *seqs) any {
	var req command.RuleEnforceRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
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
	for i := range req.Enforcements {
		if err := state.EnforcementPutTxn(txn, &req.Enforcements[i]); err != nil {
			return err
		}
	}
	for i := range req.Executions {
		e := req.Executions[i]
		if old, err := state.ExecGetTxn(txn, e.ID); err != nil || old != nil {
			continue
		}
		e.CreateIdx, e.ModifyIdx, e.ModifySeq = seq.index, seq.index, seq.next()
		if err := state.ExecPutTxn(txn, &e); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

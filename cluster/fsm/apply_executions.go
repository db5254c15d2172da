package fsm

import (
	"encoding/json"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

func applyExecCreate(s *state.Store, body []byte, seq *seqs) any {
	var req command.ExecCreateRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	e := req.Execution
	old, err := state.ExecGetTxn(txn, e.ID)
	if err != nil {
		return err
	}
	if old != nil {
		return structs.Errorf(structs.KindConflict, "execution %s already exists", e.ID)
	}
	e.CreateIdx, e.ModifyIdx, e.ModifySeq = seq.index, seq.index, seq.next()
	if err := traceExecution(txn, &e, seq.index); err != nil {
		return err
	}
	if err := state.ExecPutTxn(txn, &e); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// traceExecution adds a new execution to a trace: the one its trace
// context names, its parent's, or the one its trace tag names (a new one
// when none has it yet). An execution with none of these is not traced.
func traceExecution(txn *memdb.Txn, e *structs.Execution, index uint64) error {
	traceID, cause := e.TraceID, map[string]string{}
	if e.Parent != "" {
		p, err := state.ExecGetTxn(txn, e.Parent)
		if err != nil {
			return err
		}
		if p != nil && traceID == "" {
			traceID = p.TraceID
		}
		cause = causedBy("action_execution", e.Parent)
	}
	t, err := joinTrace(txn, traceID, e.TraceTag, e.ID, e.StartTimestamp, false, index, func(t *structs.Trace) {
		t.Executions = append(t.Executions, structs.TraceComponent{
			ObjectID: e.ID, Ref: e.Action.Ref, UpdatedAt: e.StartTimestamp, CausedBy: cause,
		})
	})
	if err != nil || t == nil {
		return err
	}
	e.TraceID, e.TraceTag = t.ID, t.Tag
	return nil
}

// applyExecUpdate moves an execution along its lifecycle. Final statuses
// are final; a run that ends while canceling ends canceled.
func applyExecUpdate(s *state.Store, body []byte, seq *seqs) any {
	var req command.ExecUpdateRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.ExecGetTxn(txn, req.ID)
	if err != nil {
		return err
	}
	if old == nil {
		return structs.Errorf(structs.KindNotFound, "execution %s not found", req.ID)
	}
	if old.Status.Done() {
		return structs.Errorf(structs.KindConflict, "execution %s is already %s", req.ID, old.Status)
	}
	if req.By != "" && req.By != old.Node {
		return structs.Errorf(structs.KindConflict, "execution %s was moved from %s to %s", req.ID, req.By, old.Node)
	}
	e := *old
	e.Log = append([]structs.StatusChange(nil), old.Log...)
	next := req.Status
	if old.Status == structs.ExecCanceling && next.Done() && next != structs.ExecAbandoned {
		next = structs.ExecCanceled
	}
	if next == structs.ExecCanceling && old.Status == structs.ExecCanceling {
		return nil
	}
	if !req.StartedAt.IsZero() && !ranOnce(old) {
		e.Log = append(e.Log, structs.StatusChange{Status: structs.ExecRunning, Timestamp: req.StartedAt})
	}
	e.Status = next
	e.Log = append(e.Log, structs.StatusChange{Status: next, Timestamp: req.Now})
	if req.Node != "" {
		e.Node = req.Node
	}
	if req.Result != nil {
		e.Result = req.Result
	}
	if next.Done() {
		e.EndTimestamp = req.Now
	}
	e.ModifyIdx, e.ModifySeq = seq.index, seq.next()
	if err := state.ExecPutTxn(txn, &e); err != nil {
		return err
	}
	if next.Done() {
		if err := fireActionTrigger(txn, &e, seq.index); err != nil {
			return err
		}
		if err := fireNotifyTriggers(txn, &e, req.Notify, seq.index); err != nil {
			return err
		}
	}
	if next == structs.ExecPending && e.Action.RunnerType == "inquirer" {
		if err := fireInquiryTrigger(txn, &e, seq.index); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

// fireInquiryTrigger records core.st2.generic.inquiry for a new inquiry
// when a rule listens (StackStorm's payload: id and route).
func fireInquiryTrigger(txn *memdb.Txn, e *structs.Execution, index uint64) error {
	listened, err := state.RulesListenTxn(txn, structs.TriggerInquiry)
	if err != nil || !listened {
		return err
	}
	var result map[string]any
	_ = json.Unmarshal(e.Result, &result)
	ti := structs.TriggerInstance{
		ID: "inquiry-" + e.ID, Trigger: structs.TriggerInquiry, Parameters: map[string]any{},
		Payload:        map[string]any{"id": e.ID, "route": result["route"]},
		OccurrenceTime: e.Log[len(e.Log)-1].Timestamp, Status: structs.TriggerInstancePending,
		CreateIdx: index, ModifyIdx: index, TraceID: e.TraceID, TraceTag: e.TraceTag,
	}
	return recordInstance(txn, &ti, causedBy("action_execution", e.ID), index)
}

// fireActionTrigger records core.st2.generic.actiontrigger for a finished
// execution, in the same transaction, when an enabled rule listens to it:
// an instance nobody listens to would only cost a rules-engine write.
func fireActionTrigger(txn *memdb.Txn, e *structs.Execution, index uint64) error {
	listened, err := state.RulesListenTxn(txn, structs.TriggerActionTrigger)
	if err != nil || !listened {
		return err
	}
	var result any
	if len(e.Result) > 0 {
		_ = json.Unmarshal(e.Result, &result)
	}
	ti := structs.TriggerInstance{
		ID: "actiontrigger-" + e.ID, Trigger: structs.TriggerActionTrigger, Parameters: map[string]any{},
		OccurrenceTime: e.EndTimestamp, Status: structs.TriggerInstancePending, TraceTag: e.TraceTag,
		Payload: map[string]any{
			"execution_id": e.ID, "status": string(e.Status), "action_name": e.Action.Name, "action_ref": e.Action.Ref,
			"runner_ref": e.Action.RunnerType, "parameters": e.Parameters, "result": result,
			"start_timestamp": e.StartTimestamp.UTC().Format("2006-01-02T15:04:05.000000Z"),
		},
		CreateIdx: index, ModifyIdx: index, TraceID: e.TraceID,
	}
	return recordInstance(txn, &ti, causedBy("action_execution", e.ID), index)
}

// fireNotifyTriggers records the notify trigger instances the node that ran
// e rendered, when a rule listens to core.st2.generic.notifytrigger.
func fireNotifyTriggers(txn *memdb.Txn, e *structs.Execution, notify []structs.TriggerInstance, index uint64) error {
	if len(notify) == 0 {
		return nil
	}
	listened, err := state.RulesListenTxn(txn, structs.TriggerNotifyTrigger)
	if err != nil || !listened {
		return err
	}
	for i := range notify {
		ti := notify[i]
		if old, err := state.TriggerInstanceGetTxn(txn, ti.ID); err != nil || old != nil {
			continue
		}
		ti.Trigger, ti.Status = structs.TriggerNotifyTrigger, structs.TriggerInstancePending
		ti.CreateIdx, ti.ModifyIdx, ti.TraceID, ti.TraceTag = index, index, e.TraceID, e.TraceTag
		if err := recordInstance(txn, &ti, causedBy("action_execution", e.ID), index); err != nil {
			return err
		}
	}
	return nil
}

func ranOnce(e *structs.Execution) bool {
	for _, c := range e.Log {
		if c.Status == structs.ExecRunning {
			return true
		}
	}
	return false
}

func applyExecPurge(s *state.Store, body []byte) any {
	var req command.ExecPurgeRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	for _, id := range req.IDs {
		e, err := state.ExecGetTxn(txn, id)
		if err != nil {
			return err
		}
		if e == nil || !e.Status.Done() {
			continue
		}
		if err := state.ExecDeleteTxn(txn, e); err != nil {
			return err
		}
		if wf, err := state.WorkflowGetTxn(txn, id); err != nil {
			return err
		} else if wf != nil {
			if err := state.WorkflowDeleteTxn(txn, wf); err != nil {
				return err
			}
		}
	}
	txn.Commit()
	return nil
}

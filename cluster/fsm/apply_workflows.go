package fsm

import (
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// workflowExecStatus maps an engine's status onto the workflow
// execution's; "" leaves the execution's status as it is.
func workflowExecStatus(engine string, current structs.ExecStatus) structs.ExecStatus {
	switch s := structs.ExecStatus(engine); s {
	case structs.ExecSucceeded, structs.ExecFailed, structs.ExecCanceled, structs.ExecCanceling:
		return s
	case structs.ExecRunning:
		if current == structs.ExecCanceling || current == structs.ExecPausing {
			return "" // the operator's request stands until the engine acts on it
		}
		return s
	case structs.ExecPaused, structs.ExecPausing:
		if current == structs.ExecCanceling || current == structs.ExecResuming {
			return ""
		}
		return s
	}
	return structs.ExecFailed // an engine that answers nonsense fails its workflow
}

// applyWorkflowStep records one step: the engine's state, the child
// executions of new tasks, the reported task, and the workflow
// execution's status and result. A step computed from an older version,
// or for a workflow that already ended, changes nothing.
func applyWorkflowStep(s *state.Store, body []byte, seq *seqs) any {
	var req command.WorkflowStepRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	e, err := state.ExecGetTxn(txn, req.ExecutionID)
	if err != nil {
		return err
	}
	if e == nil || e.Status.Done() {
		return nil
	}
	old, err := state.WorkflowGetTxn(txn, req.ExecutionID)
	if err != nil {
		return err
	}
	wf := structs.Workflow{ExecutionID: req.ExecutionID}
	if old != nil {
		wf = *old
		wf.Tasks = append([]structs.WorkflowTask(nil), old.Tasks...)
	}
	if wf.Version != req.Version {
		return nil // a stale leader's step
	}
	wf.Version++
	wf.State, wf.Status = req.State, req.Status
	for i := range wf.Tasks {
		if wf.Tasks[i].TaskID == req.Reported {
			wf.Tasks[i].Reported = true
		}
	}
	for i := range req.Tasks {
		c := req.Tasks[i]
		child := c.Execution
		child.Parent = e.ID
		if prev, err := state.ExecGetTxn(txn, child.ID); err != nil || prev != nil {
			return err
		}
		child.CreateIdx, child.ModifyIdx, child.ModifySeq = seq.index, seq.index, seq.next()
		if err := traceExecution(txn, &child, seq.index); err != nil {
			return err
		}
		if err := state.ExecPutTxn(txn, &child); err != nil {
			return err
		}
		// A task that could not start (unknown action, bad parameters)
		// is a child that already ended: the engine hears of it next.
		wf.Tasks = append(wf.Tasks, structs.WorkflowTask{TaskID: c.TaskID, Name: c.Name, Execution: child.ID})
	}
	if err := state.WorkflowPutTxn(txn, &wf); err != nil {
		return err
	}
	next := workflowExecStatus(req.Status, e.Status)
	ex := *e
	changed := false
	if next != "" && next != e.Status {
		ex.Log = append(append([]structs.StatusChange(nil), e.Log...), structs.StatusChange{Status: next, Timestamp: req.Now})
		ex.Status, ex.Node, changed = next, "", true
		if next.Done() {
			ex.EndTimestamp = req.Now
		}
	}
	if req.Result != nil {
		ex.Result, changed = req.Result, true
	}
	if changed {
		ex.ModifyIdx, ex.ModifySeq = seq.index, seq.next()
		if err := state.ExecPutTxn(txn, &ex); err != nil {
			return err
		}
		if ex.Status.Done() {
			if err := fireActionTrigger(txn, &ex, seq.index); err != nil {
				return err
			}
		}
	}
	txn.Commit()
	return nil
}

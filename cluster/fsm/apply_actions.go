package fsm

import (
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// applyPackRegister replaces each pack whole, in one transaction: a
// registration is seen entirely or not at all.
func applyPackRegister(s *state.Store, body []byte, index uint64) any {
	var req command.PackRegisterRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	for i := range req.Packs {
		b := &req.Packs[i]
		p := b.Pack
		p.RegisteredAt, p.ModifyIdx = req.Now, index
		if err := state.PackPutTxn(txn, &p); err != nil {
			return err
		}
		content := b.Content
		if err := state.PackContentPutTxn(txn, &content); err != nil {
			return err
		}
		old, err := state.ActionsByPackTxn(txn, p.Ref)
		if err != nil {
			return err
		}
		keep := map[string]bool{}
		for j := range b.Actions {
			a := b.Actions[j]
			keep[a.Ref] = true
			prev, err := state.ActionGetTxn(txn, a.Ref)
			if err != nil {
				return err
			}
			a.CreatedAt, a.ModifyIdx = req.Now, index
			if prev != nil { // an action keeps its id and creation time
				a.ID, a.CreatedAt = prev.ID, prev.CreatedAt
			}
			if err := state.ActionPutTxn(txn, &a); err != nil {
				return err
			}
		}
		for _, a := range old {
			if !keep[a.Ref] {
				if err := state.ActionDeleteTxn(txn, a); err != nil {
					return err
				}
			}
		}
	}
	txn.Commit()
	return nil
}

func applyActionPut(s *state.Store, body []byte, index uint64) any {
	var req command.ActionPutRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	a := req.Action
	old, err := state.ActionGetTxn(txn, a.Ref)
	if err != nil {
		return err
	}
	switch {
	case req.Mode == command.ActionCreate && old != nil:
		return structs.Errorf(structs.KindConflict, "action %q already exists", a.Ref)
	case req.Mode == command.ActionUpdate && old == nil:
		return structs.Errorf(structs.KindNotFound, "action %q not found", a.Ref)
	case old != nil:
		a.ID, a.CreatedAt = old.ID, old.CreatedAt
	default:
		a.CreatedAt = req.Now
	}
	a.ModifyIdx = index
	if err := state.ActionPutTxn(txn, &a); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyActionDelete(s *state.Store, body []byte) any {
	var req command.ActionDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.ActionGetTxn(txn, req.Ref)
	if err != nil {
		return err
	}
	if old == nil {
		return structs.Errorf(structs.KindNotFound, "action %q not found", req.Ref)
	}
	if err := state.ActionDeleteTxn(txn, old); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyNodeRunners(s *state.Store, body []byte) any {
	var req command.NodeRunnersRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	n := req.Runners
	if err := state.NodeRunnersPutTxn(txn, &n); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

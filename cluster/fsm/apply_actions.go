package fsm

import (
	"time"

	"github.com/hashicorp/go-memdb"

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
		if err := registerPackEvents(txn, b, req.Now, index); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

// registerPackEvents replaces what a pack's files declare of the event
// side: trigger types, sensors and rules. Objects created through the API
// in the pack (no metadata file) are left alone. As in StackStorm, a
// re-registered rule or sensor takes the enabled flag its file says.
func registerPackEvents(txn *memdb.Txn, b *command.PackBundle, now time.Time, index uint64) error {
	ref := b.Pack.Ref
	keep := map[string]bool{}
	for i := range b.TriggerTypes {
		t := b.TriggerTypes[i]
		keep[t.Ref] = true
		prev, err := state.TriggerTypeGetTxn(txn, t.Ref)
		if err != nil {
			return err
		}
		t.CreatedAt, t.ModifyIdx = now, index
		if prev != nil {
			t.ID, t.CreatedAt = prev.ID, prev.CreatedAt
		}
		if err := state.TriggerTypePutTxn(txn, &t); err != nil {
			return err
		}
	}
	for i := range b.Sensors {
		x := b.Sensors[i]
		keep[x.Ref] = true
		prev, err := state.SensorGetTxn(txn, x.Ref)
		if err != nil {
			return err
		}
		if prev != nil {
			x.ID = prev.ID
		}
		x.ModifyIdx = index
		if err := state.SensorPutTxn(txn, &x); err != nil {
			return err
		}
	}
	for i := range b.Rules {
		r := b.Rules[i]
		keep["rule:"+r.Ref] = true
		prev, err := state.RuleGetTxn(txn, r.Ref)
		if err != nil {
			return err
		}
		r.CreatedAt, r.ModifyIdx = now, index
		if prev != nil {
			r.ID, r.CreatedAt = prev.ID, prev.CreatedAt
		}
		if err := state.RulePutTxn(txn, &r); err != nil {
			return err
		}
	}
	types, err := state.TriggerTypesByPackTxn(txn, ref)
	if err != nil {
		return err
	}
	for _, t := range types {
		if t.MetadataFile != "" && !keep[t.Ref] {
			if err := state.TriggerTypeDeleteTxn(txn, t); err != nil {
				return err
			}
		}
	}
	sensors, err := state.SensorsByPackTxn(txn, ref)
	if err != nil {
		return err
	}
	for _, x := range sensors {
		if x.MetadataFile != "" && !keep[x.Ref] {
			if err := state.SensorDeleteTxn(txn, x); err != nil {
				return err
			}
		}
	}
	rules, err := state.RulesByPackTxn(txn, ref)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.MetadataFile != "" && !keep["rule:"+r.Ref] {
			if err := state.RuleDeleteTxn(txn, r); err != nil {
				return err
			}
		}
	}
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

package fsm

import (
	"reflect"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

func applyTriggerTypePut(s *state.Store, body []byte, index uint64) any {
	var req command.TriggerTypePutRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	t := req.TriggerType
	old, err := state.TriggerTypeGetTxn(txn, t.Ref)
	if err != nil {
		return err
	}
	switch {
	case req.Mode == command.RuleCreate && old != nil:
		return structs.Errorf(structs.KindConflict, "trigger type %q already exists", t.Ref)
	case req.Mode == command.RuleUpdate && old == nil:
		return structs.Errorf(structs.KindNotFound, "trigger type %q not found", t.Ref)
	case old != nil:
		t.ID, t.CreatedAt = old.ID, old.CreatedAt
	default:
		t.CreatedAt = req.Now
	}
	t.ModifyIdx = index
	if err := state.TriggerTypePutTxn(txn, &t); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyTriggerTypeDelete(s *state.Store, body []byte) any {
	var req command.TriggerTypeDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.TriggerTypeGetTxn(txn, req.Ref)
	if err != nil {
		return err
	}
	if old == nil {
		return structs.Errorf(structs.KindNotFound, "trigger type %q not found", req.Ref)
	}
	if err := state.TriggerTypeDeleteTxn(txn, old); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// applySensorPut replaces a plugin's declared sensors and trigger types,
// or updates one sensor.
func applySensorPut(s *state.Store, body []byte, index uint64) any {
	var req command.SensorPutRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	if req.Plugin == "" {
		for i := range req.Sensors {
			x := req.Sensors[i]
			old, err := state.SensorGetTxn(txn, x.Ref)
			if err != nil {
				return err
			}
			if old == nil {
				return structs.Errorf(structs.KindNotFound, "sensor %q not found", x.Ref)
			}
			x.ModifyIdx = index
			if err := state.SensorPutTxn(txn, &x); err != nil {
				return err
			}
		}
		txn.Commit()
		return nil
	}
	keep := map[string]bool{}
	for i := range req.Sensors {
		x := req.Sensors[i]
		keep[x.Ref] = true
		old, err := state.SensorGetTxn(txn, x.Ref)
		if err != nil {
			return err
		}
		if old != nil {
			if old.Plugin != req.Plugin {
				continue // a pack's sensor or another plugin's keeps its ref
			}
			x.ID, x.Enabled = old.ID, old.Enabled // an operator's disable survives a restart
			if x.ModifyIdx = old.ModifyIdx; reflect.DeepEqual(&x, old) {
				continue // unchanged: a running sensor is not restarted
			}
		}
		x.ModifyIdx = index
		if err := state.SensorPutTxn(txn, &x); err != nil {
			return err
		}
	}
	sensors, err := state.SensorsTxn(txn)
	if err != nil {
		return err
	}
	for _, x := range sensors {
		if x.Plugin == req.Plugin && !keep[x.Ref] {
			if err := state.SensorDeleteTxn(txn, x); err != nil {
				return err
			}
		}
	}
	for i := range req.TriggerTypes {
		t := req.TriggerTypes[i]
		old, err := state.TriggerTypeGetTxn(txn, t.Ref)
		if err != nil {
			return err
		}
		if old != nil {
			t.ID, t.CreatedAt, t.ModifyIdx = old.ID, old.CreatedAt, old.ModifyIdx
			if reflect.DeepEqual(&t, old) {
				continue
			}
		} else {
			t.CreatedAt = req.Now
		}
		t.ModifyIdx = index
		if err := state.TriggerTypePutTxn(txn, &t); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

// applyTriggerPurge deletes processed instances with their enforcements,
// and traces that no longer hold anything retained.
func applyTriggerPurge(s *state.Store, body []byte) any {
	var req command.TriggerPurgeRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	gone := map[string]bool{}
	for _, id := range req.IDs {
		ti, err := state.TriggerInstanceGetTxn(txn, id)
		if err != nil {
			return err
		}
		if ti == nil || ti.Status == structs.TriggerInstancePending {
			continue
		}
		if err := state.TriggerInstanceDeleteTxn(txn, ti); err != nil {
			return err
		}
		gone[id] = true
	}
	if len(gone) > 0 {
		ens, err := state.EnforcementsTxn(txn)
		if err != nil {
			return err
		}
		for _, en := range ens {
			if gone[en.TriggerInstance] {
				if err := state.EnforcementDeleteTxn(txn, en); err != nil {
					return err
				}
			}
		}
	}
	for _, id := range req.Traces {
		t, err := state.TraceGetTxn(txn, id)
		if err != nil {
			return err
		}
		if t != nil {
			if err := state.TraceDeleteTxn(txn, t); err != nil {
				return err
			}
		}
	}
	txn.Commit()
	return nil
}

// joinTrace adds components to the trace an object belongs to and returns
// it: the trace traceID names, else the newest one tagged tag, else a new
// trace with id newID (deterministic: the caller's object id). An empty
// tag and id with create false joins nothing.
func joinTrace(txn *memdb.Txn, traceID, tag, newID string, now time.Time, create bool, index uint64, add func(*structs.Trace)) (*structs.Trace, error) {
	var t *structs.Trace
	var err error
	if traceID != "" {
		if t, err = state.TraceGetTxn(txn, traceID); err != nil {
			return nil, err
		}
	}
	if t == nil && tag != "" {
		if t, err = state.TraceByTagTxn(txn, tag); err != nil {
			return nil, err
		}
	}
	var next structs.Trace
	switch {
	case t != nil:
		next = *t
		next.TriggerInstances = append([]structs.TraceComponent(nil), t.TriggerInstances...)
		next.Rules = append([]structs.TraceComponent(nil), t.Rules...)
		next.Executions = append([]structs.TraceComponent(nil), t.Executions...)
	case tag != "" || create:
		next = structs.Trace{ID: newID, Tag: tag, StartTimestamp: now}
	default:
		return nil, nil
	}
	add(&next)
	next.ModifyIdx = index
	if err := state.TracePutTxn(txn, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

func causedBy(kind, id string) map[string]string {
	if id == "" {
		return map[string]string{}
	}
	return map[string]string{"type": kind, "id": id}
}

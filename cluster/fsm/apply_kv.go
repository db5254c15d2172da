package fsm

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// seqs numbers the datastore events of one raft entry. The commands of a
// batch share one, so that their events stay distinct and ordered.
type seqs struct {
	index uint64
	pos   uint64
}

func (q *seqs) next() uint64 {
	q.pos++
	return q.index<<state.KVEventSeqShift | q.pos
}

// kvWriter records datastore changes with their events in one transaction.
type kvWriter struct {
	store  *state.Store
	txn    *memdb.Txn
	index  uint64
	seq    *seqs
	events int
}

func newKVWriter(s *state.Store, seq *seqs) *kvWriter {
	return &kvWriter{store: s, txn: s.Txn(true), index: seq.index, seq: seq}
}

func (w *kvWriter) event(t structs.KVEventType, old, new *structs.KeyValuePair, now time.Time) error {
	ev := &structs.KVEvent{Seq: w.seq.next(), Type: t, Time: now, Old: old, New: new}
	w.events++
	if err := state.KVEventInsertTxn(w.txn, ev); err != nil {
		return err
	}
	return fireKVTrigger(w.txn, ev, w.index)
}

// fireKVTrigger records core.st2.key_value_pair.<event> when an enabled
// rule listens to it, with StackStorm's payload: {object} or, for
// value_change, {old_object, new_object}. Secret values stay ciphertext.
func fireKVTrigger(txn *memdb.Txn, ev *structs.KVEvent, index uint64) error {
	trigger := "core.st2.key_value_pair." + string(ev.Type)
	listened, err := state.RulesListenTxn(txn, trigger)
	if err != nil || !listened {
		return err
	}
	payload := map[string]any{}
	switch ev.Type {
	case structs.KVEventValueChange:
		payload["old_object"], payload["new_object"] = kvObject(ev.Old), kvObject(ev.New)
	case structs.KVEventDelete:
		payload["object"] = kvObject(ev.Old)
	default:
		payload["object"] = kvObject(ev.New)
	}
	ti := structs.TriggerInstance{
		ID: fmt.Sprintf("kv-%d", ev.Seq), Trigger: trigger, Parameters: map[string]any{}, Payload: payload,
		OccurrenceTime: ev.Time, Status: structs.TriggerInstancePending, CreateIdx: index, ModifyIdx: index,
	}
	return recordInstance(txn, &ti, nil, index)
}

func kvObject(kv *structs.KeyValuePair) map[string]any {
	if kv == nil {
		return nil
	}
	o := map[string]any{
		"id": kv.ID, "uid": kv.UID(), "name": kv.FullName(), "value": kv.Value, "scope": kv.Scope,
		"secret": kv.Secret, "encrypted": kv.Secret, "description": kv.Description,
	}
	if kv.User != "" {
		o["user"] = kv.User
	}
	if !kv.ExpireAt.IsZero() {
		o["expire_timestamp"] = kv.ExpireAt.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return o
}

// set writes one item: an expired item counts as absent, so setting it
// again is a create.
func (w *kvWriter) set(item structs.KeyValuePair, now time.Time) error {
	old, err := state.KVGetTxn(w.txn, item.Scope, item.User, item.Name)
	if err != nil {
		return err
	}
	if old != nil && old.Expired(now) {
		if err := w.delete(old, now); err != nil {
			return err
		}
		old = nil
	}
	kv := item
	kv.ModifyIdx = w.index
	kv.UpdatedAt = now
	if old == nil {
		kv.CreateIdx, kv.CreatedAt = w.index, now
		if err := state.KVPutTxn(w.txn, &kv); err != nil {
			return err
		}
		return w.event(structs.KVEventCreate, nil, &kv, now)
	}
	kv.ID, kv.CreateIdx, kv.CreatedAt = old.ID, old.CreateIdx, old.CreatedAt
	if err := state.KVPutTxn(w.txn, &kv); err != nil {
		return err
	}
	if err := w.event(structs.KVEventUpdate, old, &kv, now); err != nil {
		return err
	}
	if old.Value != kv.Value || old.Secret != kv.Secret {
		return w.event(structs.KVEventValueChange, old, &kv, now)
	}
	return nil
}

func (w *kvWriter) delete(kv *structs.KeyValuePair, now time.Time) error {
	if err := state.KVDeleteTxn(w.txn, kv); err != nil {
		return err
	}
	return w.event(structs.KVEventDelete, kv, nil, now)
}

// finish commits on success and aborts on error.
func (w *kvWriter) finish(err error) any {
	if err == nil {
		err = w.store.KVEventsCommitTxn(w.txn, w.events)
	}
	if err != nil {
		w.txn.Abort()
		return err
	}
	w.txn.Commit()
	return nil
}

func applyKVSet(s *state.Store, body []byte, seq *seqs) any {
	var req command.KVSetRequest
	decode(body, &req)
	w := newKVWriter(s, seq)
	return w.finish(w.set(req.Item, req.Now))
}

func applyKVLoad(s *state.Store, body []byte, seq *seqs) any {
	var req command.KVLoadRequest
	decode(body, &req)
	w := newKVWriter(s, seq)
	for _, item := range req.Items {
		if err := w.set(item, req.Now); err != nil {
			return w.finish(err)
		}
	}
	return w.finish(nil)
}

func applyKVDelete(s *state.Store, body []byte, seq *seqs) any {
	var req command.KVDeleteRequest
	decode(body, &req)
	w := newKVWriter(s, seq)
	kv, err := state.KVGetTxn(w.txn, req.Scope, req.User, req.Name)
	if err == nil && (kv == nil || kv.Expired(req.Now)) {
		err = structs.Errorf(structs.KindNotFound, "Resource with a name or id %q not found", req.Name)
	}
	if err != nil {
		return w.finish(err)
	}
	return w.finish(w.delete(kv, req.Now))
}

func applyKVDeletePrefix(s *state.Store, body []byte, seq *seqs) any {
	var req command.KVDeletePrefixRequest
	decode(body, &req)
	w := newKVWriter(s, seq)
	q := state.KVQuery{Scope: req.Scope, User: req.User, Prefix: req.Prefix, Now: req.Now}
	items, err := state.KVListTxn(w.txn, q, false)
	if err != nil {
		return w.finish(err)
	}
	for _, kv := range items {
		if err := w.delete(kv, req.Now); err != nil {
			return w.finish(err)
		}
	}
	return w.finish(nil)
}

func applyKVExpire(s *state.Store, body []byte, seq *seqs) any {
	var req command.KVExpireRequest
	decode(body, &req)
	w := newKVWriter(s, seq)
	for _, k := range req.Keys {
		kv, err := state.KVGetTxn(w.txn, k.Scope, k.User, k.Name)
		if err != nil {
			return w.finish(err)
		}
		if kv == nil || !kv.Expired(req.Now) {
			continue
		}
		if err := w.delete(kv, req.Now); err != nil {
			return w.finish(err)
		}
	}
	return w.finish(nil)
}

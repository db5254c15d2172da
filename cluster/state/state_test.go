package state

import (
	"testing"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// The watches the stream and the expiry loop sleep on must fire when a
// change arrives.
func TestWatchesFire(t *testing.T) {
	s, err := NewStore()
	if err != nil {
		t.Fatal(err)
	}
	_, evWatch, err := s.KVEventsSince(0)
	if err != nil {
		t.Fatal(err)
	}
	_, expWatch, err := s.KVNextExpiry()
	if err != nil {
		t.Fatal(err)
	}
	txn := s.Txn(true)
	kv := &structs.KeyValuePair{Name: "k", Scope: structs.ScopeSystem, ExpireAt: time.Now().Add(time.Hour)}
	if err := KVPutTxn(txn, kv); err != nil {
		t.Fatal(err)
	}
	if err := KVEventInsertTxn(txn, &structs.KVEvent{Seq: 1 << KVEventSeqShift, Type: structs.KVEventCreate, New: kv}); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	for name, ws := range map[string]interface{ Watch(<-chan time.Time) bool }{"events": evWatch, "expiry": expWatch} {
		if timedOut := ws.Watch(time.After(5 * time.Second)); timedOut {
			t.Fatalf("%s watch did not fire", name)
		}
	}
}

package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableKVEvents = "kv_events"

// KVEventRetention is how many raft entries' worth of datastore change
// events are kept. The rules engine consumes them as they happen; the bound
// keeps memory flat.
const KVEventRetention = 10000

// KVEventSeqShift packs an event's raft index and its position within the
// command into one sequence number: index<<shift | position.
const KVEventSeqShift = 20

func kvEventsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableKVEvents,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "Seq"}},
		},
	}
}

// KVEventTrimEvery: trimming walks the oldest events, so it runs on every
// 64th raft index rather than on every write.
const KVEventTrimEvery = 64

// KVEventAppendTxn records a change and drops events older than the
// retention window. The window is counted in raft indexes, so trimming is
// deterministic on every node.
func KVEventAppendTxn(txn *memdb.Txn, ev *structs.KVEvent) error {
	if err := txn.Insert(tableKVEvents, ev); err != nil {
		return fmt.Errorf("failed to record key event: %w", err)
	}
	index := ev.Seq >> KVEventSeqShift
	if index <= KVEventRetention || index%KVEventTrimEvery != 0 {
		return nil
	}
	oldest := (index - KVEventRetention + 1) << KVEventSeqShift
	it, err := txn.Get(tableKVEvents, "id")
	if err != nil {
		return fmt.Errorf("failed to trim key events: %w", err)
	}
	var old []any
	for obj := it.Next(); obj != nil && obj.(*structs.KVEvent).Seq < oldest; obj = it.Next() {
		old = append(old, obj)
	}
	for _, obj := range old {
		if err := txn.Delete(tableKVEvents, obj); err != nil {
			return fmt.Errorf("failed to trim key events: %w", err)
		}
	}
	return nil
}

// KVEventsSince returns events with Seq > after, oldest first, and a
// WatchSet that fires when new events arrive.
func (s *Store) KVEventsSince(after uint64) ([]*structs.KVEvent, memdb.WatchSet, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	// A LowerBound iterator cannot be watched: watch the whole index.
	all, err := txn.Get(tableKVEvents, "id")
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read key events: %w", err)
	}
	ws := memdb.NewWatchSet()
	ws.Add(all.WatchCh())
	it, err := txn.LowerBound(tableKVEvents, "id", after+1)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read key events: %w", err)
	}
	var out []*structs.KVEvent
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.KVEvent))
	}
	return out, ws, nil
}

// KVLastEventSeq returns the newest event's sequence number, 0 if none.
func (s *Store) KVLastEventSeq() (uint64, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	obj, err := txn.Last(tableKVEvents, "id")
	if err != nil || obj == nil {
		return 0, err
	}
	return obj.(*structs.KVEvent).Seq, nil
}

// KVEvents returns every retained event (for snapshots).
func (s *Store) KVEvents() ([]*structs.KVEvent, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.KVEvent](txn, tableKVEvents)
}

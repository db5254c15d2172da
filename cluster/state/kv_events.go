package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableKVEvents = "kv_events"

// KVEventRetention is how many datastore change events are kept. The
// rules engine consumes them as they happen; the bound keeps memory flat
// however many commands a raft entry carries.
const KVEventRetention = 10000

// KVEventTrimEvery: the oldest events are dropped this many at a time.
const KVEventTrimEvery = 64

// KVEventSeqShift packs an event's raft index and its position within the
// entry into one sequence number: index<<shift | position.
const KVEventSeqShift = 20

func kvEventsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableKVEvents,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "Seq"}},
		},
	}
}

// KVEventInsertTxn stores an event. The writer that adds events calls
// KVEventsCommitTxn once before committing.
func KVEventInsertTxn(txn *memdb.Txn, ev *structs.KVEvent) error {
	if err := txn.Insert(tableKVEvents, ev); err != nil {
		return fmt.Errorf("failed to record key event: %w", err)
	}
	return nil
}

// KVEventsCommitTxn accounts for added events in a write transaction and,
// once more than KVEventRetention are kept, drops the oldest in the same
// transaction. The count follows the commit (memdb's Defer), so an aborted
// transaction leaves it alone; every node applies the same commands, so
// every node trims the same events.
func (s *Store) KVEventsCommitTxn(txn *memdb.Txn, added int) error {
	if added == 0 {
		return nil
	}
	s.eventsMu.Lock()
	count := s.events + added
	s.eventsMu.Unlock()
	if count >= KVEventRetention+KVEventTrimEvery {
		if err := trimKVEvents(txn, count-KVEventRetention); err != nil {
			return err
		}
		count = KVEventRetention
	}
	txn.Defer(func() {
		s.eventsMu.Lock()
		s.events = count
		s.eventsMu.Unlock()
	})
	return nil
}

// countKVEvents sets the count from the table, after a restore.
func (s *Store) countKVEvents() error {
	evs, err := s.KVEvents()
	if err != nil {
		return err
	}
	s.eventsMu.Lock()
	s.events = len(evs)
	s.eventsMu.Unlock()
	return nil
}

func trimKVEvents(txn *memdb.Txn, n int) error {
	it, err := txn.Get(tableKVEvents, "id")
	if err != nil {
		return fmt.Errorf("failed to trim key events: %w", err)
	}
	old := make([]any, 0, n)
	for obj := it.Next(); obj != nil && len(old) < n; obj = it.Next() {
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

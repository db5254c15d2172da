// Package state is the FSM's in-memory, indexed view of everything that
// raft replicates: one go-memdb table per file. Public methods open a
// transaction and call an inner ...Txn function, so that a command that
// touches several tables commits them atomically.
//
// Objects handed out are shared with the store: callers must treat them as
// read-only and copy before changing.
package state

import (
	"fmt"
	"sync"

	"github.com/hashicorp/go-memdb"
)

// Store is the state store. It is safe for concurrent use: writes come
// only from the FSM (one at a time), reads from anywhere.
type Store struct {
	db *memdb.MemDB

	// events counts the retained datastore change events (see
	// KVEventsCommitTxn); it is derived state, rebuilt on restore.
	eventsMu sync.Mutex
	events   int
}

// tableSchemas is filled by each table file's schema function.
var tableSchemas = []func() *memdb.TableSchema{
	kvsTableSchema,
	kvEventsTableSchema,
	usersTableSchema,
	tokensTableSchema,
	apiKeysTableSchema,
	metaTableSchema,
	packsTableSchema,
	packContentsTableSchema,
	actionsTableSchema,
	nodeRunnersTableSchema,
	executionsTableSchema,
	rulesTableSchema,
	triggerInstancesTableSchema,
	enforcementsTableSchema,
	triggerTypesTableSchema,
	sensorsTableSchema,
	tracesTableSchema,
	workflowsTableSchema,
}

// NewStore returns an empty store.
func NewStore() (*Store, error) {
	schema := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	for _, fn := range tableSchemas {
		t := fn()
		schema.Tables[t.Name] = t
	}
	db, err := memdb.NewMemDB(schema)
	if err != nil {
		return nil, fmt.Errorf("failed to create state store: %w", err)
	}
	return &Store{db: db}, nil
}

// Txn opens a transaction; write transactions are for the FSM only.
func (s *Store) Txn(write bool) *memdb.Txn { return s.db.Txn(write) }

// Snapshot returns a point-in-time copy that is cheap to take and safe to
// read while the live store keeps changing. It is for reading only.
func (s *Store) Snapshot() *Store { return &Store{db: s.db.Snapshot()} }

// Restored finishes a store filled by a snapshot restore: it recomputes
// the derived counters.
func (s *Store) Restored() error { return s.countKVEvents() }

// all collects every object of a table, in index order.
func all[T any](txn *memdb.Txn, table string) ([]*T, error) {
	it, err := txn.Get(table, "id")
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", table, err)
	}
	var out []*T
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*T))
	}
	return out, nil
}

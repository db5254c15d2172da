package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"
)

const tableMeta = "meta"

// MetaAdminCreated marks that the first admin was created, so that an
// operator who deletes st2admin does not see it come back.
const MetaAdminCreated = "admin_created"

// MetaExecTokenKey holds the key that signs executions' API tokens.
const MetaExecTokenKey = "exec_token_key"

// Meta is a named marker, e.g. that the first admin was created.
type Meta struct {
	Key   string
	Value string
}

func metaTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableMeta,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Key"}},
		},
	}
}

// MetaGet returns the value of a marker and whether it is set.
func (s *Store) MetaGet(key string) (string, bool, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return metaGetTxn(txn, key)
}

func metaGetTxn(txn *memdb.Txn, key string) (string, bool, error) {
	obj, err := txn.First(tableMeta, "id", key)
	if err != nil {
		return "", false, fmt.Errorf("failed to read meta %q: %w", key, err)
	}
	if obj == nil {
		return "", false, nil
	}
	return obj.(*Meta).Value, true, nil
}

// MetaSetTxn sets a marker inside a write transaction.
func MetaSetTxn(txn *memdb.Txn, key, value string) error {
	if err := txn.Insert(tableMeta, &Meta{Key: key, Value: value}); err != nil {
		return fmt.Errorf("failed to write meta %q: %w", key, err)
	}
	return nil
}

// MetaGetTxn reads a marker inside a transaction.
func MetaGetTxn(txn *memdb.Txn, key string) (string, bool, error) { return metaGetTxn(txn, key) }

// Metas returns every marker (for snapshots).
func (s *Store) Metas() ([]*Meta, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[Meta](txn, tableMeta)
}

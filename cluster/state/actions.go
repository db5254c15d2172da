package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableActions = "actions"

func actionsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableActions,
		Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ref"}},
			"pack": {Name: "pack", Indexer: &memdb.StringFieldIndex{Field: "Pack"}},
		},
	}
}

// ActionGet returns an action by ref or a not-found error.
func (s *Store) ActionGet(ref string) (*structs.Action, error) {
	return getOne[structs.Action](s, tableActions, ref, "action")
}

// Actions returns the actions of pack, or all when pack is "", by ref.
func (s *Store) Actions(pack string) ([]*structs.Action, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	if pack == "" {
		return all[structs.Action](txn, tableActions)
	}
	return ActionsByPackTxn(txn, pack)
}

// ActionsByPackTxn returns the actions of one pack.
func ActionsByPackTxn(txn *memdb.Txn, pack string) ([]*structs.Action, error) {
	it, err := txn.Get(tableActions, "pack", pack)
	if err != nil {
		return nil, fmt.Errorf("failed to read actions of pack %q: %w", pack, err)
	}
	var out []*structs.Action
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.Action))
	}
	return out, nil
}

// ActionGetTxn returns an action or nil.
func ActionGetTxn(txn *memdb.Txn, ref string) (*structs.Action, error) {
	obj, err := txn.First(tableActions, "id", ref)
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*structs.Action), nil
}

// ActionPutTxn inserts or replaces an action.
func ActionPutTxn(txn *memdb.Txn, a *structs.Action) error { return put(txn, tableActions, a, a.Ref) }

// ActionDeleteTxn deletes an action.
func ActionDeleteTxn(txn *memdb.Txn, a *structs.Action) error {
	if err := txn.Delete(tableActions, a); err != nil {
		return fmt.Errorf("failed to delete action %q: %w", a.Ref, err)
	}
	return nil
}

package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const (
	tablePacks        = "packs"
	tablePackContents = "pack_contents"
)

func packsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tablePacks,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ref"}},
		},
	}
}

func packContentsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tablePackContents,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Pack"}},
		},
	}
}

// PackGet returns a pack or a not-found error.
func (s *Store) PackGet(ref string) (*structs.Pack, error) {
	return getOne[structs.Pack](s, tablePacks, ref, "pack")
}

// Packs returns every pack, by ref.
func (s *Store) Packs() ([]*structs.Pack, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Pack](txn, tablePacks)
}

// PackContentGet returns a pack's files or a not-found error.
func (s *Store) PackContentGet(pack string) (*structs.PackContent, error) {
	return getOne[structs.PackContent](s, tablePackContents, pack, "pack content")
}

// PackContents returns the files of every pack.
func (s *Store) PackContents() ([]*structs.PackContent, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.PackContent](txn, tablePackContents)
}

// PackPutTxn inserts or replaces a pack.
func PackPutTxn(txn *memdb.Txn, p *structs.Pack) error { return put(txn, tablePacks, p, p.Ref) }

// PackContentPutTxn inserts or replaces a pack's files.
func PackContentPutTxn(txn *memdb.Txn, c *structs.PackContent) error {
	return put(txn, tablePackContents, c, c.Pack)
}

// getOne reads one object by id, with a not-found error naming it.
func getOne[T any](s *Store, table, id, what string) (*T, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	obj, err := txn.First(table, "id", id)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s %q: %w", what, id, err)
	}
	if obj == nil {
		return nil, structs.Errorf(structs.KindNotFound, "%s %q not found", what, id)
	}
	return obj.(*T), nil
}

func put(txn *memdb.Txn, table string, obj any, id string) error {
	if err := txn.Insert(table, obj); err != nil {
		return fmt.Errorf("failed to write %s %q: %w", table, id, err)
	}
	return nil
}

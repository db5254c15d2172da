package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableAPIKeys = "apikeys"

func apiKeysTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableAPIKeys,
		Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"hash": {Name: "hash", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Hash"}},
			"user": {Name: "user", Indexer: &memdb.StringFieldIndex{Field: "User"}},
		},
	}
}

// APIKeyGet returns a key by id or by hash, or structs.ErrNotFound.
func (s *Store) APIKeyGet(idOrHash string) (*structs.APIKey, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return APIKeyGetTxn(txn, idOrHash)
}

// APIKeyGetTxn returns a key by id or by hash, or structs.ErrNotFound.
func APIKeyGetTxn(txn *memdb.Txn, idOrHash string) (*structs.APIKey, error) {
	for _, index := range []string{"id", "hash"} {
		obj, err := txn.First(tableAPIKeys, index, idOrHash)
		if err != nil {
			return nil, fmt.Errorf("failed to read api key: %w", err)
		}
		if obj != nil {
			return obj.(*structs.APIKey), nil
		}
	}
	return nil, structs.Errorf(structs.KindNotFound, "api key %q not found", idOrHash)
}

// APIKeys returns the keys of one user, or every key when user is "".
func (s *Store) APIKeys(user string) ([]*structs.APIKey, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	keys, err := all[structs.APIKey](txn, tableAPIKeys)
	if err != nil || user == "" {
		return keys, err
	}
	var out []*structs.APIKey
	for _, k := range keys {
		if k.User == user {
			out = append(out, k)
		}
	}
	return out, nil
}

// APIKeyPutTxn inserts or replaces a key.
func APIKeyPutTxn(txn *memdb.Txn, k *structs.APIKey) error {
	if err := txn.Insert(tableAPIKeys, k); err != nil {
		return fmt.Errorf("failed to write api key: %w", err)
	}
	return nil
}

// APIKeyDeleteTxn removes a key.
func APIKeyDeleteTxn(txn *memdb.Txn, k *structs.APIKey) error {
	if err := txn.Delete(tableAPIKeys, k); err != nil {
		return fmt.Errorf("failed to delete api key: %w", err)
	}
	return nil
}

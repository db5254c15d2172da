package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableUsers = "users"

func usersTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableUsers,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Name"}},
		},
	}
}

// UserGet returns a user or structs.ErrNotFound.
func (s *Store) UserGet(name string) (*structs.User, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	u, err := UserGetTxn(txn, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, structs.Errorf(structs.KindNotFound, "user %q not found", name)
	}
	return u, nil
}

// UserGetTxn returns a user or nil.
func UserGetTxn(txn *memdb.Txn, name string) (*structs.User, error) {
	obj, err := txn.First(tableUsers, "id", name)
	if err != nil {
		return nil, fmt.Errorf("failed to read user %q: %w", name, err)
	}
	if obj == nil {
		return nil, nil
	}
	return obj.(*structs.User), nil
}

// Users returns every user, by name.
func (s *Store) Users() ([]*structs.User, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.User](txn, tableUsers)
}

// UserPutTxn inserts or replaces a user.
func UserPutTxn(txn *memdb.Txn, u *structs.User) error {
	if err := txn.Insert(tableUsers, u); err != nil {
		return fmt.Errorf("failed to write user %q: %w", u.Name, err)
	}
	return nil
}

// UserDeleteTxn removes a user with its tokens and API keys.
func UserDeleteTxn(txn *memdb.Txn, u *structs.User) error {
	if err := txn.Delete(tableUsers, u); err != nil {
		return fmt.Errorf("failed to delete user %q: %w", u.Name, err)
	}
	if _, err := txn.DeleteAll(tableTokens, "user", u.Name); err != nil {
		return fmt.Errorf("failed to delete tokens of %q: %w", u.Name, err)
	}
	if _, err := txn.DeleteAll(tableAPIKeys, "user", u.Name); err != nil {
		return fmt.Errorf("failed to delete api keys of %q: %w", u.Name, err)
	}
	return nil
}

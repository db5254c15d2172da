package state

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableTokens = "tokens"

func tokensTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableTokens,
		Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"hash": {Name: "hash", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Hash"}},
			"user": {Name: "user", Indexer: &memdb.StringFieldIndex{Field: "User"}},
		},
	}
}

// TokenByHash returns a token by the hash of its secret, or nil.
func (s *Store) TokenByHash(hash string) (*structs.Token, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	obj, err := txn.First(tableTokens, "hash", hash)
	if err != nil {
		return nil, fmt.Errorf("failed to read token: %w", err)
	}
	if obj == nil {
		return nil, nil
	}
	return obj.(*structs.Token), nil
}

// TokensExpired returns up to max tokens expired at now.
func (s *Store) TokensExpired(now time.Time, max int) ([]*structs.Token, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	toks, err := all[structs.Token](txn, tableTokens)
	if err != nil {
		return nil, err
	}
	var out []*structs.Token
	for _, t := range toks {
		if t.Expired(now) && len(out) < max {
			out = append(out, t)
		}
	}
	return out, nil
}

// Tokens returns every token (for snapshots).
func (s *Store) Tokens() ([]*structs.Token, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Token](txn, tableTokens)
}

// TokenPutTxn inserts a token.
func TokenPutTxn(txn *memdb.Txn, t *structs.Token) error {
	if err := txn.Insert(tableTokens, t); err != nil {
		return fmt.Errorf("failed to write token: %w", err)
	}
	return nil
}

// TokenDeleteTxn removes a token by id; a missing one is not an error.
func TokenDeleteTxn(txn *memdb.Txn, id string) error {
	if _, err := txn.DeleteAll(tableTokens, "id", id); err != nil {
		return fmt.Errorf("failed to delete token: %w", err)
	}
	return nil
}

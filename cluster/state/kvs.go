package state

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableKVs = "kvs"

func kvsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableKVs,
		Indexes: map[string]*memdb.IndexSchema{
			"id":     {Name: "id", Unique: true, Indexer: kvKeyIndexer{}},
			"expire": {Name: "expire", AllowMissing: true, Indexer: kvExpireIndexer{}},
		},
	}
}

// kvKeyIndexer indexes items by scope, owner and name, so that one
// owner's items form a contiguous range and a name prefix is a key prefix.
type kvKeyIndexer struct{}

func kvKey(scope, user, name string) []byte {
	return []byte(scope + "\x00" + user + "\x00" + name)
}

func (kvKeyIndexer) FromObject(obj any) (bool, []byte, error) {
	kv := obj.(*structs.KeyValuePair)
	return true, append(kvKey(kv.Scope, kv.User, kv.Name), 0), nil
}

// FromArgs takes scope, user, name.
func (kvKeyIndexer) FromArgs(args ...any) ([]byte, error) {
	scope, user, name, err := kvArgs(args)
	if err != nil {
		return nil, err
	}
	return append(kvKey(scope, user, name), 0), nil
}

// PrefixFromArgs takes scope, user and a name prefix.
func (kvKeyIndexer) PrefixFromArgs(args ...any) ([]byte, error) {
	scope, user, prefix, err := kvArgs(args)
	if err != nil {
		return nil, err
	}
	return kvKey(scope, user, prefix), nil
}

func kvArgs(args []any) (string, string, string, error) {
	if len(args) != 3 {
		return "", "", "", fmt.Errorf("kv index needs scope, user, name; got %d args", len(args))
	}
	var s [3]string
	for i, a := range args {
		v, ok := a.(string)
		if !ok {
			return "", "", "", fmt.Errorf("kv index argument %d must be a string", i)
		}
		s[i] = v
	}
	return s[0], s[1], s[2], nil
}

// kvExpireIndexer orders items with a TTL by expiry time; items without
// one are left out of the index.
type kvExpireIndexer struct{}

func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

func (kvExpireIndexer) FromObject(obj any) (bool, []byte, error) {
	kv := obj.(*structs.KeyValuePair)
	if kv.ExpireAt.IsZero() {
		return false, nil, nil
	}
	return true, timeKey(kv.ExpireAt), nil
}

func (kvExpireIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("expire index needs one time argument")
	}
	t, ok := args[0].(time.Time)
	if !ok {
		return nil, fmt.Errorf("expire index argument must be a time.Time")
	}
	return timeKey(t), nil
}

// KVQuery selects datastore items. An empty User with ScopeUser matches
// every user's items (admins listing all).
type KVQuery struct {
	Scope  string // structs.ScopeSystem or structs.ScopeUser
	User   string
	Prefix string
	Now    time.Time // items expired at Now are left out
}

// KVGet returns a live item or structs.ErrNotFound.
func (s *Store) KVGet(scope, user, name string, now time.Time) (*structs.KeyValuePair, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	kv, err := KVGetTxn(txn, scope, user, name)
	if err != nil {
		return nil, err
	}
	if kv == nil || kv.Expired(now) {
		return nil, structs.Errorf(structs.KindNotFound, "key %q not found", name)
	}
	return kv, nil
}

// KVGetTxn returns the stored item, expired or not, or nil.
func KVGetTxn(txn *memdb.Txn, scope, user, name string) (*structs.KeyValuePair, error) {
	obj, err := txn.First(tableKVs, "id", scope, user, name)
	if err != nil {
		return nil, fmt.Errorf("failed to read key %q: %w", name, err)
	}
	if obj == nil {
		return nil, nil
	}
	return obj.(*structs.KeyValuePair), nil
}

// KVList returns live items matching q, ordered by owner then name.
func (s *Store) KVList(q KVQuery) ([]*structs.KeyValuePair, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return KVListTxn(txn, q, false)
}

// KVListTxn lists items matching q; withExpired keeps expired ones.
func KVListTxn(txn *memdb.Txn, q KVQuery, withExpired bool) ([]*structs.KeyValuePair, error) {
	var it memdb.ResultIterator
	var err error
	if q.Scope == structs.ScopeUser && q.User == "" {
		// Every user's items: walk the scope from its start, filter the
		// name prefix; the loop below stops at the scope's end.
		it, err = txn.LowerBound(tableKVs, "id", q.Scope, "", "")
		if err == nil {
			it = memdb.NewFilterIterator(it, func(o any) bool {
				return !strings.HasPrefix(o.(*structs.KeyValuePair).Name, q.Prefix)
			})
		}
	} else {
		it, err = txn.Get(tableKVs, "id_prefix", q.Scope, q.User, q.Prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to list keys: %w", err)
	}
	var out []*structs.KeyValuePair
	for obj := it.Next(); obj != nil; obj = it.Next() {
		kv := obj.(*structs.KeyValuePair)
		if kv.Scope != q.Scope {
			break
		}
		if !withExpired && kv.Expired(q.Now) {
			continue
		}
		out = append(out, kv)
	}
	return out, nil
}

// KVExpired returns up to max items whose TTL has run out at now.
func (s *Store) KVExpired(now time.Time, max int) ([]*structs.KeyValuePair, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.LowerBound(tableKVs, "expire", time.Unix(0, 0))
	if err != nil {
		return nil, fmt.Errorf("failed to scan expiring keys: %w", err)
	}
	var out []*structs.KeyValuePair
	for obj := it.Next(); obj != nil && len(out) < max; obj = it.Next() {
		kv := obj.(*structs.KeyValuePair)
		if !kv.Expired(now) {
			break
		}
		out = append(out, kv)
	}
	return out, nil
}

// KVNextExpiry returns the earliest expiry time of any item (zero if
// none) and a WatchSet that fires when the set of expiring items changes.
func (s *Store) KVNextExpiry() (time.Time, memdb.WatchSet, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	// A LowerBound iterator cannot be watched: watch the whole index.
	all, err := txn.Get(tableKVs, "expire")
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("failed to scan expiring keys: %w", err)
	}
	ws := memdb.NewWatchSet()
	ws.Add(all.WatchCh())
	it, err := txn.LowerBound(tableKVs, "expire", time.Unix(0, 0))
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("failed to scan expiring keys: %w", err)
	}
	if obj := it.Next(); obj != nil {
		return obj.(*structs.KeyValuePair).ExpireAt, ws, nil
	}
	return time.Time{}, ws, nil
}

// KVPutTxn inserts or replaces an item.
func KVPutTxn(txn *memdb.Txn, kv *structs.KeyValuePair) error {
	if err := txn.Insert(tableKVs, kv); err != nil {
		return fmt.Errorf("failed to write key %q: %w", kv.Name, err)
	}
	return nil
}

// KVDeleteTxn removes an item.
func KVDeleteTxn(txn *memdb.Txn, kv *structs.KeyValuePair) error {
	if err := txn.Delete(tableKVs, kv); err != nil {
		return fmt.Errorf("failed to delete key %q: %w", kv.Name, err)
	}
	return nil
}

// KVAll returns every item, expired or not (for snapshots).
func (s *Store) KVAll() ([]*structs.KeyValuePair, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.KeyValuePair](txn, tableKVs)
}

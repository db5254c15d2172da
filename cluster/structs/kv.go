package structs

import "time"

// Datastore scopes, as StackStorm names them. The short forms are accepted
// on input; the full forms are what is stored and returned.
const (
	ScopeSystem    = "st2kv.system"
	ScopeUser      = "st2kv.user"
	ScopeShortSys  = "system"
	ScopeShortUser = "user"
	ScopeAll       = "all"
	KVUIDPrefix    = "key_value_pair"
)

// KeyValuePair is one datastore item. Name is the name the user gave;
// User is set for user-scoped items only. (StackStorm stores user items as
// "user:name"; we keep the two apart and join them only for the uid.)
type KeyValuePair struct {
	ID          string
	Name        string
	Scope       string // ScopeSystem or ScopeUser
	User        string // owner of a user-scoped item, "" for system
	Value       string // ciphertext (upper-case hex) when Secret
	Secret      bool
	Description string
	// ExpireAt is zero for an item without TTL.
	ExpireAt  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	CreateIdx uint64
	ModifyIdx uint64
}

// FullName is the StackStorm database name: "user:name" for user scope.
func (k *KeyValuePair) FullName() string {
	if k.Scope == ScopeUser {
		return k.User + ":" + k.Name
	}
	return k.Name
}

// UID is StackStorm's uid: key_value_pair:<scope>:<db name>.
func (k *KeyValuePair) UID() string {
	return KVUIDPrefix + ":" + k.Scope + ":" + k.FullName()
}

// Expired reports whether the item's TTL has run out at now.
func (k *KeyValuePair) Expired(now time.Time) bool {
	return !k.ExpireAt.IsZero() && !now.Before(k.ExpireAt)
}

// KVEventType is a change to a datastore item; the rules engine turns
// these into core.st2.key_value_pair.* trigger instances.
type KVEventType string

const (
	KVEventCreate      KVEventType = "create"
	KVEventUpdate      KVEventType = "update"
	KVEventValueChange KVEventType = "value_change"
	KVEventDelete      KVEventType = "delete"
)

// KVEvent records one change. Old is nil on create, New is nil on delete.
// An update whose value differs records two events, update then
// value_change, as StackStorm dispatches both.
type KVEvent struct {
	Seq  uint64 // raft index * 16 + position within the command
	Type KVEventType
	Time time.Time
	Old  *KeyValuePair
	New  *KeyValuePair
}

package command

import (
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// Every request carries Now, the proposer's clock at the time of the
// request, so that Apply never reads a clock.

// KVSetRequest creates or replaces one datastore item. Item.ID is used
// only when the item is new; an existing item keeps its id.
type KVSetRequest struct {
	Item structs.KeyValuePair
	Now  time.Time
}

// KVDeleteRequest deletes one item; a missing or expired one is not found.
type KVDeleteRequest struct {
	Scope, User, Name string
	Now               time.Time
}

// KVLoadRequest sets many items in one transaction: all or nothing.
type KVLoadRequest struct {
	Items []structs.KeyValuePair
	Now   time.Time
}

// KVExpireRequest removes items whose TTL has run out at Now. Items set
// again since the leader saw them expire are kept.
type KVExpireRequest struct {
	Keys []KVKey
	Now  time.Time
}

// KVKey names one item.
type KVKey struct {
	Scope, User, Name string
}

// KVDeletePrefixRequest deletes every live item of one owner whose name
// starts with Prefix.
type KVDeletePrefixRequest struct {
	Scope, User, Prefix string
	Now                 time.Time
}

// UserMode says what UserUpsert may do.
type UserMode string

const (
	UserCreate UserMode = "create" // fails if the user exists
	UserUpdate UserMode = "update" // fails if the user does not exist
)

// UserUpsertRequest creates or updates a user.
type UserUpsertRequest struct {
	User structs.User
	Mode UserMode
	Now  time.Time
}

// UserDeleteRequest deletes a user and revokes its tokens and API keys.
type UserDeleteRequest struct {
	Name string
}

// AdminInitRequest creates the first admin unless one was ever created.
type AdminInitRequest struct {
	User structs.User
	Now  time.Time
}

// TokenCreateRequest stores a new token (its hash only).
type TokenCreateRequest struct {
	Token structs.Token
}

// TokenDeleteRequest revokes tokens by id.
type TokenDeleteRequest struct {
	IDs []string
}

// APIKeyCreateRequest stores a new API key (its hash only).
type APIKeyCreateRequest struct {
	Key structs.APIKey
}

// APIKeyUpdateRequest changes a key's enabled flag and metadata.
type APIKeyUpdateRequest struct {
	ID       string
	Enabled  bool
	Metadata map[string]any
}

// APIKeyDeleteRequest deletes a key by id.
type APIKeyDeleteRequest struct {
	ID string
}

// MetaInitRequest sets a cluster-wide value unless it is already set: the
// first proposer wins, so every node agrees on one value.
type MetaInitRequest struct {
	Key, Value string
}

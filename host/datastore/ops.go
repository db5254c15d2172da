package datastore

import (
	"context"
	"sort"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// SetRequest is the body of PUT /api/v1/keys/{name} (StackStorm's
// KeyValuePairRequest), also one item of a bulk load.
type SetRequest struct {
	Name        string  `json:"name"`
	Value       *string `json:"value"`
	Secret      bool    `json:"secret"`
	Encrypted   bool    `json:"encrypted"`
	Scope       string  `json:"scope"`
	TTL         *int64  `json:"ttl"`
	User        string  `json:"user"`
	Description string  `json:"description"`
}

// Get returns one live item.
func (s *Service) Get(c Caller, name, scope, user string, decrypt bool) (*Item, error) {
	sc, err := ParseScope(scope, false, structs.ScopeSystem)
	if err != nil {
		return nil, err
	}
	own, err := owner(c, sc, user)
	if err != nil {
		return nil, err
	}
	if decrypt {
		if err := mayDecrypt(c, sc, own); err != nil {
			return nil, err
		}
	}
	kv, err := s.cfg.State().KVGet(sc, own, name, s.now())
	if err != nil {
		return nil, structs.Errorf(structs.KindNotFound, "Resource with a name or id %q not found", name)
	}
	it, err := s.view(kv, decrypt)
	return &it, err
}

// ListOptions selects items for List.
type ListOptions struct {
	Scope, User, Prefix string
	Decrypt             bool
	Limit, Offset       int // Limit <= 0: no limit
}

// List returns live items, sorted by scope, owner, name, and the total
// count before paging. Scope "all" is the system items plus the caller's
// own (or, for an admin naming --user, that user's).
func (s *Service) List(c Caller, o ListOptions) ([]Item, int, error) {
	sc, err := ParseScope(o.Scope, true, "")
	if err != nil {
		return nil, 0, err
	}
	scopes := []string{sc}
	if sc == "" {
		scopes = []string{structs.ScopeSystem, structs.ScopeUser}
	}
	var found []*structs.KeyValuePair
	for _, scope := range scopes {
		own, err := owner(c, scope, o.User)
		if err != nil {
			return nil, 0, err
		}
		if o.Decrypt {
			if err := mayDecrypt(c, scope, own); err != nil {
				return nil, 0, err
			}
		}
		q := state.KVQuery{Scope: scope, User: own, Prefix: o.Prefix, Now: s.now()}
		items, err := s.cfg.State().KVList(q)
		if err != nil {
			return nil, 0, err
		}
		found = append(found, items...)
	}
	total := len(found)
	found = page(found, o.Offset, o.Limit)
	out := make([]Item, 0, len(found))
	for _, kv := range found {
		it, err := s.view(kv, o.Decrypt)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, it)
	}
	return out, total, nil
}

func page[T any](items []T, offset, limit int) []T {
	if offset > len(items) {
		offset = len(items)
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// prepare validates a set request and turns it into a stored item,
// encrypting or verifying the value as asked.
func (s *Service) prepare(c Caller, name string, r SetRequest, now time.Time) (structs.KeyValuePair, error) {
	var kv structs.KeyValuePair
	if err := validateName(name); err != nil {
		return kv, err
	}
	if r.Value == nil {
		return kv, structs.Errorf(structs.KindInvalid, "'value' is a required property (key %q)", name)
	}
	value := *r.Value
	if len(value) > MaxValueLen {
		return kv, structs.Errorf(structs.KindInvalid, "value of key %q is %d bytes; the limit is %d", name, len(value), MaxValueLen)
	}
	if len(r.Description) > MaxDescriptionLen {
		return kv, structs.Errorf(structs.KindInvalid, "description of key %q is longer than %d bytes", name, MaxDescriptionLen)
	}
	sc, err := ParseScope(r.Scope, false, structs.ScopeSystem)
	if err != nil {
		return kv, err
	}
	own, err := owner(c, sc, r.User)
	if err != nil {
		return kv, err
	}
	if own != "" && own != c.User {
		// An admin writing for someone else: that someone must exist.
		if _, err := s.cfg.State().UserGet(own); err != nil {
			return kv, structs.Errorf(structs.KindInvalid, "unknown user %q for key %q", own, name)
		}
	}
	kv = structs.KeyValuePair{
		ID: s.cfg.NewID(), Name: name, Scope: sc, User: own, Value: value,
		Description: r.Description,
	}
	if r.TTL != nil {
		if *r.TTL <= 0 || *r.TTL > MaxTTLSeconds {
			return kv, structs.Errorf(structs.KindInvalid,
				"ttl of key %q must be a positive integer number of seconds up to %d", name, MaxTTLSeconds)
		}
		kv.ExpireAt = now.Add(time.Duration(*r.TTL) * time.Second)
	}
	return kv, s.seal(&kv, r)
}

// seal encrypts a secret, or checks that an already encrypted value was
// made with our key. encrypted implies secret, as in StackStorm: otherwise
// anyone could store ciphertext unmarked and read it back decrypted.
func (s *Service) seal(kv *structs.KeyValuePair, r SetRequest) error {
	switch {
	case r.Encrypted:
		if s.cfg.Cipher == nil {
			return s.noKey(kv.Name)
		}
		if _, err := s.cfg.Cipher.Decrypt(kv.Value); err != nil {
			return structs.Errorf(structs.KindInvalid,
				"Failed to verify the integrity of the provided value for key %q. Ensure that the value is encrypted with the correct key and not corrupted.", kv.Name)
		}
		kv.Secret = true
	case r.Secret:
		if s.cfg.Cipher == nil {
			return s.noKey(kv.Name)
		}
		ct, err := s.cfg.Cipher.Encrypt(kv.Value)
		if err != nil {
			return structs.Errorf(structs.KindInternal, "failed to encrypt value of key %q: %v", kv.Name, err)
		}
		kv.Value, kv.Secret = ct, true
	}
	return nil
}

// Set creates or replaces one item and returns it as stored.
func (s *Service) Set(ctx context.Context, c Caller, name string, r SetRequest) (*Item, error) {
	if name == "" {
		name = r.Name
	}
	now := s.now()
	kv, err := s.prepare(c, name, r, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.KVSet, command.KVSetRequest{Item: kv, Now: now}); err != nil {
		return nil, err
	}
	return s.stored(kv, now)
}

// stored reads an item back after a write, for the response.
func (s *Service) stored(kv structs.KeyValuePair, now time.Time) (*Item, error) {
	got, err := s.cfg.State().KVGet(kv.Scope, kv.User, kv.Name, now)
	if err != nil {
		// A forwarded write may not have reached this node yet: answer
		// with what was written.
		got = &kv
	}
	it, err := s.view(got, false)
	return &it, err
}

// Load validates every item first and writes them in one raft command:
// a bad item changes nothing and is named in the error.
func (s *Service) Load(ctx context.Context, c Caller, reqs []SetRequest) ([]Item, error) {
	if len(reqs) == 0 {
		return nil, structs.Errorf(structs.KindInvalid, "no items to load")
	}
	if len(reqs) > MaxLoadItems {
		return nil, structs.Errorf(structs.KindInvalid, "%d items in one load; the limit is %d", len(reqs), MaxLoadItems)
	}
	now := s.now()
	items := make([]structs.KeyValuePair, len(reqs))
	seen := map[string]int{}
	for i, r := range reqs {
		kv, err := s.prepare(c, r.Name, r, now)
		if err != nil {
			return nil, structs.Errorf(structs.KindOf(err), "item %d (%q): %s", i+1, r.Name, err.Error())
		}
		k := kv.UID()
		if j, dup := seen[k]; dup {
			return nil, structs.Errorf(structs.KindInvalid, "item %d (%q) repeats item %d", i+1, r.Name, j+1)
		}
		seen[k] = i
		items[i] = kv
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.KVLoad, command.KVLoadRequest{Items: items, Now: now}); err != nil {
		return nil, err
	}
	out := make([]Item, len(items))
	for i, kv := range items {
		it, err := s.stored(kv, now)
		if err != nil {
			return nil, err
		}
		out[i] = *it
	}
	return out, nil
}

// Delete removes one item.
func (s *Service) Delete(ctx context.Context, c Caller, name, scope, user string) error {
	sc, err := ParseScope(scope, false, structs.ScopeSystem)
	if err != nil {
		return err
	}
	own, err := owner(c, sc, user)
	if err != nil {
		return err
	}
	req := command.KVDeleteRequest{Scope: sc, User: own, Name: name, Now: s.now()}
	_, err = s.cfg.Raft.Apply(ctx, command.KVDelete, req)
	return err
}

// DeletePrefix removes every live item of one owner whose name starts
// with prefix, atomically, and returns what it removed.
func (s *Service) DeletePrefix(ctx context.Context, c Caller, prefix, scope, user string) ([]Item, error) {
	if prefix == "" {
		return nil, structs.Errorf(structs.KindInvalid, "prefix must not be empty")
	}
	sc, err := ParseScope(scope, false, structs.ScopeSystem)
	if err != nil {
		return nil, err
	}
	own, err := owner(c, sc, user)
	if err != nil {
		return nil, err
	}
	now := s.now()
	victims, err := s.cfg.State().KVList(state.KVQuery{Scope: sc, User: own, Prefix: prefix, Now: now})
	if err != nil {
		return nil, err
	}
	req := command.KVDeletePrefixRequest{Scope: sc, User: own, Prefix: prefix, Now: now}
	if _, err := s.cfg.Raft.Apply(ctx, command.KVDeletePref, req); err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(victims))
	for _, kv := range victims {
		it, err := s.view(kv, false)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

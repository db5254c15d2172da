package datastore

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/squall-io/squall/cluster/structs"
)

// Limits on what a datastore item may hold. They bound the size of one raft
// entry; StackStorm's own limit is MongoDB's 16 MiB document.
const (
	MaxNameLen        = 512
	MaxValueLen       = 1 << 20 // 1 MiB
	MaxDescriptionLen = 1024
	MaxTTLSeconds     = 10 * 365 * 24 * 3600 // ten years
	MaxLoadItems      = 10000
)

// validateName refuses names that cannot round-trip through the REST path
// or the CLI: empty, too long, not UTF-8, containing '/', whitespace or
// control characters.
func validateName(name string) error {
	switch {
	case name == "":
		return structs.Errorf(structs.KindInvalid, "key name must not be empty")
	case len(name) > MaxNameLen:
		return structs.Errorf(structs.KindInvalid, "key name is %d bytes long; the limit is %d", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return structs.Errorf(structs.KindInvalid, "key name is not valid UTF-8")
	case strings.ContainsAny(name, "/\\"):
		return structs.Errorf(structs.KindInvalid, "key name %q must not contain '/' or '\\'", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return structs.Errorf(structs.KindInvalid, "key name %q must not contain whitespace or control characters", name)
		}
	}
	return nil
}

// ParseScope maps StackStorm's scope names to a stored scope. allowAll
// admits "all" (list only), which returns "".
func ParseScope(scope string, allowAll bool, dflt string) (string, error) {
	switch scope {
	case "":
		return dflt, nil
	case structs.ScopeShortSys, structs.ScopeSystem:
		return structs.ScopeSystem, nil
	case structs.ScopeShortUser, structs.ScopeUser:
		return structs.ScopeUser, nil
	case structs.ScopeAll:
		if allowAll {
			return "", nil
		}
	}
	allowed := "system, user, st2kv.system, st2kv.user"
	if allowAll {
		allowed += ", all"
	}
	return "", structs.Errorf(structs.KindInvalid, "Invalid scope %q! Allowed scopes are %s.", scope, allowed)
}

// owner resolves whose user-scoped items a caller means: their own, or
// the named user's if the caller is an admin.
func owner(c Caller, scope, user string) (string, error) {
	if scope != structs.ScopeUser {
		if user != "" && user != c.User && !c.IsAdmin {
			return "", structs.Errorf(structs.KindForbidden,
				"user %q may not act on behalf of %q: administrator access required", c.User, user)
		}
		return "", nil
	}
	if user == "" || user == c.User {
		return c.User, nil
	}
	if !c.IsAdmin {
		return "", structs.Errorf(structs.KindForbidden,
			"user %q may not access items of user %q: administrator access required", c.User, user)
	}
	return user, nil
}

// mayDecrypt: an admin may decrypt everything, a user their own items.
func mayDecrypt(c Caller, scope, owner string) error {
	if c.IsAdmin || (scope == structs.ScopeUser && owner == c.User) {
		return nil
	}
	return structs.Errorf(structs.KindForbidden, "Decrypt option requires administrator access")
}

package executions

import (
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
)

// Decrypter decrypts datastore ciphertexts (kvcrypto.Key); nil when the
// node has no encryption key.
type Decrypter interface {
	Decrypt(ciphertext string) (string, error)
}

// RenderContext builds what an execution's parameter templates see:
// st2kv.system and st2kv.user (the execution's user's items; secrets stay
// ciphertext unless decrypt_kv), action_context and config_context.
func RenderContext(st *state.Store, cipher Decrypter, e *structs.Execution, pack *structs.Pack) params.RenderContext {
	rc := params.RenderContext{
		ActionContext: map[string]any{
			"user": e.User, "api_user": e.User, "pack": e.Action.Pack, "execution_id": e.ID,
		},
		ST2KV: func() map[string]any { return ST2KV(st, e.User) },
	}
	for k, v := range e.Context {
		if _, set := rc.ActionContext[k]; !set {
			rc.ActionContext[k] = v
		}
	}
	if pack != nil {
		rc.ConfigContext = pack.Config
	}
	if cipher != nil {
		rc.Decrypt = cipher.Decrypt
	}
	return rc
}

// ST2KV is the datastore as templates see it: st2kv.system and, for user,
// st2kv.user. Secrets stay ciphertext (decrypt_kv decrypts).
func ST2KV(st *state.Store, user string) map[string]any {
	now := time.Now().UTC()
	return map[string]any{
		"system": kvTree(st, state.KVQuery{Scope: structs.ScopeSystem, Now: now}),
		"user":   kvTree(st, state.KVQuery{Scope: structs.ScopeUser, User: user, Now: now}),
	}
}

// kvTree nests dotted key names, so st2kv.system.a.b finds key "a.b"
// (and key "a" when there is no "a.b"), as StackStorm's lookup does.
func kvTree(st *state.Store, q state.KVQuery) map[string]any {
	items, err := st.KVList(q)
	root := map[string]any{}
	if err != nil {
		return root
	}
	for _, kv := range items {
		root[kv.Name] = kv.Value
		parts := strings.Split(kv.Name, ".")
		if len(parts) > 1 {
			nest(root, parts, kv.Value)
		}
	}
	return root
}

// nest sets parts[0].parts[1]... = value unless a value already holds one
// of the names.
func nest(root map[string]any, parts []string, value string) {
	node := root
	for _, p := range parts[:len(parts)-1] {
		child, isMap := node[p].(map[string]any)
		if !isMap {
			if _, taken := node[p]; taken {
				return
			}
			child = map[string]any{}
			node[p] = child
		}
		node = child
	}
	last := parts[len(parts)-1]
	if _, taken := node[last]; !taken {
		node[last] = value
	}
}

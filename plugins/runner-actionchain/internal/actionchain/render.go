package actionchain

import (
	"context"
	"fmt"
	"strings"

	"github.com/squall-io/squall/sdk/expr/jinja"
	"github.com/squall-io/squall/sdk/hostservice"
)

// renderer renders one step's templates. It reads the datastore at most
// once per scope and step, and only when a template names it: most chains
// never touch st2kv, and a step must stay cheap.
type renderer struct {
	ctx  context.Context
	host hostservice.Client
	// trees holds each scope's items as nested maps, once fetched.
	trees map[string]map[string]any
	// secrets maps a secret's ciphertext to its key, so that decrypt_kv
	// can ask the host for the plaintext with the execution's rights.
	secrets map[string]hostservice.KeyValue
	// kvErr is why the datastore could not be read; it is added to a
	// render error that may come from the missing st2kv.
	kvErr error
}

func newRenderer(ctx context.Context, host hostservice.Client) *renderer {
	return &renderer{ctx: ctx, host: host, trees: map[string]map[string]any{}, secrets: map[string]hostservice.KeyValue{}}
}

// withDatastore adds st2kv.system and st2kv.user, and the older "system"
// name for st2kv.system, when one of the templates in values mentions
// them. StackStorm exposes the user scope to vars only; offering it to
// params and publish too changes no template that works there.
func (r *renderer) withDatastore(ctx map[string]any, values map[string]any) {
	text := fmt.Sprint(values)
	if !strings.Contains(text, "st2kv") && !strings.Contains(text, "system") {
		return
	}
	system := r.tree(hostservice.ScopeSystem)
	ctx["system"] = system
	ctx["st2kv"] = map[string]any{"system": system, "user": r.tree(hostservice.ScopeUser)}
}

// tree lists one scope. Secrets stay ciphertext unless a template
// decrypts them with decrypt_kv, as in StackStorm.
func (r *renderer) tree(scope string) map[string]any {
	if t, ok := r.trees[scope]; ok {
		return t
	}
	root := map[string]any{}
	r.trees[scope] = root
	if r.host == nil {
		r.kvErr = fmt.Errorf("the host service is not available")
		return root
	}
	items, err := r.host.List(r.ctx, hostservice.ListRequest{Scope: scope})
	if err != nil {
		r.kvErr = fmt.Errorf("failed to read the %s datastore: %w", scope, err)
		return root
	}
	for _, kv := range items {
		root[kv.Name] = kv.Value
		if kv.Secret || kv.Encrypted {
			kv.Scope = scope
			r.secrets[kv.Value] = kv
		}
		if parts := strings.Split(kv.Name, "."); len(parts) > 1 {
			nest(root, parts, kv.Value)
		}
	}
	return root
}

// nest makes st2kv.system.a.b find key "a.b", unless "a" is itself a key:
// a key and a dotted path cannot both be plain values.
func nest(root map[string]any, parts []string, value string) {
	at := root
	for _, p := range parts[:len(parts)-1] {
		child, isMap := at[p].(map[string]any)
		if !isMap {
			if _, taken := at[p]; taken {
				return
			}
			child = map[string]any{}
			at[p] = child
		}
		at = child
	}
	if last := parts[len(parts)-1]; at[last] == nil {
		at[last] = value
	}
}

// decrypt is decrypt_kv: the host decrypts a secret this step listed.
func (r *renderer) decrypt(ciphertext string) (string, error) {
	kv, ok := r.secrets[ciphertext]
	if !ok || r.host == nil {
		return "", fmt.Errorf("the value is not a datastore secret")
	}
	plain, err := r.host.Get(r.ctx, hostservice.GetRequest{Name: kv.Name, Scope: kv.Scope, Decrypt: true})
	if err != nil {
		return "", err
	}
	return plain.Value, nil
}

// renderMap renders every value of m against ctx; maps and lists are
// rendered element by element, so native values keep their types. A name
// that is not defined is an error, as with StackStorm's StrictUndefined.
// Keys are rendered in sorted order so that the error reported is always
// the same one.
func (r *renderer) renderMap(m map[string]any, ctx map[string]any) (map[string]any, error) {
	// __context is the whole context, as StackStorm offers it: for names
	// that are not identifiers.
	full := make(map[string]any, len(ctx)+1)
	for k, v := range ctx {
		full[k] = v
	}
	if _, taken := full["__context"]; !taken {
		full["__context"] = ctx
	}
	opts := jinja.Options{Decrypt: r.decrypt, StrictUndefined: true}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		v, err := r.renderValue(m[k], full, opts)
		if err != nil {
			if r.kvErr != nil {
				err = fmt.Errorf("%w (st2kv is empty: %v)", err, r.kvErr)
			}
			return nil, &renderError{key: k, err: err}
		}
		out[k] = v
	}
	return out, nil
}

func (r *renderer) renderValue(v any, ctx map[string]any, opts jinja.Options) (any, error) {
	switch v := v.(type) {
	case string:
		return jinja.RenderWith(v, ctx, opts)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			rendered, err := r.renderValue(v[k], ctx, opts)
			if err != nil {
				return nil, err
			}
			out[k] = rendered
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			rendered, err := r.renderValue(e, ctx, opts)
			if err != nil {
				return nil, err
			}
			out[i] = rendered
		}
		return out, nil
	}
	return v, nil
}

// renderError names the key whose value failed to render.
type renderError struct {
	key string
	err error
}

func (e *renderError) Error() string { return fmt.Sprintf("%q: %v", e.key, e.err) }
func (e *renderError) Unwrap() error { return e.err }

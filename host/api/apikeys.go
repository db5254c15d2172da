package api

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
)

func (a *API) apiKeyRoutes(r *mux.Router) {
	r.HandleFunc("/apikeys", a.authed(a.listAPIKeys)).Methods(http.MethodGet)
	r.HandleFunc("/apikeys", a.authed(a.createAPIKey)).Methods(http.MethodPost)
	r.HandleFunc("/apikeys/{id}", a.authed(a.getAPIKey)).Methods(http.MethodGet)
	r.HandleFunc("/apikeys/{id}", a.authed(a.updateAPIKey)).Methods(http.MethodPut)
	r.HandleFunc("/apikeys/{id}", a.authed(a.deleteAPIKey)).Methods(http.MethodDelete)
}

// apiKeyView is StackStorm's ApiKey; Key is set only on creation.
type apiKeyView struct {
	ID        string         `json:"id"`
	UID       string         `json:"uid"`
	User      string         `json:"user"`
	KeyHash   string         `json:"key_hash"`
	Metadata  map[string]any `json:"metadata"`
	CreatedAt string         `json:"created_at"`
	Enabled   bool           `json:"enabled"`
	Key       string         `json:"key,omitempty"`
}

const masked = "********"

func apiKeyOut(k *structs.APIKey, showHash bool) apiKeyView {
	v := apiKeyView{
		ID: k.ID, UID: "api_key:" + k.Hash, User: k.User, KeyHash: k.Hash, Metadata: k.Metadata,
		CreatedAt: k.CreatedAt.UTC().Format(datastore.TimeFormat), Enabled: k.Enabled,
	}
	if !showHash {
		v.KeyHash, v.UID = masked, "api_key:"+masked
	}
	return v
}

func (a *API) listAPIKeys(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	q := r.URL.Query()
	show, err := parseBool("show_secrets", q.Get("show_secrets"))
	if err != nil {
		return err
	}
	if show {
		if err := requireAdmin(id.IsAdmin, "show_secrets"); err != nil {
			return err
		}
	}
	user := q.Get("user")
	if !id.IsAdmin {
		if user != "" && user != id.User {
			return requireAdmin(false, "listing another user's API keys")
		}
		user = id.User
	}
	keys, err := a.cfg.Auth.APIKeys(user)
	if err != nil {
		return err
	}
	out := make([]apiKeyView, len(keys))
	for i, k := range keys {
		out[i] = apiKeyOut(k, show)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ownKey finds a key the caller may see: their own, or any for an admin.
func (a *API) ownKey(r *http.Request, id *auth.Identity) (*structs.APIKey, error) {
	k, err := a.cfg.Auth.APIKey(mux.Vars(r)["id"])
	if err != nil {
		return nil, err
	}
	if !id.IsAdmin && k.User != id.User {
		return nil, structs.Errorf(structs.KindNotFound, "api key %q not found", mux.Vars(r)["id"])
	}
	return k, nil
}

func (a *API) getAPIKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	k, err := a.ownKey(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiKeyOut(k, false))
	return nil
}

// apiKeyBody is what POST and PUT accept: a new key's owner and metadata,
// or (admin only) an exported key with its hash, for `apikey load`.
type apiKeyBody struct {
	ID        string         `json:"id"`
	UID       string         `json:"uid"`
	User      string         `json:"user"`
	KeyHash   string         `json:"key_hash"`
	Metadata  map[string]any `json:"metadata"`
	CreatedAt string         `json:"created_at"`
	Enabled   *bool          `json:"enabled"`
}

func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var body apiKeyBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.User == "" {
		body.User = id.User
	}
	if body.User != id.User {
		if err := requireAdmin(id.IsAdmin, "creating an API key for another user"); err != nil {
			return err
		}
	}
	if body.KeyHash == "" {
		secret, k, err := a.cfg.Auth.CreateAPIKey(r.Context(), body.User, body.Metadata)
		if err != nil {
			return err
		}
		v := apiKeyOut(k, true)
		v.Key = secret
		writeJSON(w, http.StatusCreated, v)
		return nil
	}
	if err := requireAdmin(id.IsAdmin, "importing an API key by hash"); err != nil {
		return err
	}
	k := structs.APIKey{ID: body.ID, Hash: body.KeyHash, User: body.User, Metadata: body.Metadata, Enabled: true}
	if body.Enabled != nil {
		k.Enabled = *body.Enabled
	}
	if body.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, body.CreatedAt)
		if err != nil {
			return structs.Errorf(structs.KindInvalid, "created_at %q is not an ISO 8601 time", body.CreatedAt)
		}
		k.CreatedAt = t
	}
	stored, err := a.cfg.Auth.ImportAPIKey(r.Context(), k)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiKeyOut(stored, true))
	return nil
}

func (a *API) updateAPIKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	k, err := a.ownKey(r, id)
	if err != nil {
		return err
	}
	var body apiKeyBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	enabled, metadata := k.Enabled, k.Metadata
	if body.Enabled != nil {
		enabled = *body.Enabled
	}
	if body.Metadata != nil {
		metadata = body.Metadata
	}
	if err := a.cfg.Auth.UpdateAPIKey(r.Context(), k.ID, enabled, metadata); err != nil {
		return err
	}
	next := *k
	next.Enabled, next.Metadata = enabled, metadata
	writeJSON(w, http.StatusOK, apiKeyOut(&next, false))
	return nil
}

func (a *API) deleteAPIKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	k, err := a.ownKey(r, id)
	if err != nil {
		return err
	}
	if err := a.cfg.Auth.DeleteAPIKey(r.Context(), k.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

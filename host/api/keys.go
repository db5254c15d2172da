package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
)

// DefaultKeyLimit is StackStorm's default page size for GET /keys.
const DefaultKeyLimit = 100

func (a *API) keyRoutes(r *mux.Router) {
	r.HandleFunc("/keys", a.authed(a.listKeys)).Methods(http.MethodGet)
	r.HandleFunc("/keys/", a.authed(a.listKeys)).Methods(http.MethodGet)
	r.HandleFunc("/keys", a.authed(a.loadKeys)).Methods(http.MethodPost)
	r.HandleFunc("/keys", a.authed(a.deleteKeysByPrefix)).Methods(http.MethodDelete)
	r.HandleFunc("/keys/{name}", a.authed(a.getKey)).Methods(http.MethodGet)
	r.HandleFunc("/keys/{name}", a.authed(a.putKey)).Methods(http.MethodPut)
	r.HandleFunc("/keys/{name}", a.authed(a.deleteKey)).Methods(http.MethodDelete)
}

func caller(id *auth.Identity) datastore.Caller {
	return datastore.Caller{User: id.User, IsAdmin: id.IsAdmin}
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	q := r.URL.Query()
	decrypt, err := parseBool("decrypt", q.Get("decrypt"))
	if err != nil {
		return err
	}
	limit, err := parseInt("limit", q.Get("limit"), DefaultKeyLimit)
	if err != nil {
		return err
	}
	offset, err := parseInt("offset", q.Get("offset"), 0)
	if err != nil {
		return err
	}
	if offset < 0 {
		return structs.Errorf(structs.KindInvalid, "query parameter \"offset\" must not be negative")
	}
	prefix := q.Get("prefix")
	if prefix == "" {
		prefix = q.Get("name")
	}
	opts := datastore.ListOptions{
		Scope: q.Get("scope"), User: q.Get("user"), Prefix: prefix,
		Decrypt: decrypt, Limit: limit, Offset: offset,
	}
	items, total, err := a.cfg.Datastore.List(caller(id), opts)
	if err != nil {
		return err
	}
	if name := q.Get("name"); name != "" {
		items = exactName(items, name)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("X-Limit", strconv.Itoa(limit))
	writeJSON(w, http.StatusOK, items)
	return nil
}

// exactName keeps items named exactly name (the ?name= filter).
func exactName(items []datastore.Item, name string) []datastore.Item {
	out := items[:0]
	for _, it := range items {
		if it.Name == name {
			out = append(out, it)
		}
	}
	return out
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	q := r.URL.Query()
	decrypt, err := parseBool("decrypt", q.Get("decrypt"))
	if err != nil {
		return err
	}
	it, err := a.cfg.Datastore.Get(caller(id), mux.Vars(r)["name"], q.Get("scope"), q.Get("user"), decrypt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (a *API) putKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var req datastore.SetRequest
	if err := decodeKVBody(r, &req); err != nil {
		return err
	}
	name := mux.Vars(r)["name"]
	if req.Name != "" && req.Name != name {
		return structs.Errorf(structs.KindInvalid, "name %q in the body does not match %q in the URL", req.Name, name)
	}
	it, err := a.cfg.Datastore.Set(r.Context(), caller(id), name, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (a *API) deleteKey(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	q := r.URL.Query()
	if err := a.cfg.Datastore.Delete(r.Context(), caller(id), mux.Vars(r)["name"], q.Get("scope"), q.Get("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// loadKeys is Squall's bulk write (POST /keys with a JSON array): the
// whole array is validated, then applied as one raft command.
func (a *API) loadKeys(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var reqs []datastore.SetRequest
	if err := decodeKVBody(r, &reqs); err != nil {
		return err
	}
	items, err := a.cfg.Datastore.Load(r.Context(), caller(id), reqs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

// deleteKeysByPrefix is Squall's atomic delete_by_prefix.
func (a *API) deleteKeysByPrefix(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	q := r.URL.Query()
	if q.Get("prefix") == "" {
		return structs.Errorf(structs.KindInvalid, "query parameter \"prefix\" is required to delete keys in bulk")
	}
	items, err := a.cfg.Datastore.DeletePrefix(r.Context(), caller(id), q.Get("prefix"), q.Get("scope"), q.Get("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

// decodeKVBody is decodeBody without the unknown-field check:
// StackStorm's clients send the read-only fields of a fetched item back
// (id, uid, expire_timestamp), so those are ignored rather than refused.
func decodeKVBody(r *http.Request, out any) error {
	dec := json.NewDecoder(r.Body)
	return finishDecode(dec, out)
}

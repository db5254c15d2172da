package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/packs"
)

func (a *API) catalogRoutes(r *mux.Router) {
	r.HandleFunc("/actions", a.authed(a.listActions)).Methods(http.MethodGet)
	r.HandleFunc("/actions", a.authed(a.createAction)).Methods(http.MethodPost)
	r.HandleFunc("/actions/{ref}", a.authed(a.getAction)).Methods(http.MethodGet)
	r.HandleFunc("/actions/{ref}", a.authed(a.updateAction)).Methods(http.MethodPut)
	r.HandleFunc("/actions/{ref}", a.authed(a.deleteAction)).Methods(http.MethodDelete)
	r.HandleFunc("/runnertypes", a.authed(a.listRunners)).Methods(http.MethodGet)
	r.HandleFunc("/runnertypes/{name}", a.authed(a.getRunner)).Methods(http.MethodGet)
	r.HandleFunc("/packs", a.authed(a.listPacks)).Methods(http.MethodGet)
	r.HandleFunc("/packs/register", a.authed(a.registerPacks)).Methods(http.MethodPost)
	r.HandleFunc("/packs/{ref}", a.authed(a.getPack)).Methods(http.MethodGet)
}

func actionView(x *structs.Action) map[string]any {
	v := map[string]any{
		"id": x.ID, "uid": x.UID(), "ref": x.Ref, "name": x.Name, "pack": x.Pack,
		"description": x.Description, "enabled": x.Enabled, "runner_type": x.RunnerType,
		"entry_point": x.EntryPoint, "parameters": nonNilMap(x.Parameters),
		"metadata_file": x.MetadataFile, "tags": x.Tags,
	}
	if x.Tags == nil {
		v["tags"] = []any{}
	}
	if x.OutputSchema != nil {
		v["output_schema"] = x.OutputSchema
	}
	if x.Notify != nil {
		v["notify"] = x.Notify
	}
	return v
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (a *API) listActions(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	q := r.URL.Query()
	list, err := a.cfg.State().Actions(q.Get("pack"))
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, x := range list {
		if name := q.Get("name"); name != "" && x.Name != name {
			continue
		}
		out = append(out, actionView(x))
	}
	return writePage(w, r, out)
}

// writePage applies limit and offset and StackStorm's paging headers.
func writePage(w http.ResponseWriter, r *http.Request, items []map[string]any) error {
	q := r.URL.Query()
	limit, err := parseInt("limit", q.Get("limit"), 0)
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
	w.Header().Set("X-Total-Count", strconv.Itoa(len(items)))
	if offset > len(items) {
		offset = len(items)
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	if include := splitList(q.Get("include_attributes")); len(include) > 0 {
		for i := range items {
			items[i] = selectAttrs(items[i], include)
		}
	}
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func selectAttrs(v map[string]any, include []string) map[string]any {
	out := map[string]any{}
	for _, k := range include {
		if val, ok := v[k]; ok {
			out[k] = val
		}
	}
	return out
}

func (a *API) getAction(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	x, err := a.cfg.Actions.Get(mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, actionView(x))
	return nil
}

func (a *API) createAction(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "creating actions"); err != nil {
		return err
	}
	var m packs.ActionMeta
	if err := decodeLenient(r, &m); err != nil {
		return err
	}
	x, err := a.cfg.Actions.Create(r.Context(), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, actionView(x))
	return nil
}

func (a *API) updateAction(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "updating actions"); err != nil {
		return err
	}
	var m packs.ActionMeta
	if err := decodeLenient(r, &m); err != nil {
		return err
	}
	x, err := a.cfg.Actions.Update(r.Context(), mux.Vars(r)["ref"], m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, actionView(x))
	return nil
}

func (a *API) deleteAction(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "deleting actions"); err != nil {
		return err
	}
	if err := a.cfg.Actions.Delete(r.Context(), mux.Vars(r)["ref"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func runnerView(rt structs.RunnerType) map[string]any {
	v := map[string]any{
		"id": rt.Name, "uid": rt.UID(), "name": rt.Name, "description": rt.Description,
		"enabled": true, "runner_parameters": nonNilMap(rt.RunnerParameters),
		"output_key": rt.OutputKey, "runner_package": rt.Plugin, "runner_module": rt.Plugin,
	}
	if rt.OutputSchema != nil {
		v["output_schema"] = rt.OutputSchema
	}
	return v
}

func (a *API) listRunners(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	rts, err := a.cfg.State().RunnerTypes()
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, rt := range rts {
		if name := r.URL.Query().Get("name"); name != "" && rt.Name != name {
			continue
		}
		out = append(out, runnerView(rt))
	}
	return writePage(w, r, out)
}

func (a *API) getRunner(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	name := mux.Vars(r)["name"]
	rt, ok := a.cfg.Actions.RunnerType(name)
	if !ok {
		return structs.Errorf(structs.KindNotFound, "Resource with a name or id %q not found", name)
	}
	writeJSON(w, http.StatusOK, runnerView(rt))
	return nil
}

func packView(p *structs.Pack) map[string]any {
	return map[string]any{
		"id": p.Ref, "uid": p.UID(), "ref": p.Ref, "name": p.Name, "description": p.Description,
		"version": p.Version, "author": p.Author, "email": p.Email, "keywords": p.Keywords,
		"path": p.Path, "content_hash": p.ContentHash,
	}
}

func (a *API) listPacks(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	ps, err := a.cfg.State().Packs()
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, p := range ps {
		out = append(out, packView(p))
	}
	return writePage(w, r, out)
}

func (a *API) getPack(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	ref := mux.Vars(r)["ref"]
	p, err := a.cfg.State().PackGet(ref)
	if err != nil {
		return structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", ref)
	}
	writeJSON(w, http.StatusOK, packView(p))
	return nil
}

// registerRequest is StackStorm's body of POST /packs/register.
type registerRequest struct {
	Packs         []string `json:"packs"`
	Types         []string `json:"types"`
	FailOnFailure *bool    `json:"fail_on_failure"`
}

func (a *API) registerPacks(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "registering packs"); err != nil {
		return err
	}
	var req registerRequest
	if r.ContentLength != 0 {
		if err := decodeLenient(r, &req); err != nil {
			return err
		}
	}
	for _, t := range req.Types {
		switch t {
		case "all", "action", "actions", "runner", "runners", "config", "configs":
		default:
			// Later milestones register rules, sensors and the rest.
			return structs.Errorf(structs.KindInvalid, "registering %q is not supported yet: use action, runner or config", t)
		}
	}
	res, err := a.cfg.Actions.Register(r.Context(), req.Packs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// decodeLenient reads a JSON body, keeping numbers exact and ignoring
// fields it does not know (st2 clients send more than each endpoint uses).
func decodeLenient(r *http.Request, out any) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	return finishDecode(dec, out)
}

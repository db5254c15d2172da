package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
)

func (a *API) inquiryRoutes(r *mux.Router) {
	r.HandleFunc("/inquiries", a.authed(a.listInquiries)).Methods(http.MethodGet)
	r.HandleFunc("/inquiries/{id}", a.authed(a.getInquiry)).Methods(http.MethodGet)
	r.HandleFunc("/inquiries/{id}", a.authed(a.respondInquiry)).Methods(http.MethodPut)
}

func (a *API) listInquiries(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.Inquiries.List()
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(all))
	for _, inq := range all {
		out = append(out, map[string]any{"id": inq.ID, "route": inq.Route, "ttl": inq.TTL, "users": inq.Users,
			"roles": inq.Roles, "schema": inq.Schema, "parent": inq.Parent})
	}
	return writePage(w, r, out)
}

func (a *API) getInquiry(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	inq, err := a.cfg.Inquiries.Get(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inq)
	return nil
}

// respondInquiry takes StackStorm's body {"id": ..., "response": {...}}.
func (a *API) respondInquiry(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var body struct {
		ID       string         `json:"id"`
		Response map[string]any `json:"response"`
	}
	if err := decodeLenient(r, &body); err != nil {
		return err
	}
	if body.Response == nil {
		return structs.Errorf(structs.KindInvalid, "give the answer as {\"response\": {...}}")
	}
	inq, err := a.cfg.Inquiries.Respond(r.Context(), id.User, id.IsAdmin, mux.Vars(r)["id"], body.Response)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": inq.ID, "response": inq.Response})
	return nil
}

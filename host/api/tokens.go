package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
)

func (a *API) authRoutes(r *mux.Router) {
	r.HandleFunc("/tokens", a.public(a.createToken)).Methods(http.MethodPost)
	r.HandleFunc("/tokens/validate", a.public(a.validateToken)).Methods(http.MethodPost)
}

// tokenView is StackStorm's Token.
type tokenView struct {
	ID       string         `json:"id"`
	User     string         `json:"user"`
	Token    string         `json:"token"`
	Expiry   string         `json:"expiry"`
	Metadata map[string]any `json:"metadata"`
}

// createToken is POST /auth/v1/tokens with HTTP basic auth and an
// optional {"ttl": seconds} body.
func (a *API) createToken(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="squall"`)
		return structs.Errorf(structs.KindUnauthorized, "Invalid or missing credentials")
	}
	var body struct {
		TTL *int64 `json:"ttl"`
	}
	if err := decodeBody(r, &body); err != nil && !errors.Is(err, io.EOF) && !isEmptyBody(err) {
		return err
	}
	var ttl time.Duration
	if body.TTL != nil {
		if *body.TTL < 1 {
			return structs.Errorf(structs.KindInvalid, "ttl must be a positive integer number of seconds")
		}
		ttl = time.Duration(*body.TTL) * time.Second
	}
	secret, tok, err := a.cfg.Auth.IssueToken(r.Context(), user, pass, ttl)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenView{
		ID: tok.ID, User: tok.User, Token: secret, Metadata: tok.Metadata,
		Expiry: tok.ExpiresAt.UTC().Format(datastore.TimeFormat),
	})
	return nil
}

func isEmptyBody(err error) bool {
	return err != nil && err.Error() == "invalid request body: EOF"
}

func (a *API) validateToken(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	var body struct {
		Token *string `json:"token"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	valid := false
	if body.Token != nil {
		_, err := a.cfg.Auth.ValidateToken(*body.Token)
		valid = err == nil
	}
	writeJSON(w, http.StatusOK, map[string]bool{"valid": valid})
	return nil
}

// whoami is GET /api/v1/user.
func (a *API) whoami(w http.ResponseWriter, _ *http.Request, id *auth.Identity) error {
	roles := []string{}
	if id.IsAdmin {
		roles = append(roles, "admin")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"username":       id.User,
		"authentication": map[string]string{"method": id.Method, "location": id.Location},
		"rbac":           map[string]any{"enabled": true, "roles": roles, "is_admin": id.IsAdmin},
	})
	return nil
}

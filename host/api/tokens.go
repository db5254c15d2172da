package api

import (
	"bytes"
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
	if err := decodeOptionalBody(r, &body); err != nil {
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

// decodeOptionalBody is decodeBody for endpoints whose body may be
// absent: st2 sends POST /tokens with no body at all.
func decodeOptionalBody(r *http.Request, out any) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return decodeBody(r, out)
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

package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// Identity is an authenticated caller.
type Identity struct {
	User    string
	IsAdmin bool
	// Method and Location are what GET /api/v1/user reports, in
	// StackStorm's words.
	Method   string // "authentication token" or "api key"
	Location string // "header" or "query"
}

// Header and query names StackStorm accepts.
const (
	HeaderToken  = "X-Auth-Token"
	HeaderAPIKey = "St2-Api-Key"
	QueryToken   = "x-auth-token"
	QueryAPIKey  = "st2-api-key"
)

// Authenticate finds the caller of an API request from a token or an API
// key, in a header or a query parameter. Giving both is refused, as
// StackStorm documents.
func (s *Service) Authenticate(r *http.Request) (*Identity, error) {
	tok, tokLoc := credential(r, HeaderToken, QueryToken)
	key, keyLoc := credential(r, HeaderAPIKey, QueryAPIKey)
	switch {
	case tok != "" && key != "":
		return nil, structs.Errorf(structs.KindUnauthorized,
			"Only one of Token or API key expected.")
	case strings.HasPrefix(tok, execTokenPrefix):
		user, err := s.validateExecToken(tok)
		if structs.KindOf(err) == structs.KindUnauthorized && s.catchUp(r) {
			user, err = s.validateExecToken(tok)
		}
		if err != nil {
			return nil, err
		}
		return s.identity(user, "authentication token", tokLoc)
	case tok != "":
		t, err := s.ValidateToken(tok)
		if structs.KindOf(err) == structs.KindUnauthorized && s.catchUp(r) {
			t, err = s.ValidateToken(tok)
		}
		if err != nil {
			return nil, err
		}
		return s.identity(t.User, "authentication token", tokLoc)
	case key != "":
		k, err := s.cfg.State().APIKeyGet(hashSecret(key))
		if err != nil && s.catchUp(r) {
			k, err = s.cfg.State().APIKeyGet(hashSecret(key))
		}
		if err != nil {
			return nil, structs.Errorf(structs.KindUnauthorized, "Unauthorized - API key not found")
		}
		if !k.Enabled {
			return nil, structs.Errorf(structs.KindUnauthorized, "Unauthorized - API key is disabled")
		}
		return s.identity(k.User, "api key", keyLoc)
	default:
		return nil, structs.Errorf(structs.KindUnauthorized,
			"Unauthorized - One of Token or API key required.")
	}
}

// catchUpTimeout bounds the wait for this node to catch up with the
// cluster before an unknown credential is refused.
const catchUpTimeout = 5 * time.Second

// catchUp waits for this node to apply what the cluster has committed; it
// reports whether a second lookup is worth making.
func (s *Service) catchUp(r *http.Request) bool {
	if s.cfg.CatchUp == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), catchUpTimeout)
	defer cancel()
	return s.cfg.CatchUp(ctx) == nil
}

func (s *Service) identity(user, method, location string) (*Identity, error) {
	u, err := s.cfg.State().UserGet(user)
	if err != nil {
		return nil, structs.Errorf(structs.KindUnauthorized, "Unauthorized - user %q no longer exists", user)
	}
	return &Identity{User: u.Name, IsAdmin: u.IsAdmin, Method: method, Location: location}, nil
}

func credential(r *http.Request, header, query string) (string, string) {
	if v := r.Header.Get(header); v != "" {
		return v, "header"
	}
	if v := r.URL.Query().Get(query); v != "" {
		return v, "query"
	}
	return "", ""
}

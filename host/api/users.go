package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
)

// User management is Squall's (StackStorm keeps users in a flat file or an
// external directory): admin only.
func (a *API) userRoutes(r *mux.Router) {
	r.HandleFunc("/users", a.authed(a.admin(a.listUsers))).Methods(http.MethodGet)
	r.HandleFunc("/users", a.authed(a.admin(a.createUser))).Methods(http.MethodPost)
	r.HandleFunc("/users/{name}", a.authed(a.admin(a.updateUser))).Methods(http.MethodPut)
	r.HandleFunc("/users/{name}", a.authed(a.admin(a.deleteUser))).Methods(http.MethodDelete)
}

func (a *API) admin(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
		if err := requireAdmin(id.IsAdmin, "user management"); err != nil {
			return err
		}
		return h(w, r, id)
	}
}

type userView struct {
	Name      string `json:"name"`
	IsAdmin   bool   `json:"is_admin"`
	CreatedAt string `json:"created_at"`
}

func userOut(u *structs.User) userView {
	return userView{Name: u.Name, IsAdmin: u.IsAdmin, CreatedAt: u.CreatedAt.UTC().Format(datastore.TimeFormat)}
}

func (a *API) listUsers(w http.ResponseWriter, _ *http.Request, _ *auth.Identity) error {
	users, err := a.cfg.Auth.Users()
	if err != nil {
		return err
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = userOut(u)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type userBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	IsAdmin  *bool  `json:"is_admin"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	var body userBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	isAdmin := body.IsAdmin != nil && *body.IsAdmin
	if err := a.cfg.Auth.CreateUser(r.Context(), body.Name, body.Password, isAdmin); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userView{Name: body.Name, IsAdmin: isAdmin})
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var body userBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	name := mux.Vars(r)["name"]
	if body.IsAdmin != nil && !*body.IsAdmin && name == id.User {
		return structs.Errorf(structs.KindInvalid, "an admin cannot remove their own admin rights")
	}
	if err := a.cfg.Auth.UpdateUser(r.Context(), name, body.Password, body.IsAdmin); err != nil {
		return err
	}
	u, err := a.cfg.Auth.User(name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(u))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	name := mux.Vars(r)["name"]
	if name == id.User {
		return structs.Errorf(structs.KindInvalid, "an admin cannot delete their own account")
	}
	if err := a.cfg.Auth.DeleteUser(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

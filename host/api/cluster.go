package api

import (
	"crypto/subtle"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
)

func (a *API) clusterRoutes(r *mux.Router) {
	r.HandleFunc("/cluster/members", a.authed(a.members)).Methods(http.MethodGet)
	r.HandleFunc("/cluster/join", a.public(a.join)).Methods(http.MethodPost)
}

type memberView struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	State    string `json:"state"`
	Leader   bool   `json:"leader"`
	Voter    bool   `json:"voter"`
	// LastIndex is the member's last raft log index: how far behind a
	// member is shows here.
	LastIndex uint64 `json:"last_index"`
}

func (a *API) members(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	ms, err := a.cfg.Cluster.Members(r.Context())
	if err != nil {
		return err
	}
	out := make([]memberView, len(ms))
	for i, m := range ms {
		out[i] = memberView{ID: m.ID, RaftAddr: m.RaftAddr, HTTPAddr: m.HTTPAddr, State: m.State, Leader: m.Leader, Voter: m.Voter, LastIndex: m.LastIndex}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// JoinRequest is what a starting node sends to any member's HTTP address.
type JoinRequest struct {
	NodeID   string `json:"node_id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
}

// join adds a node to the cluster. With a cluster secret configured the
// request must carry it; without one the network is trusted (see README).
func (a *API) join(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	if s := a.cfg.ClusterSecret; s != "" {
		got := r.Header.Get(HeaderClusterSecret)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s)) != 1 {
			return structs.Errorf(structs.KindUnauthorized, "cluster secret missing or wrong")
		}
	}
	var req JoinRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.NodeID == "" || req.RaftAddr == "" {
		return structs.Errorf(structs.KindInvalid, "node_id and raft_addr are required to join")
	}
	if err := a.cfg.Cluster.Join(r.Context(), req.NodeID, req.RaftAddr, req.HTTPAddr); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "joined"})
	return nil
}

// Package api serves StackStorm's REST API (gorilla/mux): the same paths,
// payloads, headers and error bodies, so st2's CLI and clients work
// unchanged. Handlers validate input and call the services; they hold no
// state of their own.
package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/host/actions"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/datastore"
	"github.com/squall-io/squall/host/dispatcher"
	"github.com/squall-io/squall/host/events"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/inquiries"
	"github.com/squall-io/squall/host/rules"
	"github.com/squall-io/squall/host/sensors"
)

// Output serves the output of executions running on this node.
type Output interface {
	Output(id string) ([]dispatcher.OutputChunk, bool)
}

// Cluster is the part of cluster.Node the API needs.
type Cluster interface {
	ConsistentRead(ctx context.Context) error
	WaitForOwnWrites(ctx context.Context) error
	Join(ctx context.Context, nodeID, raftAddr, httpAddr string) error
	Members(ctx context.Context) ([]cluster.Member, error)
}

// Config wires an API.
type Config struct {
	Auth       *auth.Service
	Datastore  *datastore.Service
	Actions    *actions.Service
	Executions *executions.Service
	Rules      *rules.Service
	Sensors    *sensors.Manager
	Inquiries  *inquiries.Service
	Output     Output
	Bus        *events.Bus
	State      func() *state.Store
	NodeID     string
	Cluster    Cluster
	Logger     hclog.Logger
	// ClusterSecret, when set, must be presented by a node asking to join.
	ClusterSecret string
	// Version is reported by GET /api/v1 (and the CLI's --version).
	Version string
}

// Body limits: one item, and a bulk load of many.
const (
	MaxBodyBytes     = 2 << 20
	MaxBulkBodyBytes = 32 << 20
)

// Headers of Squall's own.
const (
	HeaderConsistent    = "X-Squall-Consistent"
	HeaderClusterSecret = "X-Squall-Cluster-Secret"
)

// API holds the handlers.
type API struct {
	cfg    Config
	logger hclog.Logger
}

// New returns an API.
func New(cfg Config) *API {
	return &API{cfg: cfg, logger: cfg.Logger.Named("api")}
}

// Handler is the main listener: /api/v1, /v1 (StackStorm's API port),
// /auth/v1 and /stream/v1 (StackStorm behind its proxy).
func (a *API) Handler() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	for _, prefix := range []string{"/api/v1", "/v1"} {
		a.apiRoutes(r.PathPrefix(prefix).Subrouter())
	}
	a.authRoutes(r.PathPrefix("/auth/v1").Subrouter())
	a.streamRoutes(r.PathPrefix("/stream/v1").Subrouter())
	return a.wrap(r)
}

// AuthHandler is StackStorm's auth port: /tokens at the root.
func (a *API) AuthHandler() http.Handler {
	r := mux.NewRouter()
	a.authRoutes(r)
	a.authRoutes(r.PathPrefix("/auth/v1").Subrouter())
	return a.wrap(r)
}

// StreamHandler is StackStorm's stream port: /v1/stream.
func (a *API) StreamHandler() http.Handler {
	r := mux.NewRouter()
	a.streamRoutes(r.PathPrefix("/v1").Subrouter())
	a.streamRoutes(r.PathPrefix("/stream/v1").Subrouter())
	return a.wrap(r)
}

func (a *API) apiRoutes(r *mux.Router) {
	r.HandleFunc("", a.public(a.version)).Methods(http.MethodGet)
	r.HandleFunc("/", a.public(a.version)).Methods(http.MethodGet)
	r.HandleFunc("/user", a.authed(a.whoami)).Methods(http.MethodGet)
	a.keyRoutes(r)
	a.apiKeyRoutes(r)
	a.userRoutes(r)
	a.clusterRoutes(r)
	a.catalogRoutes(r)
	a.executionRoutes(r)
	a.ruleRoutes(r)
	a.sensorRoutes(r)
	a.inquiryRoutes(r)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, fault{Faultstring: "The resource could not be found: " + req.URL.Path})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, fault{Faultstring: "Method " + req.Method + " not allowed on " + req.URL.Path})
	})
}

// wrap applies the body limit to every request.
func (a *API) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, a.maxBody(r))
		}
		h.ServeHTTP(w, r)
	})
}

func (a *API) maxBody(r *http.Request) int64 {
	if r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/keys") || strings.HasSuffix(r.URL.Path, "/keys/")) {
		return MaxBulkBodyBytes
	}
	return MaxBodyBytes
}

type handler func(w http.ResponseWriter, r *http.Request, id *auth.Identity) error

// authed authenticates the caller, honours a consistent-read request, and
// turns a returned error into StackStorm's fault body.
func (a *API) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := a.cfg.Auth.Authenticate(r)
		if err == nil {
			err = a.consistent(r)
		}
		if err == nil {
			err = h(w, r, id)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	}
}

// public is authed without authentication: token requests and joining
// carry their own credentials.
func (a *API) public(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, nil); err != nil {
			a.writeError(w, r, err)
		}
	}
}

// consistent makes a read linearizable when asked with ?consistent=true or
// the X-Squall-Consistent header; reads are local otherwise.
func (a *API) consistent(r *http.Request) error {
	if r.Method != http.MethodGet {
		// A write may read first (a webhook finds its rules): it too sees
		// the writes made through this node.
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		return a.cfg.Cluster.WaitForOwnWrites(ctx)
	}
	q := r.URL.Query().Get("consistent")
	if q == "" {
		q = r.Header.Get(HeaderConsistent)
	}
	want, err := parseBool("consistent", q)
	if err != nil {
		return err
	}
	if want {
		return a.cfg.Cluster.ConsistentRead(r.Context())
	}
	// Without it a read is local, but never older than the writes made
	// through this node: a client reads its own writes.
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	return a.cfg.Cluster.WaitForOwnWrites(ctx)
}

func (a *API) version(w http.ResponseWriter, _ *http.Request, _ *auth.Identity) error {
	writeJSON(w, http.StatusOK, map[string]string{"version": a.cfg.Version})
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

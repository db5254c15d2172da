// Package server assembles a node: raft, the services, the HTTP listeners
// and the leader-only loops, and runs it until its context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/host/api"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/config"
	"github.com/squall-io/squall/host/datastore"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/kvcrypto"
)

// Server is one running node.
type Server struct {
	cfg    config.Config
	logger hclog.Logger
	out    func(format string, args ...any) // what the operator sees on stdout

	node      *cluster.Node
	fsm       *fsm.FSM
	rt        *runtime
	auth      *auth.Service
	datastore *datastore.Service
	api       *api.API
	servers   []*http.Server

	leaderWG  sync.WaitGroup
	retention executions.Retention
}

// Options carry what main passes besides the config.
type Options struct {
	Logger  hclog.Logger
	Stdout  func(format string, args ...any)
	Version string
}

// New builds a node from its config; Run starts it.
func New(cfg config.Config, opts Options) (*Server, error) {
	if cfg.AdminPassword != "" {
		if err := auth.ValidatePassword(cfg.AdminPassword); err != nil {
			return nil, fmt.Errorf("--admin-password: %w", err)
		}
	}
	s := &Server{cfg: cfg, logger: opts.Logger, out: opts.Stdout}
	maxKept, ttl, err := cfg.Retention()
	if err != nil {
		return nil, err
	}
	s.retention = executions.Retention{MaxKept: maxKept, TTL: ttl}
	if s.out == nil {
		s.out = func(string, ...any) {}
	}
	var cipher datastore.Cipher
	var decrypter executions.Decrypter
	if cfg.EncryptionKeyPath != "" {
		key, err := kvcrypto.LoadKey(cfg.EncryptionKeyPath)
		if err != nil {
			return nil, fmt.Errorf("failed to load the encryption key: %w", err)
		}
		cipher, decrypter = key, key
	}
	nodeID, err := s.nodeID()
	if err != nil {
		return nil, err
	}
	f, err := fsm.New(s.logger)
	if err != nil {
		return nil, err
	}
	s.fsm = f
	s.node, err = cluster.NewNode(cluster.Config{
		NodeID: nodeID, DataDir: cfg.DataDir, Dev: cfg.Dev, RaftAddr: cfg.RaftAddr,
		HTTPAddr: cfg.HTTPAddr, Bootstrap: cfg.Join == "", Secret: cfg.ClusterSecret,
		FSM: f, Logger: s.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("failed to start raft: %w", err)
	}
	s.auth = auth.New(auth.Config{Raft: s.node, State: f.State, Logger: s.logger, CatchUp: s.catchUp})
	s.datastore = datastore.New(datastore.Config{
		Raft: s.node, State: f.State, Cipher: cipher, KeyPath: cfg.EncryptionKeyPath,
		Logger: s.logger, NewID: auth.NewID,
	})
	if err := s.newRuntime(decrypter); err != nil {
		_ = s.node.Shutdown()
		return nil, err
	}
	s.api = api.New(api.Config{
		Auth: s.auth, Datastore: s.datastore, Actions: s.rt.actions, Executions: s.rt.executions, Rules: s.rt.rules, Sensors: s.rt.sensors, Inquiries: s.rt.inquiries,
		Output: s.rt.dispatcher, Bus: s.rt.bus, State: f.State, NodeID: s.node.ID(), Cluster: s.node, Logger: s.logger,
		ClusterSecret: cfg.ClusterSecret, Version: opts.Version,
	})
	return s, nil
}

// errUpToDate: the leader has applied every write it acknowledged, so an
// unknown credential is unknown; only other nodes may be behind.
var errUpToDate = errors.New("the leader is up to date")

// catchUp lets auth wait, on a node that is not the leader, until it has
// applied what the cluster committed. Refusing on the leader at once also
// keeps a flood of forged tokens from costing quorum round trips.
func (s *Server) catchUp(ctx context.Context) error {
	if s.node.IsLeader() {
		return errUpToDate
	}
	return s.node.ConsistentRead(ctx)
}

// nodeID is the configured id, or the one kept in the data dir, or a new
// one written there, so a restarted node keeps its raft identity.
func (s *Server) nodeID() (string, error) {
	if s.cfg.Dev {
		if s.cfg.NodeID != "" {
			return s.cfg.NodeID, nil
		}
		return "dev-" + auth.NewID()[:8], nil
	}
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("failed to create data dir: %w", err)
	}
	path := filepath.Join(s.cfg.DataDir, "node-id")
	if b, err := os.ReadFile(path); err == nil {
		kept := string(b)
		if s.cfg.NodeID != "" && s.cfg.NodeID != kept {
			return "", fmt.Errorf("--node-id %q differs from %q kept in %s: a node's id cannot change", s.cfg.NodeID, kept, path)
		}
		return kept, nil
	}
	id := s.cfg.NodeID
	if id == "" {
		id = "node-" + auth.NewID()[:8]
	}
	if err := os.WriteFile(path, []byte(id), 0o600); err != nil {
		return "", fmt.Errorf("failed to write node id: %w", err)
	}
	return id, nil
}

// Run serves until ctx ends, then shuts down.
func (s *Server) Run(ctx context.Context) error {
	errCh := make(chan error, 4)
	listen := []struct {
		addr string
		h    http.Handler
		name string
	}{
		{s.cfg.HTTPAddr, s.api.Handler(), "api"},
		{s.cfg.AuthAddr, s.api.AuthHandler(), "auth"},
		{s.cfg.StreamAddr, s.api.StreamHandler(), "stream"},
	}
	for _, l := range listen {
		if l.addr == "" {
			continue
		}
		if err := s.serve(l.addr, l.h, l.name, errCh); err != nil {
			s.shutdown()
			return err
		}
	}
	if s.cfg.Join != "" {
		if err := s.join(ctx); err != nil {
			s.shutdown()
			return err
		}
	}
	leaderCtx, stopLeader := context.WithCancel(ctx)
	leaderDone := make(chan struct{})
	go func() {
		defer close(leaderDone)
		s.watchLeadership(leaderCtx)
	}()
	rtCtx, stopRuntime := context.WithCancel(ctx)
	rtDone := make(chan struct{})
	go func() {
		defer close(rtDone)
		s.runRuntime(rtCtx)
	}()
	s.logger.Info("node started", "id", s.node.ID(), "http", s.cfg.HTTPAddr, "raft", s.node.RaftAddr())
	s.banner()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errCh:
	}
	stopRuntime()
	<-rtDone // runs are stopped and plugins killed
	stopLeader()
	<-leaderDone // the leader's loops have stopped
	s.shutdown()
	return err
}

// banner tells the operator where the node is and how to log in.
func (s *Server) banner() {
	s.out("Squall node %s is up: API http://%s/api/v1", s.node.ID(), s.cfg.HTTPAddr)
	if s.cfg.AuthAddr != "" {
		s.out(", auth http://%s/tokens", s.cfg.AuthAddr)
	}
	s.out("\n")
	pw := filepath.Join(s.cfg.DataDir, AdminPasswordFile)
	if _, err := os.Stat(pw); err == nil && !s.cfg.Dev {
		s.out("Log in with: st2 login %s -p \"$(cat %s)\"  (bin/st2; add --url http://%s if not on the default ports)\n",
			auth.AdminUser, pw, s.cfg.HTTPAddr)
	}
}

func (s *Server) serve(addr string, h http.Handler, name string, errCh chan<- error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("failed to listen on %s for %s: %w", addr, name, err)
	}
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: s.logger.Named(name).StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	s.servers = append(s.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errCh <- fmt.Errorf("%s listener failed: %w", name, err)
		}
	}()
	return nil
}

func (s *Server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	if err := s.node.Shutdown(); err != nil {
		s.logger.Warn("failed to shut down raft cleanly", "error", err)
	}
}

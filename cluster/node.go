// Package cluster is a node's raft: raft-boltdb/v2 storage, bootstrap and
// join, the one write path (Apply, forwarded to the leader from any node),
// linearizable reads on request, and membership.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// FSM is what the node replicates into. Its Apply returns nil or an error;
// an *structs.Error keeps its Kind across forwarding.
type FSM interface {
	raft.FSM
}

// Config configures a Node.
type Config struct {
	NodeID   string
	DataDir  string // raft's files go in DataDir/raft
	Dev      bool   // keep the log and snapshots in memory
	RaftAddr string // bind and advertise; port 0 picks a free port
	HTTPAddr string // reported to peers for Members
	// Bootstrap makes a one-node cluster when there is no raft state yet.
	Bootstrap bool
	// Secret, when set, must be proven by every peer that connects.
	Secret string
	FSM    FSM
	Logger hclog.Logger

	// Timeouts; zero means the defaults below. Tests shorten them.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	ApplyTimeout       time.Duration
	// SnapshotThreshold and TrailingLogs override raft's defaults (8192
	// and 10240 entries); tests lower them to exercise snapshots.
	SnapshotThreshold uint64
	TrailingLogs      uint64
}

// Defaults for a LAN: faster failover than raft's 1 s/1 s/500 ms would not
// buy much, but the commit timeout is lowered so that followers learn of
// commits within a few milliseconds and serve read-your-writes quickly.
const (
	defaultHeartbeat    = 1000 * time.Millisecond
	defaultElection     = 1000 * time.Millisecond
	defaultLeaderLease  = 500 * time.Millisecond
	defaultCommit       = 5 * time.Millisecond
	defaultApplyTimeout = 10 * time.Second
)

// Node is one member of the raft cluster.
type Node struct {
	cfg    Config
	logger hclog.Logger

	raft  *raft.Raft
	batch *batcher
	// written is the highest raft index written through this node.
	written   atomic.Uint64
	fsm       *trackingFSM
	mux       *mux
	transport *raft.NetworkTransport
	pool      *pool
	closers   []func() error

	shutdownOnce sync.Once
	shutdownErr  error
}

// NewNode starts raft for this node.
func NewNode(cfg Config) (*Node, error) {
	applyDefaults(&cfg)
	n := &Node{cfg: cfg, logger: cfg.Logger.Named("cluster"), fsm: newTrackingFSM(cfg.FSM)}
	ln, err := net.Listen("tcp", cfg.RaftAddr)
	if err != nil {
		return nil, fmt.Errorf("failed to listen on raft address %s: %w", cfg.RaftAddr, err)
	}
	n.cfg.RaftAddr = advertised(cfg.RaftAddr, ln.Addr())
	n.mux = newMux(ln, cfg.Secret, n.logger)
	n.mux.serveRPC = n.serveRPC
	n.pool = &pool{secret: n.mux.secret, idle: map[string][]net.Conn{}}
	go n.mux.run()
	n.transport = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  &streamLayer{m: n.mux, addr: &tcpAddr{n.cfg.RaftAddr}},
		MaxPool: 4, Timeout: 10 * time.Second,
		Logger: cfg.Logger.Named("raft-net"),
	})
	if err := n.startRaft(); err != nil {
		n.pool.close()
		n.transport.Close()
		n.closeStores()
		return nil, err
	}
	return n, nil
}

func applyDefaults(cfg *Config) {
	if cfg.HeartbeatTimeout == 0 {
		cfg.HeartbeatTimeout = defaultHeartbeat
	}
	if cfg.ElectionTimeout == 0 {
		cfg.ElectionTimeout = defaultElection
	}
	if cfg.LeaderLeaseTimeout == 0 {
		cfg.LeaderLeaseTimeout = defaultLeaderLease
	}
	if cfg.ApplyTimeout == 0 {
		cfg.ApplyTimeout = defaultApplyTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
}

// advertised is the configured address, with the real port when 0 was
// asked for.
func advertised(configured string, bound net.Addr) string {
	host, port, err := net.SplitHostPort(configured)
	if err != nil || port != "0" {
		return configured
	}
	_, realPort, _ := net.SplitHostPort(bound.String())
	return net.JoinHostPort(host, realPort)
}

type tcpAddr struct{ s string }

func (a *tcpAddr) Network() string { return "tcp" }
func (a *tcpAddr) String() string  { return a.s }

func (n *Node) startRaft() error {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(n.cfg.NodeID)
	rc.Logger = n.cfg.Logger.Named("raft")
	rc.HeartbeatTimeout = n.cfg.HeartbeatTimeout
	rc.ElectionTimeout = n.cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = n.cfg.LeaderLeaseTimeout
	rc.CommitTimeout = defaultCommit
	rc.BatchApplyCh = true
	if n.cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = n.cfg.SnapshotThreshold
	}
	if n.cfg.TrailingLogs > 0 {
		rc.TrailingLogs = n.cfg.TrailingLogs
	}
	logs, stable, snaps, err := n.stores()
	if err != nil {
		return err
	}
	existing, err := raft.HasExistingState(logs, stable, snaps)
	if err != nil {
		return fmt.Errorf("failed to read raft state: %w", err)
	}
	r, err := raft.NewRaft(rc, n.fsm, logs, stable, snaps, n.transport)
	if err != nil {
		return fmt.Errorf("failed to start raft: %w", err)
	}
	n.raft = r
	n.batch = newBatcher(r, n.cfg.ApplyTimeout)
	if n.cfg.Bootstrap && !existing {
		conf := raft.Configuration{Servers: []raft.Server{{
			ID: rc.LocalID, Address: raft.ServerAddress(n.cfg.RaftAddr), Suffrage: raft.Voter,
		}}}
		if err := r.BootstrapCluster(conf).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return fmt.Errorf("failed to bootstrap cluster: %w", err)
		}
	}
	return nil
}

// stores opens the log, stable and snapshot stores.
func (n *Node) stores() (raft.LogStore, raft.StableStore, raft.SnapshotStore, error) {
	if n.cfg.Dev {
		mem := raft.NewInmemStore()
		return mem, mem, raft.NewInmemSnapshotStore(), nil
	}
	dir := filepath.Join(n.cfg.DataDir, "raft")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("failed to create raft dir: %w", err)
	}
	// As etcd does: the freelist is rebuilt on open instead of written on
	// every commit, which halves the pages each log append writes.
	bolt, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(dir, "raft.db"),
		BoltOptions: &bbolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType},
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("failed to open raft store: %w", err)
	}
	n.closers = append(n.closers, bolt.Close)
	logs, err := raft.NewLogCache(512, bolt)
	if err != nil {
		return nil, nil, nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, n.cfg.Logger.Named("snapshot"))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("failed to open snapshot store: %w", err)
	}
	return logs, bolt, snaps, nil
}

func (n *Node) closeStores() {
	for _, c := range n.closers {
		_ = c()
	}
}

// Shutdown stops raft and closes the transport and stores. Idempotent.
func (n *Node) Shutdown() error {
	n.shutdownOnce.Do(func() {
		// The transport first: it stops answering peers at once and, knowing
		// it is closing, does not log the listener's end as an error.
		n.transport.Close()
		n.mux.close()
		n.batch.close()
		n.shutdownErr = n.raft.Shutdown().Error()
		n.pool.close()
		n.closeStores()
	})
	return n.shutdownErr
}

// ID is this node's raft id.
func (n *Node) ID() string { return n.cfg.NodeID }

// RaftAddr is the advertised raft address.
func (n *Node) RaftAddr() string { return n.cfg.RaftAddr }

// IsLeader reports whether this node leads the cluster now.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the current leader's id and raft address, empty if none.
func (n *Node) Leader() (id, raftAddr string) {
	addr, lid := n.raft.LeaderWithID()
	return string(lid), string(addr)
}

// LeaderCh delivers true when this node gains leadership and false when it
// loses it (latest value wins when the reader lags). One reader only.
func (n *Node) LeaderCh() <-chan bool { return n.raft.LeaderCh() }

// WaitForLeader blocks until the cluster has a leader.
func (n *Node) WaitForLeader(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if id, _ := n.Leader(); id != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no cluster leader: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Snapshot takes a snapshot now and compacts the log behind it.
func (n *Node) Snapshot() error {
	if err := n.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("failed to take a snapshot: %w", err)
	}
	return nil
}

// Stats is raft's own counters.
func (n *Node) Stats() map[string]string { return n.raft.Stats() }

func (n *Node) stateName() string {
	switch n.raft.State() {
	case raft.Leader:
		return "leader"
	case raft.Follower:
		return "follower"
	case raft.Candidate:
		return "candidate"
	default:
		return "shutdown"
	}
}

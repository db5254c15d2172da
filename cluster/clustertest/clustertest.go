// Package clustertest starts real raft nodes on loopback for tests: the
// real transport, the real FSM, short timeouts.
package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/fsm"
)

// Node is a started node with its FSM.
type Node struct {
	*cluster.Node
	FSM     *fsm.FSM
	DataDir string
	Config  cluster.Config
}

// Logger returns an hclog logger that writes through t.Log.
func Logger(t testing.TB, name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Warn, Output: testWriter{t}})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// Options tweak a node.
type Options struct {
	ID        string
	DataDir   string // "" = a new t.TempDir
	Bootstrap bool
	Secret    string
	RaftAddr  string // "" = 127.0.0.1:0
	// TrailingLogs, when set, keeps only that many entries behind a
	// snapshot, so that a lagging node must install the snapshot.
	TrailingLogs uint64
}

// StartNode starts one node and stops it at cleanup.
func StartNode(t testing.TB, o Options) *Node {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.RaftAddr == "" {
		o.RaftAddr = "127.0.0.1:0"
	}
	f, err := fsm.New(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	cfg := cluster.Config{
		NodeID: o.ID, DataDir: o.DataDir, RaftAddr: o.RaftAddr, HTTPAddr: "http-" + o.ID,
		Bootstrap: o.Bootstrap, Secret: o.Secret, FSM: f, Logger: Logger(t, o.ID),
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond,
		LeaderLeaseTimeout: 150 * time.Millisecond, ApplyTimeout: 5 * time.Second,
		TrailingLogs: o.TrailingLogs,
	}
	n, err := cluster.NewNode(cfg)
	if err != nil {
		t.Fatalf("start node %s: %v", o.ID, err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	cfg.RaftAddr = n.RaftAddr()
	return &Node{Node: n, FSM: f, DataDir: o.DataDir, Config: cfg}
}

// NewCluster starts n nodes (the first bootstraps, the others join it)
// and waits until every node sees the same leader.
func NewCluster(t testing.TB, n int) []*Node {
	t.Helper()
	nodes := []*Node{StartNode(t, Options{ID: "n1", Bootstrap: true})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := nodes[0].WaitForLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= n; i++ {
		nd := StartNode(t, Options{ID: fmt.Sprintf("n%d", i)})
		if err := nodes[0].Join(ctx, nd.ID(), nd.RaftAddr(), "http-"+nd.ID()); err != nil {
			t.Fatalf("join %s: %v", nd.ID(), err)
		}
		nodes = append(nodes, nd)
	}
	WaitFor(t, 10*time.Second, func() error {
		want, _ := nodes[0].Leader()
		for _, nd := range nodes {
			if id, _ := nd.Leader(); id == "" || id != want {
				return fmt.Errorf("%s sees leader %q, want %q", nd.ID(), id, want)
			}
		}
		return nil
	})
	return nodes
}

// WaitFor retries f until it returns nil or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Leader returns the node that leads, waiting for one.
func Leader(t testing.TB, nodes []*Node) *Node {
	t.Helper()
	var leader *Node
	WaitFor(t, 10*time.Second, func() error {
		for _, n := range nodes {
			if n.IsLeader() {
				leader = n
				return nil
			}
		}
		return fmt.Errorf("no leader among %d nodes", len(nodes))
	})
	return leader
}

package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/clustertest"
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func set(name, value string) command.KVSetRequest {
	return command.KVSetRequest{Item: structs.KeyValuePair{ID: name, Name: name, Value: value, Scope: structs.ScopeSystem}, Now: t0}
}

func get(n *clustertest.Node, name string) (string, error) {
	kv, err := n.FSM.State().KVGet(structs.ScopeSystem, "", name, t0)
	if err != nil {
		return "", err
	}
	return kv.Value, nil
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func follower(nodes []*clustertest.Node) *clustertest.Node {
	for _, n := range nodes {
		if !n.IsLeader() {
			return n
		}
	}
	return nil
}

func TestSingleNodeApplyAndRestart(t *testing.T) {
	dir := t.TempDir()
	n := clustertest.StartNode(t, clustertest.Options{ID: "solo", DataDir: dir, Bootstrap: true})
	if err := n.WaitForLeader(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := n.Apply(ctx(t), command.KVSet, set(fmt.Sprintf("k%d", i), "v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	again := clustertest.StartNode(t, clustertest.Options{ID: "solo", DataDir: dir, Bootstrap: true, RaftAddr: n.Config.RaftAddr})
	clustertest.WaitFor(t, 10*time.Second, func() error {
		_, err := get(again, "k49")
		return err
	})
	if all, _ := again.FSM.State().KVAll(); len(all) != 50 {
		t.Fatalf("after restart %d keys, want 50", len(all))
	}
}

func TestThreeNodes(t *testing.T) {
	nodes := clustertest.NewCluster(t, 3)
	f := follower(nodes)

	t.Run("write on follower lands everywhere", func(t *testing.T) {
		if _, err := f.Apply(ctx(t), command.KVSet, set("a", "1")); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			clustertest.WaitFor(t, 5*time.Second, func() error {
				_, err := get(n, "a")
				return err
			})
		}
	})

	t.Run("error kind survives forwarding", func(t *testing.T) {
		req := command.KVDeleteRequest{Scope: structs.ScopeSystem, Name: "missing", Now: t0}
		_, err := f.Apply(ctx(t), command.KVDelete, req)
		if !errors.Is(err, structs.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
	})

	t.Run("consistent read on follower", func(t *testing.T) {
		leader := clustertest.Leader(t, nodes)
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("c%d", i)
			if _, err := leader.Apply(ctx(t), command.KVSet, set(name, "v")); err != nil {
				t.Fatal(err)
			}
			if err := f.ConsistentRead(ctx(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := get(f, name); err != nil {
				t.Fatalf("after ConsistentRead: %v", err)
			}
		}
	})

	t.Run("members", func(t *testing.T) {
		ms, err := f.Members(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		leaders := 0
		for _, m := range ms {
			if m.Leader {
				leaders++
			}
			if m.State != "leader" && m.State != "follower" || m.HTTPAddr != "http-"+m.ID {
				t.Fatalf("member %+v", m)
			}
		}
		if len(ms) != 3 || leaders != 1 {
			t.Fatalf("members = %+v", ms)
		}
	})

	t.Run("leader loss", func(t *testing.T) {
		old := clustertest.Leader(t, nodes)
		if err := old.Shutdown(); err != nil {
			t.Fatal(err)
		}
		var rest []*clustertest.Node
		for _, n := range nodes {
			if n != old {
				rest = append(rest, n)
			}
		}
		if _, err := rest[0].Apply(ctx(t), command.KVSet, set("after", "x")); err != nil {
			t.Fatalf("write after leader loss: %v", err)
		}
		for _, n := range rest {
			clustertest.WaitFor(t, 5*time.Second, func() error {
				_, err := get(n, "after")
				return err
			})
		}
		ms, _ := rest[0].Members(ctx(t))
		unreachable := 0
		for _, m := range ms {
			if m.State == "unreachable" {
				unreachable++
			}
		}
		if unreachable != 1 {
			t.Fatalf("members after loss = %+v", ms)
		}
	})
}

func TestSecret(t *testing.T) {
	a := clustertest.StartNode(t, clustertest.Options{ID: "a", Bootstrap: true, Secret: "s3cret"})
	if err := a.WaitForLeader(ctx(t)); err != nil {
		t.Fatal(err)
	}
	b := clustertest.StartNode(t, clustertest.Options{ID: "b", Secret: "wrong"})
	if err := a.Join(ctx(t), b.ID(), b.RaftAddr(), ""); err != nil {
		t.Fatal(err) // the configuration change commits on a alone
	}
	// b cannot talk to a: it never learns of the leader or of writes.
	if _, err := a.Apply(ctx(t), command.KVSet, set("x", "1")); err == nil {
		// With two voters and one unreachable, a write cannot commit.
		t.Fatal("write committed without a quorum")
	}
	if _, err := get(b, "x"); err == nil {
		t.Fatal("a node with the wrong secret received data")
	}
}

func TestSecretMatches(t *testing.T) {
	a := clustertest.StartNode(t, clustertest.Options{ID: "a", Bootstrap: true, Secret: "s3cret"})
	if err := a.WaitForLeader(ctx(t)); err != nil {
		t.Fatal(err)
	}
	b := clustertest.StartNode(t, clustertest.Options{ID: "b", Secret: "s3cret"})
	if err := a.Join(ctx(t), b.ID(), b.RaftAddr(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(ctx(t), command.KVSet, set("x", "1")); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownConnectionType(t *testing.T) {
	a := clustertest.StartNode(t, clustertest.Options{ID: "a", Bootstrap: true})
	conn, err := net.Dial("tcp", a.RaftAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte{0x7f, 1, 2, 3})
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection of unknown type was not closed")
	}
}

var _ = cluster.Member{}

// TestSnapshots: a node restarts from a snapshot plus the log after it,
// and a node that joins after the log was compacted receives the snapshot.
func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	a := clustertest.StartNode(t, clustertest.Options{ID: "a", DataDir: dir, Bootstrap: true, TrailingLogs: 5})
	if err := a.WaitForLeader(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if _, err := a.Apply(ctx(t), command.KVSet, set(fmt.Sprintf("s%d", i), "before")); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Snapshot(); err != nil {
		t.Fatal(err)
	}
	for i := 40; i < 50; i++ {
		if _, err := a.Apply(ctx(t), command.KVSet, set(fmt.Sprintf("s%d", i), "after")); err != nil {
			t.Fatal(err)
		}
	}

	b := clustertest.StartNode(t, clustertest.Options{ID: "b"})
	if err := a.Join(ctx(t), b.ID(), b.RaftAddr(), ""); err != nil {
		t.Fatal(err)
	}
	clustertest.WaitFor(t, 10*time.Second, func() error {
		for _, name := range []string{"s0", "s49"} {
			if _, err := get(b, name); err != nil {
				return fmt.Errorf("joined node lacks %s: %v", name, err)
			}
		}
		return nil
	})
	if snaps := b.Stats()["last_snapshot_index"]; snaps == "0" {
		t.Fatalf("the joined node did not install a snapshot: %v", b.Stats())
	}

	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	again := clustertest.StartNode(t, clustertest.Options{ID: "a", DataDir: dir, Bootstrap: true, RaftAddr: a.Config.RaftAddr})
	// Alone of two voters it cannot commit, but it restores its snapshot
	// at once; the entries after it are replayed once a quorum is back.
	clustertest.WaitFor(t, 10*time.Second, func() error {
		_, err := get(again, "s0")
		return err
	})
	_ = clustertest.StartNode(t, clustertest.Options{ID: "b", DataDir: b.DataDir, RaftAddr: b.Config.RaftAddr})
	clustertest.WaitFor(t, 10*time.Second, func() error {
		_, err := get(again, "s49")
		return err
	})
}

// TestConcurrentApplies: many writers at once on leader and follower;
// the batcher groups them, and every caller still gets its own result.
func TestConcurrentApplies(t *testing.T) {
	nodes := clustertest.NewCluster(t, 3)
	leader := clustertest.Leader(t, nodes)
	start := leader.Stats()["last_log_index"]
	const writers, each = 32, 20
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		go func(w int) {
			n := nodes[w%len(nodes)]
			for i := 0; i < each; i++ {
				if _, err := n.Apply(ctx(t), command.KVSet, set(fmt.Sprintf("w%d-%d", w, i), "v")); err != nil {
					errs <- err
					return
				}
				// A refused command in the same batch as others fails alone.
				req := command.KVDeleteRequest{Scope: structs.ScopeSystem, Name: fmt.Sprintf("none-%d-%d", w, i), Now: t0}
				if _, err := n.Apply(ctx(t), command.KVDelete, req); !errors.Is(err, structs.ErrNotFound) {
					errs <- fmt.Errorf("delete of a missing key: %v", err)
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < writers; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := leader.ConsistentRead(ctx(t)); err != nil {
		t.Fatal(err)
	}
	all, _ := leader.FSM.State().KVAll()
	if len(all) != writers*each {
		t.Fatalf("%d keys, want %d", len(all), writers*each)
	}
	t.Logf("%d commands in raft entries %s..%s", 2*writers*each, start, leader.Stats()["last_log_index"])
}

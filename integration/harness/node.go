package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// AdminPassword is st2admin's password on every node the harness starts.
const AdminPassword = "harness-admin-pw"

// Options configure a node.
type Options struct {
	ID      string
	DataDir string // "" = a new temp dir
	Join    string // HTTP address of a member
	Args    []string
	Env     []string
}

// Node is a running squall server process.
type Node struct {
	ID       string
	HTTPAddr string
	RaftAddr string
	DataDir  string
	URL      string // http://HTTPAddr

	opts Options
	bin  string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// StartNode starts a node and waits until its API answers.
func StartNode(t T, o Options) *Node {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	n := &Node{
		ID: o.ID, HTTPAddr: FreeAddr(t), RaftAddr: FreeAddr(t), DataDir: o.DataDir,
		opts: o, bin: Binary(t), out: &syncBuffer{},
	}
	n.URL = "http://" + n.HTTPAddr
	n.start(t)
	if o.Join == "" {
		n.WaitReady(t)
	}
	t.Cleanup(func() {
		n.kill()
		// A binary built with -race (SQUALL_BIN) reports races here.
		if strings.Contains(n.out.String(), "WARNING: DATA RACE") {
			t.Fatalf("node %s reported a data race", n.ID)
		}
		if t.Failed() {
			t.Logf("--- output of node %s ---\n%s", n.ID, n.out.String())
		}
	})
	return n
}

func (n *Node) start(t T) {
	t.Helper()
	args := []string{"server", "--data-dir", n.DataDir, "--http-addr", n.HTTPAddr, "--raft-addr", n.RaftAddr,
		"--auth-addr", "", "--stream-addr", "", "--log-level", "debug"}
	if n.ID != "" {
		args = append(args, "--node-id", n.ID)
	}
	if n.opts.Join != "" {
		args = append(args, "--join", n.opts.Join)
	}
	args = append(args, n.opts.Args...)
	n.cmd = exec.Command(n.bin, args...)
	n.cmd.Env = append(append(os.Environ(), "SQUALL_ADMIN_PASSWORD="+AdminPassword), n.opts.Env...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start node %s: %v", n.ID, err)
	}
	n.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(n.cmd, n.done)
	WaitFor(t, 20*time.Second, func() error {
		select {
		case <-n.done:
			return fmt.Errorf("node %s exited:\n%s", n.ID, n.out.String())
		default:
		}
		status, _, err := n.Request("GET", "/api/v1", "", nil)
		if err != nil || status != 200 {
			return fmt.Errorf("node %s not answering: %v %d", n.ID, err, status)
		}
		return nil
	})
}

// WaitReady waits until a bootstrapping node has st2admin, has published
// its runners and has registered the built-in packs (core.local exists).
func (n *Node) WaitReady(t T) {
	t.Helper()
	tok := n.Token(t)
	WaitFor(t, 20*time.Second, func() error {
		status, body, err := n.Request("GET", "/api/v1/actions/core.local", tok, nil)
		if err != nil || status != 200 {
			return fmt.Errorf("core.local not registered yet: %v %d %s", err, status, body)
		}
		return nil
	})
}

// Pid is the server's process id.
func (n *Node) Pid() int { return n.cmd.Process.Pid }

// Output is what the node printed so far.
func (n *Node) Output() string { return n.out.String() }

func (n *Node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// Kill sends SIGKILL and waits for the process to go.
func (n *Node) Kill(t T) {
	t.Helper()
	n.kill()
}

// Stop sends SIGTERM and waits for a clean exit.
func (n *Node) Stop(t T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("node %s did not stop on SIGTERM", n.ID)
	}
}

// Restart starts the node again on the same data dir and ports.
func (n *Node) Restart(t T) {
	t.Helper()
	n.start(t)
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartCluster starts n nodes: the first bootstraps, the others join it;
// args go to every node. It returns once every node lists n members with
// one leader.
func StartCluster(t T, size int, args ...string) []*Node {
	t.Helper()
	first := StartNode(t, Options{ID: "n1", Args: args})
	nodes := []*Node{first}
	for i := 2; i <= size; i++ {
		nodes = append(nodes, StartNode(t, Options{ID: fmt.Sprintf("n%d", i), Join: first.HTTPAddr, Args: args}))
	}
	tok := first.Token(t)
	for _, n := range nodes {
		WaitFor(t, 20*time.Second, func() error {
			ms, err := n.Members(tok)
			if err != nil {
				return err
			}
			leaders := 0
			for _, m := range ms {
				if m.Leader && m.State == "leader" {
					leaders++
				}
			}
			if len(ms) != size || leaders != 1 {
				return fmt.Errorf("node %s sees %+v", n.ID, ms)
			}
			return nil
		})
	}
	return nodes
}

// Leader returns the node that currently leads, as the nodes report it.
func Leader(t T, nodes []*Node, token string) *Node {
	t.Helper()
	var leader *Node
	WaitFor(t, 20*time.Second, func() error {
		for _, n := range nodes {
			ms, err := n.Members(token)
			if err != nil {
				continue
			}
			for _, m := range ms {
				if m.Leader && m.Self(n) {
					leader = n
					return nil
				}
			}
		}
		return fmt.Errorf("no leader among %d nodes", len(nodes))
	})
	return leader
}

// Self reports whether m describes node n.
func (m Member) Self(n *Node) bool { return strings.EqualFold(m.HTTPAddr, n.HTTPAddr) }

package integration

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// TestPackRunsOnEveryNode registers a pack on one node of a cluster,
// removes its directory, and runs its script on another node: the pack's
// files travel through raft. Then that node dies under a running
// execution, which the leader marks abandoned.
func TestPackRunsOnEveryNode(t *testing.T) {
	packs := t.TempDir()
	if out, err := osexec.Command("cp", "-a", testdata(t, "packs/mypack"), packs).CombinedOutput(); err != nil {
		t.Fatalf("copy pack: %v %s", err, out)
	}
	nodes := harness.StartCluster(t, 3, "--packs-path", packs, "--node-down-after", "2s")
	tok := nodes[0].Token(t)
	leader := harness.Leader(t, nodes, tok)
	var follower *harness.Node
	for _, n := range nodes {
		if n != leader {
			follower = n
			break
		}
	}
	c := newCLI(t, leader)
	c.env = []string{"ST2_AUTH_TOKEN=" + tok}
	c.ok("pack", "register", "mypack")
	if err := os.RemoveAll(filepath.Join(packs, "mypack")); err != nil {
		t.Fatal(err)
	}

	f := newCLI(t, follower)
	f.env = c.env
	// Once the follower has published its runners, it runs what it is asked.
	harness.WaitFor(t, 20*time.Second, func() error {
		var e struct {
			Liveaction struct {
				RunnerInfo struct{ Node string } `json:"runner_info"`
			}
		}
		f.jsonOut(&e, "run", "core.noop")
		if e.Liveaction.RunnerInfo.Node != follower.ID {
			return fmt.Errorf("ran on %s", e.Liveaction.RunnerInfo.Node)
		}
		return nil
	})
	var e execution
	f.jsonOut(&e, "run", "mypack.greet", "who=Cluster", "greeting=Hi", "shout=false")
	if e.Status != "succeeded" || e.Result["stdout"] != "Hi, Cluster from eu-west" {
		t.Fatalf("greet on the follower: %+v", e)
	}
	// Every node lists it.
	for _, n := range nodes {
		cn := newCLI(t, n)
		cn.env = c.env
		var got execution
		cn.jsonOut(&got, "execution", "get", e.ID)
		if got.Status != "succeeded" {
			t.Fatalf("execution on %s: %+v", n.ID, got)
		}
	}

	// The follower dies while it runs something: the leader abandons it.
	var long execution
	f.jsonOut(&long, "run", "-a", "core.local", "cmd=echo started; sleep 60")
	harness.WaitFor(t, 20*time.Second, func() error {
		var got execution
		c.jsonOut(&got, "execution", "get", long.ID)
		if got.Status != "running" {
			return fmt.Errorf("status %s", got.Status)
		}
		return nil
	})
	// Its live output, asked of the leader, comes from the follower.
	harness.WaitFor(t, 20*time.Second, func() error {
		status, body, err := leader.Request("GET", "/api/v1/executions/"+long.ID+"/output", tok, nil)
		if err != nil || status != 200 || string(body) != "started\n" {
			return fmt.Errorf("output through the leader: %v %d %q", err, status, body)
		}
		return nil
	})
	follower.Kill(t)
	done := waitStatus(t, c, long.ID)
	if done.Status != "abandoned" {
		t.Fatalf("execution of a dead node: %+v", done)
	}
}

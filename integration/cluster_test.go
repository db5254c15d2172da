package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

func keyValue(t *testing.T, n *harness.Node, tok, name, query string) (string, int) {
	t.Helper()
	var it struct{ Value string }
	status := n.JSON(t, "GET", "/api/v1/keys/"+name+query, tok, nil, &it)
	return it.Value, status
}

// TestThreeNodeCluster: writes on a follower reach every node; the
// cluster survives the loss of its leader; a restarted node catches up.
func TestThreeNodeCluster(t *testing.T) {
	nodes := harness.StartCluster(t, 3)
	tok := nodes[0].Token(t)
	leader := harness.Leader(t, nodes, tok)
	var follower *harness.Node
	for _, n := range nodes {
		if n != leader {
			follower = n
			break
		}
	}

	t.Run("write on follower, read everywhere", func(t *testing.T) {
		if status := follower.JSON(t, "PUT", "/api/v1/keys/shared", tok, map[string]any{"value": "hello"}, nil); status != 200 {
			t.Fatalf("put on follower: %d", status)
		}
		for _, n := range nodes {
			if v, status := keyValue(t, n, tok, "shared", "?consistent=true"); status != 200 || v != "hello" {
				t.Fatalf("consistent read on %s: %d %q", n.ID, status, v)
			}
		}
	})

	t.Run("cli cluster members", func(t *testing.T) {
		c := newCLI(t, follower)
		c.env = []string{"ST2_AUTH_TOKEN=" + tok}
		out := c.ok("cluster", "members")
		if strings.Count(out, "leader") < 1 || strings.Count(out, "follower") != 2 {
			t.Fatalf("members:\n%s", out)
		}
	})

	t.Run("leader killed", func(t *testing.T) {
		leader.Kill(t)
		var rest []*harness.Node
		for _, n := range nodes {
			if n != leader {
				rest = append(rest, n)
			}
		}
		newLeader := harness.Leader(t, rest, tok)
		for i, n := range rest {
			name := fmt.Sprintf("after%d", i)
			harness.WaitFor(t, 15*time.Second, func() error {
				status, body, err := n.Request("PUT", "/api/v1/keys/"+name, tok, map[string]any{"value": "x"})
				if err != nil || status != 200 {
					return fmt.Errorf("put on %s: %v %d %s", n.ID, err, status, body)
				}
				return nil
			})
		}
		for _, n := range rest {
			for _, name := range []string{"shared", "after0", "after1"} {
				if _, status := keyValue(t, n, tok, name, "?consistent=true"); status != 200 {
					t.Fatalf("%s on %s after failover: %d", name, n.ID, status)
				}
			}
		}
		t.Logf("new leader: %s", newLeader.ID)

		leader.Restart(t)
		harness.WaitFor(t, 15*time.Second, func() error {
			if _, status := keyValue(t, leader, tok, "after1", ""); status != 200 {
				return fmt.Errorf("restarted node has not caught up: %d", status)
			}
			return nil
		})
	})
}

package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// TestRulesExactlyOnceAcrossLeaderLoss fires webhooks through a follower,
// kills the leader right after they are acknowledged, and checks that
// every instance was enforced exactly once by the new leader.
func TestRulesExactlyOnceAcrossLeaderLoss(t *testing.T) {
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
	rule := map[string]any{
		"name": "count", "pack": "examples", "trigger": map[string]any{"type": "core.st2.webhook", "parameters": map[string]any{"url": "count"}},
		"action": map[string]any{"ref": "core.noop"},
	}
	if status, body, err := follower.Request("POST", "/api/v1/rules", tok, rule); err != nil || status != 201 {
		t.Fatalf("create rule: %v %d %s", err, status, body)
	}
	const hooks = 20
	for i := 0; i < hooks; i++ {
		if status, body, err := follower.Request("POST", "/api/v1/webhooks/count", tok, map[string]any{"i": i}); err != nil || status != 202 {
			t.Fatalf("webhook %d: %v %d %s", i, err, status, body)
		}
	}
	leader.Kill(t)
	var rest []*harness.Node
	for _, n := range nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	harness.Leader(t, rest, tok)
	harness.WaitFor(t, 30*time.Second, func() error {
		var instances []struct{ ID, Status string }
		follower.JSON(t, "GET", "/api/v1/triggerinstances?consistent=true", tok, nil, &instances)
		var ens []struct {
			Instance  string `json:"trigger_instance_id"`
			Execution string `json:"execution_id"`
		}
		follower.JSON(t, "GET", "/api/v1/ruleenforcements?consistent=true", tok, nil, &ens)
		if len(instances) != hooks {
			return fmt.Errorf("%d instances, want %d", len(instances), hooks)
		}
		for _, ti := range instances {
			if ti.Status != "processed" {
				return fmt.Errorf("instance %s is %s", ti.ID, ti.Status)
			}
		}
		seen := map[string]int{}
		for _, en := range ens {
			seen[en.Instance]++
			if en.Execution == "" {
				return fmt.Errorf("enforcement without an execution: %+v", en)
			}
		}
		if len(ens) != hooks || len(seen) != hooks {
			return fmt.Errorf("%d enforcements over %d instances, want %d each once", len(ens), len(seen), hooks)
		}
		return nil
	})
}

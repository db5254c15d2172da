package integration

import (
	"fmt"
	"testing"

	"github.com/squall-io/squall/integration/harness"
)

// TestKill9Restart: every write acknowledged before kill -9 is there
// after a restart on the same data dir.
func TestKill9Restart(t *testing.T) {
	node := harness.StartNode(t, harness.Options{ID: "durable"})
	tok := node.Token(t)
	const n = 200
	for i := 0; i < n; i++ {
		body := map[string]any{"value": fmt.Sprintf("v%d", i)}
		if status := node.JSON(t, "PUT", fmt.Sprintf("/api/v1/keys/k%03d", i), tok, body, nil); status != 200 {
			t.Fatalf("put k%03d: %d", i, status)
		}
	}
	node.Kill(t)
	node.Restart(t)
	// The token itself was a raft write: it survives too.
	var items []struct{ Name, Value string }
	if status := node.JSON(t, "GET", "/api/v1/keys?limit=-1&consistent=true", tok, nil, &items); status != 200 {
		t.Fatalf("list after restart: %d", status)
	}
	if len(items) != n {
		t.Fatalf("after kill -9: %d keys, want %d", len(items), n)
	}
	for i, it := range items {
		if want := fmt.Sprintf("v%d", i); it.Value != want {
			t.Fatalf("%s = %q, want %q", it.Name, it.Value, want)
		}
	}
}

package integration

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// TestStackStormPorts: with the auth and stream listeners on, an
// unmodified st2 client configured with split URLs (API at :PORT/v1, auth
// at its own port) works, and the stream carries datastore changes.
func TestStackStormPorts(t *testing.T) {
	authAddr, streamAddr := harness.FreeAddr(t), harness.FreeAddr(t)
	cfgFile := filepath.Join(t.TempDir(), "squall.yaml")
	cfg := "auth_addr: " + authAddr + "\nstream-addr: " + streamAddr + "\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	node := harness.StartNode(t, harness.Options{ID: "ports", Args: []string{"--config", cfgFile}})
	// The harness turns both listeners off with flags; the config file
	// must lose to them, so restart without those flags is not needed:
	// check precedence first, then run a node with the listeners on.
	if _, err := http.Get("http://" + authAddr + "/tokens"); err == nil {
		t.Fatal("config file won over a flag")
	}
	node.Stop(t)

	on := harness.StartNode(t, harness.Options{ID: "ports2", Args: []string{"--auth-addr", authAddr, "--stream-addr", streamAddr}})
	c := newCLI(t, on)
	c.env = []string{"ST2_BASE_URL=", "ST2_API_URL=" + on.URL + "/v1", "ST2_AUTH_URL=http://" + authAddr, "ST2_STREAM_URL=http://" + streamAddr + "/v1"}
	if out := c.ok("login", "st2admin", "-p", harness.AdminPassword); !strings.Contains(out, "Logged in") {
		t.Fatalf("login through the auth port: %s", out)
	}
	tok := on.Token(t)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+streamAddr+"/v1/stream?x-auth-token="+tok, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v %v", err, resp)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "event: ") {
				events <- strings.TrimPrefix(line, "event: ")
			}
		}
		close(events)
	}()
	c.ok("key", "set", "streamed", "1")
	select {
	case ev := <-events:
		if ev != "st2.key_value_pair__create" {
			t.Fatalf("first event %q", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event on the stream")
	}
}

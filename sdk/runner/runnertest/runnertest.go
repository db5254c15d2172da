// Package runnertest drives a Runner through real gRPC, in process, the
// way the host does: the same plugin glue, broker and host service. Runner
// authors test with it before building a binary.
package runnertest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/runner"
)

// Harness is a runner served over gRPC with a configured host service.
type Harness struct {
	client *runner.Client
}

// New serves r and connects to it; host answers the plugin's host-service
// calls (NewMemoryHost gives one). Everything closes when the test ends.
func New(t testing.TB, r runner.Runner, host hostservice.Service) *Harness {
	t.Helper()
	conn, _ := goplugin.TestPluginGRPCConn(t, false, runner.PluginSet(r))
	t.Cleanup(func() { _ = conn.Close() })
	raw, err := conn.Dispense(plugin.KindRunner)
	if err != nil {
		t.Fatalf("failed to dispense the runner: %v", err)
	}
	c := raw.(*runner.Client)
	if host == nil {
		host = hostservicetest.NewMemoryHost()
	}
	if err := c.Configure(context.Background(), host); err != nil {
		t.Fatalf("failed to configure the runner: %v", err)
	}
	return &Harness{client: c}
}

// Info returns what the runner declares, read over gRPC.
func (h *Harness) Info(t testing.TB) runner.Info {
	t.Helper()
	info, err := h.client.Info(context.Background())
	if err != nil {
		t.Fatalf("info: %v", err)
	}
	return info
}

// Outcome is a finished run: its result and the output streamed meanwhile.
type Outcome struct {
	Result runner.Result
	Stdout string
	Stderr string
	Err    error // the run failed at the boundary (cancelled, no result)
}

// Run runs req and collects its streamed output.
func (h *Harness) Run(ctx context.Context, req *runner.Request) Outcome {
	var mu sync.Mutex
	var stdout, stderr bytes.Buffer
	res, err := h.client.Run(ctx, req, func(stream string, data []byte) {
		mu.Lock()
		defer mu.Unlock()
		if stream == "stderr" {
			stderr.Write(data)
		} else {
			stdout.Write(data)
		}
	})
	mu.Lock()
	defer mu.Unlock()
	return Outcome{Result: res, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

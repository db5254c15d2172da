package pysensor

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/sensor"
)

// TestThroughGRPC runs sensors the way the host does: over the plugin's
// gRPC glue, with the host service on the broker and trigger changes sent
// with UpdateTriggers.
func TestThroughGRPC(t *testing.T) {
	p := newTestPlugin(t)
	conn, _ := goplugin.TestPluginGRPCConn(t, false, sensor.PluginSet(p))
	t.Cleanup(func() { _ = conn.Close() })
	raw, err := conn.Dispense(plugin.KindSensor)
	if err != nil {
		t.Fatal(err)
	}
	c := raw.(*sensor.Client)
	host := hostservicetest.NewMemoryHost()
	ctx := context.Background()
	if err := c.Configure(ctx, host); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil || !slices.Equal(info.EntryPointKinds, []string{"py"}) || len(info.Sensors) != 0 {
		t.Fatalf("info %+v %v", info, err)
	}

	t.Run("triggers and stop", func(t *testing.T) {
		_, entry := writeSensor(t, pushSensor)
		runCtx, cancel := context.WithCancel(ctx)
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- c.Run(runCtx, &sensor.Run{ID: "g1", Ref: "mypack.Push", Pack: "mypack", ClassName: "Push", EntryPoint: entry},
				func() { close(started) })
		}()
		t.Cleanup(func() { cancel(); <-done })
		waitFor(t, "started", func() bool {
			select {
			case <-started:
				return true
			default:
				return false
			}
		})
		tr := sensor.Trigger{ID: "t9", Ref: "mypack.t9", Name: "t9", Type: "mypack.webhook", Parameters: map[string]any{"url": "/z"}}
		if err := c.UpdateTriggers(ctx, "g1", []sensor.Trigger{tr}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "add_trigger over gRPC", func() bool {
			for _, d := range host.Dispatched() {
				if d.Trigger == "mypack.seen" && d.Payload["op"] == "add" {
					return true
				}
			}
			return false
		})
		cancel()
		select {
		case err := <-done:
			done <- err
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("a stopped run returned %v", err)
			}
		case <-time.After(StopGrace):
			t.Fatal("the run did not stop")
		}
	})

	t.Run("a failing setup crosses the boundary", func(t *testing.T) {
		_, entry := writeSensor(t, `
from st2reactor.sensor.base import PollingSensor

class Broken(PollingSensor):
    def setup(self):
        raise ConnectionError("broker down")
    def poll(self): pass
    def cleanup(self): pass
    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`)
		err := c.Run(ctx, &sensor.Run{ID: "g2", Ref: "mypack.Broken", Pack: "mypack", ClassName: "Broken", EntryPoint: entry}, nil)
		if !errors.Is(err, sensor.ErrEnded) || !strings.Contains(err.Error(), "setup() raised ConnectionError: broker down") {
			t.Fatalf("Run returned %v", err)
		}
	})
}

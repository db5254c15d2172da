package sensor

import (
	"context"
	"errors"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/plugin"
)

// echo dispatches one instance per trigger it is given, at start and on
// each update, and fails when a trigger asks it to.
type echo struct{}

func (echo) Info() Info {
	return Info{Name: "echo", Version: "1", Sensors: []SensorType{{Ref: "ex.Echo", PollInterval: 2 * time.Second, TriggerTypes: []string{"ex.seen"}}},
		TriggerTypes: []TriggerType{{Ref: "ex.seen", PayloadSchema: map[string]any{"type": "object"}}}}
}

func (echo) Run(ctx context.Context, run *Run, started func()) error {
	dispatch := func(ts []Trigger) error {
		for _, t := range ts {
			if t.Parameters["fail"] == true {
				return errors.New("asked to fail")
			}
			if _, err := run.Host.Dispatch(ctx, hostservice.DispatchRequest{Trigger: t.Ref, Payload: map[string]any{"p": t.Parameters["p"]}}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := dispatch(run.Triggers); err != nil {
		return err
	}
	started()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ts := <-run.Updates:
			if err := dispatch(ts); err != nil {
				return err
			}
		}
	}
}

func TestSensorOverGRPC(t *testing.T) {
	client, _ := goplugin.TestPluginGRPCConn(t, true, map[string]goplugin.Plugin{plugin.KindSensor: &GRPCPlugin{Impl: echo{}}})
	defer client.Close()
	raw, err := client.Dispense(plugin.KindSensor)
	if err != nil {
		t.Fatal(err)
	}
	c := raw.(*Client)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	info, err := c.Info(ctx)
	if err != nil || len(info.Sensors) != 1 || info.Sensors[0].PollInterval != 2*time.Second || info.TriggerTypes[0].Ref != "ex.seen" {
		t.Fatalf("info: %+v %v", info, err)
	}
	host := hostservicetest.NewMemoryHost()
	if err := c.Configure(ctx, host); err != nil {
		t.Fatal(err)
	}
	dispatched := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(host.Dispatched()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d dispatches, want %d", len(host.Dispatched()), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	started := make(chan struct{})
	ended := make(chan error, 1)
	run := &Run{ID: "r1", Ref: "ex.Echo", Triggers: []Trigger{{Ref: "ex.a", Type: "ex.seen", Parameters: map[string]any{"p": "a"}}}}
	go func() { ended <- c.Run(ctx, run, func() { close(started) }) }()
	<-started
	dispatched(1)
	if err := c.UpdateTriggers(ctx, "r1", []Trigger{{Ref: "ex.b", Parameters: map[string]any{"p": "b"}}}); err != nil {
		t.Fatal(err)
	}
	dispatched(2)
	if got := host.Dispatched()[1]; got.Trigger != "ex.b" || got.Payload["p"] != "b" {
		t.Fatalf("second dispatch: %+v", got)
	}
	if err := c.UpdateTriggers(ctx, "nosuchrun", nil); err == nil {
		t.Fatal("an update for a run that is not running must fail")
	}
	// A sensor that fails ends its run with an error the host sees.
	if err := c.UpdateTriggers(ctx, "r1", []Trigger{{Ref: "ex.c", Parameters: map[string]any{"fail": true}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, ErrEnded) {
			t.Fatalf("run ended with %v, want ErrEnded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the failed sensor's run did not end")
	}
	// Stopping a run: its context ends, Run returns the context's error.
	ctx2, stop := context.WithCancel(ctx)
	started2 := make(chan struct{})
	go func() { ended <- c.Run(ctx2, &Run{ID: "r2", Ref: "ex.Echo"}, func() { close(started2) }) }()
	<-started2
	stop()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
}

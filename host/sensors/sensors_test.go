package sensors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/pluginmgr"
	"github.com/squall-io/squall/host/rules"
	sdkhost "github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/sensor"
)

// fakePlugins is one sensor plugin whose runs do what the test says.
type fakePlugins struct {
	mu      sync.Mutex
	starts  []time.Time
	updates [][]sensor.Trigger
	crash   bool
	runs    chan *sensor.Run
}

func (f *fakePlugins) SensorPlugins() []pluginmgr.SensorPlugin {
	return []pluginmgr.SensorPlugin{{Name: "squall-sensor-fake", Info: sensor.Info{Name: "fake"}}}
}

func (f *fakePlugins) RunSensor(ctx context.Context, _ string, run *sensor.Run, started func()) error {
	f.mu.Lock()
	f.starts = append(f.starts, time.Now())
	crash := f.crash
	f.mu.Unlock()
	if crash {
		return errors.New("boom")
	}
	started()
	f.runs <- run
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakePlugins) UpdateSensorTriggers(_ context.Context, _, _ string, ts []sensor.Trigger) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, ts)
	return nil
}

func (f *fakePlugins) startCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.starts)
}

func waitFor(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func setup(t *testing.T, crash bool) (*Manager, *fakePlugins, *rules.Service, *fsm.Direct) {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must := func(_ uint64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Apply(ctx, command.ActionPut, command.ActionPutRequest{Mode: command.ActionCreate,
		Action: structs.Action{Ref: "core.noop", Pack: "core", Name: "noop", Enabled: true, RunnerType: "noop"}}))
	must(d.Apply(ctx, command.SensorPut, command.SensorPutRequest{Plugin: "squall-sensor-fake",
		Sensors: []structs.Sensor{{Ref: "fake.Watcher", Pack: "fake", Name: "Watcher", Enabled: true,
			TriggerTypes: []string{"fake.event"}, Plugin: "squall-sensor-fake"}},
		TriggerTypes: []structs.TriggerType{{Ref: "fake.event", Pack: "fake", Name: "event",
			ParametersSchema: map[string]any{"type": "object", "properties": map[string]any{"dir": map[string]any{"type": "string"}}}}},
	}))
	n := 0
	svc := rules.New(rules.Config{Raft: d, State: d.FSM.State, NewID: func() string { n++; return fmt.Sprint("id", n) }, Logger: hclog.NewNullLogger()})
	plugins := &fakePlugins{crash: crash, runs: make(chan *sensor.Run, 16)}
	m := New(Config{State: d.FSM.State, Raft: d, Rules: svc, Plugins: plugins, Logger: hclog.NewNullLogger(),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond})
	return m, plugins, svc, d
}

// TestCrashLoopBacksOff: a sensor that fails at once is restarted with
// growing delays and reported, not restarted hot.
func TestCrashLoopBacksOff(t *testing.T) {
	m, plugins, _, _ := setup(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	waitFor(t, "five starts", func() error {
		if n := plugins.startCount(); n < 5 {
			return fmt.Errorf("%d starts", n)
		}
		return nil
	})
	cancel()
	<-done
	plugins.mu.Lock()
	starts := append([]time.Time(nil), plugins.starts...)
	plugins.mu.Unlock()
	// Waits of 50, 100, 200 and 400 ms at least separate the first five
	// starts (a loaded machine only adds to them).
	if took := starts[4].Sub(starts[0]); took < 750*time.Millisecond {
		t.Fatalf("five starts within %v: not backing off", took)
	}
	st := m.Statuses()["fake.Watcher"]
	if st.State != "backoff" || st.Error == "" || st.Restarts < 4 {
		t.Fatalf("status: %+v", st)
	}
}

// TestTriggersAndDispatch: the sensor gets the triggers rules want, a new
// rule reaches it as an update, and a dispatch of a trigger ref fires an
// instance of its type with its parameters; other callers are refused.
func TestTriggersAndDispatch(t *testing.T) {
	m, plugins, svc, d := setup(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	create := func(name, dir string) {
		t.Helper()
		if _, err := svc.Create(ctx, rules.Meta{Name: name, Pack: "p", Action: rules.MetaAction{Ref: "core.noop"},
			Trigger: rules.MetaTrigger{Type: "fake.event", Parameters: map[string]any{"dir": dir}}}); err != nil {
			t.Fatal(err)
		}
	}
	create("a", "/a")
	go m.Run(ctx)
	run := <-plugins.runs
	if len(run.Triggers) != 1 || run.Triggers[0].Parameters["dir"] != "/a" {
		t.Fatalf("initial triggers: %+v", run.Triggers)
	}
	create("b", "/b")
	waitFor(t, "trigger update", func() error {
		plugins.mu.Lock()
		defer plugins.mu.Unlock()
		if len(plugins.updates) == 0 || len(plugins.updates[len(plugins.updates)-1]) != 2 {
			return fmt.Errorf("updates: %+v", plugins.updates)
		}
		return nil
	})
	if p, ok := m.RunPlugin(run.ID); !ok || p != "squall-sensor-fake" {
		t.Fatalf("run plugin: %q %v", p, ok)
	}
	id, err := m.Dispatch(ctx, run.ID, sdkhost.DispatchRequest{Trigger: run.Triggers[0].Ref, Payload: map[string]any{"x": 1}})
	if err != nil {
		t.Fatal(err)
	}
	ti, err := d.FSM.State().TriggerInstanceGet(id)
	if err != nil || ti.Trigger != "fake.event" || ti.Parameters["dir"] != "/a" {
		t.Fatalf("instance: %+v %v", ti, err)
	}
	for _, tc := range []struct {
		run, trigger string
		want         error
	}{
		{"sensor:nope", "fake.event", sdkhost.ErrPermissionDenied},
		{run.ID, "fake.nosuch", sdkhost.ErrInvalid},
	} {
		if _, err := m.Dispatch(ctx, tc.run, sdkhost.DispatchRequest{Trigger: tc.trigger}); !errors.Is(err, tc.want) {
			t.Fatalf("dispatch %s from %s: %v, want %v", tc.trigger, tc.run, err, tc.want)
		}
	}
}

// Package sensors runs the cluster's enabled sensors on the leader, each
// in exactly one place: through the sensor plugin that serves it (a Go
// plugin's own sensors, or a pack's sensor file by its extension). A
// sensor that ends is restarted with backoff and reported; rules' triggers
// are pushed to running sensors as rules change; dispatches become
// trigger instances through the rules service.
package sensors

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/pluginmgr"
	"github.com/squall-io/squall/host/rules"
	sdkhost "github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/sensor"
)

// Plugins is what the manager needs of the plugin manager.
type Plugins interface {
	SensorPlugins() []pluginmgr.SensorPlugin
	RunSensor(ctx context.Context, plugin string, run *sensor.Run, started func()) error
	UpdateSensorTriggers(ctx context.Context, plugin, runID string, triggers []sensor.Trigger) error
}

// Config wires a Manager.
type Config struct {
	State   func() *state.Store
	Raft    rules.Raft
	Rules   *rules.Service
	Plugins Plugins
	// PackDir returns where a pack's files are on this node.
	PackDir func(*structs.Pack) (string, error)
	Logger  hclog.Logger
	// MinBackoff and MaxBackoff bound the restart delay of a failing sensor.
	MinBackoff, MaxBackoff time.Duration
}

// Manager runs sensors while its Run's context lives (leadership).
type Manager struct {
	cfg    Config
	logger hclog.Logger

	mu   sync.Mutex
	runs map[string]*run // by run id
	// status is kept across runs for the API.
	status map[string]*Status // by sensor ref
}

// Status is a sensor's state as an operator sees it.
type Status struct {
	State    string    `json:"state"` // running, starting, backoff, no_plugin, disabled
	Plugin   string    `json:"plugin,omitempty"`
	Restarts int       `json:"restarts"`
	Error    string    `json:"error,omitempty"`
	Since    time.Time `json:"since"`
}

type run struct {
	id, ref, plugin string
	cancel          context.CancelFunc
	done            chan struct{}
	triggers        string // the last set pushed, as a key
	types           []string
	modify          uint64 // the sensor's ModifyIdx when started
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = time.Minute
	}
	return &Manager{cfg: cfg, logger: cfg.Logger.Named("sensors"), runs: map[string]*run{}, status: map[string]*Status{}}
}

// Statuses returns the known state of each sensor, by ref.
func (m *Manager) Statuses() map[string]Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Status, len(m.status))
	for k, v := range m.status {
		out[k] = *v
	}
	return out
}

func (m *Manager) setStatus(ref, state, plugin string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.status[ref]
	if s == nil {
		s = &Status{}
		m.status[ref] = s
	}
	if s.State != state {
		s.Since = time.Now().UTC()
	}
	s.State, s.Plugin, s.Error = state, plugin, ""
	if err != nil {
		s.Error = err.Error()
	}
}

// RunPlugin implements host/hostservice.Sensors.
func (m *Manager) RunPlugin(id string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return "", false
	}
	return r.plugin, true
}

// Dispatch fires a trigger instance for a sensor run; the trigger type
// must exist and the payload must be an object.
func (m *Manager) Dispatch(ctx context.Context, id string, req sdkhost.DispatchRequest) (string, error) {
	m.mu.Lock()
	r, ok := m.runs[id]
	m.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("sensor run %s is not running: %w", id, sdkhost.ErrPermissionDenied)
	}
	// A sensor names a trigger type, or (for a type with parameters) the
	// trigger it was given, which carries the parameters rules match on.
	typ, params := req.Trigger, map[string]any(nil)
	if _, known := m.cfg.Rules.TriggerType(typ); !known {
		t, ok := m.cfg.Rules.Trigger(req.Trigger)
		if !ok {
			return "", fmt.Errorf("sensor %s dispatched unknown trigger %q: %w", r.ref, req.Trigger, sdkhost.ErrInvalid)
		}
		typ, params = t.Type, t.Parameters
	}
	ti, err := m.cfg.Rules.Fire(ctx, typ, params, req.Payload, req.TraceTag)
	if err != nil {
		return "", err
	}
	return ti.ID, nil
}

// Run keeps the enabled sensors running until ctx ends, then stops them.
func (m *Manager) Run(ctx context.Context) {
	defer m.stopAll()
	for ctx.Err() == nil {
		sensors, watch, err := m.cfg.State().Sensors()
		if err != nil {
			m.logger.Error("failed to read sensors", "error", err)
			sleep(ctx, time.Second)
			continue
		}
		rulesWatch := m.rulesWatch()
		m.reconcile(ctx, sensors)
		select {
		case <-ctx.Done():
		case <-watch:
		case <-rulesWatch:
		case <-time.After(2 * time.Second): // plugins come and go; restores swap the store
		}
	}
}

// rulesWatch closes when rules change, so triggers are pushed promptly.
func (m *Manager) rulesWatch() <-chan struct{} {
	ch, err := m.cfg.State().RulesWatch()
	if err != nil {
		return nil
	}
	return ch
}

// reconcile starts what should run, stops what should not, and pushes
// new trigger sets.
func (m *Manager) reconcile(ctx context.Context, sensors []*structs.Sensor) {
	want := map[string]*structs.Sensor{}
	for _, x := range sensors {
		if !x.Enabled {
			m.setStatus(x.Ref, "disabled", "", nil)
			continue
		}
		want[x.Ref] = x
	}
	m.mu.Lock()
	var stale []*run
	running := map[string]*run{}
	for _, r := range m.runs {
		x, ok := want[r.ref]
		if !ok || x.ModifyIdx != r.modify {
			stale = append(stale, r)
			continue
		}
		running[r.ref] = r
	}
	m.mu.Unlock()
	for _, r := range stale {
		m.stop(r)
	}
	refs := make([]string, 0, len(want))
	for ref := range want {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	for _, ref := range refs {
		if r, ok := running[ref]; ok {
			m.pushTriggers(ctx, r)
			continue
		}
		m.start(ctx, want[ref])
	}
}

// provider finds the plugin for a sensor: the plugin that declared it,
// else one that runs its entry point's kind.
func (m *Manager) provider(x *structs.Sensor) string {
	kind := strings.TrimPrefix(filepath.Ext(x.EntryPoint), ".")
	for _, p := range m.cfg.Plugins.SensorPlugins() {
		if x.Plugin != "" {
			if p.Name == x.Plugin {
				return p.Name
			}
			continue
		}
		for _, k := range p.Info.EntryPointKinds {
			if k == kind && kind != "" {
				return p.Name
			}
		}
	}
	return ""
}

func (m *Manager) triggers(types []string) []sensor.Trigger {
	all, err := m.cfg.Rules.Triggers(types...)
	if err != nil || len(types) == 0 {
		return nil
	}
	out := make([]sensor.Trigger, 0, len(all))
	for _, t := range all {
		out = append(out, sensor.Trigger{ID: t.ID, Ref: t.Ref, Name: t.Name, Type: t.Type, Parameters: t.Parameters})
	}
	return out
}

func triggersKey(ts []sensor.Trigger) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%s=%v;", t.Ref, t.Parameters)
	}
	return b.String()
}

func (m *Manager) pushTriggers(ctx context.Context, r *run) {
	ts := m.triggers(r.types)
	key := triggersKey(ts)
	m.mu.Lock()
	same := key == r.triggers
	m.mu.Unlock()
	if same {
		return
	}
	if err := m.cfg.Plugins.UpdateSensorTriggers(ctx, r.plugin, r.id, ts); err != nil {
		m.logger.Warn("failed to update a sensor's triggers", "sensor", r.ref, "error", err)
		return
	}
	m.mu.Lock()
	r.triggers = key
	m.mu.Unlock()
}

// start launches a sensor's supervision loop.
func (m *Manager) start(ctx context.Context, x *structs.Sensor) {
	rctx, cancel := context.WithCancel(ctx)
	r := &run{id: "sensor:" + x.Ref + ":" + fmt.Sprint(x.ModifyIdx), ref: x.Ref, cancel: cancel, done: make(chan struct{}),
		types: x.TriggerTypes, modify: x.ModifyIdx}
	m.mu.Lock()
	m.runs[r.id] = r
	m.mu.Unlock()
	go func() {
		defer close(r.done)
		m.supervise(rctx, x, r)
	}()
}

// supervise runs a sensor again and again, backing off while it fails.
func (m *Manager) supervise(ctx context.Context, x *structs.Sensor, r *run) {
	logger := m.logger.With("sensor", x.Ref)
	backoff := m.cfg.MinBackoff
	restarts := 0
	for ctx.Err() == nil {
		plugin := m.provider(x)
		if plugin == "" {
			m.setStatus(x.Ref, "no_plugin", "", fmt.Errorf("no sensor plugin runs %s", describe(x)))
			sleep(ctx, 2*time.Second)
			continue
		}
		sr, err := m.prepare(x, r, plugin)
		if err != nil {
			m.setStatus(x.Ref, "backoff", plugin, err)
			logger.Error("failed to prepare the sensor", "error", err)
			sleep(ctx, backoff)
			backoff = min(backoff*2, m.cfg.MaxBackoff)
			continue
		}
		m.setStatus(x.Ref, "starting", plugin, nil)
		began := time.Now()
		m.fireProcess(ctx, rules.TriggerSensorSpawn, x)
		err = m.cfg.Plugins.RunSensor(ctx, plugin, sr, func() {
			m.setStatus(x.Ref, "running", plugin, nil)
			logger.Info("sensor started", "plugin", plugin)
		})
		m.fireProcess(context.WithoutCancel(ctx), rules.TriggerSensorExit, x)
		if ctx.Err() != nil {
			return
		}
		restarts++
		if time.Since(began) > m.cfg.MaxBackoff {
			backoff = m.cfg.MinBackoff // it ran well for a while
		}
		logger.Error("sensor ended; restarting", "error", err, "retry_in", backoff)
		m.setStatus(x.Ref, "backoff", plugin, err)
		m.mu.Lock()
		m.status[x.Ref].Restarts = restarts
		r.triggers = ""
		m.mu.Unlock()
		sleep(ctx, backoff)
		backoff = min(backoff*2, m.cfg.MaxBackoff)
	}
}

func describe(x *structs.Sensor) string {
	if x.Plugin != "" {
		return "plugin " + x.Plugin + "'s sensors"
	}
	return fmt.Sprintf("%q files", filepath.Ext(x.EntryPoint))
}

// prepare builds a run: the pack's files on this node, its config, the
// triggers rules want now.
func (m *Manager) prepare(x *structs.Sensor, r *run, plugin string) (*sensor.Run, error) {
	sr := &sensor.Run{
		ID: r.id, Ref: x.Ref, Pack: x.Pack, ClassName: x.ClassName,
		PollInterval: time.Duration(x.PollInterval) * time.Second,
	}
	if x.EntryPoint != "" {
		p, err := m.cfg.State().PackGet(x.Pack)
		if err != nil {
			return nil, err
		}
		dir, err := m.cfg.PackDir(p)
		if err != nil {
			return nil, fmt.Errorf("pack %s is not available on this node: %w", x.Pack, err)
		}
		sr.PackPath, sr.EntryPoint, sr.Config = dir, filepath.Join(dir, "sensors", x.EntryPoint), p.Config
	}
	sr.Triggers = m.triggers(x.TriggerTypes)
	m.mu.Lock()
	r.plugin, r.triggers = plugin, triggersKey(sr.Triggers)
	m.mu.Unlock()
	return sr, nil
}

// fireProcess fires core.st2.sensor.process_spawn/exit when a rule
// listens (StackStorm's payload: {object: sensor}).
func (m *Manager) fireProcess(ctx context.Context, trigger string, x *structs.Sensor) {
	if rs, _ := m.cfg.State().RulesForTrigger(trigger); len(rs) == 0 {
		return
	}
	payload := map[string]any{"object": map[string]any{
		"id": x.ID, "ref": x.Ref, "pack": x.Pack, "name": x.Name, "class_name": x.ClassName,
		"entry_point": x.EntryPoint, "enabled": x.Enabled, "trigger_types": x.TriggerTypes,
	}}
	if _, err := m.cfg.Rules.Fire(ctx, trigger, nil, payload, ""); err != nil && ctx.Err() == nil {
		m.logger.Warn("failed to fire a sensor process trigger", "trigger", trigger, "error", err)
	}
}

func (m *Manager) stop(r *run) {
	r.cancel()
	<-r.done
	m.mu.Lock()
	delete(m.runs, r.id)
	m.mu.Unlock()
}

func (m *Manager) stopAll() {
	m.mu.Lock()
	all := make([]*run, 0, len(m.runs))
	for _, r := range m.runs {
		all = append(all, r)
	}
	m.mu.Unlock()
	for _, r := range all {
		m.stop(r)
	}
}

// SetEnabled enables or disables a sensor (any node may).
func (m *Manager) SetEnabled(ctx context.Context, x *structs.Sensor, enabled bool) (*structs.Sensor, error) {
	next := *x
	next.Enabled = enabled
	if _, err := m.cfg.Raft.Apply(ctx, command.SensorPut, command.SensorPutRequest{Sensors: []structs.Sensor{next}}); err != nil {
		return nil, err
	}
	return &next, nil
}

// Register records the sensors and trigger types a node's sensor plugins
// declare (each node calls it as its plugins start).
func Register(ctx context.Context, raft rules.Raft, plugins []pluginmgr.SensorPlugin, newID func() string) error {
	for _, p := range plugins {
		req := command.SensorPutRequest{Plugin: p.Name, Now: time.Now().UTC()}
		for _, st := range p.Info.Sensors {
			pack, name, _ := strings.Cut(st.Ref, ".")
			req.Sensors = append(req.Sensors, structs.Sensor{
				ID: newID(), Ref: st.Ref, Pack: pack, Name: name, ClassName: name, Description: st.Description,
				PollInterval: int(st.PollInterval / time.Second), Enabled: !st.Disabled,
				TriggerTypes: st.TriggerTypes, Plugin: p.Name,
			})
		}
		for _, tt := range p.Info.TriggerTypes {
			pack, name, _ := strings.Cut(tt.Ref, ".")
			req.TriggerTypes = append(req.TriggerTypes, structs.TriggerType{
				ID: newID(), Ref: tt.Ref, Pack: pack, Name: name, Description: tt.Description,
				ParametersSchema: tt.ParametersSchema, PayloadSchema: tt.PayloadSchema,
			})
		}
		if _, err := raft.Apply(ctx, command.SensorPut, req); err != nil {
			return fmt.Errorf("failed to register the sensors of %s: %w", p.Name, err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Package pluginmgr finds plugin binaries, starts each once as a
// long-lived go-plugin process, restarts it with backoff when it dies, and
// routes runs to the plugin that provides their runner type, and sensor
// runs to the sensor plugin they name.
package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/sensor"
	"github.com/squall-io/squall/sdk/workflow"
)

// BinaryPrefix marks plugin binaries in the plugin directory.
const BinaryPrefix = "squall-"

// ErrPluginExited is the reason given for runs whose plugin died under them.
var ErrPluginExited = errors.New("runner plugin exited")

// ErrNoRunner means no running plugin provides a runner type.
var ErrNoRunner = errors.New("no runner plugin provides this runner type")

// Config wires a Manager.
type Config struct {
	// Dir is searched for squall-* executables.
	Dir string
	// Host answers the plugins' host-service calls.
	Host   hostservice.Service
	Logger hclog.Logger
	// StartTimeout bounds the handshake of a starting plugin.
	StartTimeout time.Duration
	// OnChange is called when the set of available runner types changes.
	OnChange func()
	// MinBackoff and MaxBackoff bound the restart delay of a dead plugin.
	MinBackoff, MaxBackoff time.Duration
}

// Scoper is an optional capability of the host service: a view of it
// that answers only for one plugin's runs (executions of its runner types,
// or its sensor runs), so that no plugin acts for another's.
type Scoper interface {
	Scoped(plugin string, runnerTypes []string) hostservice.Service
}

func (m *Manager) scoped(plugin string, runnerTypes []string) hostservice.Service {
	if sc, ok := m.cfg.Host.(Scoper); ok {
		return sc.Scoped(plugin, runnerTypes)
	}
	return m.cfg.Host
}

// Step runs one step of a workflow on the plugin that provides its
// runner type.
func (m *Manager) Step(ctx context.Context, req *workflow.StepRequest) (*workflow.StepResponse, error) {
	p := m.provider(req.RunnerType)
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoRunner, req.RunnerType)
	}
	p.mu.Lock()
	wc, state := p.workflow, p.state
	p.mu.Unlock()
	if wc == nil || state != StateRunning {
		return nil, fmt.Errorf("%w: %s is %s", ErrPluginExited, p.name, state)
	}
	return wc.Step(ctx, req)
}

// SensorPrefix marks sensor plugin binaries (squall-sensor-*).
const SensorPrefix = BinaryPrefix + "sensor-"

// SensorPlugin is a running sensor plugin and what it declared.
type SensorPlugin struct {
	Name string
	Info sensor.Info
}

// SensorPlugins returns the running sensor plugins, by name.
func (m *Manager) SensorPlugins() []SensorPlugin {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []SensorPlugin
	for _, p := range m.plugins {
		p.mu.Lock()
		if p.state == StateRunning && p.sensor != nil {
			out = append(out, SensorPlugin{Name: p.name, Info: p.sensorInfo})
		}
		p.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RunSensor runs a sensor on the named sensor plugin until ctx ends or the
// sensor does; a plugin that is not running fails it at once.
func (m *Manager) RunSensor(ctx context.Context, plugin string, run *sensor.Run, started func()) error {
	c, err := m.sensorClient(plugin)
	if err != nil {
		return err
	}
	return c.Run(ctx, run, started)
}

// UpdateSensorTriggers tells a running sensor its new triggers.
func (m *Manager) UpdateSensorTriggers(ctx context.Context, plugin, runID string, triggers []sensor.Trigger) error {
	c, err := m.sensorClient(plugin)
	if err != nil {
		return err
	}
	return c.UpdateTriggers(ctx, runID, triggers)
}

func (m *Manager) sensorClient(name string) (*sensor.Client, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, p := range m.plugins {
		if p.name != name {
			continue
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.state != StateRunning || p.sensor == nil {
			return nil, fmt.Errorf("%w: %s is %s", ErrPluginExited, name, p.state)
		}
		return p.sensor, nil
	}
	return nil, fmt.Errorf("no sensor plugin %s", name)
}

// Manager supervises the plugins of one node.
type Manager struct {
	cfg    Config
	logger hclog.Logger

	mu      sync.RWMutex
	plugins map[string]*supervised // by binary path
	wg      sync.WaitGroup
}

// New returns a Manager; Start launches its plugins.
func New(cfg Config) *Manager {
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.OnChange == nil {
		cfg.OnChange = func() {}
	}
	return &Manager{cfg: cfg, logger: cfg.Logger.Named("plugins"), plugins: map[string]*supervised{}}
}

// Discover lists the plugin binaries in dir: executable regular files
// named squall-*, by name.
func Discover(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to read plugin directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), BinaryPrefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		st, err := os.Stat(path) // follows links
		if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
			continue
		}
		out = append(out, path)
	}
	sort.Strings(out)
	return out, nil
}

// Start launches every plugin found in the directory and returns when each
// has answered its handshake or failed to; failures are logged and retried
// in the background. Plugins run until ctx ends; then Wait.
func (m *Manager) Start(ctx context.Context) error {
	paths, err := Discover(m.cfg.Dir)
	if err != nil {
		return err
	}
	var started sync.WaitGroup
	for _, path := range paths {
		p := &supervised{path: path, name: filepath.Base(path), m: m, state: StateStarting}
		m.mu.Lock()
		m.plugins[path] = p
		m.mu.Unlock()
		started.Add(1)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			p.supervise(ctx, started.Done)
		}()
	}
	started.Wait()
	return nil
}

// Wait blocks until every plugin process has been stopped.
func (m *Manager) Wait() { m.wg.Wait() }

// RunnerTypes returns the runner types of every running plugin.
func (m *Manager) RunnerTypes() []PluginRunner {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []PluginRunner
	for _, p := range m.plugins {
		p.mu.Lock()
		if p.state == StateRunning {
			for _, rt := range p.info.RunnerTypes {
				out = append(out, PluginRunner{Plugin: p.name, RunnerType: rt, Workflow: p.workflow != nil})
			}
		}
		p.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RunnerType.Name < out[j].RunnerType.Name })
	return out
}

// PluginRunner is one runner type and the plugin that provides it.
type PluginRunner struct {
	Plugin     string
	RunnerType runner.RunnerType
	// Workflow: the leader drives the type's executions through Step.
	Workflow bool
}

// Status is a plugin as an operator sees it.
type Status struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	Kind        string   `json:"kind"`
	Version     string   `json:"version,omitempty"`
	State       string   `json:"state"`
	Error       string   `json:"error,omitempty"`
	Restarts    int      `json:"restarts"`
	RunnerTypes []string `json:"runner_types"`
	Sensors     []string `json:"sensors,omitempty"`
}

// Plugin states.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	StateFailed   = "failed" // waiting to retry
	StateStopped  = "stopped"
)

// Statuses reports every plugin, by name.
func (m *Manager) Statuses() []Status {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Status
	for _, p := range m.plugins {
		out = append(out, p.status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run runs req on the plugin that provides its runner type. If the plugin
// dies during the run, the error wraps ErrPluginExited.
func (m *Manager) Run(ctx context.Context, req *runner.Request, out runner.RunOutput) (runner.Result, error) {
	p := m.provider(req.RunnerType)
	if p == nil {
		return runner.Result{}, fmt.Errorf("%w: %s", ErrNoRunner, req.RunnerType)
	}
	return p.run(ctx, req, out)
}

func (m *Manager) provider(runnerType string) *supervised {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var found *supervised
	for _, p := range m.plugins {
		if p.provides(runnerType) && (found == nil || p.name < found.name) {
			found = p
		}
	}
	return found
}

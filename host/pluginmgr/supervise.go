package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/sensor"
	"github.com/squall-io/squall/sdk/workflow"
)

// supervised is one plugin binary and its current process.
type supervised struct {
	path, name string
	m          *Manager

	mu       sync.Mutex
	state    string
	err      error
	restarts int
	info     runner.Info
	client   *goplugin.Client
	runner   *runner.Client
	// sensor and sensorInfo are set instead for a sensor plugin.
	sensor     *sensor.Client
	sensorInfo sensor.Info
	// workflow is set for a workflow plugin; info holds its runner types.
	workflow *workflow.Client
	// exited is closed when the current process ends.
	exited chan struct{}
}

func (p *supervised) status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{Name: p.name, Path: p.path, Kind: p.kind(), Version: p.info.Version, State: p.state, Restarts: p.restarts}
	if p.kind() == plugin.KindSensor {
		s.Version = p.sensorInfo.Version
	}
	if p.err != nil {
		s.Error = p.err.Error()
	}
	for _, rt := range p.info.RunnerTypes {
		s.RunnerTypes = append(s.RunnerTypes, rt.Name)
	}
	for _, st := range p.sensorInfo.Sensors {
		s.Sensors = append(s.Sensors, st.Ref)
	}
	return s
}

// kind is the plugin kind the binary's name says: squall-sensor-* serve
// sensors, every other squall-* serves runners.
func (p *supervised) kind() string {
	switch {
	case strings.HasPrefix(p.name, SensorPrefix):
		return plugin.KindSensor
	case p.workflow != nil:
		return plugin.KindWorkflow
	}
	return plugin.KindRunner
}

func (p *supervised) provides(runnerType string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != StateRunning {
		// A plugin that provided the type before it died still owns it:
		// its runs fail clearly until it is back.
		if p.info.Name == "" {
			return false
		}
	}
	for _, rt := range p.info.RunnerTypes {
		if rt.Name == runnerType {
			return true
		}
	}
	return false
}

// supervise starts the plugin, waits for it to exit, and restarts it with
// exponential backoff until ctx ends. first is called after the first
// attempt, whatever its outcome.
func (p *supervised) supervise(ctx context.Context, first func()) {
	logger := p.m.logger.With("plugin", p.name)
	backoff := p.m.cfg.MinBackoff
	for attempt := 0; ; attempt++ {
		exited, err := p.start(ctx)
		if attempt == 0 {
			first()
		}
		if err != nil {
			logger.Error("plugin failed to start", "error", err, "retry_in", backoff)
		} else {
			logger.Info("plugin started", "kind", p.kind(), "runner_types", len(p.info.RunnerTypes), "sensors", len(p.sensorInfo.Sensors))
			p.m.cfg.OnChange()
			started := time.Now()
			select {
			case <-ctx.Done():
				p.stop()
				return
			case <-exited:
			}
			logger.Error("plugin exited; restarting", "retry_in", backoff)
			p.setFailed(errors.New("the plugin process exited"))
			p.m.cfg.OnChange()
			if time.Since(started) > p.m.cfg.MaxBackoff {
				backoff = p.m.cfg.MinBackoff // it ran well for a while
			}
		}
		select {
		case <-ctx.Done():
			p.stop()
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, p.m.cfg.MaxBackoff)
	}
}

// start launches one process and completes the handshake, Info and
// Configure within StartTimeout.
func (p *supervised) start(ctx context.Context) (<-chan struct{}, error) {
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins: goplugin.PluginSet{
			plugin.KindRunner: &runner.GRPCPlugin{}, plugin.KindSensor: &sensor.GRPCPlugin{}, plugin.KindWorkflow: &workflow.GRPCPlugin{},
		},
		Cmd:              exec.Command(p.path),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     p.m.cfg.StartTimeout,
		Logger:           p.m.logger.Named(p.name),
	})
	fail := func(err error) (<-chan struct{}, error) {
		client.Kill()
		p.setFailed(err)
		return nil, err
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(fmt.Errorf("handshake: %w", err))
	}
	kind := plugin.KindRunner // workflow engines are told apart by their answer
	if strings.HasPrefix(p.name, SensorPrefix) {
		kind = plugin.KindSensor
	}
	raw, err := rpc.Dispense(kind)
	if err != nil {
		return fail(fmt.Errorf("failed to dispense the %s: %w", kind, err))
	}
	callCtx, cancel := context.WithTimeout(ctx, p.m.cfg.StartTimeout)
	defer cancel()
	var (
		rc    *runner.Client
		info  runner.Info
		sc    *sensor.Client
		sinfo sensor.Info
		wc    *workflow.Client
	)
	switch c := raw.(type) {
	case *runner.Client:
		if info, err = c.Info(callCtx); status.Code(err) == codes.Unimplemented {
			// Not a runner: a squall-runner-* binary may serve workflow
			// runner types instead (orquesta, action-chain).
			if wc, info, err = p.dispenseWorkflow(callCtx, rpc); err != nil {
				return fail(err)
			}
			break
		}
		if err != nil {
			return fail(err)
		}
		var types []string
		for _, rt := range info.RunnerTypes {
			types = append(types, rt.Name)
		}
		if err := c.Configure(callCtx, p.m.scoped(p.name, types)); err != nil {
			return fail(err)
		}
		rc = c
	case *sensor.Client:
		if sinfo, err = c.Info(callCtx); err != nil {
			return fail(err)
		}
		if err := c.Configure(callCtx, p.m.scoped(p.name, nil)); err != nil {
			return fail(err)
		}
		sc = c
	default:
		return fail(fmt.Errorf("the plugin is not a %s (%T)", kind, raw))
	}
	exited := make(chan struct{})
	go watchExit(client, exited)
	p.mu.Lock()
	if p.client != nil {
		p.restarts++
	}
	p.client, p.runner, p.info, p.sensor, p.sensorInfo, p.workflow, p.exited = client, rc, info, sc, sinfo, wc, exited
	p.state, p.err = StateRunning, nil
	p.mu.Unlock()
	return exited, nil
}

// dispenseWorkflow connects a plugin that serves workflow runner types.
func (p *supervised) dispenseWorkflow(ctx context.Context, rpc goplugin.ClientProtocol) (*workflow.Client, runner.Info, error) {
	raw, err := rpc.Dispense(plugin.KindWorkflow)
	if err != nil {
		return nil, runner.Info{}, fmt.Errorf("failed to dispense the workflow engine: %w", err)
	}
	wc, ok := raw.(*workflow.Client)
	if !ok {
		return nil, runner.Info{}, fmt.Errorf("the plugin is not a workflow engine (%T)", raw)
	}
	winfo, err := wc.Info(ctx)
	if err != nil {
		return nil, runner.Info{}, err
	}
	var types []string
	for _, rt := range winfo.RunnerTypes {
		types = append(types, rt.Name)
	}
	if err := wc.Configure(ctx, p.m.scoped(p.name, types)); err != nil {
		return nil, runner.Info{}, err
	}
	return wc, runner.Info{Name: winfo.Name, Version: winfo.Version, RunnerTypes: winfo.RunnerTypes}, nil
}

// watchExit closes exited when the process is gone; go-plugin only offers
// a flag to poll.
func watchExit(c *goplugin.Client, exited chan struct{}) {
	for !c.Exited() {
		time.Sleep(100 * time.Millisecond)
	}
	close(exited)
}

func (p *supervised) setFailed(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.err = StateFailed, err
}

func (p *supervised) stop() {
	p.mu.Lock()
	c := p.client
	p.state = StateStopped
	p.mu.Unlock()
	if c != nil {
		c.Kill()
	}
}

// run calls the plugin; if its process exits meanwhile, the run fails
// with ErrPluginExited whatever the transport said.
func (p *supervised) run(ctx context.Context, req *runner.Request, out runner.RunOutput) (runner.Result, error) {
	p.mu.Lock()
	rc, exited, state := p.runner, p.exited, p.state
	p.mu.Unlock()
	if state != StateRunning || rc == nil {
		return runner.Result{}, fmt.Errorf("%w: %s is %s, restarting", ErrPluginExited, p.name, state)
	}
	res, err := rc.Run(ctx, req, out)
	if err == nil || ctx.Err() != nil {
		return res, err
	}
	// The stream broke: tell a dead plugin from a transport hiccup.
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		return res, err
	}
	return runner.Result{}, fmt.Errorf("%w: %s died during the run", ErrPluginExited, p.name)
}

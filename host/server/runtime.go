package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/actions"
	"github.com/squall-io/squall/host/audit"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/dispatcher"
	"github.com/squall-io/squall/host/events"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/hostservice"
	"github.com/squall-io/squall/host/inquiries"
	"github.com/squall-io/squall/host/packs"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/host/pluginmgr"
	"github.com/squall-io/squall/host/rules"
	"github.com/squall-io/squall/host/scheduler"
	"github.com/squall-io/squall/host/sensors"
	"github.com/squall-io/squall/host/workflow"
	builtinpacks "github.com/squall-io/squall/packs"
)

// runtime is the part of a node that runs actions: packs, plugins, the
// executions service and the dispatcher.
type runtime struct {
	workDir    string
	bus        *events.Bus
	actions    *actions.Service
	executions *executions.Service
	rules      *rules.Service
	engine     *rules.Engine
	sensors    *sensors.Manager
	workflows  *workflow.Driver
	inquiries  *inquiries.Service
	plugins    *pluginmgr.Manager
	dispatcher *dispatcher.Dispatcher
	audit      *audit.Log
	// runnersChanged asks for this node's runner types to be republished.
	runnersChanged chan struct{}
}

// newRuntime writes the built-in packs to the work dir and wires the
// services that run actions.
func (s *Server) newRuntime(cipher executions.Decrypter) error {
	workDir := s.cfg.DataDir
	if s.cfg.Dev {
		dir, err := os.MkdirTemp("", "squall-dev-")
		if err != nil {
			return err
		}
		workDir = dir
	}
	builtinDir := filepath.Join(workDir, "builtin-packs")
	names, err := packs.WriteBuiltins(builtinpacks.FS, builtinDir)
	if err != nil {
		return fmt.Errorf("failed to write the built-in packs: %w", err)
	}
	paths := []string{builtinDir}
	for _, p := range strings.Split(s.cfg.PacksPath, ":") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	configsDir := s.cfg.ConfigsDir
	if configsDir == "" {
		configsDir = filepath.Join(workDir, "configs")
	}
	pluginDir := s.cfg.PluginDir
	if pluginDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("failed to find the plugin directory: %w (set --plugin-dir)", err)
		}
		pluginDir = filepath.Dir(exe)
	}
	st := s.fsm.State
	render := func(e *structs.Execution, p *structs.Pack) params.RenderContext {
		return executions.RenderContext(st(), cipher, e, p)
	}
	rt := &runtime{workDir: workDir, bus: events.NewBus(), runnersChanged: make(chan struct{}, 1)}
	if !s.cfg.Dev {
		if rt.audit, err = audit.Open(filepath.Join(workDir, "audit", "audit.log")); err != nil {
			return err
		}
	}
	newID := func() string { return executions.NewID(time.Now()) }
	rt.rules = rules.New(rules.Config{Raft: s.node, State: st, NewID: newID, Logger: s.logger})
	rt.actions = actions.New(actions.Config{
		Raft: s.node, State: st, PacksPaths: paths, BuiltinPacks: names, ConfigsDir: configsDir,
		NewID: newID, PackRules: rt.rules.LoadPackRules, Logger: s.logger,
	})
	rt.executions = executions.New(executions.Config{
		Raft: s.node, State: st, Scheduler: scheduler.New(s.node.ID(), st), Render: render, Logger: s.logger,
		Node: s.node.ID(), Audit: rt.audit,
	})
	rt.engine = &rules.Engine{
		State: st, Raft: s.node, Executions: rt.executions, NewID: newID, User: auth.AdminUser, Logger: s.logger,
	}
	if cipher != nil {
		rt.engine.Decrypt = cipher.Decrypt
	}
	rt.rules.SetInline(rt.engine, s.node.IsLeader)
	host := hostservice.New(s.node.ID(), st, s.datastore, s.logger)
	rt.plugins = pluginmgr.New(pluginmgr.Config{Dir: pluginDir, Host: host, Logger: s.logger, OnChange: rt.changed})
	rt.sensors = sensors.New(sensors.Config{
		State: st, Raft: s.node, Rules: rt.rules, Plugins: rt.plugins, PackDir: s.packDir, Logger: s.logger,
	})
	// Sensors use the datastore as the admin user, as StackStorm's sensor
	// container does with its service token.
	host.SetSensors(rt.sensors, auth.AdminUser)
	rt.dispatcher = dispatcher.New(dispatcher.Config{
		Node: s.node.ID(), Raft: s.node, State: st, Plugins: rt.plugins, Bus: rt.bus, Render: render,
		PackDir: s.packDir, Token: s.auth.ExecutionToken, APIURL: "http://" + s.cfg.HTTPAddr + "/v1",
		Logger: s.logger, ValidateOutput: s.cfg.ValidateOutput, Audit: rt.audit,
	})
	rt.workflows = workflow.New(workflow.Config{
		State: st, Raft: s.node, Engines: rt.plugins, Executions: rt.executions, Request: rt.dispatcher.Request,
		NewID: newID, Logger: s.logger,
	})
	rt.inquiries = inquiries.New(inquiries.Config{State: st, Raft: s.node, Resumer: rt.executions, Logger: s.logger})
	s.rt = rt
	return nil
}

func (rt *runtime) changed() {
	select {
	case rt.runnersChanged <- struct{}{}:
	default:
	}
}

// packDir is where a pack's files are on this node: where it was
// registered from if that exists here, else a copy of its replicated files.
func (s *Server) packDir(p *structs.Pack) (string, error) {
	if p.Path != "" {
		if _, err := os.Stat(filepath.Join(p.Path, "pack.yaml")); err == nil {
			return p.Path, nil
		}
	}
	content, err := s.fsm.State().PackContentGet(p.Ref)
	if err != nil {
		return "", err
	}
	return packs.Materialize(content, filepath.Join(s.rt.workDir, "pack-cache"))
}

// runRuntime starts the plugins and the dispatcher and keeps this node's
// runner types published until ctx ends.
func (s *Server) runRuntime(ctx context.Context) {
	if err := s.rt.plugins.Start(ctx); err != nil {
		s.logger.Error("failed to start plugins", "error", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.rt.dispatcher.Run(ctx)
	}()
	s.rt.changed()
	for {
		marked, err := s.markedDown()
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		select {
		case <-marked:
			if n := s.ownRunners(); n != nil && n.Down {
				s.logger.Warn("the leader marked this node down; publishing its runners again")
				s.rt.changed()
			}
		case <-ctx.Done():
			<-done
			s.rt.plugins.Wait()
			_ = s.rt.audit.Close()
			if s.cfg.Dev {
				_ = os.RemoveAll(s.rt.workDir)
			}
			return
		case <-s.rt.runnersChanged:
			s.publishRunners(ctx)
		}
	}
}

// markedDown returns a channel that closes when any node's runners change
// (the leader marks a silent node down there).
func (s *Server) markedDown() (<-chan struct{}, error) { return s.fsm.State().NodeRunnersWatch() }

func (s *Server) ownRunners() *structs.NodeRunners {
	nodes, err := s.fsm.State().NodeRunners()
	if err != nil {
		return nil
	}
	for _, n := range nodes {
		if n.Node == s.node.ID() {
			return n
		}
	}
	return nil
}

// publishRunners records in raft what this node can run, retrying until
// the cluster takes it.
func (s *Server) publishRunners(ctx context.Context) {
	nr := structs.NodeRunners{Node: s.node.ID(), APIAddr: s.cfg.HTTPAddr, UpdatedAt: time.Now().UTC()}
	nr.RunnerTypes = append(nr.RunnerTypes, dispatcher.BuiltinRunnerTypes()...)
	for _, pr := range s.rt.plugins.RunnerTypes() {
		rt := pr.RunnerType
		nr.RunnerTypes = append(nr.RunnerTypes, structs.RunnerType{
			Name: rt.Name, Description: rt.Description, Enabled: true, RunnerParameters: rt.Parameters,
			OutputKey: rt.OutputKey, OutputSchema: rt.OutputSchema, Plugin: pr.Plugin, Workflow: pr.Workflow,
		})
	}
	for ctx.Err() == nil {
		_, err := s.node.Apply(ctx, command.NodeRunners, command.NodeRunnersRequest{Runners: nr})
		if err == nil {
			err = sensors.Register(ctx, s.node, s.rt.plugins.SensorPlugins(), func() string { return executions.NewID(time.Now()) })
		}
		if err == nil {
			s.logger.Debug("published runner types", "count", len(nr.RunnerTypes))
			return
		}
		s.logger.Warn("failed to publish runner types; retrying", "error", err)
		sleepCtx(ctx, time.Second)
	}
}

// keepBuiltinPacks registers the built-in packs on the leader, again
// whenever the runners available in the cluster change.
func (s *Server) keepBuiltinPacks(ctx context.Context) {
	for ctx.Err() == nil {
		watch, err := s.fsm.State().NodeRunnersWatch()
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		if err := s.rt.actions.EnsureBuiltins(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("failed to register the built-in packs; retrying", "error", err)
			sleepCtx(ctx, time.Second)
			continue
		}
		select {
		case <-ctx.Done():
		case <-watch:
		}
	}
}

// ensureExecTokenKey creates the key that signs execution tokens.
func (s *Server) ensureExecTokenKey(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.auth.EnsureExecTokenKey(ctx); err == nil {
			return
		} else {
			s.logger.Warn("failed to create the execution token key; retrying", "error", err)
		}
		sleepCtx(ctx, time.Second)
	}
}

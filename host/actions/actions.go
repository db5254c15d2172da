// Package actions is the node's catalog service: packs registration,
// actions and runner types, all replicated through raft.
package actions

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/packs"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Config wires a Service.
type Config struct {
	Raft  Raft
	State func() *state.Store
	// PacksPaths are searched for packs in order; the built-in packs'
	// directory is first.
	PacksPaths []string
	// BuiltinPacks names the packs that ship with squall.
	BuiltinPacks []string
	ConfigsDir   string
	NewID        func() string
	// PackRules, when set, reads the rules of a batch of packs into their
	// bundles (the rules service validates them).
	PackRules func(batch []command.PackBundle) error
	Logger    hclog.Logger
}

// Service implements the catalog.
type Service struct {
	cfg    Config
	logger hclog.Logger
}

// New returns a Service.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, logger: cfg.Logger.Named("actions")}
}

// RunnerType returns a runner type that some node provides.
func (s *Service) RunnerType(name string) (structs.RunnerType, bool) {
	return s.cfg.State().RunnerTypeGet(name)
}

func (s *Service) options() packs.Options {
	return packs.Options{RunnerType: s.RunnerType, ConfigsDir: s.cfg.ConfigsDir, NewID: s.cfg.NewID}
}

// RegisterResult counts what a registration registered, by StackStorm's
// resource names.
type RegisterResult map[string]int

// Register reads the named packs (all found when names is empty) from the
// packs paths and registers them in one raft command: every pack or none.
func (s *Service) Register(ctx context.Context, names []string) (RegisterResult, error) {
	found, err := packs.Find(s.cfg.PacksPaths)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		for ref := range found {
			names = append(names, ref)
		}
		sort.Strings(names)
	}
	req := command.PackRegisterRequest{Now: time.Now().UTC()}
	res := RegisterResult{"packs": 0, "actions": 0, "runners": 0}
	for _, name := range names {
		dir, ok := found[name]
		if !ok {
			return nil, structs.Errorf(structs.KindNotFound, "pack %q is not in the packs paths %v", name, s.cfg.PacksPaths)
		}
		b, err := packs.Load(dir, s.options())
		if err != nil {
			return nil, structs.Errorf(structs.KindInvalid, "failed to register pack %q: %v", name, err)
		}
		req.Packs = append(req.Packs, b)
		res["packs"]++
		res["actions"] += len(b.Actions)
	}
	if s.cfg.PackRules != nil {
		if err := s.cfg.PackRules(req.Packs); err != nil {
			return nil, structs.Errorf(structs.KindInvalid, "failed to register packs: %v", err)
		}
	}
	res["rules"], res["sensors"], res["triggers"] = 0, 0, 0
	for _, b := range req.Packs {
		res["rules"] += len(b.Rules)
		res["sensors"] += len(b.Sensors)
		res["triggers"] += len(b.TriggerTypes)
	}
	if rts, err := s.cfg.State().RunnerTypes(); err == nil {
		res["runners"] = len(rts)
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.PackRegister, req); err != nil {
		return nil, err
	}
	s.logger.Info("registered packs", "packs", names, "actions", res["actions"])
	return res, nil
}

// EnsureBuiltins registers the built-in packs when what is registered
// differs from what this binary ships (first start, upgrade, or a runner
// type that became available). Actions whose runner no node provides yet
// are left out until one does.
func (s *Service) EnsureBuiltins(ctx context.Context) error {
	found, err := packs.Find(s.cfg.PacksPaths[:1])
	if err != nil {
		return err
	}
	req := command.PackRegisterRequest{Now: time.Now().UTC()}
	for _, name := range s.cfg.BuiltinPacks {
		dir, ok := found[name]
		if !ok {
			return fmt.Errorf("built-in pack %q is missing from %s", name, s.cfg.PacksPaths[0])
		}
		o := s.options()
		o.SkipUnknownRunners = true
		b, err := packs.Load(dir, o)
		if err != nil {
			return fmt.Errorf("built-in pack %q: %w", name, err)
		}
		if s.registered(b) {
			continue
		}
		req.Packs = append(req.Packs, b)
	}
	if len(req.Packs) == 0 {
		return nil
	}
	_, err = s.cfg.Raft.Apply(ctx, command.PackRegister, req)
	return err
}

// registered reports whether b is what the cluster already has.
func (s *Service) registered(b command.PackBundle) bool {
	st := s.cfg.State()
	p, err := st.PackGet(b.Pack.Ref)
	if err != nil || p.ContentHash != b.Pack.ContentHash {
		return false
	}
	have, err := st.Actions(b.Pack.Ref)
	if err != nil || len(have) != len(b.Actions) {
		return false
	}
	return true
}

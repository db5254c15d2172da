// Package rules is the rules service: StackStorm's rule files and API
// objects validated into raft, and (engine.go) the leader's loop that
// matches trigger instances against them.
package rules

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/host/rules/criteria"
	"github.com/squall-io/squall/sdk/expr/jinja"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Config wires a Service.
type Config struct {
	Raft   Raft
	State  func() *state.Store
	NewID  func() string
	Logger hclog.Logger
}

// Service implements rule management.
type Service struct {
	cfg    Config
	logger hclog.Logger
	// inline and leader: see SetInline.
	inline *Engine
	leader func() bool
}

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg: cfg, logger: cfg.Logger.Named("rules")} }

// Meta is a rule as StackStorm's rule YAML and API write it.
type Meta struct {
	Name        string           `yaml:"name" json:"name"`
	Pack        string           `yaml:"pack" json:"pack"`
	Description string           `yaml:"description" json:"description"`
	Enabled     *bool            `yaml:"enabled" json:"enabled"`
	Type        any              `yaml:"type" json:"type"` // "standard" or {ref: standard}
	Trigger     MetaTrigger      `yaml:"trigger" json:"trigger"`
	Criteria    map[string]any   `yaml:"criteria" json:"criteria"`
	Action      MetaAction       `yaml:"action" json:"action"`
	Tags        []map[string]any `yaml:"tags" json:"tags"`
}

// MetaTrigger is a rule's trigger section.
type MetaTrigger struct {
	Type       string         `yaml:"type" json:"type"`
	Parameters map[string]any `yaml:"parameters" json:"parameters"`
}

// MetaAction is a rule's action section.
type MetaAction struct {
	Ref        string         `yaml:"ref" json:"ref"`
	Parameters map[string]any `yaml:"parameters" json:"parameters"`
}

// DefaultPack holds rules that name no pack, as StackStorm does.
const DefaultPack = "default"

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// buildScope is what a rule may refer to besides what is registered:
// the actions and trigger types of the packs being registered with it.
type buildScope struct {
	actions      map[string]bool
	triggerTypes map[string]*structs.TriggerType
}

// Build validates rule metadata; errors name the field.
func (s *Service) Build(m Meta) (structs.Rule, error) { return s.build(m, buildScope{}) }

func (s *Service) build(m Meta, scope buildScope) (structs.Rule, error) {
	r := structs.Rule{
		Name: m.Name, Pack: m.Pack, Description: m.Description, Enabled: m.Enabled == nil || *m.Enabled,
		Type: structs.RuleStandard, Criteria: m.Criteria, Tags: m.Tags,
		Trigger: structs.RuleTrigger{Type: m.Trigger.Type, Parameters: m.Trigger.Parameters},
		Action:  structs.RuleAction{Ref: m.Action.Ref, Parameters: m.Action.Parameters},
	}
	if r.Pack == "" {
		r.Pack = DefaultPack
	}
	invalid := func(field, format string, args ...any) (structs.Rule, error) {
		return r, structs.Errorf(structs.KindInvalid, "rule %q: %s: "+format, append([]any{m.Name, field}, args...)...)
	}
	if !nameRe.MatchString(m.Name) {
		return invalid("name", "is required and may hold only letters, digits, '_', '-' and '.'")
	}
	r.Ref = r.Pack + "." + r.Name
	switch t := m.Type.(type) {
	case nil:
	case string:
		if t != "" {
			r.Type = t
		}
	case map[string]any:
		r.Type, _ = t["ref"].(string)
	}
	if r.Type != structs.RuleStandard && r.Type != structs.RuleBackstop {
		return invalid("type", "%v is not standard or backstop", m.Type)
	}
	tt, ok := scope.triggerTypes[r.Trigger.Type]
	if !ok {
		if tt, ok = s.TriggerType(r.Trigger.Type); !ok {
			return invalid("trigger.type", "unknown trigger type %q", r.Trigger.Type)
		}
	}
	if err := params.ValidateObject(r.Trigger.Parameters, tt.ParametersSchema); err != nil {
		return invalid("trigger.parameters", "%v", err)
	}
	if r.Trigger.Type == TriggerWebhook {
		if url, _ := r.Trigger.Parameters["url"].(string); trimURL(url) == "" {
			return invalid("trigger.parameters.url", "a core.st2.webhook rule needs a url")
		}
	}
	if isTimer(r.Trigger.Type) {
		if _, _, err := timerTick(&r, time.Now()); err != nil {
			return invalid("trigger.parameters", "%v", err)
		}
	}
	if _, err := criteria.Parse(r.Criteria); err != nil {
		return invalid("criteria", "%v", err)
	}
	if err := checkTemplates(r.Criteria); err != nil {
		return invalid("criteria", "%v", err)
	}
	if r.Action.Ref == "" {
		return invalid("action.ref", "is required")
	}
	if _, err := s.cfg.State().ActionGet(r.Action.Ref); err != nil && !scope.actions[r.Action.Ref] {
		return invalid("action.ref", "action %q does not exist", r.Action.Ref)
	}
	if err := checkTemplates(r.Action.Parameters); err != nil {
		return invalid("action.parameters", "%v", err)
	}
	if r.Criteria == nil {
		r.Criteria = map[string]any{}
	}
	if r.Action.Parameters == nil {
		r.Action.Parameters = map[string]any{}
	}
	return r, nil
}

// checkTemplates parses every Jinja string in v, so that a template that
// can never render is refused when the rule is written.
func checkTemplates(v any) error {
	switch t := v.(type) {
	case string:
		if err := jinja.Check(t); err != nil {
			return fmt.Errorf("template %q does not parse: %v", t, err)
		}
	case []any:
		for _, x := range t {
			if err := checkTemplates(x); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, x := range t {
			if err := checkTemplates(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// Create registers a new rule.
func (s *Service) Create(ctx context.Context, m Meta) (*structs.Rule, error) {
	r, err := s.Build(m)
	if err != nil {
		return nil, err
	}
	r.ID = s.cfg.NewID()
	return s.put(ctx, r, command.RuleCreate)
}

// Update replaces a rule, which keeps its ref.
func (s *Service) Update(ctx context.Context, refOrID string, m Meta) (*structs.Rule, error) {
	old, err := s.Get(refOrID)
	if err != nil {
		return nil, err
	}
	r, err := s.Build(m)
	if err != nil {
		return nil, err
	}
	if r.Ref != old.Ref {
		return nil, structs.Errorf(structs.KindInvalid, "an update cannot rename %s to %s", old.Ref, r.Ref)
	}
	return s.put(ctx, r, command.RuleUpdate)
}

// SetEnabled enables or disables a rule.
func (s *Service) SetEnabled(ctx context.Context, refOrID string, enabled bool) (*structs.Rule, error) {
	old, err := s.Get(refOrID)
	if err != nil {
		return nil, err
	}
	r := *old
	r.Enabled = enabled
	return s.put(ctx, r, command.RuleUpdate)
}

func (s *Service) put(ctx context.Context, r structs.Rule, mode command.RuleMode) (*structs.Rule, error) {
	now := time.Now().UTC()
	if _, err := s.cfg.Raft.Apply(ctx, command.RulePut, command.RulePutRequest{Rule: r, Mode: mode, Now: now}); err != nil {
		return nil, err
	}
	// Not read back: on a follower the write may not be applied here yet.
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	return &r, nil
}

// Delete removes a rule.
func (s *Service) Delete(ctx context.Context, refOrID string) error {
	r, err := s.Get(refOrID)
	if err != nil {
		return err
	}
	_, err = s.cfg.Raft.Apply(ctx, command.RuleDelete, command.RuleDeleteRequest{Ref: r.Ref})
	return err
}

// Get returns a rule by ref or id.
func (s *Service) Get(refOrID string) (*structs.Rule, error) {
	st := s.cfg.State()
	if r, err := st.RuleGet(refOrID); err == nil {
		return r, nil
	}
	all, err := st.Rules()
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.ID == refOrID {
			return r, nil
		}
	}
	return nil, structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", refOrID)
}

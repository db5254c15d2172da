package rules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/rules/criteria"
	"github.com/squall-io/squall/sdk/expr/jinja"
)

// Preparer turns a request into a scheduled execution without writing it.
type Preparer interface {
	Prepare(c executions.Caller, req executions.CreateRequest) (*structs.Execution, error)
}

// Engine is the leader's rules engine: it takes each pending trigger
// instance, matches it against the enabled rules and writes the outcome
// (instance status, enforcements, executions) in one raft command.
type Engine struct {
	State      func() *state.Store
	Raft       Raft
	Executions Preparer
	// Decrypt serves decrypt_kv in rule templates; nil without a key.
	Decrypt func(string) (string, error)
	NewID   func() string
	// User runs the executions rules start (StackStorm's system user).
	User   string
	Logger hclog.Logger

	mu    sync.Mutex
	rules map[string]parsedRule // by ref
}

// parsedRule caches what the engine derives from a rule until it changes.
type parsedRule struct {
	modify uint64
	crit   map[string]criteria.Criterion
	err    error
	// usesKV: a template of the rule reads st2kv, so its context needs
	// the datastore (costly to build: every key).
	usesKV bool
}

// enforceWorkers bounds the instances evaluated and written at once; the
// writes of concurrent workers share raft entries (group commit).
const enforceWorkers = 32

// Run processes pending instances until ctx ends (leadership lost). A new
// leader picks up what the old one left: RuleEnforce is applied once.
func (e *Engine) Run(ctx context.Context) {
	logger := e.Logger.Named("rules")
	for ctx.Err() == nil {
		pending, watch, err := e.State().PendingTriggerInstances()
		if err != nil {
			logger.Error("failed to read trigger instances", "error", err)
			sleep(ctx, time.Second)
			continue
		}
		if len(pending) > 0 {
			if err := e.enforce(ctx, pending); err != nil && ctx.Err() == nil {
				logger.Warn("failed to record rule enforcements; retrying", "error", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-watch:
		case <-time.After(time.Second): // a snapshot restore swaps the store
		}
	}
}

// enforce evaluates and records instances with a pool of workers and
// returns the first error.
func (e *Engine) enforce(ctx context.Context, pending []*structs.TriggerInstance) error {
	work := make(chan *structs.TriggerInstance)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := 0; w < min(enforceWorkers, len(pending)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ti := range work {
				if _, err := e.Raft.Apply(ctx, command.RuleEnforce, e.Evaluate(ti)); err != nil {
					once.Do(func() { first = fmt.Errorf("trigger instance %s: %w", ti.ID, err) })
				}
			}
		}()
	}
	for _, ti := range pending {
		if ctx.Err() != nil {
			break
		}
		work <- ti
	}
	close(work)
	wg.Wait()
	return first
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Evaluate decides what an instance fires: the standard rules it matches,
// or, when none does, the backstop rules it matches.
func (e *Engine) Evaluate(ti *structs.TriggerInstance) command.RuleEnforceRequest {
	req := command.RuleEnforceRequest{Instance: ti.ID, Status: structs.TriggerInstanceProcessed}
	rules, err := e.State().RulesForTrigger(ti.Trigger)
	if err != nil {
		req.Status = structs.TriggerInstanceProcessingFailed
		return req
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Ref < rules[j].Ref })
	var standard, backstop []*structs.Rule
	needKV := false
	for _, r := range rules {
		if !r.Enabled || !e.listensTo(r, ti) {
			continue
		}
		needKV = needKV || e.rule(r).usesKV
		if r.Type == structs.RuleBackstop {
			backstop = append(backstop, r)
		} else {
			standard = append(standard, r)
		}
	}
	ctx := e.context(ti, needKV)
	matched := e.matching(standard, ti, ctx)
	if len(matched) == 0 {
		matched = e.matching(backstop, ti, ctx)
	}
	now := time.Now().UTC()
	for _, r := range matched {
		en := structs.RuleEnforcement{ID: e.NewID(), Rule: r.Ref, RuleID: r.ID, TriggerInstance: ti.ID, EnforcedAt: now}
		ex, err := e.execution(r, ti, ctx)
		if err != nil {
			en.FailureReason = err.Error()
		} else {
			en.Execution = ex.ID
			req.Executions = append(req.Executions, *ex)
		}
		req.Enforcements = append(req.Enforcements, en)
	}
	return req
}

// listensTo: the rule's trigger type and parameters are the instance's.
func (e *Engine) listensTo(r *structs.Rule, ti *structs.TriggerInstance) bool {
	if r.Trigger.Type != ti.Trigger {
		return false
	}
	for k, v := range r.Trigger.Parameters {
		want, got := fmt.Sprint(v), fmt.Sprint(ti.Parameters[k])
		if k == "url" {
			want, got = trimURL(want), trimURL(got)
		}
		if want != got {
			return false
		}
	}
	return true
}

func (e *Engine) matching(rules []*structs.Rule, ti *structs.TriggerInstance, ctx map[string]any) []*structs.Rule {
	render := func(s string) (any, error) { return jinja.RenderWith(s, ctx, jinja.Options{Decrypt: e.Decrypt}) }
	var out []*structs.Rule
	for _, r := range rules {
		p := e.rule(r)
		crit, err := p.crit, p.err
		if err != nil {
			e.Logger.Warn("rule has bad criteria", "rule", r.Ref, "error", err)
			continue
		}
		ok, err := criteria.Match(crit, ti.Payload, render)
		if err != nil {
			e.Logger.Debug("criteria could not be evaluated", "rule", r.Ref, "trigger_instance", ti.ID, "error", err)
			continue
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// rule returns what the engine derives from a rule, once per version.
func (e *Engine) rule(r *structs.Rule) parsedRule {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.rules[r.Ref]; ok && p.modify == r.ModifyIdx {
		return p
	}
	p := parsedRule{modify: r.ModifyIdx}
	p.crit, p.err = criteria.Parse(r.Criteria)
	p.usesKV = strings.Contains(fmt.Sprint(r.Criteria, r.Action.Parameters), "st2kv")
	if e.rules == nil {
		e.rules = map[string]parsedRule{}
	}
	e.rules[r.Ref] = p
	return p
}

// context is what rule templates see: trigger (the payload) and, when a
// rule's templates read it, st2kv.
func (e *Engine) context(ti *structs.TriggerInstance, withKV bool) map[string]any {
	payload := ti.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	ctx := map[string]any{"trigger": payload}
	if withKV {
		ctx["st2kv"] = executions.ST2KV(e.State(), e.User)
	}
	return ctx
}

// execution renders the rule's action parameters and prepares the run.
func (e *Engine) execution(r *structs.Rule, ti *structs.TriggerInstance, ctx map[string]any) (*structs.Execution, error) {
	rc := map[string]any{"rule": map[string]any{"ref": r.Ref, "name": r.Name, "pack": r.Pack, "id": r.ID}}
	for k, v := range ctx {
		rc[k] = v
	}
	params := map[string]any{}
	for k, v := range r.Action.Parameters {
		out, err := renderValue(v, rc, e.Decrypt)
		if err != nil {
			return nil, fmt.Errorf("failed to render action parameter %q: %w", k, err)
		}
		params[k] = out
	}
	return e.Executions.Prepare(executions.Caller{User: e.User, IsAdmin: true}, executions.CreateRequest{
		Action: r.Action.Ref, Parameters: params,
		Context: map[string]any{
			"rule":             map[string]any{"id": r.ID, "name": r.Name, "ref": r.Ref},
			"trigger_instance": map[string]any{"id": ti.ID, "name": nil},
			"trace_context":    map[string]any{"trace_tag": ti.TraceTag},
		},
	})
}

func renderValue(v any, ctx map[string]any, decrypt func(string) (string, error)) (any, error) {
	switch t := v.(type) {
	case string:
		return jinja.RenderWith(t, ctx, jinja.Options{Decrypt: decrypt})
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			r, err := renderValue(x, ctx, decrypt)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			r, err := renderValue(x, ctx, decrypt)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

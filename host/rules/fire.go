package rules

import (
	"context"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// Fire records a trigger instance, pending, and returns once raft has
// committed it: a source is answered only after that.
func (s *Service) Fire(ctx context.Context, trigger string, params, payload map[string]any, traceTag string) (*structs.TriggerInstance, error) {
	if params == nil {
		params = map[string]any{}
	}
	if payload == nil {
		payload = map[string]any{}
	}
	ti := structs.TriggerInstance{
		ID: s.cfg.NewID(), Trigger: trigger, Parameters: params, Payload: payload,
		OccurrenceTime: time.Now().UTC(), Status: structs.TriggerInstancePending, TraceTag: traceTag,
	}
	if err := s.FireInstance(ctx, &ti); err != nil {
		return nil, err
	}
	return &ti, nil
}

// SetInline lets the leader evaluate instances as it fires them: one raft
// command then records the instance, its enforcements and executions.
// Elsewhere (a follower, or while leader() is false) instances are
// written pending for the leader's engine.
func (s *Service) SetInline(e *Engine, leader func() bool) {
	s.inline, s.leader = e, leader
}

// FireInstance writes a prepared instance and returns once it is
// committed: processed already when this node leads, pending otherwise.
func (s *Service) FireInstance(ctx context.Context, ti *structs.TriggerInstance) error {
	req := command.TriggerFireRequest{Instance: *ti}
	if s.inline != nil && s.leader() {
		verdict := s.inline.Evaluate(ti)
		req.Verdict = &verdict
	}
	_, err := s.cfg.Raft.Apply(ctx, command.TriggerFire, req)
	return err
}

// WebhookRules returns the enabled rules listening on webhook url.
func (s *Service) WebhookRules(url string) ([]*structs.Rule, error) {
	all, err := s.cfg.State().Rules()
	if err != nil {
		return nil, err
	}
	var out []*structs.Rule
	for _, r := range all {
		u, _ := r.Trigger.Parameters["url"].(string)
		if r.Enabled && r.Trigger.Type == TriggerWebhook && trimURL(u) == trimURL(url) {
			out = append(out, r)
		}
	}
	return out, nil
}

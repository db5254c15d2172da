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
	if _, err := s.cfg.Raft.Apply(ctx, command.TriggerFire, command.TriggerFireRequest{Instance: ti}); err != nil {
		return nil, err
	}
	return &ti, nil
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

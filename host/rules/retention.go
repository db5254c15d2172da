package rules

import (
	"context"
	"sort"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/host/executions"
)

// purgeBatch bounds one TriggerPurge command.
const purgeBatch = 1000

// RunRetention applies the executions' retention (most kept, age) to
// processed trigger instances with their enforcements, and to traces,
// until ctx ends. Pending instances are never purged.
func (e *Engine) RunRetention(ctx context.Context, r executions.Retention) {
	if r.MaxKept <= 0 && r.TTL <= 0 {
		return
	}
	every := r.Every
	if every == 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			n, err := e.purge(ctx, r)
			if err != nil {
				e.Logger.Warn("failed to purge old trigger instances", "error", err)
			}
			if err != nil || n < purgeBatch {
				break
			}
		}
	}
}

// purge deletes up to one batch and returns how many objects it named.
func (e *Engine) purge(ctx context.Context, r executions.Retention) (int, error) {
	st := e.State()
	all, err := st.TriggerInstances()
	if err != nil {
		return 0, err
	}
	var req command.TriggerPurgeRequest
	cutoff := time.Now().UTC().Add(-r.TTL)
	excess := 0
	if r.MaxKept > 0 && len(all) > r.MaxKept {
		excess = len(all) - r.MaxKept
	}
	sort.Slice(all, func(i, j int) bool { return all[i].OccurrenceTime.Before(all[j].OccurrenceTime) })
	for i, ti := range all {
		if len(req.IDs) >= purgeBatch {
			break
		}
		if i < excess || (r.TTL > 0 && ti.OccurrenceTime.Before(cutoff)) {
			req.IDs = append(req.IDs, ti.ID)
		}
	}
	traces, err := st.Traces()
	if err != nil {
		return 0, err
	}
	sort.Slice(traces, func(i, j int) bool { return traces[i].StartTimestamp.Before(traces[j].StartTimestamp) })
	excess = 0
	if r.MaxKept > 0 && len(traces) > r.MaxKept {
		excess = len(traces) - r.MaxKept
	}
	for i, t := range traces {
		if len(req.Traces) >= purgeBatch {
			break
		}
		if i < excess || (r.TTL > 0 && t.StartTimestamp.Before(cutoff)) {
			req.Traces = append(req.Traces, t.ID)
		}
	}
	if len(req.IDs) == 0 && len(req.Traces) == 0 {
		return 0, nil
	}
	if _, err := e.Raft.Apply(ctx, command.TriggerPurge, req); err != nil {
		return 0, err
	}
	return max(len(req.IDs), len(req.Traces)), nil
}

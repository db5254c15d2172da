package executions

import (
	"context"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Retention bounds how many finished executions the cluster keeps, as
// StackStorm's garbage collector does: the oldest go first.
type Retention struct {
	// MaxKept is the most finished executions kept; zero keeps any number.
	MaxKept int
	// TTL removes finished executions that ended longer ago; zero: never.
	TTL time.Duration
	// Every is how often the leader looks.
	Every time.Duration
}

// purgeBatch bounds one purge command.
const purgeBatch = 1000

// RunRetention purges on the leader until ctx ends.
func (s *Service) RunRetention(ctx context.Context, r Retention) {
	if r.MaxKept <= 0 && r.TTL <= 0 {
		return
	}
	if r.Every == 0 {
		r.Every = 30 * time.Second
	}
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			n, err := s.Purge(ctx, r)
			if err != nil {
				s.logger.Warn("failed to purge old executions", "error", err)
			}
			if err != nil || n < purgeBatch {
				break
			}
		}
	}
}

// Purge deletes up to one batch of executions that retention no longer
// keeps and returns how many.
func (s *Service) Purge(ctx context.Context, r Retention) (int, error) {
	done, _, err := s.cfg.State().Execs(state.ExecFilter{
		Oldest: true, Match: func(e *structs.Execution) bool { return e.Status.Done() },
	})
	if err != nil {
		return 0, err
	}
	excess := 0
	if r.MaxKept > 0 && len(done) > r.MaxKept {
		excess = len(done) - r.MaxKept
	}
	cutoff := s.cfg.Now().UTC().Add(-r.TTL)
	var ids []string
	for i, e := range done {
		if len(ids) == purgeBatch {
			break
		}
		if i < excess || (r.TTL > 0 && e.EndTimestamp.Before(cutoff)) {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.ExecPurge, command.ExecPurgeRequest{IDs: ids}); err != nil {
		return 0, err
	}
	s.logger.Debug("purged old executions", "count", len(ids))
	return len(ids), nil
}

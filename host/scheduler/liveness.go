package scheduler

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Liveness is the leader's watch over the nodes that run executions. A
// node that has not answered for DownAfter is marked down: its running
// executions become abandoned (their processes are out of reach, as
// StackStorm says when an action runner dies) and its scheduled ones move
// to a node that is up.
type Liveness struct {
	State     func() *state.Store
	Raft      Raft
	Members   func(ctx context.Context) ([]cluster.Member, error)
	Logger    hclog.Logger
	DownAfter time.Duration
	Every     time.Duration
}

// Run watches until ctx ends (leadership lost).
func (l *Liveness) Run(ctx context.Context) {
	if l.Every == 0 {
		l.Every = time.Second
	}
	logger := l.Logger.Named("liveness")
	seen := map[string]time.Time{}
	start := time.Now() // a new leader gives every node a full DownAfter
	t := time.NewTicker(l.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ms, err := l.Members(ctx)
		if err != nil {
			continue
		}
		now := time.Now()
		for _, m := range ms {
			if m.State != "unreachable" {
				seen[m.ID] = now
			}
		}
		if err := l.check(ctx, seen, start, now); err != nil && ctx.Err() == nil {
			logger.Warn("failed to handle a node that is down", "error", err)
		}
	}
}

// check marks nodes down and moves their executions.
func (l *Liveness) check(ctx context.Context, seen map[string]time.Time, start, now time.Time) error {
	nodes, err := l.State().NodeRunners()
	if err != nil {
		return err
	}
	for _, n := range nodes {
		last, ok := seen[n.Node]
		if !ok {
			last = start
		}
		if now.Sub(last) < l.DownAfter {
			continue
		}
		if !n.Down {
			l.Logger.Warn("node is down: no new executions go to it", "node", n.Node, "silent_for", now.Sub(last).Round(time.Second))
			down := *n
			down.Down = true
			if _, err := l.Raft.Apply(ctx, command.NodeRunners, command.NodeRunnersRequest{Runners: down}); err != nil {
				return err
			}
		}
		if err := l.evacuate(ctx, n.Node); err != nil {
			return err
		}
	}
	return nil
}

// evacuate abandons what node was running and reschedules what it had
// not started.
func (l *Liveness) evacuate(ctx context.Context, node string) error {
	st := l.State()
	pick := New("", l.State)
	for _, status := range []structs.ExecStatus{structs.ExecRunning, structs.ExecCanceling, structs.ExecScheduled} {
		es, _, err := st.ExecsOnNode(node, status)
		if err != nil {
			return err
		}
		for _, e := range es {
			req := command.ExecUpdateRequest{ID: e.ID, Now: time.Now().UTC()}
			switch status {
			case structs.ExecScheduled:
				to, err := pick.Pick(e.Action.RunnerType)
				if err != nil {
					continue // nowhere to go yet: it waits
				}
				req.Status, req.Node = structs.ExecScheduled, to
			case structs.ExecCanceling:
				req.Status = structs.ExecCanceled
			default:
				req.Status = structs.ExecAbandoned
				req.Result, _ = json.Marshal(map[string]any{"error": "the node running this execution (" + node + ") stopped answering"})
			}
			if _, err := l.Raft.Apply(ctx, command.ExecUpdate, req); err != nil && structs.KindOf(err) != structs.KindConflict {
				return err
			}
			l.Logger.Warn("moved an execution off a node that is down", "execution_id", e.ID, "node", node, "status", req.Status, "to", req.Node)
		}
	}
	return nil
}

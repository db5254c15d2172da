// Package scheduler chooses the node that runs an execution: this node when
// it has the runner (no hop, and output is served where it is produced),
// otherwise the node with the runner that has the fewest executions in
// flight.
package scheduler

import (
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// Scheduler picks nodes from the replicated runner registry.
type Scheduler struct {
	self  string
	state func() *state.Store
}

// New returns a Scheduler for node self.
func New(self string, st func() *state.Store) *Scheduler {
	return &Scheduler{self: self, state: st}
}

// Pick returns the node to run an execution of runnerType.
func (s *Scheduler) Pick(runnerType string) (string, error) {
	st := s.state()
	nodes, err := st.NodeRunners()
	if err != nil {
		return "", err
	}
	best, bestLoad := "", -1
	for _, n := range nodes {
		if n.Down || !n.Has(runnerType) {
			continue
		}
		if n.IsWorkflow(runnerType) {
			return "", nil // the leader drives workflows: no node runs them
		}
		if n.Node == s.self {
			return s.self, nil
		}
		load := inFlight(st, n.Node)
		if bestLoad < 0 || load < bestLoad {
			best, bestLoad = n.Node, load
		}
	}
	if best == "" {
		return "", structs.Errorf(structs.KindUnavailable, "Runner type %q is not available on any node.", runnerType)
	}
	return best, nil
}

func inFlight(st *state.Store, node string) int {
	n := 0
	for _, status := range []structs.ExecStatus{structs.ExecScheduled, structs.ExecRunning} {
		es, _, err := st.ExecsOnNode(node, status)
		if err == nil {
			n += len(es)
		}
	}
	return n
}

package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/structs"
)

// Member is one server of the raft configuration as seen now.
type Member struct {
	ID       string
	RaftAddr string
	HTTPAddr string
	// State is the member's own answer (leader, follower, candidate), or
	// "unreachable" when it did not answer in time.
	State     string
	Leader    bool
	Voter     bool
	Self      bool
	LastIndex uint64
}

const statusTimeout = time.Second

// Join adds a node as a voter; any member may be asked, a follower
// forwards to the leader.
func (n *Node) Join(ctx context.Context, nodeID, raftAddr, httpAddr string) error {
	if nodeID == "" || raftAddr == "" {
		return structs.Errorf(structs.KindInvalid, "a joining node needs an id and a raft address")
	}
	return n.onLeader(ctx, &rpcRequest{Op: opJoin, NodeID: nodeID, RaftAddr: raftAddr, HTTPAddr: httpAddr},
		func() error { return n.joinLocal(nodeID, raftAddr) })
}

// Remove takes a node out of the configuration.
func (n *Node) Remove(ctx context.Context, nodeID string) error {
	return n.onLeader(ctx, &rpcRequest{Op: opRemove, NodeID: nodeID},
		func() error { return n.removeLocal(nodeID) })
}

// onLeader runs local on the leader or sends req to it, retrying while
// there is no leader.
func (n *Node) onLeader(ctx context.Context, req *rpcRequest, local func() error) error {
	for {
		var err error
		if n.IsLeader() {
			err = local()
		} else if _, addr := n.Leader(); addr == "" {
			err = errNotLeader
		} else {
			var resp *rpcResponse
			if resp, err = n.pool.call(addr, req, n.cfg.ApplyTimeout); err == nil {
				err = resp.errorOf()
			}
		}
		if err == nil || (err.Error() != errNotLeader.Msg && !isUnsent(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return structs.Errorf(structs.KindUnavailable, "no cluster leader: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (n *Node) joinLocal(nodeID, raftAddr string) error {
	if !n.IsLeader() {
		return errNotLeader
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("failed to read raft configuration: %w", err)
	}
	for _, s := range f.Configuration().Servers {
		sameID, sameAddr := s.ID == raft.ServerID(nodeID), s.Address == raft.ServerAddress(raftAddr)
		if sameID && sameAddr {
			return nil // a restarted member asking again
		}
		if sameID || sameAddr {
			// A node that came back with a new address, or a new node on
			// an old address: drop the stale entry first.
			if err := n.raft.RemoveServer(s.ID, 0, 0).Error(); err != nil {
				return fmt.Errorf("failed to remove stale member %s: %w", s.ID, err)
			}
		}
	}
	if err := n.raft.AddVoter(raft.ServerID(nodeID), raft.ServerAddress(raftAddr), 0, 0).Error(); err != nil {
		return fmt.Errorf("failed to add %s as a voter: %w", nodeID, err)
	}
	n.logger.Info("member joined", "id", nodeID, "raft", raftAddr)
	return nil
}

func (n *Node) removeLocal(nodeID string) error {
	if !n.IsLeader() {
		return errNotLeader
	}
	if err := n.raft.RemoveServer(raft.ServerID(nodeID), 0, 0).Error(); err != nil {
		return fmt.Errorf("failed to remove %s: %w", nodeID, err)
	}
	return nil
}

// Members lists the configuration, asking every member for its own state
// and HTTP address in parallel.
func (n *Node) Members(ctx context.Context) ([]Member, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("failed to read raft configuration: %w", err)
	}
	leaderID, _ := n.Leader()
	servers := f.Configuration().Servers
	out := make([]Member, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		out[i] = Member{
			ID: string(s.ID), RaftAddr: string(s.Address), Voter: s.Suffrage == raft.Voter,
			Leader: string(s.ID) == leaderID, Self: string(s.ID) == n.ID(),
		}
		wg.Add(1)
		go func(m *Member) {
			defer wg.Done()
			n.fillStatus(m)
		}(&out[i])
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (n *Node) fillStatus(m *Member) {
	if m.Self {
		m.State, m.HTTPAddr, m.LastIndex = n.stateName(), n.cfg.HTTPAddr, n.raft.LastIndex()
		return
	}
	resp, err := n.pool.call(m.RaftAddr, &rpcRequest{Op: opStatus}, statusTimeout)
	if err != nil || resp.ID != m.ID {
		m.State = "unreachable"
		return
	}
	m.State, m.HTTPAddr, m.LastIndex = resp.State, resp.HTTPAddr, resp.LastIndex
}

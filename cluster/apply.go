package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// trackingFSM records the index of the last entry applied to the FSM, so
// that reads can wait for a given index (raft's own AppliedIndex runs
// ahead of the FSM).
type trackingFSM struct {
	inner FSM

	mu      sync.Mutex
	applied uint64
	changed chan struct{} // closed and replaced on every advance
}

func newTrackingFSM(inner FSM) *trackingFSM {
	return &trackingFSM{inner: inner, changed: make(chan struct{})}
}

func (t *trackingFSM) Apply(l *raft.Log) any {
	res := t.inner.Apply(l)
	t.advance(l.Index)
	return res
}

func (t *trackingFSM) advance(index uint64) {
	t.mu.Lock()
	if index > t.applied {
		t.applied = index
		close(t.changed)
		t.changed = make(chan struct{})
	}
	t.mu.Unlock()
}

func (t *trackingFSM) Snapshot() (raft.FSMSnapshot, error) { return t.inner.Snapshot() }
func (t *trackingFSM) Restore(rc io.ReadCloser) error      { return t.inner.Restore(rc) }

func (t *trackingFSM) state() (uint64, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.applied, t.changed
}

// AppliedIndex is the index of the last entry the FSM applied.
func (n *Node) AppliedIndex() uint64 {
	idx, _ := n.fsm.state()
	if snap := n.lastSnapshotIndex(); snap > idx {
		return snap
	}
	return idx
}

// lastSnapshotIndex covers entries that reached the FSM through a restore.
func (n *Node) lastSnapshotIndex() uint64 {
	v, _ := strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	return v
}

// WaitForIndex blocks until the FSM has applied idx.
func (n *Node) WaitForIndex(ctx context.Context, idx uint64) error {
	// A restore does not go through Apply: look again now and then.
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		applied, changed := n.fsm.state()
		if applied >= idx {
			return nil
		}
		select {
		case <-changed:
		case <-poll.C:
			if n.lastSnapshotIndex() >= idx {
				return nil
			}
		case <-ctx.Done():
			return structs.Errorf(structs.KindUnavailable, "timed out waiting for raft index %d (applied %d)", idx, applied)
		}
	}
}

// Apply proposes a command: on the leader directly, elsewhere forwarded to
// it. It waits until the command is applied and returns the FSM's error.
// While there is no leader it retries until ctx ends. This is the only
// write path into raft.
func (n *Node) Apply(ctx context.Context, t command.Type, req any) (uint64, error) {
	buf, err := command.Encode(t, req)
	if err != nil {
		return 0, err
	}
	backoff := 5 * time.Millisecond
	for {
		idx, retry, err := n.applyOnce(ctx, buf)
		if !retry {
			n.noteWrite(idx)
			return idx, err
		}
		select {
		case <-ctx.Done():
			return 0, structs.Errorf(structs.KindUnavailable, "no cluster leader to apply %s: %v", t, err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

// applyOnce makes one attempt; retry is true only when the command surely
// was not applied (no leader, not the leader, peer unreachable).
func (n *Node) applyOnce(ctx context.Context, buf []byte) (idx uint64, retry bool, err error) {
	timeout := n.cfg.ApplyTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	if n.IsLeader() {
		idx, err := n.applyLocal(buf, timeout)
		return idx, err == errNotLeader, err // the same value: not applied, safe to retry
	}
	_, addr := n.Leader()
	if addr == "" {
		return 0, true, structs.Errorf(structs.KindUnavailable, "no leader")
	}
	resp, err := n.pool.call(addr, &rpcRequest{Op: opApply, Data: buf}, timeout)
	if err != nil {
		return 0, isUnsent(err), err
	}
	err = resp.errorOf()
	return resp.Index, err != nil && err.Error() == errNotLeader.Msg, err
}

// isUnsent: the request never reached a live leader. A connection reset
// or EOF on a pooled connection means the peer went away, most likely
// before reading; this accepts a small risk of applying twice, which every
// command tolerates (they are idempotent or fail cleanly the second time).
func isUnsent(err error) bool {
	var d errDial
	return errors.As(err, &d) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// applyLocal applies on this node, which must be the leader, through the
// batcher.
func (n *Node) applyLocal(buf []byte, timeout time.Duration) (uint64, error) {
	return n.batch.submit(buf, timeout)
}

// ConsistentRead makes the next local read linearizable: it returns once
// this node's FSM has applied everything committed before the call.
func (n *Node) ConsistentRead(ctx context.Context) error {
	var idx uint64
	var err error
	if n.IsLeader() {
		idx, err = n.readIndexLocal()
	} else {
		if err := n.WaitForLeader(ctx); err != nil {
			return structs.Errorf(structs.KindUnavailable, "no cluster leader for a consistent read")
		}
		_, addr := n.Leader()
		if n.IsLeader() {
			return n.ConsistentRead(ctx)
		}
		var resp *rpcResponse
		resp, err = n.pool.call(addr, &rpcRequest{Op: opReadIndex}, n.cfg.ApplyTimeout)
		if err == nil {
			idx, err = resp.Index, resp.errorOf()
		}
	}
	if err != nil {
		return structs.Errorf(structs.KindUnavailable, "consistent read failed: %v", err)
	}
	return n.WaitForIndex(ctx, idx)
}

// readIndexLocal confirms leadership with a quorum and returns an index
// that covers every write acknowledged so far. When the FSM lags the
// commit index (or the commit index points at an entry the FSM never sees,
// such as the new term's no-op) a barrier brings it up to date.
func (n *Node) readIndexLocal() (uint64, error) {
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return 0, errNotLeader
	}
	commit := n.raft.CommitIndex()
	if applied, _ := n.fsm.state(); applied >= commit {
		return applied, nil
	}
	if err := n.raft.Barrier(n.cfg.ApplyTimeout).Error(); err != nil {
		return 0, fmt.Errorf("failed to wait for the FSM: %w", err)
	}
	applied, _ := n.fsm.state()
	return applied, nil
}

// noteWrite raises the mark of writes made through this node.
func (n *Node) noteWrite(idx uint64) {
	for {
		cur := n.written.Load()
		if idx <= cur || n.written.CompareAndSwap(cur, idx) {
			return
		}
	}
}

// WaitForOwnWrites blocks until this node has applied every write made
// through it, so a client reads its own writes from the node it wrote
// through. A follower learns of a commit a few milliseconds after the
// leader; waiting here, at read time, keeps that off the write path.
func (n *Node) WaitForOwnWrites(ctx context.Context) error {
	mark := n.written.Load()
	if applied, _ := n.fsm.state(); applied >= mark {
		return nil
	}
	return n.WaitForIndex(ctx, mark)
}

package cluster

import (
	"errors"
	"time"

	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// The batcher is group commit on the leader: while a few raft entries are
// in flight, new commands wait, and go out together as one Batch entry
// (one log append, one replication message, one fsync on each node). At
// low load every command still goes alone and at once.
const (
	maxBatchCommands = 256
	maxBatchBytes    = 1 << 20
	// maxInflight raft entries from the batcher. Fewer means bigger batches
	// and more waiting; two keeps raft's pipeline busy (one entry being
	// written while the previous one replicates).
	maxInflight = 8
)

var errShutdown = &structs.Error{Kind: structs.KindUnavailable, Msg: "node is shutting down"}

type proposal struct {
	buf  []byte
	done chan proposalResult // buffered: the batcher never blocks on it
}

type proposalResult struct {
	index uint64
	err   error
}

type batcher struct {
	raft     *raft.Raft
	timeout  time.Duration
	queue    chan *proposal
	inflight chan struct{}
	stop     chan struct{}
}

func newBatcher(r *raft.Raft, timeout time.Duration) *batcher {
	b := &batcher{
		raft: r, timeout: timeout,
		queue:    make(chan *proposal, maxBatchCommands),
		inflight: make(chan struct{}, maxInflight),
		stop:     make(chan struct{}),
	}
	go b.run()
	return b
}

// submit proposes one encoded command and waits for its result.
func (b *batcher) submit(buf []byte, timeout time.Duration) (uint64, error) {
	p := &proposal{buf: buf, done: make(chan proposalResult, 1)}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case b.queue <- p:
	case <-b.stop:
		return 0, errShutdown
	case <-t.C:
		return 0, structs.Errorf(structs.KindUnavailable, "timed out queueing a raft command")
	}
	select {
	case r := <-p.done:
		return r.index, r.err
	case <-b.stop:
		return 0, errShutdown
	case <-t.C:
		// It may still be applied: the caller cannot know, as with raft.
		return 0, structs.Errorf(structs.KindUnavailable, "timed out waiting for a raft command to apply")
	}
}

func (b *batcher) run() {
	var carry *proposal
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-b.queue:
			case <-b.stop:
				return
			}
		}
		select {
		case b.inflight <- struct{}{}: // while waiting here, the queue fills
		case <-b.stop:
			first.done <- proposalResult{err: errShutdown}
			return
		}
		batch := []*proposal{first}
		size := len(first.buf)
	drain:
		for len(batch) < maxBatchCommands {
			select {
			case p := <-b.queue:
				if size+len(p.buf) > maxBatchBytes {
					carry = p
					break drain
				}
				batch = append(batch, p)
				size += len(p.buf)
			default:
				break drain
			}
		}
		go b.finish(b.raft.Apply(entryOf(batch), b.timeout), batch)
	}
}

func entryOf(batch []*proposal) []byte {
	if len(batch) == 1 {
		return batch[0].buf
	}
	bufs := make([][]byte, len(batch))
	for i, p := range batch {
		bufs[i] = p.buf
	}
	return command.EncodeBatch(bufs)
}

// finish waits for an entry and hands each command its own result.
func (b *batcher) finish(f raft.ApplyFuture, batch []*proposal) {
	defer func() { <-b.inflight }()
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			err = errNotLeader
		} else {
			err = structs.Errorf(structs.KindUnavailable, "raft apply failed: %v", err)
		}
		for _, p := range batch {
			p.done <- proposalResult{err: err}
		}
		return
	}
	idx, resp := f.Index(), f.Response()
	if len(batch) == 1 {
		err, _ := resp.(error)
		batch[0].done <- proposalResult{index: idx, err: err}
		return
	}
	results, _ := resp.(command.BatchResult)
	for i, p := range batch {
		var err error
		if i < len(results) {
			err = results[i]
		}
		p.done <- proposalResult{index: idx, err: err}
	}
}

func (b *batcher) close() { close(b.stop) }

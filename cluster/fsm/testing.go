package fsm

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
)

// Direct applies commands straight to an FSM, in order, without raft: a
// one-node stand-in for cluster.Node in unit tests of the services. It
// goes through the same codec and Apply as the real log.
type Direct struct {
	FSM *FSM

	mu    sync.Mutex
	index uint64
}

// NewDirect returns a Direct over a fresh FSM.
func NewDirect(logger hclog.Logger) (*Direct, error) {
	f, err := New(logger)
	if err != nil {
		return nil, err
	}
	return &Direct{FSM: f}, nil
}

// Apply encodes and applies one command.
func (d *Direct) Apply(_ context.Context, t command.Type, req any) (uint64, error) {
	buf, err := command.Encode(t, req)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.index++
	if res := d.FSM.Apply(&raft.Log{Index: d.index, Type: raft.LogCommand, Data: buf}); res != nil {
		return d.index, res.(error)
	}
	return d.index, nil
}

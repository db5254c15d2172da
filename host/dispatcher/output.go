package dispatcher

import (
	"sync"
	"time"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/events"
)

// MaxKeptOutput caps the output a running execution keeps in memory for
// GET /executions/{id}/output; the stream still carries all of it.
const MaxKeptOutput = 1 << 20

// OutputChunk is one piece of output, as StackStorm's output objects.
type OutputChunk struct {
	ExecutionID string    `json:"execution_id"`
	ActionRef   string    `json:"action_ref"`
	RunnerRef   string    `json:"runner_ref"`
	OutputType  string    `json:"output_type"`
	Data        string    `json:"data"`
	Timestamp   time.Time `json:"timestamp"`
	// Offset is where Data starts in the execution's whole output (all
	// streams, in order); a client that read the output so far skips
	// what it has. A squall addition to StackStorm's fields.
	Offset int `json:"offset"`
}

// outputs holds the output of running executions.
type outputs struct {
	bus *events.Bus

	mu   sync.Mutex
	byID map[string]*kept
}

type kept struct {
	chunks []OutputChunk
	size   int // bytes kept
	total  int // bytes written, kept or not
}

func newOutputs(bus *events.Bus) *outputs {
	return &outputs{bus: bus, byID: map[string]*kept{}}
}

func (o *outputs) write(e *structs.Execution, stream string, data []byte) {
	c := OutputChunk{
		ExecutionID: e.ID, ActionRef: e.Action.Ref, RunnerRef: e.Action.RunnerType,
		OutputType: stream, Data: string(data), Timestamp: time.Now().UTC(),
	}
	o.mu.Lock()
	k := o.byID[e.ID]
	if k == nil {
		k = &kept{}
		o.byID[e.ID] = k
	}
	c.Offset = k.total
	k.total += len(data)
	if k.size+len(data) <= MaxKeptOutput {
		k.chunks = append(k.chunks, c)
		k.size += len(data)
	}
	o.mu.Unlock()
	if o.bus != nil {
		o.bus.Publish(events.Event{Name: "st2.execution.output__create", Data: c})
	}
}

func (o *outputs) get(id string) ([]OutputChunk, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, ok := o.byID[id]
	if !ok {
		return nil, false
	}
	return append([]OutputChunk(nil), k.chunks...), true
}

func (o *outputs) close(id string) {
	o.mu.Lock()
	delete(o.byID, id)
	o.mu.Unlock()
}

// Package dispatcher runs the executions scheduled on this node: it watches
// the replicated state for them, renders their final parameters, calls the
// runner (built into the host, or a plugin), streams their output on the
// node's event bus, and writes their status back through raft.
package dispatcher

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/audit"
	"github.com/squall-io/squall/host/events"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/sdk/runner"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Plugins runs a request on the plugin that provides its runner type.
type Plugins interface {
	Run(ctx context.Context, req *runner.Request, out runner.RunOutput) (runner.Result, error)
}

// Config wires a Dispatcher.
type Config struct {
	Node    string
	Raft    Raft
	State   func() *state.Store
	Plugins Plugins
	Bus     *events.Bus
	// Render gives parameter templates their context.
	Render func(e *structs.Execution, pack *structs.Pack) params.RenderContext
	// PackDir returns where a pack's files are on this node.
	PackDir func(pack *structs.Pack) (string, error)
	// Token returns the API token handed to an execution.
	Token func(executionID string) (string, error)
	// APIURL is what actions get in ST2_ACTION_API_URL.
	APIURL string
	Logger hclog.Logger
	// RunningDelay is how long a run may take before "running" is written
	// on its own; quicker runs record running and their end in one write.
	RunningDelay time.Duration
	// Grace is added to a runner's timeout before the host gives up on a
	// plugin that does not enforce it.
	Grace time.Duration
	// ValidateOutput checks results against actions' output_schema
	// (StackStorm's system.validate_output_schema).
	ValidateOutput bool
	// Audit receives a record of every execution this node finishes.
	Audit *audit.Log
}

// Dispatcher runs this node's executions.
type Dispatcher struct {
	cfg    Config
	logger hclog.Logger
	output *outputs

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a Dispatcher.
func New(cfg Config) *Dispatcher {
	if cfg.RunningDelay == 0 {
		cfg.RunningDelay = 50 * time.Millisecond
	}
	if cfg.Grace == 0 {
		cfg.Grace = 30 * time.Second
	}
	return &Dispatcher{
		cfg: cfg, logger: cfg.Logger.Named("dispatcher"),
		output: newOutputs(cfg.Bus), running: map[string]context.CancelFunc{},
	}
}

// Run dispatches until ctx ends, then waits for the runs it started.
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.wg.Wait()
	d.abandonOrphans(ctx)
	tick := time.NewTicker(time.Second) // a snapshot restore swaps the store under the watches
	defer tick.Stop()
	for ctx.Err() == nil {
		st := d.cfg.State()
		scheduled, ch1, err1 := st.ExecsOnNode(d.cfg.Node, structs.ExecScheduled)
		canceling, ch2, err2 := st.ExecsOnNode(d.cfg.Node, structs.ExecCanceling)
		if err1 != nil || err2 != nil {
			d.logger.Error("failed to read executions", "error", err1, "error2", err2)
		}
		for _, e := range scheduled {
			d.start(ctx, e)
		}
		for _, e := range canceling {
			d.cancel(ctx, e)
		}
		select {
		case <-ctx.Done():
		case <-ch1:
		case <-ch2:
		case <-tick.C:
		}
	}
}

// abandonOrphans marks executions this node was running before it
// restarted: their processes are gone, as StackStorm's abandoned status says.
func (d *Dispatcher) abandonOrphans(ctx context.Context) {
	for _, status := range []structs.ExecStatus{structs.ExecRunning, structs.ExecCanceling} {
		es, _, err := d.cfg.State().ExecsOnNode(d.cfg.Node, status)
		if err != nil {
			continue
		}
		for _, e := range es {
			next := structs.ExecAbandoned
			if status == structs.ExecCanceling {
				next = structs.ExecCanceled
			}
			d.logger.Warn("execution was running when this node stopped", "execution_id", e.ID, "status", next)
			res := map[string]any{"error": "the node running this execution restarted"}
			d.finish(ctx, e, next, res, time.Time{})
			d.audit(e, next, res)
		}
	}
}

// start runs e unless it runs already.
func (d *Dispatcher) start(ctx context.Context, e *structs.Execution) {
	d.mu.Lock()
	if _, ok := d.running[e.ID]; ok {
		d.mu.Unlock()
		return
	}
	runCtx, cancel := context.WithCancel(ctx)
	d.running[e.ID] = cancel
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.execute(ctx, runCtx, e)
		d.mu.Lock()
		delete(d.running, e.ID)
		d.mu.Unlock()
		cancel()
	}()
}

// cancel stops a running execution, or cancels one that never started.
func (d *Dispatcher) cancel(ctx context.Context, e *structs.Execution) {
	d.mu.Lock()
	stop, ok := d.running[e.ID]
	d.mu.Unlock()
	if ok {
		stop()
		return
	}
	d.finish(ctx, e, structs.ExecCanceled, map[string]any{}, time.Time{})
}

// Output returns what a running execution has printed so far.
func (d *Dispatcher) Output(id string) ([]OutputChunk, bool) { return d.output.get(id) }

// audit writes the record of a finished execution.
func (d *Dispatcher) audit(e *structs.Execution, status structs.ExecStatus, result any) {
	start, end := e.StartTimestamp, time.Now().UTC()
	err := d.cfg.Audit.Write(audit.Record{
		Time: end, Event: "execution.finished", Node: d.cfg.Node, ExecutionID: e.ID, Action: e.Action.Ref,
		User: e.User, Parameters: params.MaskValues(e.Parameters, e.Secrets), Status: string(status),
		Start: &start, End: &end, Result: result,
	})
	if err != nil {
		d.logger.Error("failed to write the audit log", "execution_id", e.ID, "error", err)
	}
}

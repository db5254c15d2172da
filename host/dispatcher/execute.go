package dispatcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/sdk/runner"
)

// canceledMessage is the error of an execution canceled by a user.
const canceledMessage = "Execution canceled by user."

// execute runs one execution to its end and records the outcome. ctx is
// the dispatcher's; runCtx ends when the execution is canceled.
func (d *Dispatcher) execute(ctx, runCtx context.Context, e *structs.Execution) {
	started := time.Now().UTC()
	var mu sync.Mutex
	done := false
	marked := time.AfterFunc(d.cfg.RunningDelay, func() {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return
		}
		_, err := d.cfg.Raft.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{
			ID: e.ID, Status: structs.ExecRunning, Now: started, By: d.cfg.Node,
		})
		if err != nil && structs.KindOf(err) != structs.KindConflict {
			d.logger.Warn("failed to record running", "execution_id", e.ID, "error", err)
		}
	})
	status, result := d.invoke(runCtx, e)
	mu.Lock()
	done = true
	mu.Unlock()
	marked.Stop()
	if runCtx.Err() != nil && ctx.Err() == nil && status != runner.StatusTimeout {
		status = runner.StatusCanceled
		if m, ok := result.(map[string]any); ok {
			m["error"] = canceledMessage
		} else {
			result = map[string]any{"error": canceledMessage}
		}
	}
	if ctx.Err() != nil {
		return // the node is stopping: on restart it marks this one abandoned
	}
	d.finish(ctx, e, structs.ExecStatus(status), result, started)
	d.output.close(e.ID)
	d.audit(e, structs.ExecStatus(status), result)
}

// finish writes an execution's final status, retrying through leader
// changes; a refusal because it already ended is not an error.
func (d *Dispatcher) finish(ctx context.Context, e *structs.Execution, status structs.ExecStatus, result any, started time.Time) {
	id := e.ID
	raw, err := json.Marshal(result)
	if err != nil {
		raw, _ = json.Marshal(map[string]any{"error": "failed to encode the result: " + err.Error()})
		status = structs.ExecFailed
	}
	req := command.ExecUpdateRequest{ID: id, Status: status, Result: raw, StartedAt: started, By: d.cfg.Node}
	if status.Done() {
		req.Notify = d.notifyInstances(e, status, result, time.Now().UTC())
	}
	for backoff := 100 * time.Millisecond; ctx.Err() == nil; backoff = min(backoff*2, 5*time.Second) {
		req.Now = time.Now().UTC()
		_, err := d.cfg.Raft.Apply(ctx, command.ExecUpdate, req)
		if err == nil || structs.KindOf(err) == structs.KindConflict || structs.KindOf(err) == structs.KindNotFound {
			return
		}
		d.logger.Warn("failed to record an execution's end; retrying", "execution_id", id, "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

// invoke prepares the run and calls its runner.
func (d *Dispatcher) invoke(ctx context.Context, e *structs.Execution) (runner.Status, any) {
	req, err := d.Request(e)
	if err != nil {
		return runner.StatusFailed, map[string]any{"error": err.Error()}
	}
	if builtin, ok := builtins[req.RunnerType]; ok {
		return builtin(d, e, req)
	}
	if t := req.Timeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t+d.cfg.Grace)
		defer cancel()
	}
	res, err := d.cfg.Plugins.Run(ctx, req, func(stream string, data []byte) {
		d.output.write(e, stream, data)
	})
	switch {
	case err == nil && res.Status == runner.StatusSucceeded && d.cfg.ValidateOutput:
		return d.checkOutput(e, res)
	case err == nil:
		return res.Status, res.Value
	case errors.Is(err, context.DeadlineExceeded):
		return runner.StatusTimeout, map[string]any{"error": fmt.Sprintf("the runner did not finish within its timeout of %s", req.Timeout)}
	case ctx.Err() != nil:
		return runner.StatusCanceled, map[string]any{"error": canceledMessage}
	}
	return runner.StatusFailed, map[string]any{"error": err.Error()}
}

// Request builds the runner request: final parameters split into runner
// and action parameters, the entry point on this node, the environment.
func (d *Dispatcher) Request(e *structs.Execution) (*runner.Request, error) {
	st := d.cfg.State()
	action, err := st.ActionGet(e.Action.Ref)
	if err != nil {
		return nil, fmt.Errorf("action %s no longer exists", e.Action.Ref)
	}
	rt, ok := st.RunnerTypeGet(action.RunnerType)
	if !ok {
		return nil, fmt.Errorf("runner type %s is not available", action.RunnerType)
	}
	pack, _ := st.PackGet(action.Pack)
	specs := params.Merge(rt.RunnerParameters, action.Parameters)
	final, err := params.Finalize(e.Parameters, specs, d.cfg.Render(e, pack))
	if err != nil {
		return nil, err
	}
	req := &runner.Request{
		ExecutionID: e.ID, RunnerType: action.RunnerType, User: e.User,
		RunnerParameters: map[string]any{}, Parameters: map[string]any{},
		Action: runner.Action{Ref: action.Ref, Pack: action.Pack, Name: action.Name, ParameterSpecs: action.Parameters},
		Env: map[string]string{
			"ST2_ACTION_PACK_NAME": action.Pack, "ST2_ACTION_EXECUTION_ID": e.ID, "ST2_ACTION_API_URL": d.cfg.APIURL,
		},
	}
	for name, v := range final {
		if _, isRunner := rt.RunnerParameters[name]; isRunner {
			req.RunnerParameters[name] = v
		} else {
			req.Parameters[name] = v
		}
	}
	if t, ok := timeoutOf(req.RunnerParameters["timeout"]); ok {
		req.Timeout = t
	}
	if pack != nil {
		req.Config = pack.Config
	}
	if pack != nil && d.cfg.PackDir != nil && !isBuiltin(action.RunnerType) {
		dir, err := d.cfg.PackDir(pack)
		if err != nil {
			return nil, fmt.Errorf("failed to prepare pack %s on node %s: %w", pack.Ref, d.cfg.Node, err)
		}
		req.Action.PackPath = dir
		if action.EntryPoint != "" {
			req.Action.EntryPoint = filepath.Join(dir, "actions", filepath.FromSlash(action.EntryPoint))
		}
	}
	if d.cfg.Token != nil {
		if tok, err := d.cfg.Token(e.ID); err == nil {
			req.Env["ST2_ACTION_AUTH_TOKEN"] = tok
		}
	}
	return req, nil
}

func timeoutOf(v any) (time.Duration, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return time.Duration(f * float64(time.Second)), err == nil && f > 0
	case float64:
		return time.Duration(n * float64(time.Second)), n > 0
	case int64:
		return time.Duration(n) * time.Second, n > 0
	case int:
		return time.Duration(n) * time.Second, n > 0
	}
	return 0, false
}

// checkOutput fails a succeeded run whose output does not match its
// action's output_schema (the runner's output_key part of the result).
func (d *Dispatcher) checkOutput(e *structs.Execution, res runner.Result) (runner.Status, any) {
	st := d.cfg.State()
	action, err := st.ActionGet(e.Action.Ref)
	if err != nil || len(action.OutputSchema) == 0 {
		return res.Status, res.Value
	}
	output := res.Value
	if rt, ok := st.RunnerTypeGet(action.RunnerType); ok && rt.OutputKey != "" {
		if m, isMap := res.Value.(map[string]any); isMap {
			output = m[rt.OutputKey]
		}
	}
	if err := params.ValidateSchema(output, action.OutputSchema); err != nil {
		out := map[string]any{"error": "the output does not match the action's output_schema: " + err.Error()}
		if m, ok := res.Value.(map[string]any); ok {
			for k, v := range m {
				if k != "error" {
					out[k] = v
				}
			}
		}
		return runner.StatusFailed, out
	}
	return res.Status, res.Value
}

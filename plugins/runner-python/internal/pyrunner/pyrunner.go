// Package pyrunner runs StackStorm python-script actions: a Python process
// per run, with squall's st2common compatibility layer on its path and two
// pipes to this plugin for the datastore and the result.
package pyrunner

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/squall-io/squall/sdk/python"
	"github.com/squall-io/squall/sdk/runner"
)

// TypeName is StackStorm's runner type.
const TypeName = "python-script"

// MaxOutput caps what the result keeps of stdout and of stderr.
const MaxOutput = 1 << 20

// compat is the runner's own Python: its wrapper and fork server, and
// st2common.runners; the rest of st2common is shared (sdk/python).
//
//go:embed all:compat
var compat embed.FS

// Runner runs python-script actions.
type Runner struct {
	interps *python.Interpreters
	lib     *python.Library

	fsMu    sync.Mutex
	servers map[string]*forkServer // by interpreter
}

// New returns the runner; SQUALL_PYTHON names the interpreter (python3).
func New() *Runner {
	own, _ := fs.Sub(compat, "compat")
	return &Runner{interps: python.NewInterpreters(), lib: python.NewLibrary(own), servers: map[string]*forkServer{}}
}

// Info declares python-script with StackStorm's runner parameters.
func (*Runner) Info() runner.Info {
	return runner.Info{Name: "runner-python", Version: "1.0.0", RunnerTypes: []runner.RunnerType{{
		Name: TypeName, Description: "A runner for launching Python actions.", OutputKey: "result",
		Parameters: map[string]any{
			"env":     map[string]any{"type": "object", "description": "Environment variables which will be available to the script."},
			"timeout": map[string]any{"type": "integer", "default": 600, "description": "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds."},
			"log_level": map[string]any{"type": "string", "default": "DEBUG",
				"enum":        []any{"AUDIT", "CRITICAL", "DEBUG", "ERROR", "INFO", "WARNING"},
				"description": "Level of the action's self.logger."},
			"debug":           map[string]any{"type": "boolean", "default": false, "description": "Log at DEBUG level whatever log_level says."},
			"content_version": map[string]any{"type": "string", "description": "Accepted for compatibility; packs are versioned by registration."},
		},
		OutputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"result": map[string]any{}, "stdout": map[string]any{"type": "string"},
			"stderr": map[string]any{"type": "string"}, "exit_code": map[string]any{"type": "integer"},
		}},
	}}}
}

// Run runs one action.
func (r *Runner) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	if req.Action.EntryPoint == "" {
		return runner.Result{}, errors.New("a python-script action needs an entry_point")
	}
	if _, err := os.Stat(req.Action.EntryPoint); err != nil {
		return runner.Result{}, fmt.Errorf("entry point: %w", err)
	}
	lib, err := r.lib.Dir()
	if err != nil {
		return runner.Result{}, fmt.Errorf("failed to write the st2common compatibility layer: %w", err)
	}
	py, err := r.interps.ForPack(ctx, req.Action.Pack, req.Action.PackPath)
	if err != nil {
		return runner.Result{}, err
	}
	timeout := req.Timeout
	if t, ok := req.RunnerParameters["timeout"].(json.Number); ok {
		if n, err := t.Int64(); err == nil && n > 0 {
			timeout = time.Duration(n) * time.Second
		}
	}
	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return r.exec(runCtx, req, out, py, lib, timeout)
}

// invocation is the first line the wrapper reads. Env and Cwd are set for
// a child of the fork server, which did not start with them.
type invocation struct {
	EntryPoint string            `json:"entry_point"`
	Pack       string            `json:"pack"`
	Config     map[string]any    `json:"config"`
	Parameters map[string]any    `json:"parameters"`
	LogLevel   string            `json:"log_level"`
	Env        map[string]string `json:"env,omitempty"`
	Cwd        string            `json:"cwd,omitempty"`
}

func (r *Runner) exec(ctx context.Context, req *runner.Request, out runner.Output, py, lib string, timeout time.Duration) (runner.Result, error) {
	p, err := python.NewPipes(false)
	if err != nil {
		return runner.Result{}, err
	}
	defer p.Close()
	env := environ(req, lib)
	cwd := filepath.Dir(req.Action.EntryPoint)
	var proc process
	forked := false
	if fs := r.forkServer(py, lib); fs != nil {
		if proc, err = fs.spawn(p); err == nil {
			forked = true
		}
	}
	if !forked {
		if proc, err = direct(py, lib, env, cwd, p); err != nil {
			return runner.Result{}, err
		}
	}
	p.CloseTheirs()
	stdout, stderr := &capped{limit: MaxOutput}, &capped{limit: MaxOutput}
	var copying sync.WaitGroup
	copying.Add(2)
	go func() { defer copying.Done(); _, _ = io.Copy(io.MultiWriter(stdout, out.Stdout()), p.Stdout) }()
	go func() { defer copying.Done(); _, _ = io.Copy(io.MultiWriter(stderr, out.Stderr()), p.Stderr) }()

	level, _ := req.RunnerParameters["log_level"].(string)
	if req.RunnerParameters["debug"] == true || level == "" {
		level = "DEBUG"
	}
	inv := invocation{
		EntryPoint: req.Action.EntryPoint, Pack: req.Action.Pack, Config: req.Config,
		Parameters: req.Parameters, LogLevel: level,
	}
	if forked {
		inv.Env, inv.Cwd = envMap(env), cwd
	}
	first, _ := json.Marshal(inv)
	_, _ = p.Answers.Write(append(first, '\n'))
	outcome := make(chan *bridgeResult, 1)
	go func() { outcome <- serveBridge(ctx, req, p.Requests, p.Answers) }()

	done := make(chan int, 1)
	go func() { done <- proc.wait() }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-proc.pid(), syscall.SIGKILL)
		code = <-done
	}
	waitCopies(&copying, p)
	// The result line may still be in the pipe: read to its end, unless a
	// process the action left behind holds the pipe open.
	var res *bridgeResult
	select {
	case res = <-outcome:
	case <-time.After(2 * time.Second):
		p.Requests.Close()
		res = <-outcome
	}
	return result(ctx, code, res, stdout, stderr, timeout), nil
}

// waitCopies waits for the output to drain; a grandchild that keeps the
// pipes open does not hold the run beyond a moment.
func waitCopies(wg *sync.WaitGroup, p *python.Pipes) {
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		p.Stdout.Close()
		p.Stderr.Close()
		<-drained
	}
}

func environ(req *runner.Request, lib string) []string {
	env := os.Environ()
	path := lib
	if pp := os.Getenv("PYTHONPATH"); pp != "" {
		path += string(os.PathListSeparator) + pp
	}
	env = append(env, "PYTHONPATH="+path, "PYTHONDONTWRITEBYTECODE=1")
	if m, ok := req.RunnerParameters["env"].(map[string]any); ok {
		for k, v := range m {
			env = append(env, fmt.Sprintf("%s=%v", k, v))
		}
	}
	for k, v := range req.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// result is StackStorm's python runner result: {result, stdout, stderr,
// exit_code}, with the status the action chose.
func result(ctx context.Context, code int, b *bridgeResult, stdout, stderr *capped, timeout time.Duration) runner.Result {
	value := map[string]any{"stdout": stdout.String(), "stderr": stderr.String(), "exit_code": code, "result": nil}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		value["exit_code"] = -9
		value["error"] = fmt.Sprintf("Action failed to complete in %d seconds", int(timeout/time.Second))
		return runner.Result{Status: runner.StatusTimeout, Value: value}
	case ctx.Err() != nil:
		value["exit_code"] = -9
		return runner.Result{Status: runner.StatusCanceled, Value: value}
	case b == nil:
		value["error"] = "the Python action ended without a result (exit code " + fmt.Sprint(code) + ")" + lastLine(stderr.String())
		return runner.Result{Status: runner.StatusFailed, Value: value}
	}
	value["result"] = b.Result
	status := runner.StatusSucceeded
	if b.Status != "succeeded" {
		status = runner.StatusFailed
		if b.Result == nil {
			if tail := lastLine(stderr.String()); tail != "" {
				value["error"] = strings.TrimPrefix(tail, ": ")
			}
		}
	}
	return runner.Result{Status: status, Value: value}
}

// lastLine is the end of a traceback: the exception and its message.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return ": " + s
}

// capped keeps the first limit bytes written.
type capped struct {
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	switch {
	case room >= len(p):
		c.buf.Write(p)
	case room > 0:
		c.buf.Write(p[:room])
		c.dropped += len(p) - room
	default:
		c.dropped += len(p)
	}
	return len(p), nil
}

func (c *capped) String() string {
	if c.dropped == 0 {
		return c.buf.String()
	}
	return fmt.Sprintf("%s\n[output truncated: %d more bytes not kept]", c.buf.String(), c.dropped)
}

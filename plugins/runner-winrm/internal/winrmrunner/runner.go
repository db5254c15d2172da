// Package winrmrunner runs commands and PowerShell on Windows hosts over
// WinRM the way StackStorm's winrm-cmd, winrm-ps-cmd and winrm-ps-script
// runners do (st2 contrib/runners/winrm_runner).
package winrmrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/squall-io/squall/sdk/runner"
)

// MaxOutput caps how much of stdout and of stderr the result keeps; the
// rest is still streamed.
const MaxOutput = 1 << 20

// timeoutExitCode is st2's WINRM_TIMEOUT_EXIT_CODE.
const timeoutExitCode = -1

// Runner is the WinRM runner.
type Runner struct{}

// New returns the runner.
func New() *Runner { return &Runner{} }

// Info declares the three runner types.
func (*Runner) Info() runner.Info {
	return runner.Info{Name: "runner-winrm", Version: "1.0.0", RunnerTypes: runnerTypes()}
}

// job is what one run executes in its shell.
type job struct {
	command    string // a cmd.exe command line (winrm-cmd)
	script     string // or a PowerShell script
	scriptArgs string // and its parameters (winrm-ps-script)
}

// Run connects, runs the command or script and translates the outcome as
// st2's _translate_response does.
func (r *Runner) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	p, err := parseParams(req.RunnerParameters)
	if err != nil {
		return runner.Result{}, err
	}
	var j job
	switch req.RunnerType {
	case TypeCmd, TypePSCmd:
		if strings.TrimSpace(p.cmd) == "" {
			return runner.Result{}, errors.New("runner parameter \"cmd\" is required and must not be empty")
		}
		if req.RunnerType == TypeCmd {
			j.command = p.cmd
		} else {
			j.script = p.cmd
		}
	case TypePSScript:
		if req.Action.EntryPoint == "" {
			return runner.Result{}, errors.New("action has no entry_point: a winrm-ps-script action needs one")
		}
		data, err := os.ReadFile(req.Action.EntryPoint)
		if err != nil {
			return runner.Result{}, fmt.Errorf("failed to read the entry point: %w", err)
		}
		j.script = strings.TrimPrefix(string(data), "\ufeff")
		j.scriptArgs = scriptParams(req.Parameters, req.Action.ParameterSpecs, p.kwargOp)
	default:
		return runner.Result{}, fmt.Errorf("unknown runner type %q", req.RunnerType)
	}
	// The request's timeout is the same parameter as the host read it; an
	// explicit 0 means none, as in st2.
	timeout := p.timeout
	if _, set := req.RunnerParameters["timeout"]; !set && req.Timeout > 0 {
		timeout = req.Timeout
	}
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()

	s := newSession(p)
	defer s.close()
	stdout, stderr := &capped{limit: MaxOutput}, &capped{limit: MaxOutput}
	// Only the env parameter reaches the host, as in st2: the ST2_ACTION_*
	// variables (an API URL and token for this cluster) are not for it.
	shellID, err := s.openShell(runCtx, p.env, p.cwd)
	code := timeoutExitCode
	if err == nil {
		w, e := io.MultiWriter(stdout, out.Stdout()), io.MultiWriter(stderr, out.Stderr())
		if j.script == "" {
			code, err = s.execute(runCtx, shellID, j.command, w, e)
		} else {
			code, err = s.runPS(runCtx, shellID, j.script, j.scriptArgs, w, e)
		}
		s.deleteShell(runCtx, shellID)
	}

	res := map[string]any{"stdout": stdout.String(), "stderr": stderr.String()}
	if j.script != "" {
		res["stderr"] = cleanCLIXML(stderr.String())
	}
	switch {
	case runCtx.Err() != nil:
		res["failed"], res["succeeded"], res["return_code"] = true, false, timeoutExitCode
		if ctx.Err() != nil {
			return runner.Result{Status: runner.StatusCanceled, Value: jsonLoads(res)}, nil
		}
		res["error"] = fmt.Sprintf("Action failed to complete in %d seconds", int(timeout.Seconds()))
		return runner.Result{Status: runner.StatusTimeout, Value: jsonLoads(res)}, nil
	case err != nil:
		// A fault or transport error: st2 fails the action with the error;
		// any output that arrived before it is kept.
		fail := map[string]any{"error": err.Error()}
		for _, k := range []string{"stdout", "stderr"} {
			if res[k] != "" {
				fail[k] = res[k]
			}
		}
		return runner.Result{Status: runner.StatusFailed, Value: fail}, nil
	}
	res["return_code"], res["succeeded"], res["failed"] = code, code == 0, code != 0
	status := runner.StatusSucceeded
	if code != 0 {
		status = runner.StatusFailed
	}
	return runner.Result{Status: status, Value: jsonLoads(res)}, nil
}

// jsonLoads is st2's jsonify.json_loads over stdout and stderr: output
// that is a JSON document becomes that value, anything else stays text.
func jsonLoads(res map[string]any) map[string]any {
	for _, k := range []string{"stdout", "stderr"} {
		s, _ := res[k].(string)
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			continue
		}
		if _, err := dec.Token(); err == io.EOF { // nothing after the document
			res[k] = v
		}
	}
	return res
}

// capped keeps the first limit bytes written and counts the rest.
type capped struct {
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := max(c.limit-c.buf.Len(), 0)
	keep := min(room, len(p))
	c.buf.Write(p[:keep])
	c.dropped += len(p) - keep
	return len(p), nil
}

func (c *capped) String() string {
	if c.dropped == 0 {
		return c.buf.String()
	}
	return fmt.Sprintf("%s\n[output truncated: %d more bytes not kept; the result keeps the first %d]",
		c.buf.String(), c.dropped, c.limit)
}

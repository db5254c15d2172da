// Package remote runs commands and scripts on remote hosts over SSH the way
// StackStorm's remote-shell-cmd and remote-shell-script runners do: the
// result maps each host to {succeeded, failed, return_code, stdout, stderr}
// (plus error and timeout when the host could not run it), and the run
// fails when any host fails.
//
// Differences from st2: result keys are the hosts entries as written (st2
// drops a ":port", so two ports on one host collide there); output is
// streamed from every host, not only when there is one; and host keys are
// checked against known_hosts unless known_hosts_check is false.
//
// On a timeout or cancel the remote command gets KILL through an SSH signal
// request and the run ends within a second. OpenSSH refuses that request
// for root logins, and like st2 the runner then leaves the command running
// on the host until it ends by itself.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/scriptargs"
)

// Runner type names, StackStorm's.
const (
	TypeCmd    = "remote-shell-cmd"
	TypeScript = "remote-shell-script"
)

// MaxOutput caps how much of each host's stdout and stderr the result
// keeps; the rest is still streamed.
const MaxOutput = 1 << 20

// maxParallel bounds the hosts worked on at once (st2's
// max_parallel_actions plays this part).
const maxParallel = 50

// killGrace is how long a stopped command may take to end before the run
// stops waiting for it.
const killGrace = time.Second

// cleanupTime bounds removing an uploaded script after the run, which may
// have ended by a timeout.
const cleanupTime = 10 * time.Second

// Remote is the runner.
type Remote struct{}

// New returns the runner.
func New() *Remote { return &Remote{} }

// Info declares the two runner types.
func (*Remote) Info() runner.Info {
	return runner.Info{Name: "runner-ssh", Version: "1.0.0", RunnerTypes: runnerTypes()}
}

// job is one run, shared by its hosts.
type job struct {
	p       params
	d       *dialer
	command string // the command, or for scripts what follows the script path
	script  string // local entry point, empty for commands
	dirName string // per-run directory under dir for scripts
	timeout time.Duration
	out     runner.Output
}

// Run runs one command or script on every host.
func (r *Remote) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	p, err := parseParams(req.RunnerParameters)
	if err != nil {
		return runner.Result{}, err
	}
	j := &job{p: p, out: out, timeout: req.Timeout}
	switch req.RunnerType {
	case TypeCmd:
		if strings.TrimSpace(p.cmd) == "" {
			return runner.Result{}, errors.New("runner parameter \"cmd\" is required and must not be empty")
		}
		j.command = p.cmd
	case TypeScript:
		if req.Action.EntryPoint == "" {
			return runner.Result{}, errors.New("action has no entry_point: a remote-shell-script action needs one")
		}
		// Checked here, not once per host: every host would fail alike.
		if st, err := os.Stat(req.Action.EntryPoint); err != nil || !st.Mode().IsRegular() {
			return runner.Result{}, fmt.Errorf("entry point %s is not a readable file: %v", req.Action.EntryPoint, err)
		}
		j.script = req.Action.EntryPoint
		j.dirName = runDirName(req.ExecutionID)
		specs := map[string]scriptargs.Param{}
		for name, raw := range req.Action.ParameterSpecs {
			spec, _ := raw.(map[string]any)
			specs[name] = paramSpec(spec)
		}
		j.command = scriptargs.Args(req.Parameters, specs, p.kwargOp)
	default:
		return runner.Result{}, fmt.Errorf("unknown runner type %q", req.RunnerType)
	}
	env := maps.Clone(p.env)
	maps.Copy(env, req.Env) // the host's ST2_ACTION_* win, as in st2
	for k := range env {
		if !envName.MatchString(k) {
			return runner.Result{}, fmt.Errorf("environment variable name %q is not valid in a shell", k)
		}
	}
	j.p.env = env
	if p.timeout > 0 {
		j.timeout = time.Duration(p.timeout) * time.Second
	}
	if j.d, err = newDialer(p); err != nil {
		return runner.Result{}, err
	}
	defer j.d.close()

	runCtx := ctx
	if j.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, j.timeout)
		defer cancel()
	}
	results := j.runAll(runCtx)

	value := map[string]any{}
	failed := false
	for h, res := range results {
		value[h] = res
		failed = failed || res["failed"] == true
	}
	switch {
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return runner.Result{Status: runner.StatusTimeout, Value: value}, nil
	case runCtx.Err() != nil:
		return runner.Result{Status: runner.StatusCanceled, Value: value}, nil
	case failed:
		return runner.Result{Status: runner.StatusFailed, Value: value}, nil
	}
	return runner.Result{Status: runner.StatusSucceeded, Value: value}, nil
}

// runAll works on the hosts, all at once (bounded) or in order.
func (j *job) runAll(ctx context.Context) map[string]map[string]any {
	var mu sync.Mutex
	results := map[string]map[string]any{}
	limit := 1
	if j.p.parallel {
		limit = maxParallel
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, h := range j.p.hosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := j.runHost(ctx, h)
			mu.Lock()
			results[h] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

// runHost runs on one host over one connection: upload, run and cleanup
// all share it.
func (j *job) runHost(ctx context.Context, host string) map[string]any {
	if ctx.Err() != nil {
		return j.errorResult(ctx, host, "was not reached", ctx.Err(), nil, nil)
	}
	c, err := j.d.dial(ctx, address(host, j.p.port))
	if err != nil {
		return j.errorResult(ctx, host, "could not be connected to", err, nil, nil)
	}
	defer c.Close()
	command := j.command
	if j.script != "" {
		remoteScript, cleanup, err := upload(c, j.script, j.p.dir, j.dirName)
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			return j.errorResult(ctx, host, "could not receive the script", err, nil, nil)
		}
		command = strings.TrimSpace(scriptargs.Quote(remoteScript) + " " + command)
	}
	return j.exec(ctx, c, host, fullCommand(command, j.p))
}

// exec runs command in a session, streaming its output as it comes.
func (j *job) exec(ctx context.Context, c *ssh.Client, host, command string) map[string]any {
	s, err := c.NewSession()
	if err != nil {
		return j.errorResult(ctx, host, "could not open a session", err, nil, nil)
	}
	defer s.Close()
	stdout, stderr := &capped{limit: MaxOutput}, &capped{limit: MaxOutput}
	s.Stdout = io.MultiWriter(stdout, streamed{j.out.Stdout()})
	s.Stderr = io.MultiWriter(stderr, streamed{j.out.Stderr()})
	if j.p.sudo && j.p.sudoPassword != "" {
		s.Stdin = strings.NewReader(j.p.sudoPassword + "\n")
	}
	if err := s.Start(command); err != nil {
		return j.errorResult(ctx, host, "could not start the command", err, nil, nil)
	}
	waited := make(chan error, 1)
	go func() { waited <- s.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		// KILL so the remote command does not outlive the run, where the
		// server honours it (OpenSSH refuses it for root logins). sshd
		// holds the channel open while the command runs, so Wait is given
		// up on after a grace; closing the connection ends it.
		_ = s.Signal(ssh.SIGKILL)
		_ = s.Close()
		select {
		case <-waited:
		case <-time.After(killGrace):
		}
		return j.errorResult(ctx, host, "did not finish", ctx.Err(), stdout, stderr)
	}
	code := 0
	var exitErr *ssh.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitStatus()
	case err != nil:
		return j.errorResult(ctx, host, "lost the command", err, stdout, stderr)
	}
	return map[string]any{
		"succeeded": code == 0, "failed": code != 0, "return_code": code,
		"stdout": jsonLoads(stripShellChars(stdout.String())),
		"stderr": jsonLoads(stripShellChars(stderr.String())),
	}
}

// errorResult is st2's entry for a host that could not run the command:
// return code 255, or -9 with timeout set when the run's time ran out.
func (j *job) errorResult(ctx context.Context, host, what string, err error, stdout, stderr *capped) map[string]any {
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	code := 255
	if timedOut {
		code = -9
		err = fmt.Errorf("the action did not complete in %d seconds", int(j.timeout/time.Second))
	} else if ctx.Err() != nil {
		err = errors.New("the action was canceled")
	}
	res := map[string]any{
		"succeeded": false, "failed": true, "timeout": timedOut, "return_code": code,
		"stdout": "", "stderr": "",
		"error": fmt.Sprintf("host %s %s: %v", host, what, err),
	}
	if stdout != nil {
		res["stdout"], res["stderr"] = stripShellChars(stdout.String()), stripShellChars(stderr.String())
	}
	return res
}

// fullCommand wraps command as st2 does: export the environment, cd to
// cwd, and with sudo run it all in bash as root, keeping the environment.
func fullCommand(command string, p params) string {
	var parts []string
	if len(p.env) > 0 {
		var exports []string
		for _, k := range slices.Sorted(maps.Keys(p.env)) {
			exports = append(exports, k+"="+scriptargs.Quote(p.env[k]))
		}
		parts = append(parts, "export "+strings.Join(exports, " "))
	}
	if p.cwd != "" {
		parts = append(parts, "cd "+scriptargs.Quote(p.cwd))
	}
	command = strings.Join(append(parts, command), " && ")
	if !p.sudo {
		return command
	}
	sudo := "sudo -E"
	if p.sudoPassword != "" {
		sudo = "sudo -S -p '' -E" // the password comes on stdin, with no prompt in stderr
	}
	return sudo + " -- bash -c " + scriptargs.Quote(command)
}

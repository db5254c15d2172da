// Package shell runs local commands and scripts the way StackStorm's
// local-shell-cmd and local-shell-script runners do.
package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/scriptargs"
)

// Runner type names, StackStorm's.
const (
	TypeCmd    = "local-shell-cmd"
	TypeScript = "local-shell-script"
)

// MaxOutput caps how much of stdout and of stderr the result keeps; the
// rest is still streamed and the process still runs to its end.
const MaxOutput = 1 << 20

// Shell is the runner.
type Shell struct{}

// New returns the runner.
func New() *Shell { return &Shell{} }

// Info declares the two runner types.
func (*Shell) Info() runner.Info {
	return runner.Info{Name: "runner-shell", Version: "1.0.0", RunnerTypes: runnerTypes()}
}

// Run runs one command or script.
func (s *Shell) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	p, err := parseParams(req.RunnerParameters)
	if err != nil {
		return runner.Result{}, err
	}
	var command string
	switch req.RunnerType {
	case TypeCmd:
		if strings.TrimSpace(p.cmd) == "" {
			return runner.Result{}, errors.New("runner parameter \"cmd\" is required and must not be empty")
		}
		command = p.cmd
	case TypeScript:
		if command, err = scriptCommand(req, p.kwargOp); err != nil {
			return runner.Result{}, err
		}
	default:
		return runner.Result{}, fmt.Errorf("unknown runner type %q", req.RunnerType)
	}
	timeout := req.Timeout
	if p.timeout > 0 {
		timeout = time.Duration(p.timeout) * time.Second
	}
	return s.exec(ctx, command, p, req.Env, timeout, out)
}

// scriptCommand is the entry point, shell-quoted, followed by the action's
// arguments serialized as StackStorm does.
func scriptCommand(req *runner.Request, kwargOp string) (string, error) {
	path := req.Action.EntryPoint
	if path == "" {
		return "", errors.New("action has no entry_point: a local-shell-script action needs one")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("entry point %s: %w", path, err)
	}
	if st.IsDir() {
		return "", fmt.Errorf("entry point %s is a directory", path)
	}
	if st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("entry point %s is not executable (chmod +x it)", path)
	}
	specs := map[string]scriptargs.Param{}
	for name, raw := range req.Action.ParameterSpecs {
		spec, _ := raw.(map[string]any)
		specs[name] = paramSpec(spec)
	}
	args := scriptargs.Args(req.Parameters, specs, kwargOp)
	cmd := scriptargs.Quote(path)
	if args != "" {
		cmd += " " + args
	}
	return cmd, nil
}

// exec runs command through /bin/sh in its own process group, so a timeout
// or cancel kills everything it started.
func (s *Shell) exec(ctx context.Context, command string, p params, env map[string]string,
	timeout time.Duration, out runner.Output) (runner.Result, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	argv := []string{"/bin/sh", "-c", command}
	if p.sudo && os.Geteuid() != 0 {
		argv = sudoArgv(command, p.sudoPassword != "")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.cwd
	cmd.Env = environ(p.env, env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if p.sudo && p.sudoPassword != "" && os.Geteuid() != 0 {
		cmd.Stdin = strings.NewReader(p.sudoPassword + "\n")
	}
	stdout := &capped{limit: MaxOutput}
	stderr := &capped{limit: MaxOutput}
	cmd.Stdout = io.MultiWriter(stdout, out.Stdout())
	cmd.Stderr = io.MultiWriter(stderr, out.Stderr())
	// A grandchild holding the pipes open must not keep the run alive.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return runner.Result{}, fmt.Errorf("failed to start %s: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		waitErr = <-done
	}
	res := map[string]any{
		"stdout": stripShellChars(stdout.String()),
		"stderr": stripShellChars(stderr.String()),
	}
	code := exitCode(cmd, waitErr)
	res["return_code"] = code
	res["succeeded"] = code == 0 && ctx.Err() == nil
	res["failed"] = !(code == 0 && ctx.Err() == nil)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res["error"] = fmt.Sprintf("Action failed to complete in %d seconds", int(timeout/time.Second))
		res["return_code"] = -9
		return runner.Result{Status: runner.StatusTimeout, Value: res}, nil
	case ctx.Err() != nil:
		res["return_code"] = -9
		return runner.Result{Status: runner.StatusCanceled, Value: res}, nil
	case code != 0:
		return runner.Result{Status: runner.StatusFailed, Value: res}, nil
	}
	return runner.Result{Status: runner.StatusSucceeded, Value: res}, nil
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return -1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	if err != nil && cmd.ProcessState.ExitCode() == 0 {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

// sudoArgv runs command as root through sudo, keeping the environment as
// StackStorm does (-E); with a password, sudo reads it from stdin (-S).
func sudoArgv(command string, password bool) []string {
	argv := []string{"sudo", "-E"}
	if password {
		argv = append(argv, "-S", "-p", "")
	} else {
		argv = append(argv, "-n")
	}
	return append(argv, "--", "/bin/sh", "-c", command)
}

// environ is the plugin's environment, then the runner's env parameter,
// then the host's ST2_ACTION_* variables, later ones winning.
func environ(fromParam map[string]string, fromHost map[string]string) []string {
	env := os.Environ()
	add := func(m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, k+"="+m[k])
		}
	}
	add(fromParam)
	add(fromHost)
	return env
}

// stripShellChars drops one trailing newline (and a carriage return before
// it), as StackStorm's strip_shell_chars does for runner output.
func stripShellChars(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// capped keeps the first limit bytes written and counts the rest.
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
	return fmt.Sprintf("%s\n[output truncated: %d more bytes not kept; the result keeps the first %d]",
		c.buf.String(), c.dropped, c.limit)
}

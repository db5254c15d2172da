package pyrunner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// pipes are one run's four channels: stdout, stderr, the action's requests
// (its fd 3) and our answers (its fd 4). "theirs" are the ends the Python
// process gets; we close our copies of them once it has them.
type pipes struct {
	stdoutR, stdoutW *os.File
	stderrR, stderrW *os.File
	reqR, reqW       *os.File
	ansR, ansW       *os.File
}

func newPipes() (*pipes, error) {
	p := &pipes{}
	for _, pair := range []struct{ r, w **os.File }{
		{&p.stdoutR, &p.stdoutW}, {&p.stderrR, &p.stderrW}, {&p.reqR, &p.reqW}, {&p.ansR, &p.ansW},
	} {
		r, w, err := os.Pipe()
		if err != nil {
			p.closeOurs()
			p.closeTheirs()
			return nil, err
		}
		*pair.r, *pair.w = r, w
	}
	return p, nil
}

// theirs are the ends the child gets, in fd order 1, 2, 3, 4.
func (p *pipes) theirs() []*os.File { return []*os.File{p.stdoutW, p.stderrW, p.reqW, p.ansR} }

func (p *pipes) closeTheirs() {
	for _, f := range p.theirs() {
		if f != nil {
			f.Close()
		}
	}
}

func (p *pipes) closeOurs() {
	for _, f := range []*os.File{p.stdoutR, p.stderrR, p.reqR, p.ansW} {
		if f != nil {
			f.Close()
		}
	}
}

// process is a running Python action, started directly or forked.
type process interface {
	pid() int  // also its process group
	wait() int // the exit code; -1 when unknown
}

// direct starts the wrapper as a new interpreter.
func direct(python, lib string, env []string, cwd string, p *pipes) (process, error) {
	cmd := exec.Command(python, "-u", filepath.Join(lib, "squall_wrapper.py"))
	cmd.Dir = cwd
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = p.stdoutW, p.stderrW
	cmd.ExtraFiles = []*os.File{p.reqW, p.ansR} // fds 3 and 4
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("failed to start %s: %w", python, err)
	}
	return directProcess{cmd}, nil
}

type directProcess struct{ cmd *exec.Cmd }

func (d directProcess) pid() int { return d.cmd.Process.Pid }

func (d directProcess) wait() int {
	_ = d.cmd.Wait()
	if d.cmd.ProcessState == nil {
		return -1
	}
	return d.cmd.ProcessState.ExitCode()
}

// envMap turns KEY=VALUE pairs into a map, later ones winning.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

package pyrunner

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/squall-io/squall/sdk/python"
)

// process is a running Python action, started directly or forked.
type process interface {
	pid() int  // also its process group
	wait() int // the exit code; -1 when unknown
}

// direct starts the wrapper as a new interpreter.
func direct(py, lib string, env []string, cwd string, p *python.Pipes) (process, error) {
	cmd := p.Command(py, "-u", filepath.Join(lib, "squall_wrapper.py"))
	cmd.Dir = cwd
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("failed to start %s: %w", py, err)
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

package pysensor

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/sdk/python"
	"github.com/squall-io/squall/sdk/sensor"
)

// drainWait bounds how long the pipes are read after the process ended: a
// grandchild that escaped the process group may hold them open.
const drainWait = 2 * time.Second

// session is one run of one sensor: its process and the goroutines that
// serve the bridge, feed trigger changes and log the output.
type session struct {
	name    string
	run     *sensor.Run
	logger  hclog.Logger
	started func()
	grace   time.Duration

	pipes *python.Pipes
	cmd   *exec.Cmd

	// calls is the context of host calls: it outlives the run's ctx until
	// the process is gone, so that cleanup() can still write the datastore.
	calls       context.Context
	cancelCalls context.CancelFunc

	startOnce sync.Once
	mu        sync.Mutex
	failure   string // what the sensor reported before exiting
	lastErr   string // the last line it wrote on stderr
}

func (s *session) start(py, lib string) error {
	p, err := python.NewPipes(true)
	if err != nil {
		return fmt.Errorf("failed to create the sensor's pipes: %w", err)
	}
	cmd := p.Command(py, "-u", wrapper(lib))
	cmd.Dir = filepath.Dir(s.run.EntryPoint)
	cmd.Env = environ(lib)
	if err := cmd.Start(); err != nil {
		p.Close()
		p.CloseTheirs()
		return fmt.Errorf("failed to start %s: %w", py, err)
	}
	p.CloseTheirs()
	s.pipes, s.cmd = p, cmd
	return nil
}

// supervise serves the process until it exits or ctx ends; then it stops
// it: SIGTERM (the sensor's cleanup runs), SIGKILL to the whole process
// group after the grace period.
func (s *session) supervise(ctx context.Context) error {
	defer s.pipes.Close()
	s.calls, s.cancelCalls = context.WithCancel(context.WithoutCancel(ctx))
	defer s.cancelCalls()
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()

	var readers sync.WaitGroup
	readers.Add(3)
	go func() { defer readers.Done(); s.serve() }()
	go func() { defer readers.Done(); s.pump(s.pipes.Stdout, "stdout") }()
	go func() { defer readers.Done(); s.pump(s.pipes.Stderr, "stderr") }()
	fed := make(chan struct{})
	go func() { defer close(fed); s.feed(ctx, exited) }()

	pid := s.cmd.Process.Pid
	select {
	case <-exited:
	case <-ctx.Done():
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(s.grace):
			s.logger.Warn("sensor did not stop in time: killing it", "grace", s.grace)
		}
	}
	// Whatever the sensor started goes with it.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-exited
	s.pipes.Events.Close()
	<-fed
	s.drain(&readers)
	s.cancelCalls()
	if ctx.Err() != nil {
		return nil
	}
	return s.failed()
}

// drain waits for the readers to reach EOF, closing the pipes if
// something outside the process group still holds them.
func (s *session) drain(readers *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drainWait):
		s.pipes.Requests.Close()
		s.pipes.Stdout.Close()
		s.pipes.Stderr.Close()
		<-done
	}
}

// failed is the error of a sensor that ended on its own.
func (s *session) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != "" {
		return fmt.Errorf("sensor %s: %s", s.name, s.failure)
	}
	tail := ""
	if s.lastErr != "" {
		tail = ": " + s.lastErr
	}
	return fmt.Errorf("sensor %s: %w (%s)%s", s.name, errRunEnded, s.cmd.ProcessState, tail)
}

func (s *session) markStarted() {
	s.startOnce.Do(func() {
		if s.started != nil {
			s.started()
		}
	})
}

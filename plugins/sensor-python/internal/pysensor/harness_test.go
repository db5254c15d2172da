package pysensor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/sensor"
)

// newTestPlugin returns the plugin with a logger writing through t, or
// skips the test when there is no Python to run sensors with.
func newTestPlugin(t *testing.T) *Plugin {
	t.Helper()
	py := os.Getenv("SQUALL_PYTHON")
	if py == "" {
		py = "python3"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no %s: %v", py, err)
	}
	t.Setenv("SQUALL_PYTHON_VIRTUALENVS", t.TempDir())
	return New(hclog.New(&hclog.LoggerOptions{Name: "sensor-python", Level: hclog.Debug, Output: testWriter{t}}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// writeSensor writes a pack "mypack" with one sensor file and returns the
// pack's directory and the file's path.
func writeSensor(t *testing.T, src string) (pack, entry string) {
	t.Helper()
	pack = t.TempDir()
	entry = filepath.Join(pack, "sensors", "my_sensor.py")
	if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return pack, entry
}

// running is a sensor run in progress.
type running struct {
	done    chan error
	started chan struct{}
	updates chan []sensor.Trigger
	cancel  context.CancelFunc
}

// startRun runs a sensor of mypack on p with host as its host service;
// the run is stopped and waited for when the test ends.
func startRun(t *testing.T, p *Plugin, host *hostservicetest.MemoryHost, class, src string, run sensor.Run) *running {
	t.Helper()
	pack, entry := writeSensor(t, src)
	return startRunIn(t, p, host, pack, entry, class, run)
}

// startRunIn is startRun for a pack already written.
func startRunIn(t *testing.T, p *Plugin, host *hostservicetest.MemoryHost, pack, entry, class string, run sensor.Run) *running {
	t.Helper()
	updates := make(chan []sensor.Trigger, 1)
	run.ID, run.Ref, run.Pack, run.ClassName = "run-1", "mypack."+class, "mypack", class
	run.EntryPoint, run.PackPath, run.Updates = entry, pack, updates
	run.Host = hostservice.Bind(host, run.ID)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{done: make(chan error, 1), started: make(chan struct{}), updates: updates, cancel: cancel}
	go func() {
		closed := false
		r.done <- p.Run(ctx, &run, func() {
			if !closed {
				closed = true
				close(r.started)
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("the run did not end")
		}
	})
	return r
}

// waitFor retries cond until it holds, failing the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait returns the run's result, failing the test if it takes longer than
// within.
func (r *running) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(within):
		t.Fatalf("the run did not end within %s", within)
		return nil
	}
}

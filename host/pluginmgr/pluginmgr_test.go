package pluginmgr

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/runner"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// testPluginDir builds the test plugin once into a directory shared by the
// tests of this package, and returns a fresh plugin dir linking to it.
func testPluginDir(t *testing.T, extra ...string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "squall-pluginmgr")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "squall-testplugin"),
			"./internal/testplugin").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("failed to build the test plugin: %v", buildErr)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(buildDir, "squall-testplugin"), filepath.Join(dir, "squall-testplugin")); err != nil {
		t.Fatal(err)
	}
	for _, name := range extra {
		// A binary that never answers the handshake.
		script := "#!/bin/sh\nexec sleep 600\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Not plugins: wrong prefix, not executable.
	_ = os.WriteFile(filepath.Join(dir, "other-binary"), []byte("#!/bin/sh\n"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "squall-notexec"), []byte("#!/bin/sh\n"), 0o644)
	return dir
}

func startManager(t *testing.T, dir string, host hostservice.Service) *Manager {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := New(Config{
		Dir: dir, Host: host, Logger: hclog.New(&hclog.LoggerOptions{Output: testWriter{t}, Level: hclog.Debug}),
		StartTimeout: 2 * time.Second, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); m.Wait() })
	return m
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func run(t *testing.T, m *Manager, ctx context.Context, id, mode string) (runner.Result, string, error) {
	var mu sync.Mutex
	var out strings.Builder
	res, err := m.Run(ctx, &runner.Request{
		ExecutionID: id, RunnerType: "test-runner", Parameters: map[string]any{"mode": mode},
	}, func(_ string, data []byte) { mu.Lock(); out.Write(data); mu.Unlock() })
	mu.Lock()
	defer mu.Unlock()
	return res, out.String(), err
}

func TestDiscoverAndRun(t *testing.T) {
	host := hostservicetest.NewMemoryHost()
	_ = host.Set(context.Background(), "", hostservice.SetRequest{Name: "greeting", Value: "hi"})
	m := startManager(t, testPluginDir(t, "squall-hang"), host)

	st := m.Statuses()
	if len(st) != 2 || st[0].Name != "squall-hang" || st[1].Name != "squall-testplugin" {
		t.Fatalf("statuses: %+v", st)
	}
	if st[0].State != StateFailed || !strings.Contains(st[0].Error, "handshake") {
		t.Fatalf("a plugin that never answers must be reported failed: %+v", st[0])
	}
	if rts := m.RunnerTypes(); len(rts) != 1 || rts[0].RunnerType.Name != "test-runner" {
		t.Fatalf("runner types: %+v", rts)
	}
	res, out, err := run(t, m, context.Background(), "e1", "echo")
	if err != nil || res.Status != runner.StatusSucceeded || out != "hello e1\n" {
		t.Fatalf("echo: %+v %q %v", res, out, err)
	}
	res, _, err = run(t, m, context.Background(), "e2", "kv")
	if err != nil || res.Value != "hi" {
		t.Fatalf("host service: %+v %v", res, err)
	}
	if _, err := m.Run(context.Background(), &runner.Request{RunnerType: "nope"}, nil); !errors.Is(err, ErrNoRunner) {
		t.Fatalf("unknown runner type: %v", err)
	}
}

func TestConcurrentRunsAndCancel(t *testing.T) {
	m := startManager(t, testPluginDir(t), hostservicetest.NewMemoryHost())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := run(t, m, ctx, "sleeper", "sleep")
		done <- err
	}()
	// Other runs proceed while one sleeps in the same process.
	for i := 0; i < 5; i++ {
		if res, _, err := run(t, m, context.Background(), "e", "echo"); err != nil || res.Status != runner.StatusSucceeded {
			t.Fatalf("echo while sleeping: %+v %v", res, err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not end the run")
	}
}

func TestPluginKilledMidRunIsRestarted(t *testing.T) {
	m := startManager(t, testPluginDir(t), hostservicetest.NewMemoryHost())
	first, _, err := run(t, m, context.Background(), "a", "echo")
	if err != nil {
		t.Fatal(err)
	}
	sleeping := make(chan error, 1)
	started := make(chan struct{})
	var once sync.Once
	go func() {
		_, err := m.Run(context.Background(), &runner.Request{
			ExecutionID: "b", RunnerType: "test-runner", Parameters: map[string]any{"mode": "sleep"},
		}, func(string, []byte) { once.Do(func() { close(started) }) })
		sleeping <- err
	}()
	<-started
	// The plugin exits while "b" is in flight: both that run and the one
	// that made it exit fail with ErrPluginExited.
	if _, _, err := run(t, m, context.Background(), "c", "exit"); !errors.Is(err, ErrPluginExited) {
		t.Fatalf("run that killed the plugin: %v", err)
	}
	if err := <-sleeping; !errors.Is(err, ErrPluginExited) {
		t.Fatalf("in-flight run: %v", err)
	}
	// It comes back, as a new process.
	var res runner.Result
	waitUntil(t, func() bool {
		res, _, err = run(t, m, context.Background(), "d", "echo")
		return err == nil
	})
	if res.Value.(map[string]any)["pid"] == first.Value.(map[string]any)["pid"] {
		t.Fatal("the plugin was not restarted as a new process")
	}
	if st := m.Statuses(); st[0].Restarts != 1 || st[0].State != StateRunning {
		t.Fatalf("status after restart: %+v", st)
	}
}

// waitUntil retries cond until it holds or 10 seconds pass.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// pluginDirWith links the shipped plugins into a new directory and builds
// the named SDK examples into it.
func pluginDirWith(t *testing.T, examples map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	shipped := filepath.Dir(harness.Binary(t))
	plugins, _ := filepath.Glob(filepath.Join(shipped, "squall-*"))
	for _, p := range plugins {
		if err := os.Symlink(p, filepath.Join(dir, filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	for pkg, name := range examples {
		harness.BuildPackage(t, pkg, dir, name)
	}
	return dir
}

// TestGoSensorDispatchesIntoRules: a third-party sensor plugin built only
// against sdk/ registers its sensor and trigger type, is told the
// directory a rule watches, and its dispatches fire the rule; the trace
// links instance, rule and execution; disabling the sensor stops it.
func TestGoSensorDispatchesIntoRules(t *testing.T) {
	dir := pluginDirWith(t, map[string]string{"./sdk/examples/sensor-files": "squall-sensor-files"})
	n := harness.StartNode(t, harness.Options{ID: "n1", Args: []string{"--plugin-dir", dir}})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	harness.WaitFor(t, 20*time.Second, func() error {
		if out := c.ok("sensor", "list"); !strings.Contains(out, "examples.FileSensor") {
			return fmt.Errorf("sensor list:\n%s", out)
		}
		return nil
	})
	if out := c.ok("trigger", "getspecs", "examples.file_created"); !strings.Contains(out, "path") {
		t.Fatalf("getspecs: %s", out)
	}
	watched, out := t.TempDir(), filepath.Join(t.TempDir(), "seen")
	rule := filepath.Join(t.TempDir(), "files.yaml")
	yaml := "name: on_new_file\npack: examples\ntrigger:\n  type: examples.file_created\n  parameters:\n    path: " + watched + "\n" +
		"criteria:\n  trigger.name: {type: startswith, pattern: report}\n" +
		"action:\n  ref: core.local\n  parameters:\n    cmd: echo \"{{ trigger.name }} {{ trigger.size }}\" >> " + out + "\n"
	if err := os.WriteFile(rule, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("rule", "create", rule)
	// The sensor learns the directory from the rule; a file written before
	// it polls once with the directory is not new to it, so keep writing
	// until one is reported.
	harness.WaitFor(t, 20*time.Second, func() error {
		if err := os.WriteFile(filepath.Join(watched, fmt.Sprintf("report-%d.txt", time.Now().UnixNano())), []byte("hello"), 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(watched, fmt.Sprintf("other-%d.txt", time.Now().UnixNano())), []byte("x"), 0o600); err != nil {
			return err
		}
		data, _ := os.ReadFile(out)
		if !strings.Contains(string(data), "report-") || !strings.Contains(string(data), " 5") {
			return fmt.Errorf("action output %q", data)
		}
		return nil
	})
	if data, _ := os.ReadFile(out); strings.Contains(string(data), "other-") {
		t.Fatalf("criteria let another file through: %s", data)
	}
	got := c.ok("sensor", "get", "examples.FileSensor", "-j")
	if !strings.Contains(got, `"running"`) {
		t.Fatalf("sensor status: %s", got)
	}
	// The trace of one execution holds its instance and rule.
	var execs []map[string]any
	c.jsonOut(&execs, "execution", "list", "-n", "1")
	if len(execs) != 1 {
		t.Fatalf("executions: %v", execs)
	}
	trace := c.ok("trace", "list", "-e", fmt.Sprint(execs[0]["id"]), "-j")
	for _, want := range []string{"examples.file_created", "examples.on_new_file", "core.local"} {
		if !strings.Contains(trace, want) {
			t.Fatalf("trace lacks %s: %s", want, trace)
		}
	}
	c.ok("sensor", "disable", "examples.FileSensor")
	harness.WaitFor(t, 10*time.Second, func() error {
		if out := c.ok("sensor", "get", "examples.FileSensor", "-j"); !strings.Contains(out, `"disabled"`) {
			return fmt.Errorf("sensor still %s", out)
		}
		return nil
	})
	if errOut := c.fail("sensor", "enable", "examples.NoSuchSensor"); !strings.Contains(errOut, "not found") {
		t.Fatalf("unknown sensor: %s", errOut)
	}
}

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// execution is what the tests read of an execution.
type execution struct {
	ID     string         `json:"id"`
	Status string         `json:"status"`
	Result map[string]any `json:"result"`
	Params map[string]any `json:"parameters"`
	Log    []struct {
		Status string `json:"status"`
	} `json:"log"`
}

func testdata(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startPackNode starts a node whose packs path holds the test packs.
func startPackNode(t *testing.T, extra ...string) *harness.Node {
	args := append([]string{
		"--packs-path", testdata(t, "packs") + ":" + testdata(t, "badpacks"),
		"--configs-dir", testdata(t, "configs"),
	}, extra...)
	return harness.StartNode(t, harness.Options{ID: "n1", Args: args})
}

// waitStatus polls an execution until its status is final.
func waitStatus(t *testing.T, c *cli, id string) execution {
	t.Helper()
	var e execution
	harness.WaitFor(t, 30*time.Second, func() error {
		c.jsonOut(&e, "execution", "get", id)
		switch e.Status {
		case "succeeded", "failed", "timeout", "canceled", "abandoned":
			return nil
		}
		return fmt.Errorf("execution %s is %s", id, e.Status)
	})
	return e
}

// TestUserPackThroughTheCLI registers a user's pack and runs its shell
// script, command and HTTP actions through st2 and squall.
func TestUserPackThroughTheCLI(t *testing.T) {
	n := startPackNode(t)
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	c.ok("key", "set", "greeting", "Hello")

	out := c.ok("pack", "register", "mypack")
	if !strings.Contains(out, "actions") {
		t.Fatalf("pack register: %s", out)
	}
	out = c.ok("action", "list", "-p", "mypack")
	for _, ref := range []string{"mypack.greet", "mypack.fetch", "mypack.readkey", "mypack.pyact"} {
		if !strings.Contains(out, ref) {
			t.Fatalf("action list lacks %s:\n%s", ref, out)
		}
	}
	if out := c.ok("pack", "get", "mypack"); !strings.Contains(out, "0.1.0") {
		t.Fatalf("pack get: %s", out)
	}

	// A script with named and positional arguments, a default from the
	// datastore, one from the pack config, and a PyYAML boolean.
	out = c.ok("run", "mypack.greet", "who=World", "-k", "stdout")
	if strings.TrimSpace(out) != "HELLO, WORLD FROM US-EAST" {
		t.Fatalf("greet: %q", out)
	}
	var e execution
	c.jsonOut(&e, "run", "mypack.greet", "who=Ops", "shout=false", "greeting=Hi")
	if e.Status != "succeeded" || e.Result["stdout"] != "Hi, Ops from us-east" || e.Result["stderr"] != "pack=mypack" {
		t.Fatalf("greet as json: %+v", e)
	}
	// The same through the squall name of the binary.
	r := n.CLIAs(t, "squall", c.home, nil, "run", "mypack.greet", "who=Squall", "shout=no", "-k", "stdout")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "Hello, Squall from us-east" {
		t.Fatalf("squall run: %+v", r)
	}

	// The action calls the API back with ST2_ACTION_AUTH_TOKEN.
	st2 := filepath.Join(filepath.Dir(harness.Binary(t)), "st2")
	c.jsonOut(&e, "run", "mypack.readkey", "st2="+st2)
	if e.Status != "succeeded" || !strings.Contains(fmt.Sprint(e.Result["stdout"]), `"value": "Hello"`) {
		t.Fatalf("readkey: %+v", e)
	}

	// A StackStorm Python action: config, datastore, (False, result).
	c.jsonOut(&e, "run", "mypack.pyact", "who=Py")
	res, _ := e.Result["result"].(map[string]any)
	if e.Status != "succeeded" || res["message"] != "Hello, Py" || res["region"] != "us-east" || fmt.Sprint(res["retries"]) != "2" ||
		e.Result["stdout"] != "running for Py\n" {
		t.Fatalf("python action: %+v", e)
	}
	if out := c.ok("key", "get", "mypack.Hello:last_who", "-j"); !strings.Contains(out, `"value": "Py"`) {
		t.Fatalf("the action's local key: %s", out)
	}
	if r := n.CLI(t, c.home, nil, "run", "mypack.pyact", "who=Py", "fail=true", "-j"); r.Code == 0 || !strings.Contains(r.Stdout, `"status": "failed"`) {
		t.Fatalf("(False, ...) must fail the execution: %+v", r)
	}

	// HTTP.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path": %q, "from": %q}`, r.URL.Path, r.Header.Get("X-From"))
	}))
	defer srv.Close()
	c.jsonOut(&e, "run", "mypack.fetch", "url="+srv.URL+"/status")
	body, _ := e.Result["body"].(map[string]any)
	if e.Status != "succeeded" || body["path"] != "/status" || body["from"] != "squall" {
		t.Fatalf("fetch: %+v", e)
	}
	c.jsonOut(&e, "run", "core.http", "url="+srv.URL+"/x", "method=GET")
	if e.Status != "succeeded" {
		t.Fatalf("core.http: %+v", e)
	}

	// core.sendmail, with a sendmail that keeps the message.
	mailDir := t.TempDir()
	fake := filepath.Join(mailDir, "sendmail")
	script := "#!/bin/sh\ncat > " + filepath.Join(mailDir, "mail.txt") + "\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c.ok("run", "core.sendmail", "to=ops@example.com", "subject=Disk full", "body=<b>/var</b> is full", "sendmail_binary="+fake)
	mail, _ := os.ReadFile(filepath.Join(mailDir, "mail.txt"))
	for _, want := range []string{"To: ops@example.com", "Subject: Disk full", "From: stanley", "text/html", "<b>/var</b> is full"} {
		if !strings.Contains(string(mail), want) {
			t.Fatalf("mail lacks %q:\n%s", want, mail)
		}
	}

	// The documented core examples.
	if out := c.ok("run", "core.local", "--", "date", "-R"); !strings.Contains(out, "status: succeeded") {
		t.Fatalf("core.local -- date -R: %s", out)
	}
	if out := c.ok("run", "core.local", "cmd=ls -al "+testdata(t, "packs")); !strings.Contains(out, "mypack") {
		t.Fatalf("core.local cmd=ls: %s", out)
	}
	if out := c.ok("run", "-a", "core.local", "sleep 1"); !strings.Contains(out, "st2 execution get") {
		t.Fatalf("run -a: %s", out)
	}
	if out := c.ok("execution", "list", "-n", "5"); strings.Count(out, "core.local") < 2 {
		t.Fatalf("execution list -n 5:\n%s", out)
	}
}

// TestExecutionBadInput: every mistake is a clear error or a clear failed
// result, and a broken pack registers nothing.
func TestExecutionBadInput(t *testing.T) {
	n := startPackNode(t)
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	c.ok("pack", "register", "mypack")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown action", []string{"run", "core.nope"}, `"core.nope"`},
		{"missing required", []string{"run", "mypack.greet"}, "who"},
		{"mistyped", []string{"run", "core.pause", "max_pause=soon"}, `"soon" is not an integer`},
		{"unknown parameter", []string{"run", "core.local", "cmd=true", "bogus=1"}, `"bogus" is not defined`},
		{"immutable", []string{"run", "core.echo", "message=x", "cmd=rm -rf /"}, "immutable"},
		{"broken pack", []string{"pack", "register", "broken"}, "bad.yaml"},
		{"broken pack with a good one", []string{"pack", "register", "otherpack", "broken"}, "bad.yaml"},
		{"pack not on the path", []string{"pack", "register", "nosuchpack"}, "nosuchpack"},
		{"unknown runner", []string{"pack", "register", "norunner"}, `alien.yaml: runner_type: unknown runner type "quantum-shell"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if errOut := c.fail(tc.args...); !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q lacks %q", errOut, tc.want)
			}
		})
	}
	// Nothing half-registered: otherpack failed along with broken.
	if out := c.ok("pack", "list"); strings.Contains(out, "otherpack") || strings.Contains(out, "broken") {
		t.Fatalf("a failed registration left packs behind:\n%s", out)
	}
	// Disabled actions do not run.
	c.ok("action", "disable", "core.noop")
	if errOut := c.fail("run", "core.noop"); !strings.Contains(errOut, "disabled") {
		t.Fatalf("disabled: %s", errOut)
	}
	c.ok("action", "enable", "core.noop")

	// Failed results that say why.
	var e execution
	r := n.CLI(t, c.home, nil, "run", "mypack.noexec", "-j")
	_ = json.Unmarshal([]byte(r.Stdout), &e)
	if r.Code == 0 || e.Status != "failed" || !strings.Contains(fmt.Sprint(e.Result["error"]), "not executable") {
		t.Fatalf("not executable: %+v %+v", r, e)
	}
	r = n.CLI(t, c.home, nil, "run", "core.local", "cmd=head -c 3000000 /dev/zero | tr '\\0' a", "-j")
	_ = json.Unmarshal([]byte(r.Stdout), &e)
	if e.Status != "succeeded" || !strings.Contains(fmt.Sprint(e.Result["stdout"]), "output truncated") {
		t.Fatalf("megabytes of output: status %s, %d bytes", e.Status, len(r.Stdout))
	}
	r = n.CLI(t, c.home, nil, "run", "core.local", "cmd=sleep 10", "timeout=1", "-j")
	_ = json.Unmarshal([]byte(r.Stdout), &e)
	if e.Status != "timeout" {
		t.Fatalf("timeout: %+v", e)
	}
}

// TestRunnerPluginKilledMidRun kills the shell plugin under a running
// execution: the execution fails saying so, and the plugin comes back.
func TestRunnerPluginKilledMidRun(t *testing.T) {
	n := startPackNode(t)
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	var e execution
	c.jsonOut(&e, "run", "-a", "core.local", "cmd=echo started; sleep 60")
	harness.WaitFor(t, 20*time.Second, func() error {
		out := c.ok("execution", "get", e.ID, "-j")
		if !strings.Contains(out, `"status": "running"`) {
			return fmt.Errorf("not running yet")
		}
		return nil
	})
	pids := childPids(t, n.Pid(), "squall-runner-shell")
	if len(pids) != 1 {
		t.Fatalf("runner-shell processes of the node: %v", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := waitStatus(t, c, e.ID)
	if done.Status != "failed" || !strings.Contains(fmt.Sprint(done.Result["error"]), "runner plugin exited") {
		t.Fatalf("execution after its plugin died: %+v", done)
	}
	// Restarted with backoff: the next run works, in a new process.
	harness.WaitFor(t, 20*time.Second, func() error {
		r := n.CLI(t, c.home, nil, "run", "core.local", "cmd=echo again", "-k", "stdout")
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != "again" {
			return fmt.Errorf("run after restart: %+v", r)
		}
		return nil
	})
	next := childPids(t, n.Pid(), "squall-runner-shell")
	if len(next) != 1 || next[0] == pids[0] {
		t.Fatalf("plugin not restarted as a new process: %v -> %v", pids, next)
	}

	// The node dies hard under a running command: its plugin notices,
	// kills the command and exits; nothing is left behind.
	c.ok("run", "-a", "core.local", "cmd=sleep 97.531")
	harness.WaitFor(t, 20*time.Second, func() error {
		if len(processesWith(t, "sleep 97.531")) == 0 {
			return fmt.Errorf("the command has not started")
		}
		return nil
	})
	n.Kill(t)
	harness.WaitFor(t, 20*time.Second, func() error {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", next[0])); err == nil {
			return fmt.Errorf("plugin %d outlived its node", next[0])
		}
		if left := processesWith(t, "sleep 97.531"); len(left) > 0 {
			return fmt.Errorf("command outlived its node: %v", left)
		}
		return nil
	})
}

// processesWith lists the processes whose command line contains s.
func processesWith(t *testing.T, s string) []int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), s) {
			out = append(out, pid)
		}
	}
	return out
}

// TestThirdPartyRunner builds the SDK example runner, drops it in a
// node's plugin directory, and runs an action on it.
func TestThirdPartyRunner(t *testing.T) {
	dir := t.TempDir()
	shipped := filepath.Dir(harness.Binary(t))
	plugins, _ := filepath.Glob(filepath.Join(shipped, "squall-*"))
	for _, p := range plugins {
		if err := os.Symlink(p, filepath.Join(dir, filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	harness.BuildPackage(t, "./sdk/examples/runner-greet", dir, "squall-runner-greet")
	n := harness.StartNode(t, harness.Options{ID: "n1", Args: []string{"--plugin-dir", dir}})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	harness.WaitFor(t, 20*time.Second, func() error {
		if out := c.ok("runner", "list"); !strings.Contains(out, "greet") {
			return fmt.Errorf("greet not in runner list:\n%s", out)
		}
		return nil
	})
	action := filepath.Join(t.TempDir(), "greet.yaml")
	meta := "name: greet_me\npack: default\nrunner_type: greet\ndescription: third-party runner\nparameters:\n  name:\n    default: world\n"
	if err := os.WriteFile(action, []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("action", "create", action)
	c.ok("key", "set", "greeting", "Howdy")
	var e execution
	c.jsonOut(&e, "run", "default.greet_me", "name=ops")
	if e.Status != "succeeded" || e.Result["greeting"] != "Howdy, ops!" {
		t.Fatalf("greet: %+v", e)
	}
}

// childPids lists the processes whose parent is ppid and whose command
// line contains name.
func childPids(t *testing.T, ppid int, name string) []int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command (in parentheses): state, ppid, ...
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		fields := strings.Fields(rest)
		if len(fields) < 2 || fields[1] != strconv.Itoa(ppid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), name) {
			out = append(out, pid)
		}
	}
	return out
}

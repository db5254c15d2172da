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

// TestPythonSensorPack registers a StackStorm pack with a Python polling
// sensor, a trigger type and rules from its files; the sensor runs
// unmodified, keeps state in the datastore and fires a rule; a trigger of
// the pack's own type fires through /webhooks/st2.
func TestPythonSensorPack(t *testing.T) {
	n := startPackNode(t)
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	out := filepath.Join(t.TempDir(), "sensordemo.out")
	c.ok("key", "set", "sensordemo_out", out)
	c.ok("key", "set", "greeting", "Hello")
	if got := c.ok("pack", "register", "sensordemo"); !strings.Contains(got, "rules") {
		t.Fatalf("pack register: %s", got)
	}
	for cmd, want := range map[string]string{
		"rule list -p sensordemo":     "sensordemo.on_third_tick",
		"sensor list -p sensordemo":   "sensordemo.CounterSensor",
		"trigger list -p sensordemo":  "sensordemo.manual_event",
		"trigger get sensordemo.tick": "count",
	} {
		if got := c.ok(strings.Fields(cmd)...); !strings.Contains(got, want) {
			t.Fatalf("%s lacks %s:\n%s", cmd, want, got)
		}
	}
	harness.WaitFor(t, 60*time.Second, func() error {
		data, _ := os.ReadFile(out)
		if strings.TrimSpace(string(data)) != "Hello 3" {
			return fmt.Errorf("output %q", data)
		}
		return nil
	})
	// local=True keys carry the sensor's prefix, as in StackStorm.
	if got := c.ok("key", "get", "sensordemo.CounterSensor:count"); !strings.Contains(got, "sensordemo.CounterSensor:count") {
		t.Fatalf("sensor state: %s", got)
	}
	tok := n.Token(t)
	status, body, _ := n.Request("POST", "/api/v1/webhooks/st2", tok, map[string]any{
		"trigger": "sensordemo.manual_event", "payload": map[string]any{"who": "ops"}, "trace_tag": "manual-1"})
	if status != 202 {
		t.Fatalf("webhooks/st2: %d %s", status, body)
	}
	harness.WaitFor(t, 20*time.Second, func() error {
		if data, _ := os.ReadFile(out); !strings.Contains(string(data), "manual ops") {
			return fmt.Errorf("output %q", data)
		}
		return nil
	})
	if got := c.ok("trace", "list", "-c", "manual-1", "-j"); !strings.Contains(got, "sensordemo.on_manual") || !strings.Contains(got, "core.local") {
		t.Fatalf("trace by tag: %s", got)
	}
	// core.inject_trigger fires a trigger from an action, as in StackStorm.
	c.ok("run", "core.inject_trigger", "trigger=sensordemo.manual_event", `payload={"who": "inject"}`)
	harness.WaitFor(t, 20*time.Second, func() error {
		if data, _ := os.ReadFile(out); !strings.Contains(string(data), "manual inject") {
			return fmt.Errorf("output %q", data)
		}
		return nil
	})
	c.ok("sensor", "disable", "sensordemo.CounterSensor")
}

// TestInternalTriggersAndTimers: datastore changes, an action's notify
// section and a cron timer fire rules; trigger types are managed through
// the CLI; an instance is re-emitted.
func TestInternalTriggersAndTimers(t *testing.T) {
	n := harness.StartNode(t, harness.Options{ID: "n1"})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	dir := t.TempDir()
	out := filepath.Join(dir, "events.out")
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	echo := func(text string) string {
		return "action:\n  ref: core.local\n  parameters:\n    cmd: echo \"" + text + "\" >> " + out + "\n"
	}
	c.ok("rule", "create", write("kv.yaml", "name: on_key\npack: examples\ntrigger:\n  type: core.st2.key_value_pair.create\n"+
		"criteria:\n  trigger.object.name: {type: startswith, pattern: watched_}\n"+echo("created {{ trigger.object.name }}={{ trigger.object.value }}")))
	c.ok("rule", "create", write("notify.yaml", "name: on_notify\npack: examples\ntrigger:\n  type: core.st2.generic.notifytrigger\n"+
		"criteria:\n  trigger.route: {type: equals, pattern: ops}\n"+echo("notified {{ trigger.message }}")))
	c.ok("rule", "create", write("cron.yaml", "name: every_other_second\npack: examples\ntrigger:\n  type: core.st2.CronTimer\n"+
		"  parameters:\n    second: \"*/2\"\n"+echo("cron {{ trigger.executed_at }}")))
	if got := c.ok("timer", "list"); !strings.Contains(got, "core.st2.CronTimer") {
		t.Fatalf("timer list: %s", got)
	}
	c.ok("key", "set", "watched_a", "1")
	c.ok("key", "set", "ignored_b", "2")
	action := write("notified.yaml", "name: notified\npack: examples\nrunner_type: local-shell-cmd\nparameters:\n  cmd:\n    default: echo hi\n"+
		"notify:\n  on-success:\n    message: \"{{ action_results.stdout }} done\"\n    routes: [ops]\n")
	c.ok("action", "create", action)
	c.ok("run", "examples.notified")
	harness.WaitFor(t, 20*time.Second, func() error {
		data, _ := os.ReadFile(out)
		s := string(data)
		for _, want := range []string{"created watched_a=1", "notified hi done", "cron "} {
			if !strings.Contains(s, want) {
				return fmt.Errorf("output lacks %q: %q", want, s)
			}
		}
		if strings.Contains(s, "ignored_b") {
			return fmt.Errorf("criteria let ignored_b through: %q", s)
		}
		return nil
	})
	c.ok("rule", "disable", "examples.every_other_second")
	// Each cron tick ran once.
	seen := map[string]bool{}
	data, _ := os.ReadFile(out)
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "cron ") {
			if seen[l] {
				t.Fatalf("cron tick ran twice: %s", l)
			}
			seen[l] = true
		}
	}

	// Trigger types through the CLI; a system type is read-only.
	tt := write("tt.yaml", "name: deploy\npack: examples\ndescription: a deploy happened\npayload_schema:\n  type: object\n")
	c.ok("trigger", "create", tt)
	if got := c.ok("trigger", "list", "-p", "examples"); !strings.Contains(got, "examples.deploy") {
		t.Fatalf("trigger list: %s", got)
	}
	c.ok("trigger", "update", "examples.deploy", write("tt2.yaml", "name: deploy\npack: examples\ndescription: changed\n"))
	if got := c.ok("trigger", "get", "examples.deploy"); !strings.Contains(got, "changed") {
		t.Fatalf("trigger update: %s", got)
	}
	if errOut := c.fail("trigger", "delete", "core.st2.webhook"); !strings.Contains(errOut, "system trigger type") {
		t.Fatalf("delete a system type: %s", errOut)
	}
	if errOut := c.fail("trigger", "create", write("bad.yaml", "name: 'bad name'\n")); !strings.Contains(errOut, "name") {
		t.Fatalf("bad trigger type: %s", errOut)
	}
	c.ok("trigger", "delete", "examples.deploy")

	// Re-emit an instance: a new instance of the same trigger and payload.
	var instances []map[string]any
	c.jsonOut(&instances, "trigger-instance", "list", "--trigger", "core.st2.key_value_pair.create")
	if len(instances) != 2 {
		t.Fatalf("kv instances: %v", instances)
	}
	if got := c.ok("trigger-instance", "re-emit", fmt.Sprint(instances[len(instances)-1]["id"])); !strings.Contains(got, "re-sent") {
		t.Fatalf("re-emit: %s", got)
	}
	harness.WaitFor(t, 20*time.Second, func() error {
		data, _ := os.ReadFile(out)
		if n := strings.Count(string(data), "created watched_a=1"); n != 2 {
			return fmt.Errorf("after re-emit the rule ran %d times", n)
		}
		return nil
	})
}

// TestInquiry: core.ask waits, pending; a response that breaks its schema
// is refused; a good one succeeds it; core.st2.generic.inquiry fires a
// rule; a pending inquiry can be canceled.
func TestInquiry(t *testing.T) {
	n := harness.StartNode(t, harness.Options{ID: "n1"})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	out := filepath.Join(t.TempDir(), "inquiries")
	rule := filepath.Join(t.TempDir(), "on_inquiry.yaml")
	if err := os.WriteFile(rule, []byte("name: on_inquiry\npack: examples\ntrigger:\n  type: core.st2.generic.inquiry\n"+
		"action:\n  ref: core.local\n  parameters:\n    cmd: echo \"asked {{ trigger.id }} on {{ trigger.route }}\" >> "+out+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("rule", "create", rule)
	var e execution
	c.jsonOut(&e, "run", "-a", "core.ask", "route=ops")
	harness.WaitFor(t, 20*time.Second, func() error {
		var got execution
		c.jsonOut(&got, "execution", "get", e.ID)
		if got.Status != "pending" {
			return fmt.Errorf("inquiry is %s", got.Status)
		}
		return nil
	})
	if got := c.ok("inquiry", "list"); !strings.Contains(got, e.ID) {
		t.Fatalf("inquiry list: %s", got)
	}
	if got := c.ok("inquiry", "get", e.ID); !strings.Contains(got, "continue") {
		t.Fatalf("inquiry get: %s", got)
	}
	harness.WaitFor(t, 20*time.Second, func() error {
		if data, _ := os.ReadFile(out); !strings.Contains(string(data), "asked "+e.ID+" on ops") {
			return fmt.Errorf("rule output %q", data)
		}
		return nil
	})
	if errOut := c.fail("inquiry", "respond", e.ID, "-r", `{"continue": "yes"}`); !strings.Contains(errOut, "continue") {
		t.Fatalf("a response against the schema: %s", errOut)
	}
	c.ok("inquiry", "respond", e.ID, "-r", `{"continue": true}`)
	var done execution
	c.jsonOut(&done, "execution", "get", e.ID)
	if resp, _ := done.Result["response"].(map[string]any); done.Status != "succeeded" || resp["continue"] != true {
		t.Fatalf("answered inquiry: %+v", done)
	}
	if errOut := c.fail("inquiry", "respond", e.ID, "-r", `{"continue": true}`); !strings.Contains(errOut, "pending") {
		t.Fatalf("a second response: %s", errOut)
	}
	var other execution
	c.jsonOut(&other, "run", "-a", "core.ask")
	harness.WaitFor(t, 20*time.Second, func() error {
		var got execution
		c.jsonOut(&got, "execution", "get", other.ID)
		if got.Status != "pending" {
			return fmt.Errorf("inquiry is %s", got.Status)
		}
		return nil
	})
	c.ok("execution", "cancel", other.ID)
	c.jsonOut(&other, "execution", "get", other.ID)
	if other.Status != "canceled" {
		t.Fatalf("canceled inquiry: %s", other.Status)
	}
}

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

// TestWebhookRuleTour is the seed document's webhook rule, end to end:
// a POST to /api/v1/webhooks/sample trips the rule, its criteria check
// the body, and core.local appends the payload to a file.
func TestWebhookRuleTour(t *testing.T) {
	n := harness.StartNode(t, harness.Options{ID: "n1"})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	out := filepath.Join(t.TempDir(), "st2.webhook_sample.out")
	rule := filepath.Join(t.TempDir(), "sample_rule_with_webhook.yaml")
	yaml := `---
name: "sample_rule_with_webhook"
pack: "examples"
description: "Sample rule dumping webhook payload to a file."
enabled: true
trigger:
  type: "core.st2.webhook"
  parameters:
    url: "sample"
criteria:
  trigger.body.name:
    pattern: "st2"
    type: "equals"
action:
  ref: "core.local"
  parameters:
    cmd: "echo \"{{trigger.body.name}} {{trigger.body.foo}}\" >> ` + out + ` ; sync"
`
	if err := os.WriteFile(rule, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("rule", "create", rule)
	// A second rule follows the first one's executions through
	// core.st2.generic.actiontrigger.
	done := filepath.Join(t.TempDir(), "done")
	chain := filepath.Join(t.TempDir(), "chain.yaml")
	chainYAML := `name: after_webhook
pack: examples
trigger:
  type: core.st2.generic.actiontrigger
criteria:
  trigger.action_ref: {type: eq, pattern: core.local}
  trigger.parameters.cmd: {type: contains, pattern: st2.webhook_sample.out}
  trigger.status: {type: equals, pattern: succeeded}
action:
  ref: core.local
  parameters:
    cmd: echo "{{ trigger.execution_id }} {{ trigger.result.return_code }}" >> ` + done + "\n"
	if err := os.WriteFile(chain, []byte(chainYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("rule", "create", chain)
	if got := c.ok("rule", "list", "--pack=examples"); !strings.Contains(got, "examples.sample_rule_with_webhook") {
		t.Fatalf("rule list: %s", got)
	}
	c.ok("rule", "get", "examples.sample_rule_with_webhook")
	if got := c.ok("trigger", "get", "core.st2.webhook"); !strings.Contains(got, "payload_schema") {
		t.Fatalf("trigger get: %s", got)
	}
	if got := c.ok("webhook", "list"); !strings.Contains(got, "sample") {
		t.Fatalf("webhook list: %s", got)
	}
	tok := n.Token(t)

	// A body that does not match: an instance, processed, and no execution.
	if status, body, _ := n.Request("POST", "/api/v1/webhooks/sample", tok, map[string]any{"name": "other"}); status != 202 {
		t.Fatalf("webhook: %d %s", status, body)
	}
	// The documented call.
	if status, body, _ := n.Request("POST", "/api/v1/webhooks/sample", tok, map[string]any{"foo": "bar", "bill": "baz", "name": "st2"}); status != 202 {
		t.Fatalf("webhook: %d %s", status, body)
	}
	harness.WaitFor(t, 20*time.Second, func() error {
		data, _ := os.ReadFile(out)
		if strings.TrimSpace(string(data)) != "st2 bar" {
			return fmt.Errorf("file holds %q", data)
		}
		return nil
	})
	harness.WaitFor(t, 20*time.Second, func() error {
		data, _ := os.ReadFile(done)
		if !strings.HasSuffix(strings.TrimSpace(string(data)), " 0") || strings.Count(string(data), "\n") != 1 {
			return fmt.Errorf("chained rule wrote %q", data)
		}
		return nil
	})
	if got := c.ok("execution", "list", "-n", "5"); strings.Count(got, "core.local") != 2 {
		t.Fatalf("the webhook's execution and the chained one: %s", got)
	}
	harness.WaitFor(t, 10*time.Second, func() error {
		// two webhooks, and the actiontrigger of each core.local run
		if got := c.ok("trigger-instance", "list"); strings.Count(got, "processed") != 4 {
			return fmt.Errorf("instances: %s", got)
		}
		return nil
	})
	if got := c.ok("rule-enforcement", "list"); strings.Count(got, "succeeded") != 2 {
		t.Fatalf("enforcements: %s", got)
	}
	var ens []map[string]any
	c.jsonOut(&ens, "rule-enforcement", "list")
	if got := c.ok("rule-enforcement", "get", fmt.Sprint(ens[0]["id"])); !strings.Contains(got, fmt.Sprint(ens[0]["execution_id"])) {
		t.Fatalf("rule-enforcement get: %s", got)
	}
	if got := c.ok("rule-enforcement", "list", "--rule", "examples.after_webhook"); strings.Count(got, "succeeded") != 1 {
		t.Fatalf("enforcements of one rule: %s", got)
	}
	if got := c.ok("rule", "list", "--iftt", "--enabled"); !strings.Contains(got, "core.st2.webhook") || !strings.Contains(got, "core.local") {
		t.Fatalf("rule list --iftt: %s", got)
	}
	if got := c.ok("webhook", "get", "sample"); !strings.Contains(got, "examples.sample_rule_with_webhook") {
		t.Fatalf("webhook get: %s", got)
	}

	// Bad input.
	if status, _, _ := n.Request("POST", "/api/v1/webhooks/nosuchhook", tok, map[string]any{}); status != 404 {
		t.Fatalf("unknown webhook: %d", status)
	}
	if status, _, _ := n.Request("POST", "/api/v1/webhooks/sample", "", map[string]any{}); status != 401 {
		t.Fatalf("webhook without credentials: %d", status)
	}
	before := c.ok("trigger-instance", "list", "-j")
	if status, body, _ := n.Request("POST", "/api/v1/webhooks/sample", tok, []byte(`{"name": "st2",`)); status != 400 {
		t.Fatalf("malformed JSON: %d %s", status, body)
	}
	big := []byte(`{"name": "` + strings.Repeat("x", 3<<20) + `"}`)
	if status, body, _ := n.Request("POST", "/api/v1/webhooks/sample", tok, big); status != 413 {
		t.Fatalf("a body over the limit: %d %.200s", status, body)
	}
	if after := c.ok("trigger-instance", "list", "-j"); after != before {
		t.Fatalf("a refused webhook left an instance")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	for _, tc := range []struct{ yaml, want string }{
		{"name: r\ntrigger: {type: core.st2.webhook, parameters: {url: x}}\ncriteria: {trigger.a: {type: nosuchop, pattern: 1}}\naction: {ref: core.noop}\n", "nosuchop"},
		{"name: r\ntrigger: {type: core.st2.nope}\naction: {ref: core.noop}\n", "unknown trigger type"},
		{"name: r\ntrigger: {type: core.st2.webhook, parameters: {url: x}}\naction: {ref: core.nope}\n", "core.nope"},
		{"name: r\ntrigger: {type: core.st2.webhook, parameters: {url: x}}\ncriteria: {trigger.a: {type: regex, pattern: '(unclosed'}}\naction: {ref: core.noop}\n", "trigger.a"},
	} {
		if err := os.WriteFile(bad, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if errOut := c.fail("rule", "create", bad); !strings.Contains(errOut, tc.want) {
			t.Fatalf("bad rule: %s lacks %s", errOut, tc.want)
		}
	}
}

// TestIntervalTimerRule: a core.st2.IntervalTimer rule runs its action on
// every tick.
func TestIntervalTimerRule(t *testing.T) {
	n := harness.StartNode(t, harness.Options{ID: "n1"})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	out := filepath.Join(t.TempDir(), "ticks")
	rule := filepath.Join(t.TempDir(), "timer.yaml")
	yaml := "name: every_second\npack: examples\ntrigger:\n  type: core.st2.IntervalTimer\n  parameters:\n    unit: seconds\n    delta: 1\n" +
		"action:\n  ref: core.local\n  parameters:\n    cmd: echo \"{{ trigger.executed_at }}\" >> " + out + "\n"
	if err := os.WriteFile(rule, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("rule", "create", rule)
	harness.WaitFor(t, 20*time.Second, func() error {
		data, _ := os.ReadFile(out)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) < 3 {
			return fmt.Errorf("%d ticks so far", len(lines))
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l] {
				return fmt.Errorf("tick %s ran twice", l)
			}
			seen[l] = true
		}
		return nil
	})
	c.ok("rule", "disable", "examples.every_second")
}

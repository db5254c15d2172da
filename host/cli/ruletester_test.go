package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRuleTester(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rule := write("rule.yaml", "name: r\ntrigger:\n  type: core.st2.webhook\ncriteria:\n  trigger.body.name:\n    type: equals\n    pattern: st2\n")
	yes := write("yes.yaml", "trigger: core.st2.webhook\npayload:\n  body: {name: st2}\n")
	no := write("no.yaml", "trigger: core.st2.webhook\npayload:\n  body: {name: other}\n")
	other := write("other.yaml", "trigger: core.st2.IntervalTimer\npayload: {}\n")
	tests := []struct {
		name, ti string
		code     int
		out      string
	}{
		{"matches", yes, 0, "=== RULE MATCHES ==="},
		{"does not match", no, 1, "trigger.body.name equals st2: does not match"},
		{"another trigger", other, 1, "the rule listens to"},
	}
	// Under StackStorm's own name, without the subcommand.
	var out strings.Builder
	code := Run(context.Background(), Options{Name: RuleTesterName, Stdout: &out, Stderr: &out, Env: func(string) string { return "" }, HomeDir: dir},
		[]string{RuleTesterName, "--rule", rule, "--trigger-instance", yes})
	if code != 0 || !strings.Contains(out.String(), "RULE MATCHES") {
		t.Fatalf("%s: %d %s", RuleTesterName, code, out.String())
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := st2(t, dir, nil, "rule-tester", "--rule", rule, "--trigger-instance", tc.ti)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.out) {
				t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
			}
		})
	}
}

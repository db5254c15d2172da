package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/squall-io/squall/host/packs"
	"github.com/squall-io/squall/host/rules/criteria"
	"github.com/squall-io/squall/sdk/expr/jinja"
)

// RuleTesterName is StackStorm's name of the rule tester; a link of that
// name to squall runs it directly.
const RuleTesterName = "st2-rule-tester"

func (a *app) ruleTesterCommand() *cli.Command {
	return &cli.Command{
		Name:  "rule-tester",
		Usage: "check offline whether a rule matches a trigger instance (StackStorm's st2-rule-tester); exit 0 when it does",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "rule", Required: true, Usage: "rule file (YAML or JSON)"},
			&cli.StringFlag{Name: "trigger-instance", Required: true, Usage: "trigger instance file: {trigger, payload}"},
		},
		Action: a.ruleTester,
	}
}

type testRule struct {
	Ref      string         `yaml:"ref"`
	Name     string         `yaml:"name"`
	Pack     string         `yaml:"pack"`
	Trigger  map[string]any `yaml:"trigger"`
	Criteria map[string]any `yaml:"criteria"`
}

type testInstance struct {
	Trigger any            `yaml:"trigger"`
	Payload map[string]any `yaml:"payload"`
}

func (a *app) ruleTester(ctx context.Context, cmd *cli.Command) error {
	var r testRule
	if err := decodeFile(cmd.String("rule"), &r); err != nil {
		return err
	}
	var ti testInstance
	if err := decodeFile(cmd.String("trigger-instance"), &ti); err != nil {
		return err
	}
	out := a.opts.Stdout
	want, _ := r.Trigger["type"].(string)
	got, _ := ti.Trigger.(string)
	if m, ok := ti.Trigger.(map[string]any); ok { // StackStorm's files may hold the trigger object
		got, _ = m["type"].(string)
	}
	if want != got {
		fmt.Fprintf(out, "=== RULE DOES NOT MATCH ===\nthe rule listens to %q, the instance is of %q\n", want, got)
		return silentError{code: exitError}
	}
	crit, err := criteria.Parse(r.Criteria)
	if err != nil {
		return fmt.Errorf("%s: criteria: %w", cmd.String("rule"), err)
	}
	ctx2 := map[string]any{"trigger": ti.Payload}
	render := func(s string) (any, error) { return jinja.Render(s, ctx2) }
	for key, c := range crit {
		ok, err := criteria.Match(map[string]criteria.Criterion{key: c}, ti.Payload, render)
		if err != nil {
			return err
		}
		verdict := "matches"
		if !ok {
			verdict = "does not match"
		}
		fmt.Fprintf(out, "%s %s %v: %s\n", key, c.Type, c.Pattern, verdict)
		if !ok {
			fmt.Fprintln(out, "=== RULE DOES NOT MATCH ===")
			return silentError{code: exitError}
		}
	}
	fmt.Fprintln(out, "=== RULE MATCHES ===")
	return nil
}

func decodeFile(path string, out any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", path, err)
	}
	if err := packs.DecodeYAML(data, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

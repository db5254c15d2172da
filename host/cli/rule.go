package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v3"
)

var ruleAttrs = []string{"id", "uid", "ref", "pack", "name", "description", "enabled", "type", "trigger", "criteria", "action", "tags"}

func (a *app) ruleCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "rule", Usage: "rules",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list rules", Action: a.ruleList, Flags: std(append(attrFlags(),
				&cli.StringFlag{Name: "pack", Aliases: []string{"p"}, Usage: "only this pack's rules"},
				&cli.StringFlag{Name: "action", Aliases: []string{"c"}, Usage: "only rules running this action"},
				&cli.StringFlag{Name: "trigger", Aliases: []string{"g"}, Usage: "only rules on this trigger type"},
				&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "list N rules"},
				&cli.BoolFlag{Name: "iftt", Usage: "show trigger and action (if this, then that)"},
				&cli.BoolFlag{Name: "enabled", Usage: "only enabled rules"},
				&cli.BoolFlag{Name: "disabled", Usage: "only disabled rules"})...)},
			{Name: "get", Usage: "show rules", ArgsUsage: "ref-or-id [ref-or-id ...]", Action: a.getOf("/rules/", ruleAttrs), Flags: std(attrFlags()...)},
			{Name: "create", Usage: "create a rule from a YAML or JSON file", ArgsUsage: "file", Action: a.createFrom("/rules", ruleAttrs), Flags: std()},
			{Name: "update", Usage: "update a rule from a YAML or JSON file", ArgsUsage: "ref-or-id file", Action: a.updateFrom("/rules/", ruleAttrs), Flags: std()},
			{Name: "delete", Usage: "delete a rule", ArgsUsage: "ref-or-id", Action: a.deleteOf("/rules/"), Flags: std()},
			{Name: "enable", Usage: "enable a rule", ArgsUsage: "ref-or-id", Action: a.ruleEnable(true), Flags: std()},
			{Name: "disable", Usage: "disable a rule", ArgsUsage: "ref-or-id", Action: a.ruleEnable(false), Flags: std()},
		},
	}
}

func (a *app) webhookCommand() *cli.Command {
	return &cli.Command{
		Name: "webhook", Usage: "webhooks",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list the webhook urls rules listen on", Action: a.listOf("/webhooks", []string{"type", "parameters"}),
				Flags: flags(authFlags(), outputFlags(), attrFlags())},
			{Name: "get", Usage: "show a webhook url and its rules", ArgsUsage: "url", Action: a.getOf("/webhooks/", []string{"type", "parameters", "rules"}),
				Flags: flags(authFlags(), outputFlags(), attrFlags())},
		},
	}
}

func (a *app) ruleEnforcementCommand() *cli.Command {
	return &cli.Command{
		Name: "rule-enforcement", Usage: "rule enforcements",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list rule enforcements, newest first", Action: a.enforcementList,
				Flags: flags(authFlags(), outputFlags(), attrFlags(), []cli.Flag{
					&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "list N most recent"},
					&cli.StringFlag{Name: "trigger-instance", Usage: "only this trigger instance's"},
					&cli.StringFlag{Name: "execution", Usage: "only the enforcement that started this execution"},
					&cli.StringFlag{Name: "rule", Usage: "only this rule's (ref)"},
					&cli.StringFlag{Name: "timestamp-gt", Aliases: []string{"tg"}, Usage: "only enforced after this time"},
					&cli.StringFlag{Name: "timestamp-lt", Aliases: []string{"tl"}, Usage: "only enforced before this time"}})},
			{Name: "get", Usage: "show rule enforcements", ArgsUsage: "id [id ...]", Action: a.getOf("/ruleenforcements/",
				[]string{"id", "rule", "trigger_instance_id", "execution_id", "enforced_at", "status", "failure_reason"}),
				Flags: flags(authFlags(), outputFlags(), attrFlags())},
		},
	}
}

func (a *app) enforcementList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "trigger_instance", cmd.String("trigger-instance"))
	setIf(q, "execution", cmd.String("execution"))
	setIf(q, "rule_ref", cmd.String("rule"))
	setIf(q, "enforced_at_gt", cmd.String("timestamp-gt"))
	setIf(q, "enforced_at_lt", cmd.String("timestamp-lt"))
	q.Set("limit", fmt.Sprint(cmd.Int("last")))
	var items any
	if _, err := a.call(cmd, "GET", "/ruleenforcements", q, nil, &items); err != nil {
		return err
	}
	newPrinter(a, cmd).list(items, []string{"id", "rule.ref", "trigger_instance_id", "execution_id", "enforced_at", "status"})
	return nil
}

func (a *app) ruleList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "pack", cmd.String("pack"))
	setIf(q, "action", cmd.String("action"))
	setIf(q, "trigger", cmd.String("trigger"))
	switch {
	case cmd.Bool("enabled") && cmd.Bool("disabled"):
		return usagef("rule list: --enabled and --disabled exclude each other")
	case cmd.Bool("enabled"):
		q.Set("enabled", "true")
	case cmd.Bool("disabled"):
		q.Set("enabled", "false")
	}
	q.Set("limit", fmt.Sprint(cmd.Int("last")))
	var items any
	if _, err := a.call(cmd, "GET", "/rules", q, nil, &items); err != nil {
		return err
	}
	columns := []string{"ref", "pack", "description", "enabled"}
	if cmd.Bool("iftt") {
		columns = []string{"name", "trigger.ref", "action.ref", "enabled"}
	}
	newPrinter(a, cmd).list(items, columns)
	return nil
}

// createFrom creates a resource from a YAML or JSON file.
func (a *app) createFrom(path string, attrs []string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 1 {
			return usagef("expected one file")
		}
		doc, err := readStructured(cmd.Args().First())
		if err != nil {
			return err
		}
		var item any
		if _, err := a.call(cmd, "POST", path, nil, jsonToPlain(doc), &item); err != nil {
			return err
		}
		newPrinter(a, cmd).object(item, attrs)
		return nil
	}
}

// updateFrom replaces a resource with a YAML or JSON file.
func (a *app) updateFrom(prefix string, attrs []string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 2 {
			return usagef("expected REF-OR-ID FILE")
		}
		doc, err := readStructured(cmd.Args().Get(1))
		if err != nil {
			return err
		}
		var item any
		if _, err := a.call(cmd, "PUT", prefix+url.PathEscape(cmd.Args().First()), nil, jsonToPlain(doc), &item); err != nil {
			return err
		}
		newPrinter(a, cmd).object(item, attrs)
		return nil
	}
}

// deleteOf deletes one resource.
func (a *app) deleteOf(prefix string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 1 {
			return usagef("expected one ref or id")
		}
		ref := cmd.Args().First()
		if _, err := a.call(cmd, "DELETE", prefix+url.PathEscape(ref), nil, nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(a.opts.Stdout, "Resource with id %q has been successfully deleted.\n", ref)
		return nil
	}
}

func (a *app) ruleEnable(enabled bool) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 1 {
			return usagef("expected one ref or id")
		}
		ref := cmd.Args().First()
		var item map[string]any
		if _, err := a.call(cmd, "GET", "/rules/"+url.PathEscape(ref), nil, nil, &item); err != nil {
			return err
		}
		item["enabled"] = enabled
		if t, ok := item["type"].(map[string]any); ok {
			item["type"] = t["ref"]
		}
		var out any
		if _, err := a.call(cmd, "PUT", "/rules/"+url.PathEscape(ref), nil, item, &out); err != nil {
			return err
		}
		newPrinter(a, cmd).object(out, ruleAttrs)
		return nil
	}
}

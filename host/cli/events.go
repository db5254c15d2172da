package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v3"
)

var triggerTypeAttrs = []string{"id", "ref", "pack", "name", "description", "parameters_schema", "payload_schema"}

func (a *app) triggerCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "trigger", Usage: "trigger types",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list trigger types", Action: a.filteredList("/triggertypes", []string{"ref", "pack", "description"}, "pack"),
				Flags: std(append(attrFlags(), &cli.StringFlag{Name: "pack", Aliases: []string{"p"}, Usage: "only this pack's"})...)},
			{Name: "get", Usage: "show trigger types", ArgsUsage: "ref-or-id [ref-or-id ...]", Action: a.getOf("/triggertypes/", triggerTypeAttrs), Flags: std(attrFlags()...)},
			{Name: "create", Usage: "create a trigger type from a YAML or JSON file", ArgsUsage: "file", Action: a.createFrom("/triggertypes", triggerTypeAttrs), Flags: std()},
			{Name: "update", Usage: "update a trigger type from a YAML or JSON file", ArgsUsage: "ref-or-id file", Action: a.updateFrom("/triggertypes/", triggerTypeAttrs), Flags: std()},
			{Name: "delete", Usage: "delete a trigger type", ArgsUsage: "ref-or-id", Action: a.deleteOf("/triggertypes/"), Flags: std()},
			{Name: "getspecs", Usage: "show a trigger type's parameters and payload schemas", ArgsUsage: "ref",
				Action: a.getOf("/triggertypes/", []string{"ref", "parameters_schema", "payload_schema"}), Flags: std()},
		},
	}
}

func (a *app) triggerInstanceCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "trigger-instance", Usage: "trigger instances",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list trigger instances, newest first", Action: a.triggerInstanceList,
				Flags: std(append(attrFlags(),
					&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "list N most recent"},
					&cli.StringFlag{Name: "trigger", Usage: "only instances of this trigger type"},
					&cli.StringFlag{Name: "timestamp-gt", Aliases: []string{"tg"}, Usage: "only after this time"},
					&cli.StringFlag{Name: "timestamp-lt", Aliases: []string{"tl"}, Usage: "only before this time"},
					&cli.StringFlag{Name: "status", Usage: "pending, processing, processed or processing_failed"})...)},
			{Name: "get", Usage: "show trigger instances", ArgsUsage: "id [id ...]", Action: a.getOf("/triggerinstances/",
				[]string{"id", "trigger", "occurrence_time", "payload", "status"}), Flags: std(attrFlags()...)},
			{Name: "re-emit", Usage: "fire a trigger instance again", ArgsUsage: "id", Action: a.reEmit, Flags: std()},
		},
	}
}

func (a *app) triggerInstanceList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "trigger", cmd.String("trigger"))
	setIf(q, "timestamp_gt", cmd.String("timestamp-gt"))
	setIf(q, "timestamp_lt", cmd.String("timestamp-lt"))
	setIf(q, "status", cmd.String("status"))
	q.Set("limit", fmt.Sprint(cmd.Int("last")))
	var items any
	if _, err := a.call(cmd, "GET", "/triggerinstances", q, nil, &items); err != nil {
		return err
	}
	newPrinter(a, cmd).list(items, []string{"id", "trigger", "occurrence_time", "status"})
	return nil
}

func (a *app) reEmit(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("trigger-instance re-emit: expected one id")
	}
	var res map[string]any
	if _, err := a.call(cmd, "POST", "/triggerinstances/"+url.PathEscape(cmd.Args().First())+"/re_emit", nil, map[string]any{}, &res); err != nil {
		return err
	}
	fmt.Fprintln(a.opts.Stdout, res["message"])
	return nil
}

// filteredList lists a collection with query filters named like flags.
func (a *app) filteredList(path string, columns []string, filters ...string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		q := url.Values{}
		for _, f := range filters {
			setIf(q, f, cmd.String(f))
		}
		var items any
		if _, err := a.call(cmd, "GET", path, q, nil, &items); err != nil {
			return err
		}
		newPrinter(a, cmd).list(items, columns)
		return nil
	}
}

func (a *app) timerCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "timer", Usage: "timers rules use",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list timers", Action: a.filteredList("/timers", []string{"id", "type", "parameters"}, "timer_type"),
				Flags: std(append(attrFlags(), &cli.StringFlag{Name: "timer_type", Aliases: []string{"ty", "timer-type"},
					Usage: "core.st2.IntervalTimer, core.st2.DateTimer or core.st2.CronTimer"})...)},
			{Name: "get", Usage: "show timers", ArgsUsage: "name-or-id [name-or-id ...]", Action: a.getOf("/timers/",
				[]string{"id", "ref", "name", "type", "parameters"}), Flags: std(attrFlags()...)},
		},
	}
}

var sensorAttrs = []string{"id", "ref", "pack", "name", "description", "entry_point", "poll_interval", "enabled", "trigger_types", "status"}

func (a *app) sensorCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "sensor", Usage: "sensors",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list sensors", Action: a.filteredList("/sensortypes", []string{"ref", "pack", "description", "enabled"}, "pack"),
				Flags: std(append(attrFlags(), &cli.StringFlag{Name: "pack", Aliases: []string{"p"}, Usage: "only this pack's"})...)},
			{Name: "get", Usage: "show sensors", ArgsUsage: "ref-or-id [ref-or-id ...]", Action: a.getOf("/sensortypes/", sensorAttrs), Flags: std(attrFlags()...)},
			{Name: "enable", Usage: "enable a sensor", ArgsUsage: "ref-or-id", Action: a.sensorEnable(true), Flags: std()},
			{Name: "disable", Usage: "disable a sensor", ArgsUsage: "ref-or-id", Action: a.sensorEnable(false), Flags: std()},
		},
	}
}

func (a *app) sensorEnable(enabled bool) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 1 {
			return usagef("expected one ref or id")
		}
		var out any
		path := "/sensortypes/" + url.PathEscape(cmd.Args().First())
		if _, err := a.call(cmd, "PUT", path, nil, map[string]any{"enabled": enabled}, &out); err != nil {
			return err
		}
		newPrinter(a, cmd).object(out, sensorAttrs)
		return nil
	}
}

func (a *app) traceCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	filters := []cli.Flag{
		&cli.StringFlag{Name: "trace-tag", Aliases: []string{"c", "trace_tag"}, Usage: "only traces with this tag"},
		&cli.StringFlag{Name: "execution", Aliases: []string{"e"}, Usage: "only the trace of this execution"},
		&cli.StringFlag{Name: "rule", Aliases: []string{"r"}, Usage: "only traces through this rule"},
		&cli.StringFlag{Name: "trigger-instance", Aliases: []string{"g", "trigger_instance"}, Usage: "only the trace of this trigger instance"},
	}
	return &cli.Command{
		Name: "trace", Usage: "traces: what an event caused",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list traces, newest first", Action: a.traceList, Flags: std(append(append(attrFlags(), filters...),
				&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "list N most recent"},
				&cli.StringFlag{Name: "sort", Aliases: []string{"s"}, Value: "descending", Usage: "ascending or descending"})...)},
			{Name: "get", Usage: "show traces", ArgsUsage: "id [id ...]", Action: a.getOf("/traces/",
				[]string{"id", "trace_tag", "start_timestamp", "trigger_instances", "rules", "action_executions"}), Flags: std(attrFlags()...)},
		},
	}
}

func (a *app) traceList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "trace_tag", cmd.String("trace-tag"))
	setIf(q, "execution", cmd.String("execution"))
	setIf(q, "rule", cmd.String("rule"))
	setIf(q, "trigger_instance", cmd.String("trigger-instance"))
	if s := cmd.String("sort"); s == "asc" || s == "ascending" {
		q.Set("sort_asc", "True")
	}
	q.Set("limit", fmt.Sprint(cmd.Int("last")))
	var items any
	if _, err := a.call(cmd, "GET", "/traces", q, nil, &items); err != nil {
		return err
	}
	newPrinter(a, cmd).list(items, []string{"id", "trace_tag", "start_timestamp"})
	return nil
}

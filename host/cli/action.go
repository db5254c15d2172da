package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/squall-io/squall/host/params"
)

var actionColumns = []string{"ref", "pack", "description"}

// runFlags are st2 run's (and action execute's) flags. -a is async here,
// as in st2; the attribute filter is --attr only.
func runFlags() []cli.Flag {
	return flags(authFlags(), outputFlags(), []cli.Flag{
		&cli.BoolFlag{Name: "async", Aliases: []string{"a"}, Usage: "do not wait for the action to finish"},
		&cli.BoolFlag{Name: "detail", Aliases: []string{"d"}, Usage: "show every attribute of the execution"},
		&cli.StringFlag{Name: "key", Aliases: []string{"k"}, Usage: "show only this key of the result (e.g. stdout)"},
		&cli.BoolFlag{Name: "tail", Usage: "stream the action's output while it runs"},
		&cli.StringSliceFlag{Name: "attr", Usage: "attributes to show"},
		&cli.StringFlag{Name: "trace-tag", Aliases: []string{"trace_tag"}, Usage: "trace tag to attach to the execution"},
		&cli.StringFlag{Name: "trace-id", Usage: "existing trace to attach the execution to"},
		&cli.BoolFlag{Name: "inherit-env", Aliases: []string{"e"}, Usage: "pass the CLI's environment to the action as env"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as this user (admins only)"},
		&cli.IntFlag{Name: "delay", Usage: "accepted for compatibility; executions start at once"},
		&cli.BoolFlag{Name: "auto-dict", Usage: "accepted for compatibility"},
	})
}

func (a *app) runCommand() *cli.Command {
	return &cli.Command{
		Name: "run", Usage: "run an action: st2 run ref [key=value ...] [-- cmd args]", ArgsUsage: "ref-or-id [parameters ...]",
		Flags: runFlags(), Action: a.run, SkipFlagParsing: false,
	}
}

func (a *app) actionCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "action", Usage: "actions",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list actions", Action: a.actionList,
				Flags: std(append(attrFlags(), &cli.StringFlag{Name: "pack", Aliases: []string{"p"}, Usage: "only this pack's actions"})...)},
			{Name: "get", Usage: "show actions", ArgsUsage: "ref-or-id [ref-or-id ...]", Action: a.actionGet, Flags: std(attrFlags()...)},
			{Name: "create", Usage: "create an action from a JSON or YAML file", ArgsUsage: "file", Action: a.actionCreate, Flags: std()},
			{Name: "update", Usage: "update an action from a JSON or YAML file", ArgsUsage: "ref-or-id file", Action: a.actionUpdate, Flags: std()},
			{Name: "delete", Usage: "delete an action", ArgsUsage: "ref-or-id", Action: a.actionDelete,
				Flags: std(&cli.BoolFlag{Name: "remove-files", Aliases: []string{"r"}, Usage: "not supported: pack files are managed with the pack"})},
			{Name: "enable", Usage: "enable an action", ArgsUsage: "ref-or-id", Action: a.actionEnable(true), Flags: std()},
			{Name: "disable", Usage: "disable an action", ArgsUsage: "ref-or-id", Action: a.actionEnable(false), Flags: std()},
			{Name: "execute", Usage: "run an action (same as st2 run)", ArgsUsage: "ref-or-id [parameters ...]", Action: a.run, Flags: runFlags()},
		},
	}
}

func (a *app) actionList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "pack", cmd.String("pack"))
	var items any
	if _, err := a.call(cmd, "GET", "/actions", q, nil, &items); err != nil {
		return err
	}
	newPrinter(a, cmd).list(items, actionColumns)
	return nil
}

var actionAttrs = []string{"id", "uid", "ref", "pack", "name", "description", "enabled", "entry_point", "runner_type", "parameters", "metadata_file", "notify", "output_schema", "tags"}

func (a *app) actionGet(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() == 0 {
		return usagef("action get: expected at least one ref or id")
	}
	for _, ref := range cmd.Args().Slice() {
		var item any
		if _, err := a.call(cmd, "GET", "/actions/"+url.PathEscape(ref), nil, nil, &item); err != nil {
			return err
		}
		newPrinter(a, cmd).object(item, actionAttrs)
	}
	return nil
}

func (a *app) actionCreate(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("action create: expected one file")
	}
	doc, err := readStructured(cmd.Args().First())
	if err != nil {
		return err
	}
	var item any
	if _, err := a.call(cmd, "POST", "/actions", nil, jsonToPlain(doc), &item); err != nil {
		return err
	}
	newPrinter(a, cmd).object(item, actionAttrs)
	return nil
}

func (a *app) actionUpdate(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 2 {
		return usagef("action update: expected REF-OR-ID FILE")
	}
	doc, err := readStructured(cmd.Args().Get(1))
	if err != nil {
		return err
	}
	var item any
	if _, err := a.call(cmd, "PUT", "/actions/"+url.PathEscape(cmd.Args().First()), nil, jsonToPlain(doc), &item); err != nil {
		return err
	}
	newPrinter(a, cmd).object(item, actionAttrs)
	return nil
}

func (a *app) actionDelete(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("action delete: expected one ref or id")
	}
	if cmd.Bool("remove-files") {
		return usagef("action delete: -r/--remove-files is not supported; remove the files from the pack and run pack register")
	}
	ref := cmd.Args().First()
	if _, err := a.call(cmd, "DELETE", "/actions/"+url.PathEscape(ref), nil, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(a.opts.Stdout, "Resource with id %q has been successfully deleted.\n", ref)
	return nil
}

func (a *app) actionEnable(enabled bool) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() != 1 {
			return usagef("expected one ref or id")
		}
		ref := cmd.Args().First()
		var item map[string]any
		if _, err := a.call(cmd, "GET", "/actions/"+url.PathEscape(ref), nil, nil, &item); err != nil {
			return err
		}
		item["enabled"] = enabled
		var out any
		if _, err := a.call(cmd, "PUT", "/actions/"+url.PathEscape(ref), nil, item, &out); err != nil {
			return err
		}
		newPrinter(a, cmd).object(out, actionAttrs)
		return nil
	}
}

// run is st2 run / action execute: parse key=value parameters (bare words
// become cmd), create the execution, then wait for it, tail it, or not.
func (a *app) run(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args().Slice()
	if len(args) == 0 {
		return usagef("run: expected an action ref")
	}
	ref := args[0]
	var action map[string]any
	if _, err := a.call(cmd, "GET", "/actions/"+url.PathEscape(ref), nil, nil, &action); err != nil {
		return err
	}
	specs := map[string]any{}
	if rt, _ := action["runner_type"].(string); rt != "" {
		var runner map[string]any
		if _, err := a.call(cmd, "GET", "/runnertypes/"+url.PathEscape(rt), nil, nil, &runner); err == nil {
			rp, _ := runner["runner_parameters"].(map[string]any)
			ap, _ := action["parameters"].(map[string]any)
			specs = params.Merge(rp, ap)
		}
	}
	a.secretParams = params.Secrets(specs)
	p, err := parseRunParams(args[1:], specs)
	if err != nil {
		return err
	}
	if cmd.Bool("inherit-env") {
		env := map[string]any{}
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		p["env"] = env
	}
	body := map[string]any{"action": action["ref"], "parameters": p, "user": cmd.String("user")}
	tc := map[string]any{}
	if tag := cmd.String("trace-tag"); tag != "" {
		tc["trace_tag"] = tag
	}
	if id := cmd.String("trace-id"); id != "" {
		tc["id_"] = id
	}
	if len(tc) > 0 {
		body["context"] = map[string]any{"trace_context": tc}
	}
	var e map[string]any
	if _, err := a.call(cmd, "POST", "/executions", nil, body, &e); err != nil {
		return err
	}
	id := fmt.Sprint(e["id"])
	if cmd.Bool("async") && !cmd.Bool("tail") {
		if newPrinter(a, cmd).structured(e) {
			return nil
		}
		fmt.Fprintf(a.opts.Stdout, "To get the results, execute:\n st2 execution get %s\n\nTo view output in real-time, execute:\n st2 execution tail %s\n", id, id)
		return nil
	}
	if cmd.Bool("tail") {
		if err := a.tail(ctx, cmd, id, ""); err != nil {
			return err
		}
	}
	if e, err = a.waitExecution(ctx, cmd, id); err != nil {
		return err
	}
	return a.showExecution(cmd, e)
}

// parseRunParams turns key=value arguments into typed parameters; words
// without "=" are joined into cmd, as st2 does for `st2 run core.local -- ls -al`.
func parseRunParams(args []string, specs map[string]any) (map[string]any, error) {
	out := map[string]any{}
	var words []string
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			words = append(words, arg)
			continue
		}
		spec, known := specs[k]
		if !known && len(specs) > 0 {
			return nil, usagef("parameter %q is not defined for this action; it takes: %s", k, strings.Join(sortedKeys(specs), ", "))
		}
		val, err := params.Cast(v, params.TypeOf(spec))
		if err != nil {
			return nil, usagef("parameter %q: %v", k, err)
		}
		out[k] = val
	}
	if len(words) > 0 {
		if _, ok := specs["cmd"]; !ok && len(specs) > 0 {
			return nil, usagef("parameter without a key: %q (use key=value)", words[0])
		}
		if _, set := out["cmd"]; set {
			return nil, usagef("cmd is given both as cmd=... and as words: %q", strings.Join(words, " "))
		}
		out["cmd"] = strings.Join(words, " ")
	}
	return out, nil
}

// waitExecution polls until the execution ends or stops to wait for
// someone (pending inquiry, paused workflow), as st2 does.
func (a *app) waitExecution(ctx context.Context, cmd *cli.Command, id string) (map[string]any, error) {
	delay := 50 * time.Millisecond
	for {
		var e map[string]any
		if _, err := a.call(cmd, "GET", "/executions/"+id, nil, nil, &e); err != nil {
			return nil, err
		}
		if !executionGoing(fmt.Sprint(e["status"])) {
			return e, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

// showExecution prints a finished execution per the output flags, and
// fails the command when the execution did not succeed, as st2 does.
func (a *app) showExecution(cmd *cli.Command, e map[string]any) error {
	p := newPrinter(a, cmd)
	switch {
	case p.structured(e):
	case cmd.Bool("detail"):
		keys := sortedKeys(e)
		sort.Strings(keys)
		p.object(e, keys)
	default:
		printExecution(a.opts.Stdout, e, cmd.String("key"))
	}
	if status := fmt.Sprint(e["status"]); status != "succeeded" && status != "pending" && status != "paused" {
		return silentError{code: exitError}
	}
	return nil
}

// silentError sets the exit status without printing more.
type silentError struct{ code int }

func (e silentError) Error() string { return "" }

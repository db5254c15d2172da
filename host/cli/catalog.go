package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/urfave/cli/v3"
)

func (a *app) runnerCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "runner", Usage: "runner types",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list runner types", Action: a.listOf("/runnertypes", []string{"name", "description"}), Flags: std(attrFlags()...)},
			{Name: "get", Usage: "show runner types", ArgsUsage: "name [name ...]",
				Action: a.getOf("/runnertypes/", []string{"name", "description", "enabled", "runner_package", "runner_parameters", "output_key"}),
				Flags:  std(attrFlags()...)},
		},
	}
}

func (a *app) packCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "pack", Usage: "packs",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list registered packs", Action: a.listOf("/packs", []string{"ref", "name", "description", "version", "author"}), Flags: std(attrFlags()...)},
			{Name: "get", Usage: "show registered packs", ArgsUsage: "ref [ref ...]",
				Action: a.getOf("/packs/", []string{"name", "version", "author", "email", "keywords", "description", "path"}), Flags: std(attrFlags()...)},
			{Name: "register", Usage: "register packs from the packs paths (all when none named), like st2ctl reload --register-all", ArgsUsage: "[pack ...]",
				Action: a.packRegister, Flags: std(&cli.StringSliceFlag{Name: "types", Usage: "what to register: all, action, runner, config"})},
		},
	}
}

// listOf lists a collection with the given columns.
func (a *app) listOf(path string, columns []string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		var items any
		if _, err := a.call(cmd, "GET", path, nil, nil, &items); err != nil {
			return err
		}
		newPrinter(a, cmd).list(items, columns)
		return nil
	}
}

// getOf shows each named resource of a collection.
func (a *app) getOf(prefix string, attrs []string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() == 0 {
			return usagef("expected at least one name")
		}
		for _, name := range cmd.Args().Slice() {
			var item any
			if _, err := a.call(cmd, "GET", prefix+url.PathEscape(name), nil, nil, &item); err != nil {
				return err
			}
			newPrinter(a, cmd).object(item, attrs)
		}
		return nil
	}
}

func (a *app) packRegister(ctx context.Context, cmd *cli.Command) error {
	var types []string
	for _, t := range cmd.StringSlice("types") {
		types = append(types, strings.Split(t, ",")...)
	}
	body := map[string]any{"packs": cmd.Args().Slice(), "types": types}
	var res map[string]any
	if _, err := a.call(cmd, "POST", "/packs/register", nil, body, &res); err != nil {
		return err
	}
	p := newPrinter(a, cmd)
	if p.structured(res) {
		return nil
	}
	p.object(res, sortedKeys(res))
	if len(body["packs"].([]string)) == 0 {
		fmt.Fprintln(a.opts.Stderr, "Registered every pack in the packs paths.")
	}
	return nil
}

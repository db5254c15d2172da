package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v3"
)

var apikeyColumns = []string{"id", "user", "metadata", "enabled"}

func (a *app) apikeyCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name:  "apikey",
		Usage: "API keys",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list API keys", Action: a.apikeyList,
				Flags: std(append(attrFlags(), userFlag(),
					&cli.BoolFlag{Name: "detail", Aliases: []string{"d"}, Usage: "show every attribute"},
					&cli.BoolFlag{Name: "show-secrets", Usage: "show key hashes (admin)"})...)},
			{Name: "get", Usage: "show an API key", ArgsUsage: "key-or-id", Action: a.apikeyGet, Flags: std(attrFlags()...)},
			{Name: "create", Usage: "create an API key", Action: a.apikeyCreate,
				Flags: std(userFlag(),
					&cli.StringFlag{Name: "metadata", Aliases: []string{"m"}, Usage: "JSON object describing the key"},
					&cli.BoolFlag{Name: "only-key", Aliases: []string{"k"}, Usage: "print the key only"})},
			{Name: "delete", Usage: "delete an API key", ArgsUsage: "key-or-id", Action: a.apikeyDelete, Flags: std()},
			{Name: "enable", Usage: "enable an API key", ArgsUsage: "key-or-id", Action: a.apikeyEnable(true), Flags: std()},
			{Name: "disable", Usage: "disable an API key", ArgsUsage: "key-or-id", Action: a.apikeyEnable(false), Flags: std()},
			{Name: "load", Usage: "load API keys exported with apikey list -j --show-secrets", ArgsUsage: "file",
				Action: a.apikeyLoad, Flags: std()},
		},
	}
}

func (a *app) apikeyList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "user", cmd.String("user"))
	if cmd.Bool("show-secrets") {
		q.Set("show_secrets", "true")
	}
	var keys any
	if _, err := a.call(cmd, "GET", "/apikeys", q, nil, &keys); err != nil {
		return err
	}
	cols := apikeyColumns
	if cmd.Bool("detail") {
		cols = []string{"id", "user", "key_hash", "metadata", "created_at", "enabled"}
	}
	newPrinter(a, cmd).list(keys, cols)
	return nil
}

func (a *app) apikeyGet(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "key-or-id")
	if err != nil {
		return err
	}
	var key any
	if _, err := a.call(cmd, "GET", "/apikeys/"+url.PathEscape(id), nil, nil, &key); err != nil {
		return err
	}
	newPrinter(a, cmd).object(key, nil)
	return nil
}

func (a *app) apikeyCreate(ctx context.Context, cmd *cli.Command) error {
	body := map[string]any{}
	setBody(body, "user", cmd.String("user"))
	if m := cmd.String("metadata"); m != "" {
		var meta map[string]any
		if err := json.Unmarshal([]byte(m), &meta); err != nil {
			return usagef("-m/--metadata must be a JSON object: %v", err)
		}
		body["metadata"] = meta
	}
	var key map[string]any
	if _, err := a.call(cmd, "POST", "/apikeys", nil, body, &key); err != nil {
		return err
	}
	if cmd.Bool("only-key") {
		fmt.Fprintln(a.opts.Stdout, cell(key["key"]))
		return nil
	}
	newPrinter(a, cmd).object(key, []string{"id", "user", "key", "metadata", "created_at", "enabled"})
	return nil
}

func (a *app) apikeyDelete(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "key-or-id")
	if err != nil {
		return err
	}
	if _, err := a.call(cmd, "DELETE", "/apikeys/"+url.PathEscape(id), nil, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(a.opts.Stdout, "Resource with id \"%s\" has been successfully deleted.\n", id)
	return nil
}

func (a *app) apikeyEnable(enabled bool) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		id, err := oneArg(cmd, "key-or-id")
		if err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		var key map[string]any
		if _, err := c.api("GET", "/apikeys/"+url.PathEscape(id), nil, nil, &key); err != nil {
			return err
		}
		key["enabled"] = enabled
		var updated any
		if _, err := c.api("PUT", "/apikeys/"+url.PathEscape(cell(key["id"])), nil, map[string]any{"enabled": enabled}, &updated); err != nil {
			return err
		}
		newPrinter(a, cmd).object(updated, []string{"id", "user", "metadata", "enabled"})
		return nil
	}
}

func (a *app) apikeyLoad(ctx context.Context, cmd *cli.Command) error {
	path, err := oneArg(cmd, "file")
	if err != nil {
		return err
	}
	raw, err := readStructured(path)
	if err != nil {
		return err
	}
	list := toMaps(raw)
	for i, k := range list {
		if h, _ := k["key_hash"].(string); h == "" || h == "********" {
			return fmt.Errorf("%s: item %d has no key_hash (export with apikey list -j --show-secrets); nothing was loaded", path, i+1)
		}
	}
	var loaded []any
	for _, k := range list {
		body := map[string]any{}
		for _, f := range []string{"id", "user", "key_hash", "metadata", "created_at", "enabled"} {
			if v, ok := k[f]; ok {
				body[f] = v
			}
		}
		var stored any
		if _, err := a.call(cmd, "POST", "/apikeys", nil, body, &stored); err != nil {
			return err
		}
		loaded = append(loaded, stored)
	}
	newPrinter(a, cmd).list(loaded, apikeyColumns)
	return nil
}

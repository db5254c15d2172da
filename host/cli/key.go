package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

// kvColumns are st2's columns for datastore items.
var kvColumns = []string{"name", "value", "secret", "encrypted", "scope", "user", "expire_timestamp"}

func scopeFlag(dflt string) cli.Flag {
	return &cli.StringFlag{Name: "scope", Aliases: []string{"s"}, Value: dflt, Usage: "system, user (or all, for list)"}
}

func userFlag() cli.Flag {
	return &cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "owner of user-scoped items (admins only, for others)"}
}

func decryptFlag() cli.Flag {
	return &cli.BoolFlag{Name: "decrypt", Aliases: []string{"d"}, Usage: "show secrets in clear (admin, or the owner of a user-scoped item)"}
}

func (a *app) keyCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name:  "key",
		Usage: "the key-value datastore",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list items", Action: a.keyList,
				Flags: std(append(attrFlags(), &cli.StringFlag{Name: "prefix", Usage: "only names starting with this"},
					decryptFlag(), scopeFlag("all"), userFlag(),
					&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "how many items (-1: all)"})...)},
			{Name: "get", Usage: "show items", ArgsUsage: "name [name ...]", Action: a.keyGet,
				Flags: std(append(attrFlags(), decryptFlag(), scopeFlag("system"))...)},
			{Name: "set", Usage: "create or update an item", ArgsUsage: "name [value]", Action: a.keySet,
				Flags: std(&cli.BoolFlag{Name: "encrypt", Aliases: []string{"e"}, Usage: "encrypt the value with the server's key"},
					&cli.BoolFlag{Name: "encrypted", Usage: "the value is already encrypted with the server's key"},
					&cli.IntFlag{Name: "ttl", Aliases: []string{"l"}, Usage: "expire after this many seconds"},
					scopeFlag("system"), userFlag())},
			{Name: "delete", Usage: "delete an item", ArgsUsage: "name", Action: a.keyDelete,
				Flags: std(scopeFlag("system"), userFlag())},
			{Name: "delete_by_prefix", Usage: "delete every item whose name starts with a prefix", Action: a.keyDeleteByPrefix,
				Flags: std(&cli.StringFlag{Name: "prefix", Aliases: []string{"p"}, Required: true, Usage: "name prefix"},
					scopeFlag("system"), userFlag())},
			{Name: "load", Usage: "load items from a JSON or YAML file (e.g. the output of key list -j)", ArgsUsage: "file",
				Action: a.keyLoad,
				Flags:  std(&cli.BoolFlag{Name: "convert", Aliases: []string{"c"}, Usage: "store non-string values as JSON"})},
		},
	}
}

func (a *app) keyList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	setIf(q, "prefix", cmd.String("prefix"))
	setIf(q, "scope", cmd.String("scope"))
	setIf(q, "user", cmd.String("user"))
	if cmd.Bool("decrypt") {
		q.Set("decrypt", "true")
	}
	last := cmd.Int("last")
	if last == 0 || last < -1 {
		return usagef("-n/--last must be a positive number or -1 for all")
	}
	q.Set("limit", strconv.Itoa(int(last)))
	var items any
	h, err := a.call(cmd, "GET", "/keys", q, nil, &items)
	if err != nil {
		return err
	}
	newPrinter(a, cmd).list(items, kvColumns)
	if total, _ := strconv.Atoi(h.Get("X-Total-Count")); last > 0 && total > int(last) && !cmd.Bool("json") && !cmd.Bool("yaml") {
		fmt.Fprintf(a.opts.Stderr, "Note: Only first %d key value pairs are displayed. Use -n/--last flag for more results.\n", last)
	}
	return nil
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func (a *app) keyGet(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() == 0 {
		return usagef("key get: expected at least one name")
	}
	q := url.Values{}
	setIf(q, "scope", cmd.String("scope"))
	if cmd.Bool("decrypt") {
		q.Set("decrypt", "true")
	}
	for _, name := range cmd.Args().Slice() {
		var item any
		if _, err := a.call(cmd, "GET", "/keys/"+url.PathEscape(name), q, nil, &item); err != nil {
			return err
		}
		newPrinter(a, cmd).object(item, kvColumns)
	}
	return nil
}

func (a *app) keySet(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args().Slice()
	if len(args) < 1 || len(args) > 2 {
		return usagef("key set: expected NAME [VALUE]")
	}
	if cmd.Bool("encrypt") && cmd.Bool("encrypted") {
		return usagef("key set: -e/--encrypt and --encrypted exclude each other")
	}
	value, err := a.valueArg(args)
	if err != nil {
		return err
	}
	body := map[string]any{"name": args[0], "value": value, "scope": cmd.String("scope")}
	if cmd.Bool("encrypt") {
		body["secret"] = true
	}
	if cmd.Bool("encrypted") {
		body["encrypted"] = true
	}
	if cmd.IsSet("ttl") {
		body["ttl"] = cmd.Int("ttl")
	}
	setBody(body, "user", cmd.String("user"))
	var item any
	if _, err := a.call(cmd, "PUT", "/keys/"+url.PathEscape(args[0]), nil, body, &item); err != nil {
		return err
	}
	newPrinter(a, cmd).object(item, kvColumns)
	return nil
}

// valueArg is the VALUE argument, or standard input when it is piped in.
func (a *app) valueArg(args []string) (string, error) {
	if len(args) == 2 {
		return args[1], nil
	}
	if f, ok := a.opts.Stdin.(*os.File); !ok || term.IsTerminal(int(f.Fd())) {
		return "", usagef("key set: no VALUE given (pass it as an argument or on standard input)")
	}
	b, err := io.ReadAll(io.LimitReader(a.opts.Stdin, 2<<20))
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

func setBody(body map[string]any, k, v string) {
	if v != "" {
		body[k] = v
	}
}

func (a *app) keyDelete(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "name")
	if err != nil {
		return err
	}
	q := url.Values{}
	setIf(q, "scope", cmd.String("scope"))
	setIf(q, "user", cmd.String("user"))
	if _, err := a.call(cmd, "DELETE", "/keys/"+url.PathEscape(name), q, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(a.opts.Stdout, "Resource with id \"%s\" has been successfully deleted.\n", name)
	return nil
}

func (a *app) keyDeleteByPrefix(ctx context.Context, cmd *cli.Command) error {
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	q := url.Values{"prefix": {cmd.String("prefix")}}
	setIf(q, "scope", cmd.String("scope"))
	setIf(q, "user", cmd.String("user"))
	var deleted []map[string]any
	_, err = c.api("DELETE", "/keys", q, nil, &deleted)
	if notSupported(err) {
		deleted, err = c.deleteEach(q)
	}
	if err != nil {
		return err
	}
	names := make([]string, len(deleted))
	for i, d := range deleted {
		names[i] = cell(d["name"])
	}
	fmt.Fprintf(a.opts.Stdout, "Deleted %d keys\nDeleted key ids: %s\n", len(deleted), strings.Join(names, ", "))
	return nil
}

// notSupported is a server without Squall's bulk endpoints (StackStorm).
func notSupported(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.Status == 404 || ae.Status == 405)
}

// deleteEach is delete_by_prefix against StackStorm: list, then delete
// one at a time (not atomic).
func (c *client) deleteEach(q url.Values) ([]map[string]any, error) {
	list := url.Values{"prefix": q["prefix"], "limit": {"-1"}}
	setIf(list, "scope", q.Get("scope"))
	setIf(list, "user", q.Get("user"))
	var items []map[string]any
	if _, err := c.api("GET", "/keys", list, nil, &items); err != nil {
		return nil, err
	}
	for _, it := range items {
		del := url.Values{}
		setIf(del, "scope", cell(it["scope"]))
		setIf(del, "user", cell(it["user"]))
		if _, err := c.api("DELETE", "/keys/"+url.PathEscape(cell(it["name"])), del, nil, nil); err != nil {
			return nil, err
		}
	}
	return items, nil
}

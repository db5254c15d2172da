package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v3"
)

func (a *app) inquiryCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name: "inquiry", Usage: "inquiries: executions waiting for a human's response",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list pending inquiries", Action: a.listOf("/inquiries", []string{"id", "roles", "users", "route", "ttl"}),
				Flags: std(append(attrFlags(), &cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "list N most recent"})...)},
			{Name: "get", Usage: "show inquiries", ArgsUsage: "id [id ...]", Action: a.getOf("/inquiries/",
				[]string{"id", "roles", "users", "route", "ttl", "schema", "response"}), Flags: std(attrFlags()...)},
			{Name: "respond", Usage: "answer an inquiry", ArgsUsage: "id", Action: a.inquiryRespond,
				Flags: std(&cli.StringFlag{Name: "response", Aliases: []string{"r"}, Usage: "the response as a JSON object"})},
		},
	}
}

func (a *app) inquiryRespond(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("inquiry respond: expected one id")
	}
	raw := cmd.String("response")
	if raw == "" {
		return usagef("inquiry respond: give the response with -r '{\"continue\": true}' (the inquiry's schema: st2 inquiry get ID)")
	}
	var response map[string]any
	if err := json.Unmarshal([]byte(raw), &response); err != nil {
		return usagef("inquiry respond: -r must be a JSON object: %v", err)
	}
	id := cmd.Args().First()
	var out map[string]any
	if _, err := a.call(cmd, "PUT", "/inquiries/"+url.PathEscape(id), nil, map[string]any{"id": id, "response": response}, &out); err != nil {
		return err
	}
	if !newPrinter(a, cmd).structured(out) {
		fmt.Fprintf(a.opts.Stdout, "Response accepted for inquiry %s.\n", id)
	}
	return nil
}

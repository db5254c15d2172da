package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v3"
)

// user and cluster are Squall's own commands (StackStorm has no
// counterpart: its users live outside it, and it has no raft).
func (a *app) userCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	return &cli.Command{
		Name:  "user",
		Usage: "user accounts (admin only)",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list users", Flags: std(attrFlags()...), Action: func(ctx context.Context, cmd *cli.Command) error {
				var users any
				if _, err := a.call(cmd, "GET", "/users", nil, nil, &users); err != nil {
					return err
				}
				newPrinter(a, cmd).list(users, []string{"name", "is_admin", "created_at"})
				return nil
			}},
			{Name: "create", Usage: "create a user", ArgsUsage: "name", Action: a.userCreate,
				Flags: std(&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "password (prompted for when absent)"},
					&cli.BoolFlag{Name: "admin", Usage: "make the user an administrator"})},
			{Name: "passwd", Usage: "change a user's password", ArgsUsage: "name", Action: a.userPasswd,
				Flags: std(&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "new password (prompted for when absent)"})},
			{Name: "delete", Usage: "delete a user with its tokens and API keys", ArgsUsage: "name", Flags: std(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					name, err := oneArg(cmd, "name")
					if err != nil {
						return err
					}
					if _, err := a.call(cmd, "DELETE", "/users/"+url.PathEscape(name), nil, nil, nil); err != nil {
						return err
					}
					fmt.Fprintf(a.opts.Stdout, "User \"%s\" has been deleted.\n", name)
					return nil
				}},
		},
	}
}

func (a *app) passwordArg(cmd *cli.Command) (string, error) {
	if pw := cmd.String("password"); pw != "" {
		return pw, nil
	}
	return a.readPassword("Password: ")
}

func (a *app) userCreate(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "name")
	if err != nil {
		return err
	}
	pw, err := a.passwordArg(cmd)
	if err != nil {
		return err
	}
	var u any
	body := map[string]any{"name": name, "password": pw, "is_admin": cmd.Bool("admin")}
	if _, err := a.call(cmd, "POST", "/users", nil, body, &u); err != nil {
		return err
	}
	newPrinter(a, cmd).object(u, []string{"name", "is_admin"})
	return nil
}

func (a *app) userPasswd(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "name")
	if err != nil {
		return err
	}
	pw, err := a.passwordArg(cmd)
	if err != nil {
		return err
	}
	if _, err := a.call(cmd, "PUT", "/users/"+url.PathEscape(name), nil, map[string]any{"password": pw}, nil); err != nil {
		return err
	}
	fmt.Fprintf(a.opts.Stdout, "Password of \"%s\" changed.\n", name)
	return nil
}

func (a *app) clusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "the raft cluster",
		Commands: []*cli.Command{{
			Name: "members", Usage: "show the nodes, their raft state and the leader",
			Flags: flags(authFlags(), outputFlags(), attrFlags()),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				var ms any
				if _, err := a.call(cmd, "GET", "/cluster/members", nil, nil, &ms); err != nil {
					return err
				}
				newPrinter(a, cmd).list(ms, []string{"id", "raft_addr", "http_addr", "state", "leader", "voter", "last_index"})
				return nil
			},
		}},
	}
}

package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

func passwordFlags(ttl bool) []cli.Flag {
	f := []cli.Flag{&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "password (prompted for when absent)"}}
	if ttl {
		f = append(f, &cli.IntFlag{Name: "ttl", Aliases: []string{"l"}, Usage: "token lifetime in seconds"})
	}
	return f
}

func (a *app) authCommand() *cli.Command {
	return &cli.Command{
		Name:      "auth",
		Usage:     "get an access token",
		ArgsUsage: "username",
		Flags: flags(outputFlags(), passwordFlags(true),
			[]cli.Flag{&cli.BoolFlag{Name: "only-token", Aliases: []string{"t"}, Usage: "print the token only"}}),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			user, err := oneArg(cmd, "username")
			if err != nil {
				return err
			}
			_, tok, err := a.login(cmd, user)
			if err != nil {
				return err
			}
			if cmd.Bool("only-token") {
				fmt.Fprintln(a.opts.Stdout, tok.Token)
				return nil
			}
			newPrinter(a, cmd).object(asMap(tok), []string{"user", "token", "expiry"})
			return nil
		},
	}
}

func (a *app) loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "log in: cache a token and remember the user in the config file",
		ArgsUsage: "username",
		Flags: flags(outputFlags(), passwordFlags(true),
			[]cli.Flag{&cli.BoolFlag{Name: "write-password", Aliases: []string{"w"}, Usage: "also write the password to the config file"}}),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			user, err := oneArg(cmd, "username")
			if err != nil {
				return err
			}
			c, tok, err := a.login(cmd, user)
			if err != nil {
				return err
			}
			if err := c.saveToken(tok); err != nil {
				return err
			}
			pw := ""
			if cmd.Bool("write-password") {
				pw = c.s.password
			}
			if err := writeCredentials(c.s.configFile, user, pw); err != nil {
				return err
			}
			fmt.Fprintf(a.opts.Stdout, "Logged in as %s\n", user)
			return nil
		},
	}
}

// login asks for a token with the user's password.
func (a *app) login(cmd *cli.Command, user string) (*client, *tokenResponse, error) {
	c, err := a.client(cmd)
	if err != nil {
		return nil, nil, err
	}
	pw := cmd.String("password")
	if pw == "" {
		if pw, err = a.readPassword("Password: "); err != nil {
			return nil, nil, err
		}
	}
	c.s.password = pw
	tok, err := c.fetchToken(user, pw, int(cmd.Int("ttl")))
	if err != nil {
		return nil, nil, err
	}
	return c, tok, nil
}

// readPassword prompts without echo on a terminal, else reads a line.
func (a *app) readPassword(prompt string) (string, error) {
	if f, ok := a.opts.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.opts.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.opts.Stderr)
		return string(b), err
	}
	if a.opts.Stdin == nil {
		return "", usagef("no password given: use -p")
	}
	line, _ := bufio.NewReader(a.opts.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no password given: use -p or type it on standard input")
	}
	return line, nil
}

func (a *app) whoamiCommand() *cli.Command {
	return &cli.Command{
		Name:  "whoami",
		Usage: "show the user the CLI acts as",
		Flags: flags(authFlags(), outputFlags()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var me map[string]any
			if _, err := c.api("GET", "/user", nil, nil, &me); err != nil {
				return err
			}
			p := newPrinter(a, cmd)
			if p.structured(me) {
				return nil
			}
			authn, _ := me["authentication"].(map[string]any)
			rbac, _ := me["rbac"].(map[string]any)
			fmt.Fprintf(a.opts.Stdout, "Currently logged in as \"%s\".\n\nAuthentication method: %s\nAuthentication source: %s\n\nRBAC:\n - Enabled: %s\n - Roles: %s\n",
				cell(me["username"]), cell(authn["method"]), cell(authn["location"]), pyBool(rbac["enabled"]), rolesOf(rbac["roles"]))
			return nil
		},
	}
}

func pyBool(v any) string {
	if b, ok := v.(bool); ok && b {
		return "True"
	}
	return "False"
}

func rolesOf(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, r := range list {
		out = append(out, cell(r))
	}
	return strings.Join(out, ", ")
}

func oneArg(cmd *cli.Command, name string) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", usagef("%s: expected one %s argument, got %d", cmd.FullName(), name, cmd.Args().Len())
	}
	return cmd.Args().First(), nil
}

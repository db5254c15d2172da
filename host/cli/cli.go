// Package cli is the st2-compatible command line: StackStorm's grammar,
// flags, config file, token cache and output formats, speaking the REST
// API over HTTP. `squall` and a link named `st2` run the same commands.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"
)

// Options is what main passes in.
type Options struct {
	Name    string // argv[0]'s base name: "squall" or "st2"
	Version string
	// Extra commands main adds (server, generate-crypto-key).
	Extra          []*cli.Command
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Env            func(string) string
	HomeDir        string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Run executes one command line; args[0] is the program name.
func Run(ctx context.Context, opts Options, args []string) int {
	if opts.Env == nil {
		opts.Env = func(string) string { return "" }
	}
	app := &app{opts: opts}
	root := app.root()
	if len(args) == 0 {
		args = []string{opts.Name}
	}
	if opts.Name == RuleTesterName { // st2-rule-tester --rule R --trigger-instance TI
		args = append([]string{opts.Name, "rule-tester"}, args[1:]...)
	}
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	var se silentError
	if errors.As(err, &se) {
		return se.code
	}
	var ue usageError
	if errors.As(err, &ue) || strings.Contains(err.Error(), "flag provided but not defined") ||
		strings.HasPrefix(err.Error(), "No help topic") {
		fmt.Fprintf(opts.Stderr, "ERROR: %s\n", err)
		return exitUsage
	}
	fmt.Fprintln(opts.Stderr, formatError(err))
	return exitError
}

// app carries the options to every command.
type app struct {
	opts Options
	// secretParams are masked in --debug output of the run being made.
	secretParams []string
}

func (a *app) root() *cli.Command {
	name := a.opts.Name
	if name == "" {
		name = "squall"
	}
	cmds := []*cli.Command{
		a.authCommand(), a.loginCommand(), a.whoamiCommand(), a.apikeyCommand(),
		a.keyCommand(), a.userCommand(), a.clusterCommand(),
		a.runCommand(), a.actionCommand(), a.executionCommand(), a.runnerCommand(), a.packCommand(),
		a.ruleCommand(), a.triggerInstanceCommand(), a.ruleEnforcementCommand(), a.triggerCommand(), a.webhookCommand(), a.timerCommand(), a.sensorCommand(), a.traceCommand(), a.inquiryCommand(), a.ruleTesterCommand(),
	}
	cmds = append(cmds, a.opts.Extra...)
	return &cli.Command{
		Name:                  name,
		Usage:                 "StackStorm-compatible automation: node and CLI",
		Version:               a.opts.Version,
		Flags:                 globalFlags(),
		Commands:              cmds,
		Writer:                a.opts.Stdout,
		ErrWriter:             a.opts.Stderr,
		Reader:                a.opts.Stdin,
		EnableShellCompletion: false,
		ExitErrHandler:        func(context.Context, *cli.Command, error) {},
		Before: func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
			if cmd.Bool("print-config") {
				cfg, err := a.settings(cmd)
				if err != nil {
					return ctx, err
				}
				cfg.print(a.opts.Stdout)
			}
			return ctx, nil
		},
	}
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", Usage: "base URL of the API (env ST2_BASE_URL); with a port, one listener serving everything"},
		&cli.StringFlag{Name: "auth-url", Usage: "auth URL (env ST2_AUTH_URL)"},
		&cli.StringFlag{Name: "api-url", Usage: "API URL (env ST2_API_URL)"},
		&cli.StringFlag{Name: "stream-url", Usage: "stream URL (env ST2_STREAM_URL)"},
		&cli.StringFlag{Name: "api-version", Usage: "API version (only v1)"},
		&cli.StringFlag{Name: "cacert", Usage: "CA bundle to verify the server's certificate (env ST2_CACERT)"},
		&cli.StringFlag{Name: "basic-auth", Usage: "user:password for HTTP basic auth in front of the API"},
		&cli.StringFlag{Name: "config-file", Usage: "CLI config file (default ~/.st2/config, env ST2_CONFIG_FILE)"},
		&cli.BoolFlag{Name: "print-config", Usage: "print the settings in use"},
		&cli.BoolFlag{Name: "skip-config", Usage: "ignore the config file"},
		&cli.BoolFlag{Name: "debug", Usage: "show each HTTP request as a curl command, and its response"},
	}
}

// Per-command flags shared by st2's resource commands.
func authFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "token", Aliases: []string{"t"}, Usage: "access token (env ST2_AUTH_TOKEN)"},
		&cli.StringFlag{Name: "api-key", Usage: "API key (env ST2_API_KEY)"},
	}
}

func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print JSON"},
		&cli.BoolFlag{Name: "yaml", Aliases: []string{"y"}, Usage: "print YAML"},
	}
}

func attrFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "attr", Aliases: []string{"a"}, Usage: "attributes to show (repeat, or comma-separated)"},
		&cli.StringSliceFlag{Name: "width", Aliases: []string{"w"}, Usage: "column widths"},
	}
}

func flags(groups ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

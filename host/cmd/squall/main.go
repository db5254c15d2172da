// Command squall is the node (`squall server`) and the st2-compatible CLI
// (every other subcommand). Invoked through a link named st2 it behaves
// the same. This file is wiring only.
package main

import (
	"context"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	ucli "github.com/urfave/cli/v3"

	"github.com/squall-io/squall/host/cli"
	"github.com/squall-io/squall/host/config"
	"github.com/squall-io/squall/host/kvcrypto"
	"github.com/squall-io/squall/host/logging"
	"github.com/squall-io/squall/host/server"
)

// version is set at build time with -ldflags -X main.version=...
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	home, _ := os.UserHomeDir()
	code := cli.Run(ctx, cli.Options{
		Name:    filepath.Base(os.Args[0]),
		Version: version,
		Extra:   []*ucli.Command{serverCommand(), generateKeyCommand()},
		Stdout:  os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin,
		Env: os.Getenv, HomeDir: home,
	}, os.Args)
	os.Exit(code)
}

func serverCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "server",
		Usage: "run a node (bootstraps a one-node cluster, or joins one with --join)",
		Flags: config.Flags(),
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			if os.Getenv("GOGC") == "" {
				// A node's live heap is small (tens of MB); trading a little
				// memory for half the GC work measurably raises write
				// throughput (see README, benchmarks).
				debug.SetGCPercent(200)
			}
			cfg, err := config.FromCommand(ctx, cmd)
			if err != nil {
				return err
			}
			logger := logging.New("squall", cfg.LogLevel, os.Stderr)
			if addr := os.Getenv("SQUALL_PPROF_ADDR"); addr != "" {
				// Profiling for operators and benchmarks, off by default
				// and never on the API's listener.
				go func() { logger.Warn("pprof stopped", "error", http.ListenAndServe(addr, nil)) }()
			}
			srv, err := server.New(cfg, server.Options{
				Logger: logger, Version: version,
				Stdout: func(format string, args ...any) { fmt.Fprintf(os.Stdout, format, args...) },
			})
			if err != nil {
				return err
			}
			return srv.Run(ctx)
		},
	}
}

// generateKeyCommand is StackStorm's st2-generate-symmetric-crypto-key.
func generateKeyCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "generate-crypto-key",
		Usage: "write a StackStorm-format datastore crypto key (AES-256 + HMAC-SHA1)",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "key-path", Required: true, Usage: "file to write (mode 0600)"},
			&ucli.BoolFlag{Name: "force", Usage: "overwrite an existing file"},
		},
		Action: func(ctx context.Context, cmd *ucli.Command) error {
			key, err := kvcrypto.GenerateKey(256)
			if err != nil {
				return err
			}
			path := cmd.String("key-path")
			if err := key.WriteFile(path, cmd.Bool("force")); err != nil {
				return err
			}
			fmt.Fprintf(os.Stdout, "Wrote a new crypto key to %s\n", path)
			return nil
		},
	}
}

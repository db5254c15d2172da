package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
)

// parse runs the server flags over args and returns the Config.
func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var got Config
	var gotErr error
	cmd := &cli.Command{Name: "server", Flags: Flags(), Action: func(ctx context.Context, c *cli.Command) error {
		got, gotErr = FromCommand(ctx, c)
		return nil
	}}
	if err := cmd.Run(context.Background(), append([]string{"server"}, args...)); err != nil {
		return got, err
	}
	return got, gotErr
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "squall.yaml")
	_ = os.WriteFile(file, []byte("data_dir: /from/file\nhttp-addr: 127.0.0.1:7000\nraft_addr: 127.0.0.1:7001\ndev: true\n"), 0o600)
	c, err := parse(t, map[string]string{"SQUALL_HTTP_ADDR": "127.0.0.1:8000"}, "--config", file, "--raft-addr", "127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/from/file" || c.HTTPAddr != "127.0.0.1:8000" || c.RaftAddr != "127.0.0.1:9000" || !c.Dev {
		t.Fatalf("got %+v", c)
	}
	if c.AuthAddr != DefaultAuthAddr || c.StreamAddr != DefaultStreamAddr || c.LogLevel != "info" {
		t.Fatalf("defaults lost: %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	_ = os.WriteFile(unknown, []byte("data_dirr: x\n"), 0o600)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad http addr", []string{"--http-addr", "nope"}, "--http-addr"},
		{"bad join", []string{"--join", "host-without-port"}, "--join"},
		{"bad level", []string{"--log-level", "loud"}, "--log-level"},
		{"empty data dir", []string{"--data-dir", ""}, "--data-dir"},
		{"unknown file key", []string{"--config", unknown}, `unknown setting "data-dirr"`},
		{"missing file", []string{"--config", filepath.Join(dir, "none.yaml")}, "failed to read config file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(t, nil, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if c, err := parse(t, nil, "--auth-addr", "", "--stream-addr", ""); err != nil || c.AuthAddr != "" || c.StreamAddr != "" {
		t.Fatalf("empty listeners: %+v %v", c, err)
	}
}

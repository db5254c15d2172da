// Package config is the node's configuration: flags, SQUALL_<FLAG>
// environment variables and an optional YAML file, in that order of
// precedence, validated before anything starts.
package config

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
	"go.yaml.in/yaml/v3"
)

// Config is what `squall server` runs with.
type Config struct {
	DataDir           string
	HTTPAddr          string
	RaftAddr          string
	NodeID            string
	Join              string
	Dev               bool
	EncryptionKeyPath string
	AuthAddr          string
	StreamAddr        string
	AdminPassword     string
	ClusterSecret     string
	LogLevel          string
	PluginDir         string
	PacksPath         string
	ConfigsDir        string
	ValidateOutput    bool
	ExecutionsMaxKept string
	ExecutionsTTL     string
	NodeDownAfter     string
}

// Defaults: StackStorm's ports for API (9101), auth (9100) and stream
// (9102), so st2's CLI works with its default URL; raft beside them.
const (
	DefaultDataDir    = "./squall-data"
	DefaultHTTPAddr   = "127.0.0.1:9101"
	DefaultAuthAddr   = "127.0.0.1:9100"
	DefaultStreamAddr = "127.0.0.1:9102"
	DefaultRaftAddr   = "127.0.0.1:9103"
)

type spec struct {
	name, usage, dflt string
	isBool            bool
	field             func(*Config) *string
	boolField         func(*Config) *bool
}

var specs = []spec{
	{name: "data-dir", dflt: DefaultDataDir, usage: "where raft's log, snapshots and node files live", field: func(c *Config) *string { return &c.DataDir }},
	{name: "http-addr", dflt: DefaultHTTPAddr, usage: "main HTTP listener: /api/v1, /v1, /auth/v1, /stream/v1", field: func(c *Config) *string { return &c.HTTPAddr }},
	{name: "raft-addr", dflt: DefaultRaftAddr, usage: "raft and cluster RPC address (bind and advertise)", field: func(c *Config) *string { return &c.RaftAddr }},
	{name: "node-id", usage: "unique node id (default: kept in the data dir, generated on first start)", field: func(c *Config) *string { return &c.NodeID }},
	{name: "join", usage: "HTTP address (HOST:PORT) of any cluster member to join", field: func(c *Config) *string { return &c.Join }},
	{name: "dev", isBool: true, usage: "in-memory, throw-away node (nothing written to disk)", boolField: func(c *Config) *bool { return &c.Dev }},
	{name: "encryption-key-path", usage: "StackStorm-format crypto key file for datastore secrets", field: func(c *Config) *string { return &c.EncryptionKeyPath }},
	{name: "auth-addr", dflt: DefaultAuthAddr, usage: "auth listener serving /tokens (empty: off)", field: func(c *Config) *string { return &c.AuthAddr }},
	{name: "stream-addr", dflt: DefaultStreamAddr, usage: "stream listener serving /v1/stream (empty: off)", field: func(c *Config) *string { return &c.StreamAddr }},
	{name: "admin-password", usage: "password of st2admin when the cluster is first created (default: generated)", field: func(c *Config) *string { return &c.AdminPassword }},
	{name: "cluster-secret", usage: "shared secret every node must present to join and to talk raft", field: func(c *Config) *string { return &c.ClusterSecret }},
	{name: "plugin-dir", usage: "directory searched for squall-* plugin binaries (default: beside the squall binary, bin/ after make build)", field: func(c *Config) *string { return &c.PluginDir }},
	{name: "packs-path", usage: "colon-separated directories holding packs (StackStorm's packs_base_paths); the built-in packs always come first", field: func(c *Config) *string { return &c.PacksPath }},
	{name: "configs-dir", usage: "directory of pack configs, <pack>.yaml (default: <data-dir>/configs)", field: func(c *Config) *string { return &c.ConfigsDir }},
	{name: "validate-output-schema", isBool: true, usage: "fail executions whose result does not match their action's output_schema", boolField: func(c *Config) *bool { return &c.ValidateOutput }},
	{name: "executions-max-kept", dflt: "100000", usage: "most finished executions kept; the oldest are purged (0: keep all)", field: func(c *Config) *string { return &c.ExecutionsMaxKept }},
	{name: "executions-ttl", usage: "purge finished executions older than this (e.g. 720h; empty: by count only)", field: func(c *Config) *string { return &c.ExecutionsTTL }},
	{name: "node-down-after", dflt: "30s", usage: "how long a node may not answer before the leader abandons its running executions and moves its scheduled ones", field: func(c *Config) *string { return &c.NodeDownAfter }},
	{name: "log-level", dflt: "info", usage: "trace, debug, info, warn or error", field: func(c *Config) *string { return &c.LogLevel }},
}

// envName is SQUALL_<FLAG>: --data-dir reads SQUALL_DATA_DIR.
func envName(flag string) string {
	return "SQUALL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Flags returns the server's flags, each also read from SQUALL_<FLAG>.
func Flags() []cli.Flag {
	flags := []cli.Flag{&cli.StringFlag{Name: "config", Usage: "YAML file with any of the flags below as keys", Sources: cli.EnvVars("SQUALL_CONFIG")}}
	for _, s := range specs {
		if s.isBool {
			flags = append(flags, &cli.BoolFlag{Name: s.name, Usage: s.usage, Sources: cli.EnvVars(envName(s.name))})
			continue
		}
		flags = append(flags, &cli.StringFlag{Name: s.name, Usage: s.usage, Value: s.dflt, Sources: cli.EnvVars(envName(s.name))})
	}
	return flags
}

// FromCommand builds the Config: a flag or variable that is set wins over
// the file, which wins over the default.
func FromCommand(_ context.Context, cmd *cli.Command) (Config, error) {
	var c Config
	file := map[string]any{}
	if path := cmd.String("config"); path != "" {
		var err error
		if file, err = readFile(path); err != nil {
			return c, err
		}
	}
	for _, s := range specs {
		fv, inFile := file[s.name]
		delete(file, s.name)
		if s.isBool {
			*s.boolField(&c) = cmd.Bool(s.name)
			if inFile && !cmd.IsSet(s.name) {
				b, ok := fv.(bool)
				if !ok {
					return c, fmt.Errorf("config file: %q must be true or false", s.name)
				}
				*s.boolField(&c) = b
			}
			continue
		}
		*s.field(&c) = cmd.String(s.name)
		if inFile && !cmd.IsSet(s.name) {
			*s.field(&c) = fmt.Sprint(fv)
		}
	}
	for k := range file {
		return c, fmt.Errorf("config file: unknown setting %q", k)
	}
	return c, c.Validate()
}

// readFile reads a YAML config; keys may use - or _.
func readFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read config file: %w", err)
	}
	raw := map[string]any{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("failed to parse config file %s: %w", path, err)
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		out[strings.ReplaceAll(k, "_", "-")] = v
	}
	return out, nil
}

// Validate checks addresses and settings before the node starts.
func (c Config) Validate() error {
	for _, a := range []struct {
		flag, v  string
		optional bool
	}{
		{"http-addr", c.HTTPAddr, false}, {"raft-addr", c.RaftAddr, false},
		{"auth-addr", c.AuthAddr, true}, {"stream-addr", c.StreamAddr, true}, {"join", c.Join, true},
	} {
		if a.v == "" && a.optional {
			continue
		}
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return fmt.Errorf("--%s %q is not HOST:PORT: %v", a.flag, a.v, err)
		}
	}
	if !c.Dev && c.DataDir == "" {
		return fmt.Errorf("--data-dir must not be empty (or use --dev)")
	}
	switch c.LogLevel {
	case "trace", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: use trace, debug, info, warn or error", c.LogLevel)
	}
	if _, _, err := c.Retention(); err != nil {
		return err
	}
	if _, err := c.DownAfter(); err != nil {
		return err
	}
	return nil
}

// Retention is the executions retention the flags ask for: how many
// finished executions to keep, and for how long (zero: no limit).
func (c Config) Retention() (maxKept int, ttl time.Duration, err error) {
	if c.ExecutionsMaxKept != "" {
		maxKept, err = strconv.Atoi(c.ExecutionsMaxKept)
		if err != nil || maxKept < 0 {
			return 0, 0, fmt.Errorf("--executions-max-kept %q must be a non-negative integer", c.ExecutionsMaxKept)
		}
	}
	if c.ExecutionsTTL != "" {
		ttl, err = time.ParseDuration(c.ExecutionsTTL)
		if err != nil || ttl <= 0 {
			return 0, 0, fmt.Errorf("--executions-ttl %q must be a positive duration such as 720h", c.ExecutionsTTL)
		}
	}
	return maxKept, ttl, nil
}

// DownAfter is --node-down-after.
func (c Config) DownAfter() (time.Duration, error) {
	if c.NodeDownAfter == "" {
		return 30 * time.Second, nil
	}
	d, err := time.ParseDuration(c.NodeDownAfter)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("--node-down-after %q must be a duration of at least 1s, such as 30s", c.NodeDownAfter)
	}
	return d, nil
}

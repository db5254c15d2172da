// Package plugin holds what every squall plugin kind shares with the host:
// the go-plugin handshake, the names plugins are dispensed under, the API
// versions, and the logger a plugin writes through.
package plugin

import (
	"os"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion changes only when the wire contract breaks; features are
// negotiated with APIVersions instead.
const ProtocolVersion = 1

// Handshake is checked by both sides before anything else: a binary that
// is not a squall plugin, or one built for another protocol version,
// refuses to start with a clear message.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SQUALL_PLUGIN",
	MagicCookieValue: "d9a2c1e6-squall-plugin",
}

// Names the host dispenses plugin kinds under.
const (
	KindRunner   = "runner"
	KindSensor   = "sensor"
	KindWorkflow = "workflow"
)

// APIVersion is the newest feature level of the contracts in this SDK.
// A host and a plugin use the highest version both list.
const APIVersion = "v1"

// APIVersions lists every version this SDK can speak, newest first.
var APIVersions = []string{APIVersion}

// NewLogger returns the logger a plugin should use: JSON on stderr, which
// the host parses into its own log under the plugin's name.
func NewLogger(name string) hclog.Logger {
	level := hclog.LevelFromString(os.Getenv("SQUALL_PLUGIN_LOG_LEVEL"))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Name: name, Level: level, Output: os.Stderr, JSONFormat: true,
	})
}

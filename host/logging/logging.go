// Package logging builds the node's hclog logger: the one logger, named
// per subsystem by each package that receives it.
package logging

import (
	"io"

	"github.com/hashicorp/go-hclog"
)

// New returns the root logger at the given level ("info" if unknown).
func New(name, level string, out io.Writer) hclog.Logger {
	lvl := hclog.LevelFromString(level)
	if lvl == hclog.NoLevel {
		lvl = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: lvl, Output: out, TimeFormat: "2006-01-02T15:04:05.000Z07:00"})
}

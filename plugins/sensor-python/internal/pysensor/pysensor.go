// Package pysensor runs StackStorm Python sensors unmodified: one Python
// process per sensor run, with squall's st2reactor and st2common
// compatibility layer on its path, a bridge to this plugin for dispatches,
// the datastore and the log, and a channel for trigger changes.
package pysensor

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/sdk/python"
	"github.com/squall-io/squall/sdk/sensor"
)

// StopGrace is how long cleanup() has after SIGTERM before the sensor's
// process group is killed.
const StopGrace = 5 * time.Second

// compat is the plugin's own Python: the sensor wrapper and st2reactor;
// st2common comes from sdk/python.
//
//go:embed all:compat
var compat embed.FS

// Plugin runs pack sensors written in Python.
type Plugin struct {
	logger  hclog.Logger
	interps *python.Interpreters
	lib     *python.Library
	grace   time.Duration // StopGrace; tests shorten it
}

// New returns the plugin; SQUALL_PYTHON names the interpreter (python3)
// and SQUALL_PYTHON_VIRTUALENVS where packs' virtualenvs go.
func New(logger hclog.Logger) *Plugin {
	own, _ := fs.Sub(compat, "compat")
	return &Plugin{logger: logger, interps: python.NewInterpreters(), lib: python.NewLibrary(own), grace: StopGrace}
}

// Info declares that the plugin runs any pack's .py sensor files.
func (*Plugin) Info() sensor.Info {
	return sensor.Info{Name: "sensor-python", Version: "1.0.0", EntryPointKinds: []string{"py"}}
}

// Run runs one sensor in its own interpreter until ctx ends (nil) or the
// sensor fails (the reason, with the Python exception).
func (p *Plugin) Run(ctx context.Context, run *sensor.Run, started func()) error {
	name := run.Ref
	if name == "" {
		name = run.Pack + "." + run.ClassName
	}
	if run.EntryPoint == "" || run.ClassName == "" {
		return fmt.Errorf("sensor %s: a Python sensor needs an entry_point and a class_name", name)
	}
	if _, err := os.Stat(run.EntryPoint); err != nil {
		return fmt.Errorf("sensor %s: entry point: %w", name, err)
	}
	lib, err := p.lib.Dir()
	if err != nil {
		return fmt.Errorf("failed to write the st2 compatibility layer: %w", err)
	}
	py, err := p.interps.ForPack(ctx, run.Pack, run.PackPath)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sensor %s: %w", name, err)
	}
	s := &session{name: name, run: run, logger: p.logger.With("sensor", name), started: started, grace: p.grace}
	if err := s.start(py, lib); err != nil {
		return err
	}
	return s.supervise(ctx)
}

// errRunEnded is the failure of a sensor whose process ended without
// saying why (killed, or a crash of the interpreter itself).
var errRunEnded = errors.New("the sensor's process ended")

func environ(lib string) []string {
	path := lib
	if pp := os.Getenv("PYTHONPATH"); pp != "" {
		path += string(os.PathListSeparator) + pp
	}
	return append(os.Environ(), "PYTHONPATH="+path, "PYTHONDONTWRITEBYTECODE=1")
}

func wrapper(lib string) string { return filepath.Join(lib, "squall_sensor.py") }

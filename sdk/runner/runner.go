// Package runner is everything a third party needs to write a squall runner
// plugin: implement Runner, call Serve from main. The host side of the same
// contract (Client) lives here too, so both ends share one definition.
package runner

import (
	"context"
	"io"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
)

// Status is an execution's final status as a runner reports it; the names
// are StackStorm's.
type Status string

const (
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusTimeout   Status = "timeout"
	StatusCanceled  Status = "canceled"
)

// Valid reports whether s is a status a runner may report.
func (s Status) Valid() bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusTimeout, StatusCanceled:
		return true
	}
	return false
}

// Runner runs actions. One plugin process serves many runs at once, so Run
// must be safe for concurrent use.
type Runner interface {
	// Info declares the plugin and its runner types; it is called once.
	Info() Info
	// Run executes one action. It writes output as it goes, stops when ctx
	// ends, and returns the final status and result. An error is reported
	// as a failed execution whose result names it.
	Run(ctx context.Context, req *Request, out Output) (Result, error)
}

// Info describes a plugin.
type Info struct {
	Name        string
	Version     string
	RunnerTypes []RunnerType
}

// RunnerType is one runner a plugin provides, with StackStorm's runner
// metadata: runner_parameters as JSON-schema properties.
type RunnerType struct {
	Name         string
	Description  string
	Parameters   map[string]any
	OutputKey    string
	OutputSchema map[string]any
}

// Request is one run. Numbers in the maps are json.Number.
type Request struct {
	ExecutionID      string
	RunnerType       string
	User             string
	RunnerParameters map[string]any
	Parameters       map[string]any
	Action           Action
	Config           map[string]any    // the pack's config (config_context)
	Env              map[string]string // ST2_ACTION_* variables for the action
	Timeout          time.Duration     // zero: none; report StatusTimeout when it passes
	Host             hostservice.Client
}

// Action is the action being run, as the runner needs it.
type Action struct {
	Ref        string
	Pack       string
	Name       string
	EntryPoint string // absolute path, empty if the action has none
	PackPath   string // absolute path of the pack's directory
	// ParameterSpecs are the action's own parameters (name -> JSON-schema
	// property with position, secret, immutable, ...).
	ParameterSpecs map[string]any
}

// Output receives a run's output while it runs. The host caps and streams
// it; the runner still returns the full result it wants to keep.
type Output interface {
	Stdout() io.Writer
	Stderr() io.Writer
}

// Result is a run's end.
type Result struct {
	Status Status
	Value  any // the execution's result: any JSON value
}

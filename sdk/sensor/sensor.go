// Package sensor is everything a third party needs to write a squall
// sensor plugin: implement Plugin, call Serve from main. The host side of
// the same contract (Client) lives here too.
//
// A sensor plugin either runs sensors it declares itself (Info.Sensors,
// with their trigger types: the host registers them) or runs the sensor
// files of packs whose extension it lists in Info.EntryPointKinds (the
// Python plugin runs "py"). The host starts one Run per enabled sensor on
// one node of the cluster, tells it which triggers rules want, and stops
// it by cancelling its context. A Run that returns is a crash: the host
// restarts it with backoff.
package sensor

import (
	"context"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
)

// Plugin runs sensors. One process serves many runs at once.
type Plugin interface {
	// Info declares the plugin; it is called once.
	Info() Info
	// Run runs one sensor until ctx ends (return nil) or it fails (return
	// the reason). Call started once the sensor is set up.
	Run(ctx context.Context, run *Run, started func()) error
}

// Info describes a plugin.
type Info struct {
	Name    string
	Version string
	// EntryPointKinds are the pack sensor files it runs, by extension
	// without the dot ("py").
	EntryPointKinds []string
	// Sensors and TriggerTypes are what the plugin itself provides.
	Sensors      []SensorType
	TriggerTypes []TriggerType
}

// SensorType is a sensor a plugin provides. Ref is pack.Name; the pack
// need not exist.
type SensorType struct {
	Ref          string
	Description  string
	PollInterval time.Duration // zero for a push sensor
	TriggerTypes []string
	// Disabled sensors are registered but not run until enabled.
	Disabled bool
}

// TriggerType is a trigger type a plugin provides: JSON schemas of the
// trigger's parameters (what rules give) and of its payload.
type TriggerType struct {
	Ref              string
	Description      string
	ParametersSchema map[string]any
	PayloadSchema    map[string]any
}

// Trigger is one trigger a rule listens to: a type with parameters.
type Trigger struct {
	ID         string
	Ref        string
	Name       string
	Type       string
	Parameters map[string]any
}

// Run is one sensor's run. Numbers in maps are json.Number.
type Run struct {
	ID           string
	Ref          string
	Pack         string
	ClassName    string
	EntryPoint   string // absolute path; empty for a plugin's own sensors
	PackPath     string
	Config       map[string]any // the pack's config
	PollInterval time.Duration
	// Triggers are the triggers rules want now; Updates delivers the
	// whole new set each time rules change (the latest set wins).
	Triggers []Trigger
	Updates  <-chan []Trigger
	// Host is the sensor service: Dispatch, the datastore, the log.
	Host hostservice.Client
}

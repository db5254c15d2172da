package structs

import "time"

// TriggerType is a kind of trigger registered by a pack (triggers/*.yaml),
// a sensor's metadata, a sensor plugin, or the API. StackStorm's built-in
// types are not stored: they are part of the binary.
type TriggerType struct {
	ID               string
	Ref              string // pack.name
	Pack             string
	Name             string
	Description      string
	ParametersSchema map[string]any
	PayloadSchema    map[string]any
	Tags             []map[string]any
	// MetadataFile is the YAML file it came from, relative to its pack;
	// empty for types created through the API or declared by a plugin.
	MetadataFile string
	CreatedAt    time.Time
	ModifyIdx    uint64
}

// UID is StackStorm's uid: trigger_type:<pack>:<name>.
func (t *TriggerType) UID() string { return "trigger_type:" + t.Pack + ":" + t.Name }

// Sensor is a registered sensor type: StackStorm's sensor metadata. The
// leader runs each enabled one through the sensor plugin that serves it.
type Sensor struct {
	ID          string
	Ref         string // pack.class_name
	Pack        string
	Name        string // StackStorm names a sensor by its class
	Description string
	// EntryPoint is relative to the pack's sensors/ directory (Python), or
	// empty for a sensor a Go plugin provides.
	EntryPoint   string
	ClassName    string
	PollInterval int // seconds; zero for a push sensor
	Enabled      bool
	TriggerTypes []string // refs
	// Plugin names the plugin binary that provides the sensor, for sensors
	// a plugin declares itself; empty for sensors of a pack's files.
	Plugin       string
	MetadataFile string
	ModifyIdx    uint64
}

// UID is StackStorm's uid: sensor_type:<pack>:<name>.
func (s *Sensor) UID() string { return "sensor_type:" + s.Pack + ":" + s.Name }

// Trace links what one event caused: trigger instances, the rules they
// fired and the executions those (and their children) started.
type Trace struct {
	ID               string
	Tag              string
	StartTimestamp   time.Time
	TriggerInstances []TraceComponent
	Rules            []TraceComponent
	Executions       []TraceComponent
	ModifyIdx        uint64
}

// TraceComponent is one object in a trace and what caused it, as
// StackStorm writes it: CausedBy is "<type>:<id>" (e.g.
// "trigger_instance:5f..", "rule:<rule id>:<trigger instance id>").
type TraceComponent struct {
	ObjectID  string
	Ref       string
	UpdatedAt time.Time
	CausedBy  map[string]string
}

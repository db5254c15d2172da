package structs

import "time"

// Pack is a registered pack's metadata (pack.yaml) and its validated
// config. Its files travel separately, in PackContent.
type Pack struct {
	Ref         string
	Name        string
	Description string
	Version     string
	Author      string
	Email       string
	Keywords    []string
	// Path is where the registering node read the pack from.
	Path string
	// ContentHash identifies the pack's files; nodes cache them by it.
	ContentHash  string
	ConfigSchema map[string]any
	Config       map[string]any
	RegisteredAt time.Time
	ModifyIdx    uint64
}

// UID is StackStorm's uid: pack:<ref>.
func (p *Pack) UID() string { return "pack:" + p.Ref }

// PackFile is one file of a pack, replicated so that every node can run
// the pack's actions without a shared filesystem.
type PackFile struct {
	Path string // relative to the pack's directory, slash-separated
	Mode uint32 // permission bits
	Data []byte
}

// PackContent is all files of a pack at one ContentHash.
type PackContent struct {
	Pack  string
	Hash  string
	Files []PackFile
}

// Action is a registered action, StackStorm's action metadata.
type Action struct {
	ID          string
	Ref         string // pack.name
	Pack        string
	Name        string
	Description string
	Enabled     bool
	RunnerType  string
	EntryPoint  string
	// Parameters maps a name to its JSON-schema property, with StackStorm's
	// extensions (position, secret, immutable, required inside the property).
	Parameters   map[string]any
	OutputSchema map[string]any
	Notify       map[string]any
	Tags         []map[string]any
	// MetadataFile is the YAML file the action came from, relative to its pack.
	MetadataFile string
	CreatedAt    time.Time
	ModifyIdx    uint64
}

// UID is StackStorm's uid: action:<pack>:<name>.
func (a *Action) UID() string { return "action:" + a.Pack + ":" + a.Name }

// RunnerType is a runner some node can run, with its runner parameters.
type RunnerType struct {
	Name             string
	Description      string
	Enabled          bool
	RunnerParameters map[string]any
	OutputKey        string
	OutputSchema     map[string]any
	// Plugin is the binary that provides it ("" for the host's built-ins).
	Plugin string
	// Workflow marks a workflow runner type (orquesta, action-chain): the
	// leader drives its executions through the plugin's engine.
	Workflow bool
}

// UID is StackStorm's uid: runner_type:<name>.
func (r *RunnerType) UID() string { return "runner_type:" + r.Name }

// NodeRunners is what one node can run and where its API listens.
type NodeRunners struct {
	Node        string
	APIAddr     string
	RunnerTypes []RunnerType
	UpdatedAt   time.Time
	// Down is set by the leader when the node stopped answering; nothing
	// is scheduled on it until it publishes its runners again.
	Down bool
}

// Has reports whether the node provides runner type name.
func (n *NodeRunners) Has(name string) bool {
	for i := range n.RunnerTypes {
		if n.RunnerTypes[i].Name == name {
			return true
		}
	}
	return false
}

// IsWorkflow reports whether the node's runner type name is a workflow's.
func (n *NodeRunners) IsWorkflow(name string) bool {
	for i := range n.RunnerTypes {
		if n.RunnerTypes[i].Name == name {
			return n.RunnerTypes[i].Workflow
		}
	}
	return false
}

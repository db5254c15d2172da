package packs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
)

var actionNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// ActionMeta is an action's metadata file (actions/<name>.yaml), also the
// body of POST /api/v1/actions.
type ActionMeta struct {
	Name         string           `yaml:"name" json:"name"`
	Pack         string           `yaml:"pack" json:"pack"`
	Description  string           `yaml:"description" json:"description"`
	Enabled      *bool            `yaml:"enabled" json:"enabled"`
	RunnerType   string           `yaml:"runner_type" json:"runner_type"`
	EntryPoint   string           `yaml:"entry_point" json:"entry_point"`
	Parameters   map[string]any   `yaml:"parameters" json:"parameters"`
	OutputSchema map[string]any   `yaml:"output_schema" json:"output_schema"`
	Notify       map[string]any   `yaml:"notify" json:"notify"`
	Tags         []map[string]any `yaml:"tags" json:"tags"`
}

// scriptRunners need an entry point.
var scriptRunners = map[string]bool{
	"local-shell-script": true, "remote-shell-script": true, "python-script": true,
	"orquesta": true, "action-chain": true, "winrm-ps-script": true,
}

// loadActions reads every actions/*.yaml of a pack, by name.
func loadActions(dir, pack string, o Options) ([]structs.Action, error) {
	files, err := filepath.Glob(filepath.Join(dir, "actions", "*.yaml"))
	if err != nil {
		return nil, err
	}
	more, _ := filepath.Glob(filepath.Join(dir, "actions", "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	var out []structs.Action
	seen := map[string]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", file, err)
		}
		var m ActionMeta
		if err := DecodeYAML(data, &m); err != nil {
			return nil, errorf(file, "", "%v", err)
		}
		rel, _ := filepath.Rel(dir, file)
		a, err := BuildAction(m, pack, filepath.ToSlash(rel), dir, o)
		if e, ok := err.(*Error); ok && e.unknownRunner && o.SkipUnknownRunners {
			continue
		}
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[a.Name]; dup {
			return nil, errorf(file, "name", "action %q is also defined in %s", a.Name, prev)
		}
		seen[a.Name] = file
		out = append(out, a)
	}
	return out, nil
}

// BuildAction validates action metadata into an action of pack. file names
// it in errors; packDir, when set, is where its entry point must exist.
func BuildAction(m ActionMeta, pack, file, packDir string, o Options) (structs.Action, error) {
	if packDir != "" {
		file = filepath.Join(packDir, file)
	}
	a := structs.Action{
		Pack: pack, Name: m.Name, Description: m.Description, Enabled: m.Enabled == nil || *m.Enabled,
		RunnerType: m.RunnerType, EntryPoint: m.EntryPoint, Parameters: m.Parameters,
		OutputSchema: m.OutputSchema, Notify: m.Notify, Tags: m.Tags,
	}
	if packDir != "" {
		a.MetadataFile = strings.TrimPrefix(file, packDir+string(filepath.Separator))
	}
	switch {
	case m.Name == "":
		return a, errorf(file, "name", "is required")
	case !actionNameRe.MatchString(m.Name):
		return a, errorf(file, "name", "%q may hold only letters, digits, '_', '-' and '.'", m.Name)
	case m.Pack != "" && m.Pack != pack:
		return a, errorf(file, "pack", "is %q but the file is in pack %q", m.Pack, pack)
	case m.RunnerType == "":
		return a, errorf(file, "runner_type", "is required")
	}
	a.Ref = pack + "." + m.Name
	rt, ok := o.RunnerType(m.RunnerType)
	if !ok {
		return a, &Error{File: file, Field: "runner_type", Msg: fmt.Sprintf("unknown runner type %q", m.RunnerType), unknownRunner: true}
	}
	if scriptRunners[m.RunnerType] && m.EntryPoint == "" {
		return a, errorf(file, "entry_point", "is required for runner type %s", m.RunnerType)
	}
	if e := filepath.Clean(m.EntryPoint); m.EntryPoint != "" && (filepath.IsAbs(e) || e == ".." || strings.HasPrefix(e, ".."+string(filepath.Separator))) {
		return a, errorf(file, "entry_point", "%q must be a path inside the pack's actions directory", m.EntryPoint)
	}
	if m.EntryPoint != "" && packDir != "" {
		if err := checkEntryPoint(packDir, "actions", m.EntryPoint); err != nil {
			return a, errorf(file, "entry_point", "%v", err)
		}
	}
	if a.Parameters == nil {
		a.Parameters = map[string]any{}
	}
	if err := params.ValidateSpecs(a.Parameters, rt.RunnerParameters); err != nil {
		return a, errorf(file, "parameters", "%v", err)
	}
	if o.NewID != nil {
		a.ID = o.NewID()
	}
	return a, nil
}

// checkEntryPoint: relative to the pack's actions/ directory, inside the
// pack, an existing file.
func checkEntryPoint(packDir, sub, entry string) error {
	if filepath.IsAbs(entry) {
		return fmt.Errorf("%q must be relative to the pack's %s directory", entry, sub)
	}
	actions := filepath.Join(packDir, sub)
	path := filepath.Join(actions, entry)
	if rel, err := filepath.Rel(packDir, path); err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%q points outside the pack", entry)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%q does not exist in %s", entry, actions)
	}
	if st.IsDir() {
		return fmt.Errorf("%q is a directory", entry)
	}
	return nil
}

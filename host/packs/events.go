package packs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/squall-io/squall/cluster/structs"
)

// TriggerTypeMeta is a trigger type's metadata (triggers/<name>.yaml, an
// item of a sensor's trigger_types, or the body of POST /triggertypes).
type TriggerTypeMeta struct {
	Name             string           `yaml:"name" json:"name"`
	Pack             string           `yaml:"pack" json:"pack"`
	Description      string           `yaml:"description" json:"description"`
	ParametersSchema map[string]any   `yaml:"parameters_schema" json:"parameters_schema"`
	PayloadSchema    map[string]any   `yaml:"payload_schema" json:"payload_schema"`
	Tags             []map[string]any `yaml:"tags" json:"tags"`
}

// SensorMeta is a sensor's metadata file (sensors/<name>.yaml).
type SensorMeta struct {
	ClassName    string            `yaml:"class_name"`
	EntryPoint   string            `yaml:"entry_point"`
	Description  string            `yaml:"description"`
	PollInterval *int              `yaml:"poll_interval"`
	Enabled      *bool             `yaml:"enabled"`
	TriggerTypes []TriggerTypeMeta `yaml:"trigger_types"`
}

// BuildTriggerType validates trigger type metadata of pack; file names it
// in errors.
func BuildTriggerType(m TriggerTypeMeta, pack, file string) (structs.TriggerType, error) {
	if m.Pack != "" && m.Pack != pack {
		return structs.TriggerType{}, errorf(file, "pack", "%q does not match the pack %q", m.Pack, pack)
	}
	if !actionNameRe.MatchString(m.Name) {
		return structs.TriggerType{}, errorf(file, "name", "%q is not a valid trigger type name", m.Name)
	}
	for field, schema := range map[string]map[string]any{"parameters_schema": m.ParametersSchema, "payload_schema": m.PayloadSchema} {
		if t, ok := schema["type"]; ok && t != "object" {
			return structs.TriggerType{}, errorf(file, field, "must be a JSON schema of type object, not %v", t)
		}
	}
	return structs.TriggerType{
		Ref: pack + "." + m.Name, Pack: pack, Name: m.Name, Description: m.Description,
		ParametersSchema: orEmpty(m.ParametersSchema), PayloadSchema: orEmpty(m.PayloadSchema), Tags: m.Tags,
		MetadataFile: file,
	}, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// yamlFiles lists a pack directory's *.yaml and *.yml files, by name.
func yamlFiles(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	return files
}

// loadTriggerTypes reads triggers/*.yaml.
func loadTriggerTypes(dir, pack string, o Options) ([]structs.TriggerType, error) {
	var out []structs.TriggerType
	for _, file := range yamlFiles(filepath.Join(dir, "triggers")) {
		var m TriggerTypeMeta
		if err := DecodeYAMLFile(file, &m); err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, file)
		t, err := BuildTriggerType(m, pack, filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		t.ID = o.newID()
		out = append(out, t)
	}
	return out, nil
}

// loadSensors reads sensors/*.yaml with the trigger types they declare.
func loadSensors(dir, pack string, o Options) ([]structs.Sensor, []structs.TriggerType, error) {
	var sensors []structs.Sensor
	var types []structs.TriggerType
	for _, file := range yamlFiles(filepath.Join(dir, "sensors")) {
		var m SensorMeta
		if err := DecodeYAMLFile(file, &m); err != nil {
			return nil, nil, err
		}
		rel, _ := filepath.Rel(dir, file)
		rel = filepath.ToSlash(rel)
		if !actionNameRe.MatchString(m.ClassName) {
			return nil, nil, errorf(file, "class_name", "%q is not a valid class name", m.ClassName)
		}
		if m.EntryPoint == "" {
			return nil, nil, errorf(file, "entry_point", "is required")
		}
		if err := checkEntryPoint(dir, "sensors", m.EntryPoint); err != nil {
			return nil, nil, errorf(file, "entry_point", "%v", err)
		}
		x := structs.Sensor{
			ID: o.newID(), Ref: pack + "." + m.ClassName, Pack: pack, Name: m.ClassName, ClassName: m.ClassName,
			Description: m.Description, EntryPoint: m.EntryPoint, Enabled: m.Enabled == nil || *m.Enabled,
			MetadataFile: rel,
		}
		if m.PollInterval != nil {
			if *m.PollInterval < 1 {
				return nil, nil, errorf(file, "poll_interval", "must be a positive number of seconds")
			}
			x.PollInterval = *m.PollInterval
		}
		for i, tm := range m.TriggerTypes {
			t, err := BuildTriggerType(tm, pack, rel)
			if err != nil {
				return nil, nil, errorf(file, fmt.Sprintf("trigger_types[%d]", i), "%v", err)
			}
			t.ID = o.newID()
			types = append(types, t)
			x.TriggerTypes = append(x.TriggerTypes, t.Ref)
		}
		sensors = append(sensors, x)
	}
	return sensors, types, nil
}

// DecodeYAMLFile reads one YAML file into out; errors name the file.
func DecodeYAMLFile(file string, out any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", file, err)
	}
	if err := DecodeYAML(data, out); err != nil {
		return errorf(file, "", "%v", err)
	}
	return nil
}

func (o Options) newID() string {
	if o.NewID == nil {
		return ""
	}
	return o.NewID()
}

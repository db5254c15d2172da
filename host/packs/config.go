package packs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/squall-io/squall/host/params"
)

// loadConfig reads config.schema.yaml and configs/<ref>.yaml, validates
// the config against the schema and fills its defaults. A pack without a
// schema keeps its config as written.
func loadConfig(dir, ref, configsDir string) (schema, config map[string]any, err error) {
	schemaFile := filepath.Join(dir, "config.schema.yaml")
	if data, err := os.ReadFile(schemaFile); err == nil {
		if err := DecodeYAML(data, &schema); err != nil {
			return nil, nil, errorf(schemaFile, "", "%v", err)
		}
		if err := params.ValidateSpecs(schema, nil); err != nil {
			return nil, nil, errorf(schemaFile, "", "%v", err)
		}
	}
	config = map[string]any{}
	if configsDir != "" {
		configFile := filepath.Join(configsDir, ref+".yaml")
		if data, err := os.ReadFile(configFile); err == nil {
			if err := DecodeYAML(data, &config); err != nil {
				return nil, nil, errorf(configFile, "", "%v", err)
			}
			if config == nil {
				config = map[string]any{}
			}
			// Like StackStorm, a config is validated when there is one; a
			// pack without one still registers.
			if schema != nil {
				if err := params.Validate(params.WithDefaults(config, schema), schema, true); err != nil {
					return nil, nil, errorf(configFile, "", "config does not match config.schema.yaml: %v", err)
				}
			}
		} else if !os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("failed to read %s: %w", configFile, err)
		}
	}
	if schema != nil {
		config = params.WithDefaults(config, schema)
	}
	return schema, config, nil
}

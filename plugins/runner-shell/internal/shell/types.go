package shell

import "github.com/squall-io/squall/sdk/runner"

// Runner parameters shared by both runner types, as StackStorm's
// local-shell runners declare them.
func commonParameters() map[string]any {
	return map[string]any{
		"cwd": map[string]any{
			"type": "string", "description": "Working directory where the command will be executed in.",
		},
		"env": map[string]any{
			"type": "object", "description": "Environment variables which will be available to the command (e.g. key1=val1,key2=val2).",
		},
		"kwarg_op": map[string]any{
			"type": "string", "default": "--", "description": "Operator to use in front of keyword args i.e. \"--\" or \"-\".",
		},
		"sudo": map[string]any{
			"type": "boolean", "default": false, "description": "The command will be executed with sudo.",
		},
		"sudo_password": map[string]any{
			"type": "string", "secret": true, "required": false, "default": nil,
			"description": "Sudo password. To be used when passwordless sudo is not allowed.",
		},
		"timeout": map[string]any{
			"type": "integer", "default": 60, "description": "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.",
		},
	}
}

// outputSchema is the result every local-shell run returns.
var outputSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"succeeded":   map[string]any{"type": "boolean"},
		"failed":      map[string]any{"type": "boolean"},
		"return_code": map[string]any{"type": "integer"},
		"stdout":      map[string]any{"type": "string"},
		"stderr":      map[string]any{"type": "string"},
	},
}

func runnerTypes() []runner.RunnerType {
	cmd := commonParameters()
	cmd["cmd"] = map[string]any{"type": "string", "description": "Arbitrary Linux command to be executed on the local host."}
	return []runner.RunnerType{
		{
			Name: TypeCmd, Description: "A runner to execute local actions as a fixed user.",
			Parameters: cmd, OutputKey: "stdout", OutputSchema: outputSchema,
		},
		{
			Name: TypeScript, Description: "A runner to execute local actions as a fixed user.",
			Parameters: commonParameters(), OutputKey: "stdout", OutputSchema: outputSchema,
		},
	}
}

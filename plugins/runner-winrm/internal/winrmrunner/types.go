package winrmrunner

import "github.com/squall-io/squall/sdk/runner"

// Runner type names, StackStorm's.
const (
	TypeCmd      = "winrm-cmd"
	TypePSCmd    = "winrm-ps-cmd"
	TypePSScript = "winrm-ps-script"
)

// commonParameters are the runner parameters of all three types, as
// StackStorm's winrm runner.yaml declares them, except that transport
// offers only what this runner implements.
func commonParameters() map[string]any {
	return map[string]any{
		"host":     map[string]any{"type": "string", "required": true, "description": "A host where the command will be run."},
		"username": map[string]any{"type": "string", "required": true, "description": "Username used to log in."},
		"password": map[string]any{"type": "string", "required": true, "secret": true, "description": "Password used to log in."},
		"port": map[string]any{"type": "integer", "default": defaultPort,
			"description": `WinRM port to connect on. Port 5985 (WinRM's HTTP listener) forces scheme "http".`},
		"scheme": map[string]any{"type": "string", "default": "https", "enum": []any{"https", "http"},
			"description": `Scheme to use in the WinRM URL. If using scheme "http" port must be 5985.`},
		"transport": map[string]any{"type": "string", "default": "ntlm", "enum": []any{"ntlm", "basic"},
			"description": "Authentication WinRM will use: ntlm (NTLMv2, the default) or basic. Kerberos, CredSSP and certificate " +
				"authentication are not supported. NTLM without TLS needs the host to allow unencrypted WinRM, as does basic."},
		"verify_ssl_cert": map[string]any{"type": "boolean", "default": true,
			"description": "Verify the host's HTTPS certificate against the system's CA bundle. Set to false to skip verification."},
		"timeout": map[string]any{"type": "integer", "default": defaultTimeout,
			"description": "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds."},
		"env": map[string]any{"type": "object",
			"description": "Environment variables which will be available to the command (e.g. key1=val1,key2=val2)."},
		"cwd": map[string]any{"type": "string", "description": "Working directory where the command will be executed in."},
		"kwarg_op": map[string]any{"type": "string", "default": defaultKwargOp,
			"description": `Operator to use in front of keyword args i.e. "-" or "/".`},
	}
}

// outputSchema is StackStorm's, except that stdout and stderr may be any
// JSON value: like st2 the runner parses output that is JSON, and st2's
// own schema (object, string, "list", number) rejects a printed true.
var outputSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"succeeded":   map[string]any{"type": "boolean"},
		"failed":      map[string]any{"type": "boolean"},
		"return_code": map[string]any{"type": "integer"},
		"stdout":      map[string]any{},
		"stderr":      map[string]any{},
	},
}

func runnerTypes() []runner.RunnerType {
	withCmd := func(desc string) map[string]any {
		p := commonParameters()
		p["cmd"] = map[string]any{"type": "string", "description": desc}
		return p
	}
	return []runner.RunnerType{
		{Name: TypeCmd, Description: "A remote execution runner that executes a Command Prompt command via WinRM on a remote host.",
			Parameters: withCmd("Arbitrary Command Prompt command to be executed on the remote host."),
			OutputKey:  "stdout", OutputSchema: outputSchema},
		{Name: TypePSCmd, Description: "A remote execution runner that executes PowerShell commands via WinRM on a remote host.",
			Parameters: withCmd("Arbitrary PowerShell command to be executed on the remote host."),
			OutputKey:  "stdout", OutputSchema: outputSchema},
		{Name: TypePSScript, Description: "A remote execution runner that executes a PowerShell script via WinRM on a remote host.",
			Parameters: commonParameters(), OutputKey: "stdout", OutputSchema: outputSchema},
	}
}

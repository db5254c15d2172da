package dispatcher

import (
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/events"
	"github.com/squall-io/squall/sdk/runner"
)

// Built-in runner types: they need no process, so the host runs them.
const (
	RunnerNoop         = "noop"
	RunnerAnnouncement = "announcement"
	RunnerInquirer     = "inquirer"
)

type builtin func(d *Dispatcher, e *structs.Execution, req *runner.Request) (runner.Status, any)

var builtins = map[string]builtin{
	RunnerNoop:         runNoop,
	RunnerAnnouncement: runAnnouncement,
	RunnerInquirer:     runInquirer,
}

func isBuiltin(name string) bool { _, ok := builtins[name]; return ok }

// BuiltinRunnerTypes are the runner types every node provides.
func BuiltinRunnerTypes() []structs.RunnerType {
	return []structs.RunnerType{
		{
			Name: RunnerNoop, Description: "A runner which does nothing.", Enabled: true,
			RunnerParameters: map[string]any{},
		},
		{
			Name: RunnerInquirer, Description: "A runner that asks a human: the execution waits, pending, for a response.", Enabled: true,
			RunnerParameters: map[string]any{
				"schema": map[string]any{"type": "object", "description": "JSON schema the response must satisfy.", "default": map[string]any{
					"type": "object", "properties": map[string]any{"continue": map[string]any{
						"type": "boolean", "description": "Would you like to continue the workflow?", "required": true}}}},
				"roles": map[string]any{"type": "array", "description": "Roles allowed to respond (admins always may).", "default": []any{}},
				"users": map[string]any{"type": "array", "description": "Users allowed to respond (admins always may).", "default": []any{}},
				"route": map[string]any{"type": "string", "description": "An arbitrary value for routing the inquiry to a notifier.", "default": ""},
				"ttl":   map[string]any{"type": "integer", "description": "Minutes until the inquiry times out (0: never).", "default": 1440},
			},
		},
		{
			Name: RunnerAnnouncement, Description: "A runner for emitting an announcement event on the stream.", Enabled: true,
			RunnerParameters: map[string]any{
				"experimental": map[string]any{"type": "boolean", "default": false, "description": "Flag to indicate acknowledgment of using experimental runner."},
				"route":        map[string]any{"type": "string", "default": "general", "description": "The routing key used to route the message to consumers (st2.announcement__<route>)."},
			},
		},
	}
}

// runNoop succeeds at once with the result StackStorm's noop runner gives.
func runNoop(*Dispatcher, *structs.Execution, *runner.Request) (runner.Status, any) {
	return runner.StatusSucceeded, map[string]any{
		"failed": false, "succeeded": true, "return_code": 0, "stdout": "", "stderr": "",
	}
}

// runAnnouncement publishes the action's parameters as
// st2.announcement__<route> on the stream and returns them.
func runAnnouncement(d *Dispatcher, _ *structs.Execution, req *runner.Request) (runner.Status, any) {
	if req.RunnerParameters["experimental"] != true {
		return runner.StatusFailed, map[string]any{"error": "the announcement runner is experimental: set experimental to true"}
	}
	route, _ := req.RunnerParameters["route"].(string)
	if route == "" {
		route = "general"
	}
	d.cfg.Bus.Publish(events.Event{Name: "st2.announcement__" + route, Data: req.Parameters})
	return runner.StatusSucceeded, req.Parameters
}

// StatusPending is where an inquiry waits: not a runner status, since no
// runner ends there; the execution stays pending until a response.
const StatusPending runner.Status = "pending"

// runInquirer leaves the execution pending with what a responder needs
// (StackStorm's inquirer result: schema, roles, users, route, ttl).
func runInquirer(_ *Dispatcher, _ *structs.Execution, req *runner.Request) (runner.Status, any) {
	result := map[string]any{}
	for _, k := range []string{"schema", "roles", "users", "route", "ttl"} {
		result[k] = req.RunnerParameters[k]
	}
	return StatusPending, result
}

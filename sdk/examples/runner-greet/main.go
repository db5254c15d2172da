// Command squall-runner-greet is an example third-party runner plugin: it
// imports nothing but squall's sdk. Build it, drop the binary in the node's
// plugin directory, and the "greet" runner type appears in `st2 runner list`.
package main

import (
	"context"
	"fmt"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/runner"
)

type greeter struct{}

func (greeter) Info() runner.Info {
	return runner.Info{Name: "runner-greet", Version: "0.1.0", RunnerTypes: []runner.RunnerType{{
		Name: "greet", Description: "Greets someone, with a greeting from the datastore.",
		Parameters: map[string]any{"name": map[string]any{"type": "string", "required": true}},
	}}}
}

func (greeter) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	greeting := "Hello"
	if kv, err := req.Host.Get(ctx, hostservice.GetRequest{Name: "greeting"}); err == nil {
		greeting = kv.Value
	}
	msg := fmt.Sprintf("%s, %v!", greeting, req.RunnerParameters["name"])
	fmt.Fprintln(out.Stdout(), msg)
	return runner.Result{Status: runner.StatusSucceeded, Value: map[string]any{"greeting": msg}}, nil
}

func main() { runner.Serve(greeter{}) }

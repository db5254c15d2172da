// Command testplugin is a runner plugin whose behaviour the pluginmgr
// tests choose per run: echo, sleep until cancelled, exit the process, or
// read a key through the host service.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/runner"
)

type testRunner struct{}

func (testRunner) Info() runner.Info {
	return runner.Info{Name: "testplugin", Version: "0.0.1", RunnerTypes: []runner.RunnerType{{
		Name: "test-runner", Description: "for tests",
		Parameters: map[string]any{"mode": map[string]any{"type": "string"}},
	}}}
}

func (testRunner) Run(ctx context.Context, req *runner.Request, out runner.Output) (runner.Result, error) {
	mode, _ := req.Parameters["mode"].(string)
	switch mode {
	case "echo":
		fmt.Fprintf(out.Stdout(), "hello %s\n", req.ExecutionID)
		return runner.Result{Status: runner.StatusSucceeded, Value: map[string]any{"pid": os.Getpid()}}, nil
	case "sleep":
		fmt.Fprintln(out.Stdout(), "sleeping")
		select {
		case <-ctx.Done():
			return runner.Result{Status: runner.StatusCanceled}, nil
		case <-time.After(time.Minute):
			return runner.Result{Status: runner.StatusSucceeded}, nil
		}
	case "exit":
		fmt.Fprintln(out.Stdout(), "exiting")
		time.Sleep(50 * time.Millisecond)
		os.Exit(3)
	case "kv":
		kv, err := req.Host.Get(ctx, hostservice.GetRequest{Name: "greeting"})
		if err != nil {
			return runner.Result{}, err
		}
		return runner.Result{Status: runner.StatusSucceeded, Value: kv.Value}, nil
	}
	return runner.Result{}, fmt.Errorf("unknown mode %q", mode)
}

func main() { runner.Serve(testRunner{}) }

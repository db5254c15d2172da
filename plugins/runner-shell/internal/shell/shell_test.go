package shell

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/runnertest"
)

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

func TestShellThroughGRPC(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	info := h.Info(t)
	if len(info.RunnerTypes) != 2 || info.RunnerTypes[0].Name != TypeCmd {
		t.Fatalf("info: %+v", info)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "args.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	noexec := filepath.Join(dir, "noexec.sh")
	_ = os.WriteFile(noexec, []byte("#!/bin/sh\necho hi\n"), 0o644)

	tests := []struct {
		name       string
		req        runner.Request
		status     runner.Status
		stdout     string // the result's stdout
		streamed   string // what was streamed, if checked
		resultHas  string
		returnCode int
	}{
		{name: "cmd", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{"cmd": "echo hello"}},
			status: runner.StatusSucceeded, stdout: "hello", streamed: "hello\n"},
		{name: "exit code", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{"cmd": "echo oops >&2; exit 3"}},
			status: runner.StatusFailed, returnCode: 3, resultHas: `"stderr":"oops"`},
		{name: "env and cwd", req: runner.Request{RunnerType: TypeCmd, Env: map[string]string{"ST2_ACTION_EXECUTION_ID": "e1"},
			RunnerParameters: map[string]any{"cmd": "echo $FOO $ST2_ACTION_EXECUTION_ID $(pwd)", "cwd": dir, "env": map[string]any{"FOO": "bar"}}},
			status: runner.StatusSucceeded, stdout: "bar e1 " + dir},
		{name: "timeout kills the group", req: runner.Request{RunnerType: TypeCmd,
			RunnerParameters: map[string]any{"cmd": "sleep 30 & sleep 30; echo never", "timeout": num(1)}},
			status: runner.StatusTimeout, returnCode: -9, resultHas: "Action failed to complete in 1 seconds"},
		{name: "script args", req: runner.Request{RunnerType: TypeScript,
			Action:     runner.Action{EntryPoint: script, ParameterSpecs: map[string]any{"a": map[string]any{"type": "string", "position": num(0)}, "b": map[string]any{"type": "string"}}},
			Parameters: map[string]any{"a": "x y", "b": "it's"}},
			status: runner.StatusSucceeded, stdout: "[--b=it's]\n[x y]"},
		{name: "script not executable", req: runner.Request{RunnerType: TypeScript, Action: runner.Action{EntryPoint: noexec}},
			status: runner.StatusFailed, resultHas: "is not executable"},
		{name: "missing cmd", req: runner.Request{RunnerType: TypeCmd},
			status: runner.StatusFailed, resultHas: `\"cmd\" is required`},
		{name: "output capped", req: runner.Request{RunnerType: TypeCmd,
			RunnerParameters: map[string]any{"cmd": "head -c 3000000 /dev/zero | tr '\\\\0' a"}},
			status: runner.StatusSucceeded, resultHas: "output truncated: 1951424 more bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			o := h.Run(ctx, &tc.req)
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			if o.Result.Status != tc.status {
				t.Fatalf("status %s, want %s: %v", o.Result.Status, tc.status, o.Result.Value)
			}
			res, _ := json.Marshal(o.Result.Value)
			m, _ := o.Result.Value.(map[string]any)
			if tc.stdout != "" && m["stdout"] != tc.stdout {
				t.Fatalf("stdout %q, want %q", m["stdout"], tc.stdout)
			}
			if tc.streamed != "" && o.Stdout != tc.streamed {
				t.Fatalf("streamed %q, want %q", o.Stdout, tc.streamed)
			}
			if tc.resultHas != "" && !strings.Contains(string(res), tc.resultHas) {
				t.Fatalf("result %s lacks %s", res, tc.resultHas)
			}
			if tc.returnCode != 0 && m["return_code"] != num(tc.returnCode) {
				t.Fatalf("return code %v, want %d", m["return_code"], tc.returnCode)
			}
			if tc.status == runner.StatusTimeout && time.Since(start) > 10*time.Second {
				t.Fatal("timeout did not kill the background sleep")
			}
		})
	}
}

func TestCancel(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runnertest.Outcome, 1)
	go func() {
		done <- h.Run(ctx, &runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{"cmd": "echo started; sleep 30"}})
	}()
	cancel() // before or after the command starts, the run must end at once
	select {
	case o := <-done:
		if o.Err == nil {
			t.Fatalf("a cancelled run must end with the context's error, got %+v", o.Result)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not stop the command")
	}
}

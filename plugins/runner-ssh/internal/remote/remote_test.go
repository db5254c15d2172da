package remote

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/runnertest"
)

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

func TestRemoteThroughGRPC(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	if info := h.Info(t); len(info.RunnerTypes) != 2 || info.RunnerTypes[0].Name != TypeCmd {
		t.Fatalf("info: %+v", info)
	}

	plainPub, plainKey := clientKey(t, "")
	encPub, encKey := clientKey(t, "open sesame")
	_, strangerKey := clientKey(t, "")
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, []byte(plainKey), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startServer(t, serverOptions{password: "s3cret", env: []string{"SERVER_NAME=a"}})
	b := startServer(t, serverOptions{password: "s3cret", env: []string{"SERVER_NAME=b"}})
	keyed := startServer(t, serverOptions{authorized: []ssh.PublicKey{plainPub, encPub}})
	bastion := startServer(t, serverOptions{password: "s3cret", forwarding: true})
	knownHostsFile(t, a, b, keyed, bastion)
	down := downAddr(t)
	otherKnownHosts := func(t *testing.T) { knownHostsFile(t, b) } // lacks a

	work := t.TempDir()
	uploads := t.TempDir()
	script := filepath.Join(work, "args.sh")
	_ = os.MkdirAll(filepath.Join(work, "lib"), 0o755)
	_ = os.WriteFile(filepath.Join(work, "lib", "helper.sh"), []byte("helper() { echo helper; }\n"), 0o644)
	_ = os.WriteFile(script, []byte("#!/bin/sh\n. \"$(dirname \"$0\")/lib/helper.sh\"\nfor a in \"$@\"; do echo \"[$a]\"; done\nhelper\n"), 0o755)

	pw := func(hosts, cmd string) map[string]any {
		return map[string]any{"hosts": hosts, "username": "tester", "password": "s3cret", "cmd": cmd}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	key := func(privateKey string, kv ...any) map[string]any {
		return with(map[string]any{"hosts": keyed.addr, "username": "tester", "private_key": privateKey, "cmd": "echo in"}, kv...)
	}
	// hostIs checks fields of one host's entry (error: a substring).
	type hostIs map[string]any

	tests := []struct {
		name     string
		setup    func(t *testing.T)
		req      runner.Request
		status   runner.Status
		hosts    map[string]hostIs
		streamed string // the streamed stdout, when checked
		has      string // in the JSON result
	}{
		{name: "password auth", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr, "echo hello")},
			status: runner.StatusSucceeded, streamed: "hello\n",
			hosts: map[string]hostIs{a.addr: {"stdout": "hello", "stderr": "", "return_code": num(0), "succeeded": true, "failed": false}}},
		{name: "key file", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(keyFile)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{keyed.addr: {"stdout": "in"}}},
		{name: "key material", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(plainKey)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{keyed.addr: {"stdout": "in"}}},
		{name: "encrypted key", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(encKey, "passphrase", "open sesame")},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{keyed.addr: {"stdout": "in"}}},
		{name: "encrypted key without passphrase", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(encKey)},
			status: runner.StatusFailed, has: "is encrypted: set the passphrase runner parameter"},
		{name: "wrong passphrase", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(encKey, "passphrase", "nope")},
			status: runner.StatusFailed, has: "cannot decrypt it with the passphrase given"},
		{name: "wrong key refused", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: key(strangerKey)},
			status: runner.StatusFailed, hosts: map[string]hostIs{keyed.addr: {"failed": true, "return_code": num(255),
				"error": "host " + keyed.addr + " could not be connected to: authentication as user \"tester\" failed"}}},
		{name: "two hosts in parallel",
			// Each waits for the other to have started: run one after the other, they would time out.
			req: runner.Request{RunnerType: TypeCmd, RunnerParameters: with(pw(a.addr+", "+b.addr,
				"touch "+work+"/$SERVER_NAME; until [ -e "+work+"/a ] && [ -e "+work+"/b ]; do sleep 0.01; done; echo $SERVER_NAME"),
				"timeout", num(10))},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "a"}, b.addr: {"stdout": "b"}}},
		{name: "one host after the other", req: runner.Request{RunnerType: TypeCmd,
			RunnerParameters: with(pw(a.addr+","+b.addr, "echo $SERVER_NAME"), "parallel", false)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "a"}, b.addr: {"stdout": "b"}}},
		{name: "missing script", req: runner.Request{RunnerType: TypeScript,
			RunnerParameters: pw(a.addr, ""), Action: runner.Action{EntryPoint: filepath.Join(work, "none.sh")}},
			status: runner.StatusFailed, has: "none.sh is not a readable file"},
		{name: "one host down", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr+","+down, "echo up")},
			status: runner.StatusFailed, hosts: map[string]hostIs{a.addr: {"stdout": "up", "succeeded": true},
				down: {"failed": true, "succeeded": false, "return_code": num(255), "error": "host " + down + " could not be connected to: dial tcp"}}},
		{name: "non-zero exit", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr, "echo oops >&2; exit 3")},
			status: runner.StatusFailed, hosts: map[string]hostIs{a.addr: {"stderr": "oops", "return_code": num(3), "failed": true}}},
		{name: "timeout", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: with(pw(a.addr, "echo started; sleep 30"), "timeout", num(1))},
			status: runner.StatusTimeout, hosts: map[string]hostIs{a.addr: {"stdout": "started", "return_code": num(-9), "timeout": true,
				"error": "host " + a.addr + " did not finish: the action did not complete in 1 seconds"}}},
		{name: "script with arguments", req: runner.Request{RunnerType: TypeScript, ExecutionID: "exec1",
			RunnerParameters: map[string]any{"hosts": a.addr, "username": "tester", "password": "s3cret", "dir": uploads},
			Action: runner.Action{EntryPoint: script, ParameterSpecs: map[string]any{
				"a": map[string]any{"type": "string", "position": num(0)}, "b": map[string]any{"type": "string"}}},
			Parameters: map[string]any{"a": "x y", "b": "it's"}},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "[--b=it's]\n[x y]\nhelper"}}},
		{name: "env and cwd", req: runner.Request{RunnerType: TypeCmd, Env: map[string]string{"ST2_ACTION_EXECUTION_ID": "e1"},
			RunnerParameters: with(pw(a.addr, "echo $FOO $ST2_ACTION_EXECUTION_ID $(pwd)"), "cwd", work, "env", map[string]any{"FOO": "b a r"})},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "b a r e1 " + work}}},
		{name: "sudo with a password", req: runner.Request{RunnerType: TypeCmd,
			RunnerParameters: with(pw(a.addr, "echo ran as $FOO"), "sudo", true, "sudo_password", "root pw", "env", map[string]any{"FOO": "me"})},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "password=root pw\nsudo -S -p  -E\nran as me"}}},
		{name: "json output", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr, `echo '{"k": [1]}'`)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": map[string]any{"k": []any{num(1)}}}}},
		{name: "through a bastion", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: with(pw(a.addr, "echo hopped"), "bastion_host", bastion.addr)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "hopped"}}},
		{name: "unknown host refused", setup: otherKnownHosts, req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr, "echo hi")},
			status: runner.StatusFailed, hosts: map[string]hostIs{a.addr: {"error": "host key verification failed: " + a.addr + " is not in "}}},
		{name: "known-hosts check off", setup: otherKnownHosts,
			req:    runner.Request{RunnerType: TypeCmd, RunnerParameters: with(pw(a.addr, "echo hi"), "known_hosts_check", false)},
			status: runner.StatusSucceeded, hosts: map[string]hostIs{a.addr: {"stdout": "hi"}}},
		{name: "no known_hosts file", setup: func(t *testing.T) { t.Setenv(KnownHostsEnv, filepath.Join(t.TempDir(), "none")) },
			req:    runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(a.addr, "echo hi")},
			status: runner.StatusFailed, has: "known-hosts checking is on, but"},
		{name: "hosts required", req: runner.Request{RunnerType: TypeCmd, RunnerParameters: pw(" , ", "echo hi")},
			status: runner.StatusFailed, has: `\"hosts\" is required`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			o := h.Run(ctx, &tc.req)
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			res, _ := json.Marshal(o.Result.Value)
			if o.Result.Status != tc.status {
				t.Fatalf("status %s, want %s: %s", o.Result.Status, tc.status, res)
			}
			if tc.has != "" && !strings.Contains(string(res), tc.has) {
				t.Fatalf("result %s lacks %s", res, tc.has)
			}
			if tc.streamed != "" && o.Stdout != tc.streamed {
				t.Fatalf("streamed %q, want %q", o.Stdout, tc.streamed)
			}
			m, _ := o.Result.Value.(map[string]any)
			if tc.hosts != nil && len(m) != len(tc.hosts) {
				t.Fatalf("result has %d hosts, want %d: %s", len(m), len(tc.hosts), res)
			}
			for host, want := range tc.hosts {
				got, _ := m[host].(map[string]any)
				for k, v := range want {
					g, _ := json.Marshal(got[k])
					w, _ := json.Marshal(v)
					if s, ok := v.(string); ok && k == "error" {
						if !strings.Contains(got[k].(string), s) {
							t.Fatalf("%s error %q lacks %q", host, got[k], s)
						}
					} else if string(g) != string(w) {
						t.Fatalf("%s %s = %s, want %s (result %s)", host, k, g, w, res)
					}
				}
			}
			if tc.status == runner.StatusTimeout && time.Since(start) > 10*time.Second {
				t.Fatal("the timeout did not stop the remote command")
			}
		})
	}
	if left, _ := os.ReadDir(uploads); len(left) != 0 {
		t.Fatalf("the uploaded script was not removed: %v", left)
	}
}

func TestCancel(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	a := startServer(t, serverOptions{password: "s3cret"})
	knownHostsFile(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runnertest.Outcome, 1)
	go func() {
		done <- h.Run(ctx, &runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{
			"hosts": a.addr, "username": "tester", "password": "s3cret", "cmd": "echo started; sleep 30"}})
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

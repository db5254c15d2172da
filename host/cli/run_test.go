package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	actionJSON = `{"ref": "mypack.act", "runner_type": "local-shell-cmd", "parameters": {
		"count": {"type": "integer"}, "tags": {"type": "array"}, "flag": {"type": "boolean"},
		"password": {"type": "string", "secret": true}}}`
	runnerJSON = `{"name": "local-shell-cmd", "runner_parameters": {"cmd": {"type": "string"}, "timeout": {"type": "integer"}}}`
	execDone   = `{"id": "e1", "status": "succeeded", "action": {"ref": "mypack.act"}, "context": {"user": "u"},
		"parameters": {}, "result": {"stdout": "hi", "succeeded": true}, "start_timestamp": "2026-11-22T10:00:00.000000Z",
		"end_timestamp": "2026-11-22T10:00:01.000000Z", "elapsed_seconds": 1.0}`
)

func TestRun(t *testing.T) {
	replies := map[string]reply{
		"GET /api/v1/actions/mypack.act":          {200, actionJSON},
		"GET /api/v1/runnertypes/local-shell-cmd": {200, runnerJSON},
		"POST /api/v1/executions":                 {201, `{"id": "e1", "status": "scheduled"}`},
		"GET /api/v1/executions/e1":               {200, execDone},
	}
	env := func(url string) map[string]string {
		return map[string]string{"ST2_BASE_URL": url, "ST2_AUTH_TOKEN": "tok"}
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		params string // the parameters sent, as JSON
		out    string
	}{
		{"typed key=value", []string{"run", "mypack.act", "count=3", "tags=a,b", "flag=yes"}, 0,
			`{"count":3,"flag":true,"tags":["a","b"]}`, "stdout: hi"},
		{"bare words are cmd", []string{"run", "mypack.act", "--", "ls", "-al"}, 0, `{"cmd":"ls -al"}`, "status: succeeded (1s elapsed)"},
		{"-k one key", []string{"run", "mypack.act", "-k", "stdout"}, 0, `{}`, "hi\n"},
		{"async", []string{"run", "-a", "mypack.act"}, 0, `{}`, "st2 execution get e1"},
		{"mistyped", []string{"run", "mypack.act", "count=many"}, 2, "", ""},
		{"unknown parameter", []string{"run", "mypack.act", "nope=1"}, 2, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, replies)
			r := st2(t, t.TempDir(), env(f.srv.URL), tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.code != 0 {
				return
			}
			var sent struct{ Parameters json.RawMessage }
			for _, req := range f.requests() {
				if req.Method == "POST" {
					_ = json.Unmarshal([]byte(req.Body), &sent)
				}
			}
			if string(sent.Parameters) != tc.params {
				t.Fatalf("sent %s, want %s", sent.Parameters, tc.params)
			}
			if !strings.Contains(r.stdout, tc.out) {
				t.Fatalf("stdout %q lacks %q", r.stdout, tc.out)
			}
		})
	}
	// --debug never shows a secret parameter.
	f := newFake(t, replies)
	r := st2(t, t.TempDir(), env(f.srv.URL), "--debug", "run", "mypack.act", "password=hunter2")
	if r.code != 0 || strings.Contains(r.stderr, "hunter2") || !strings.Contains(r.stderr, `"password":"********"`) {
		t.Fatalf("debug output: %s", r.stderr)
	}
}

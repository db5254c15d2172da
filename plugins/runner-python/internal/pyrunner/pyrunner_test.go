package pyrunner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/runnertest"
)

// actions are the test pack's Python actions, by file name.
var actions = map[string]string{
	"ok.py": `
from st2common.runners.base_action import Action

class Greet(Action):
    def run(self, name, count=1):
        print("hello %s" % name)
        self.logger.info("logged")
        return {"greeting": "hi " + name, "count": count, "region": self.config.get("region")}
`,
	"refuse.py": `
from st2common.runners.base_action import Action

class Refuse(Action):
    def run(self):
        return (False, "not today")
`,
	"boom.py": `
from st2common.runners.base_action import Action

class Boom(Action):
    def run(self):
        raise ValueError("it broke")
`,
	"syntax.py":  "from st2common.runners.base_action import Action\nclass Bad(Action)\n    pass\n",
	"noclass.py": "def run():\n    return 1\n",
	"slow.py": `
import time
from st2common.runners.base_action import Action

class Slow(Action):
    def run(self):
        time.sleep(30)
`,
	"kv.py": `
from st2common.runners.base_action import Action
from st2common.constants.keyvalue import SYSTEM_SCOPE

class KV(Action):
    def run(self):
        s = self.action_service
        s.set_value("count", 1)
        s.set_value("shared", "global", local=False, scope=SYSTEM_SCOPE)
        before = s.get_value("count")
        names = sorted(kv.name for kv in s.list_values())
        missing = s.get_value("nope")
        deleted = s.delete_value("count")
        return {"before": before, "names": names, "missing": missing, "deleted": deleted,
                "after": s.get_value("count"), "shared": s.get_value("shared", local=False)}
`,
	"where.py": `
import os
from st2common.runners.base_action import Action

class Where(Action):
    def run(self):
        return {"ppid": os.getppid(), "cwd": os.getcwd(), "exec": os.environ.get("ST2_ACTION_EXECUTION_ID"), "foo": os.environ.get("FOO")}
`,
	"venv.py": `
import sys
from st2common.runners.base_action import Action

class Where(Action):
    def run(self):
        return sys.prefix
`,
}

func writePack(t *testing.T, withRequirements bool) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "actions"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range actions {
		if err := os.WriteFile(filepath.Join(dir, "actions", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if withRequirements {
		if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("# nothing to install\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPythonActions(t *testing.T) {
	t.Setenv("SQUALL_PYTHON_VIRTUALENVS", t.TempDir())
	pack := writePack(t, false)
	host := hostservicetest.NewMemoryHost()
	h := runnertest.New(t, New(), host)
	tests := []struct {
		name    string
		file    string
		params  map[string]any
		timeout int
		status  runner.Status
		want    []string // substrings of the JSON result
	}{
		{"result, stdout, logger, config", "ok.py", map[string]any{"name": "ops", "count": json.Number("2")}, 0, runner.StatusSucceeded,
			[]string{`"result":{"count":2,"greeting":"hi ops","region":"eu"}`, `"stdout":"hello ops\n"`, `INFO [-] logged`, `"exit_code":0`}},
		{"(False, value) fails", "refuse.py", nil, 0, runner.StatusFailed, []string{`"result":"not today"`}},
		{"exception fails with the traceback", "boom.py", nil, 0, runner.StatusFailed,
			[]string{`Traceback (most recent call last)`, `"error":"ValueError: it broke"`, `"exit_code":1`}},
		{"syntax error", "syntax.py", nil, 0, runner.StatusFailed, []string{"SyntaxError"}},
		{"no Action subclass", "noclass.py", nil, 0, runner.StatusFailed, []string{"defines no subclass of st2common.runners.base_action.Action"}},
		{"timeout kills the interpreter", "slow.py", nil, 1, runner.StatusTimeout, []string{"Action failed to complete in 1 seconds", `"exit_code":-9`}},
		{"datastore through the host", "kv.py", nil, 0, runner.StatusSucceeded, []string{
			`"before":"1"`, `"deleted":true`, `"after":null`, `"missing":null`, `"shared":"global"`,
			`"names":["mypack.KV:count"]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := map[string]any{}
			if tc.timeout > 0 {
				rp["timeout"] = json.Number(itoa(tc.timeout))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			o := h.Run(ctx, &runner.Request{
				RunnerType: TypeName, RunnerParameters: rp, Parameters: tc.params, Config: map[string]any{"region": "eu"},
				Action: runner.Action{Pack: "mypack", PackPath: pack, EntryPoint: filepath.Join(pack, "actions", tc.file)},
			})
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			b, _ := json.Marshal(o.Result.Value)
			if o.Result.Status != tc.status {
				t.Fatalf("status %s, want %s: %s", o.Result.Status, tc.status, b)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Fatalf("result %s lacks %s", b, w)
				}
			}
		})
	}
	if kv, err := host.Get(context.Background(), "", hostservice.GetRequest{Name: "shared"}); err != nil || kv.Value != "global" {
		t.Fatalf("the host did not get the write: %+v %v", kv, err)
	}
}

// TestForkServer: runs are forked from a warm interpreter, yet each gets
// its own environment and directory.
func TestForkServer(t *testing.T) {
	pack := writePack(t, false)
	h := runnertest.New(t, New(), nil)
	for _, id := range []string{"e1", "e2"} {
		o := h.Run(context.Background(), &runner.Request{
			RunnerType: TypeName, Env: map[string]string{"ST2_ACTION_EXECUTION_ID": id},
			RunnerParameters: map[string]any{"env": map[string]any{"FOO": "bar-" + id}},
			Action:           runner.Action{Pack: "mypack", PackPath: pack, EntryPoint: filepath.Join(pack, "actions", "where.py")},
		})
		res, _ := o.Result.Value.(map[string]any)["result"].(map[string]any)
		if o.Result.Status != runner.StatusSucceeded || res["exec"] != id || res["foo"] != "bar-"+id || res["cwd"] != filepath.Join(pack, "actions") {
			t.Fatalf("run %s: %+v", id, o.Result)
		}
		if os.Getenv("SQUALL_PYTHON_NO_FORKSERVER") == "" && res["ppid"] == json.Number(itoa(os.Getpid())) {
			t.Fatalf("run %s was not forked by the fork server", id)
		}
	}
}

func TestPackVirtualenv(t *testing.T) {
	t.Setenv("SQUALL_PYTHON_VIRTUALENVS", t.TempDir())
	pack := writePack(t, true)
	h := runnertest.New(t, New(), nil)
	o := h.Run(context.Background(), &runner.Request{
		RunnerType: TypeName, Action: runner.Action{Pack: "mypack", PackPath: pack, EntryPoint: filepath.Join(pack, "actions", "venv.py")},
	})
	prefix, _ := o.Result.Value.(map[string]any)["result"].(string)
	if o.Result.Status != runner.StatusSucceeded || !strings.Contains(prefix, "/mypack-") {
		t.Fatalf("the action did not run in the pack's virtualenv: %+v", o.Result)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

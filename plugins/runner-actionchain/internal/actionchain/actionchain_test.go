package actionchain

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/workflow"
)

type outcome struct {
	status string
	result any
}

func ok(result any) outcome   { return outcome{workflow.StatusSucceeded, result} }
func fail(result any) outcome { return outcome{workflow.StatusFailed, result} }

const linear = `
vars:
  greeting: "hello {{ who }}"
  limit: 3
chain:
  - name: c1
    ref: core.local
    params:
      cmd: "echo {{ greeting }}"
      count: "{{ limit }}"
      nested: {list: ["{{ who }}", 2], flag: true}
    on-success: c2
    publish:
      out: "{{ c1.stdout }}"
      code: "{{ __results.c1.return_code }}"
  - name: c2
    ref: core.local
    params:
      cmd: "echo {{ out }} {{ c1.stdout }} {{ code + 1 }}"
      who: "{{ who }}"
    on-success: c3
  - name: c3
    ref: core.noop
`

// TestChainFlows drives chains task by task and checks which tasks ran,
// how the chain ended, and what the tasks were given.
func TestChainFlows(t *testing.T) {
	cases := []struct {
		name         string
		def          string
		params       map[string]any
		runnerParams map[string]any
		outcomes     []outcome
		wantNames    []string
		wantStatus   string
		check        func(t *testing.T, d *driver)
	}{{
		name:   "linear chain with vars, publish and earlier results",
		def:    linear,
		params: map[string]any{"who": "world"},
		outcomes: []outcome{
			ok(map[string]any{"stdout": "hi", "return_code": 0}),
			ok(map[string]any{"stdout": "done"}),
			ok(nil),
		},
		wantNames:  []string{"c1", "c2", "c3"},
		wantStatus: workflow.StatusSucceeded,
		check: func(t *testing.T, d *driver) {
			p1 := d.started[0].Parameters
			if p1["cmd"] != "echo hello world" || str(p1["count"]) != "3" ||
				str(p1["nested"]) != `{"flag":true,"list":["world",2]}` {
				t.Errorf("c1 parameters: %#v", p1)
			}
			if p2 := d.started[1].Parameters; p2["cmd"] != "echo hi hi 1" || p2["who"] != "world" {
				t.Errorf("c2 parameters: %#v", p2)
			}
			if got := str(d.result()["published"]); got != `{"code":0,"out":"hi"}` {
				t.Errorf("published: %s", got)
			}
		},
	}, {
		name: "on-failure branch that succeeds ends the chain succeeded",
		def: `
chain:
  - {name: c1, ref: core.local, on-success: c2, on-failure: cleanup, publish: {err: "{{ c1.stderr }}"}}
  - {name: c2, ref: core.local}
  - {name: cleanup, ref: core.local, params: {msg: "{{ err }} / {{ __results.c1.stderr }}"}}
`,
		outcomes:   []outcome{fail(map[string]any{"stderr": "boom"}), ok(nil)},
		wantNames:  []string{"c1", "cleanup"},
		wantStatus: workflow.StatusSucceeded,
		check: func(t *testing.T, d *driver) {
			if msg := d.started[1].Parameters["msg"]; msg != "boom / boom" {
				t.Errorf("a failed task's result is published and reachable: %v", msg)
			}
		},
	}, {
		name: "on-failure branch that fails ends the chain failed",
		def: `
chain:
  - {name: c1, ref: core.local, on-failure: cleanup}
  - {name: cleanup, ref: core.local}
`,
		outcomes:   []outcome{fail(nil), fail(nil)},
		wantNames:  []string{"c1", "cleanup"},
		wantStatus: workflow.StatusFailed,
	}, {
		name: "failure without handler stops the chain failed",
		def: `
chain:
  - {name: c1, ref: core.local, on-success: c2}
  - {name: c2, ref: core.local}
`,
		outcomes:   []outcome{fail(map[string]any{"stderr": "no"})},
		wantNames:  []string{"c1"},
		wantStatus: workflow.StatusFailed,
		check: func(t *testing.T, d *driver) {
			if _, has := d.result()["error"]; has {
				t.Errorf("a failed task is not a chain error: %v", d.result())
			}
		},
	}, {
		name: "a timed out task follows on-failure",
		def: `
chain:
  - {name: c1, ref: core.local, on-failure: c2}
  - {name: c2, ref: core.local}
`,
		outcomes:   []outcome{{"timeout", nil}, ok(nil)},
		wantNames:  []string{"c1", "c2"},
		wantStatus: workflow.StatusSucceeded,
	}, {
		name: "a loop runs until its exit branch",
		def: `
vars: {count: 0}
chain:
  - name: inc
    ref: core.local
    params: {n: "{{ count }}"}
    publish: {count: "{{ count + 1 }}"}
    on-success: inc
    on-failure: out
  - {name: out, ref: core.noop, params: {total: "{{ count }}"}}
`,
		outcomes:   []outcome{ok(nil), ok(nil), fail(nil), ok(nil)},
		wantNames:  []string{"inc", "inc", "inc", "out"},
		wantStatus: workflow.StatusSucceeded,
		check: func(t *testing.T, d *driver) {
			var ns, ids []string
			for _, s := range d.started {
				ns, ids = append(ns, str(s.Parameters["n"])+str(s.Parameters["total"])), append(ids, s.TaskID)
			}
			if !reflect.DeepEqual(ns, []string{"0null", "1null", "2null", "null3"}) {
				t.Errorf("loop parameters: %v", ns)
			}
			if !reflect.DeepEqual(ids, []string{"inc.1", "inc.2", "inc.3", "out.4"}) {
				t.Errorf("task ids: %v", ids)
			}
			if tasks := d.result()["tasks"].([]any); len(tasks) != 4 {
				t.Errorf("every run is a task of the result: %v", tasks)
			}
		},
	}, {
		name:         "a loop is bounded by max_task_runs",
		def:          "chain:\n  - {name: again, ref: core.noop, on-success: again}\n",
		runnerParams: map[string]any{"max_task_runs": 3},
		outcomes:     []outcome{ok(nil), ok(nil), ok(nil)},
		wantNames:    []string{"again", "again", "again"},
		wantStatus:   workflow.StatusFailed,
		check: func(t *testing.T, d *driver) {
			if e, _ := d.result()["error"].(string); !strings.Contains(e, `"again"`) || !strings.Contains(e, "max_task_runs") {
				t.Errorf("error: %q", e)
			}
		},
	}, {
		name: "without default the first task nobody links to starts",
		def: `
chain:
  - {name: c2, ref: core.local, on-success: c3}
  - {name: c1, ref: core.local, on-success: c2}
  - {name: c3, ref: core.local}
`,
		outcomes:   []outcome{ok(nil), ok(nil), ok(nil)},
		wantNames:  []string{"c1", "c2", "c3"},
		wantStatus: workflow.StatusSucceeded,
	}, {
		name: "default names the start",
		def: `
default: b
chain:
  - {name: a, ref: core.local}
  - {name: b, ref: core.local, on-success: a}
`,
		outcomes:   []outcome{ok(nil), ok(nil)},
		wantNames:  []string{"b", "a"},
		wantStatus: workflow.StatusSucceeded,
	}, {
		name: "a task canceled on its own cancels the chain",
		def: `
chain:
  - {name: c1, ref: core.local, on-failure: c2}
  - {name: c2, ref: core.local}
`,
		outcomes:   []outcome{{workflow.StatusCanceled, nil}},
		wantNames:  []string{"c1"},
		wantStatus: workflow.StatusCanceled,
	}, {
		name: "parameters and action_context",
		def: `
chain:
  - name: c1
    ref: core.local
    parameters: {parent: "{{ action_context.parent.execution_id }}", user: "{{ action_context.parent.user }}", all: "{{ __context.x }}"}
`,
		params:     map[string]any{"x": 1.5},
		outcomes:   []outcome{ok(nil)},
		wantNames:  []string{"c1"},
		wantStatus: workflow.StatusSucceeded,
		check: func(t *testing.T, d *driver) {
			if p := d.started[0].Parameters; p["parent"] != "chain1" || p["user"] != "stanley" || str(p["all"]) != "1.5" {
				t.Errorf("parameters: %#v", p)
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, tc.def, tc.params, tc.runnerParams, nil)
			resp := d.start()
			for i, o := range tc.outcomes {
				if resp.Status != workflow.StatusRunning || len(resp.Start) != 1 {
					t.Fatalf("before outcome %d: %s %+v, result %v", i, resp.Status, resp.Start, d.result())
				}
				resp = d.finish(o.status, o.result)
			}
			if len(resp.Start) != 0 || resp.Status != tc.wantStatus {
				t.Fatalf("end: status %s (want %s), start %+v, result %v", resp.Status, tc.wantStatus, resp.Start, d.result())
			}
			if !reflect.DeepEqual(d.names(), tc.wantNames) {
				t.Errorf("tasks run: %v, want %v", d.names(), tc.wantNames)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

// TestChainErrors: a chain that cannot run fails with an error that names
// the task at fault, before or between tasks.
func TestChainErrors(t *testing.T) {
	cases := []struct {
		name      string
		def       string
		outcomes  []outcome
		wantTasks int
		wantError []string
	}{
		{"unknown on-success", "chain:\n  - {name: c1, ref: core.local, on-success: nope}\n", nil, 0, []string{`"nope"`, `"c1"`, "on-success"}},
		{"unknown on-failure", "chain:\n  - {name: c1, ref: core.local}\n  - {name: c2, ref: core.local, on-failure: gone}\n", nil, 0, []string{`"gone"`, `"c2"`, "on-failure"}},
		{"duplicate name", "chain:\n  - {name: c1, ref: core.local}\n  - {name: c1, ref: core.noop}\n", nil, 0, []string{`"c1"`, "more than one"}},
		{"missing ref", "chain:\n  - {name: c1, ref: core.local, on-success: c2}\n  - {name: c2}\n", nil, 0, []string{`"c2"`, "ref"}},
		{"missing name", "chain:\n  - {ref: core.local}\n", nil, 0, []string{"#1", "name"}},
		{"unknown default", "default: zz\nchain:\n  - {name: c1, ref: core.local}\n", nil, 0, []string{`"zz"`, "default"}},
		{"params and parameters", "chain:\n  - {name: c1, ref: core.local, params: {a: 1}, parameters: {b: 2}}\n", nil, 0, []string{`"c1"`, "params"}},
		{"unknown property", "chain:\n  - {name: c1, ref: core.local, on-sucess: c2}\n", nil, 0, []string{`"c1"`, "on-sucess"}},
		{"no chain", "vars: {a: 1}\n", nil, 0, []string{"chain"}},
		{"empty chain", "chain: []\n", nil, 0, []string{"no tasks"}},
		{"not yaml", "chain: [\n", nil, 0, []string{"parse"}},
		{"vars rendering", "vars: {a: '{{ nothere }}'}\nchain:\n  - {name: c1, ref: core.local}\n", nil, 0, []string{"vars", `"a"`, "nothere"}},
		{"first task rendering", "chain:\n  - {name: c1, ref: core.local, params: {p1: '{{ s1 }}'}}\n", nil, 0, []string{`task "c1"`, `"p1"`, "s1"}},
		{"second task rendering", "chain:\n  - {name: c1, ref: core.local, on-success: c2}\n  - {name: c2, ref: core.local, params: {p1: 'x {{ c1.missing }}'}}\n",
			[]outcome{ok(map[string]any{"stdout": ""})}, 1, []string{`task "c2"`, `"p1"`}},
		{"publish rendering", "chain:\n  - {name: c1, ref: core.local, publish: {o: '{{ nope }}'}, on-success: c2}\n  - {name: c2, ref: core.local}\n",
			[]outcome{ok(nil)}, 1, []string{`task "c1"`, `"o"`, "publish"}},
		{"jinja link", "chain:\n  - {name: c1, ref: core.local, on-success: '{{ next }}'}\n", []outcome{ok(nil)}, 1, []string{`"c1"`, "{{ next }}"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, tc.def, map[string]any{"s2": 2}, nil, nil)
			resp := d.start()
			for _, o := range tc.outcomes {
				resp = d.finish(o.status, o.result)
			}
			if resp.Status != workflow.StatusFailed || len(resp.Start) != 0 {
				t.Fatalf("status %s, start %+v", resp.Status, resp.Start)
			}
			res := d.result()
			msg, _ := res["error"].(string)
			for _, want := range tc.wantError {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %s", msg, want)
				}
			}
			if tasks, _ := res["tasks"].([]any); len(tasks) != tc.wantTasks {
				t.Errorf("tasks: %v", res["tasks"])
			}
			if len(d.started) != tc.wantTasks {
				t.Errorf("started: %v", d.names())
			}
		})
	}
}

const twoSteps = `
chain:
  - {name: c1, ref: core.local, on-success: c2, publish: {v: "{{ c1.n }}"}}
  - {name: c2, ref: core.local, params: {v: "{{ v }}"}}
`

// TestPauseResumeCancel: a pause or cancel waits for the running task;
// a resume continues with the task the chain would have started.
func TestPauseResumeCancel(t *testing.T) {
	ev := func(kind string) workflow.Event { return workflow.Event{Kind: kind} }
	t.Run("pause while a task runs, resume after it ended", func(t *testing.T) {
		d := newDriver(t, twoSteps, nil, nil, nil)
		d.start()
		if r := d.step(ev(workflow.EventPause)); r.Status != workflow.StatusPausing || len(r.Start)+len(r.Cancel) != 0 {
			t.Fatalf("pause: %+v", r)
		}
		if r := d.step(ev(workflow.EventPause)); r.Status != workflow.StatusPausing {
			t.Fatalf("a second pause: %+v", r)
		}
		if r := d.finish(workflow.StatusSucceeded, map[string]any{"n": 7}); r.Status != workflow.StatusPaused || len(r.Start) != 0 {
			t.Fatalf("the task's end pauses the chain: %+v", r)
		}
		if pub := str(d.result()["published"]); pub != `{"v":7}` {
			t.Fatalf("published before pausing: %s", pub)
		}
		r := d.step(ev(workflow.EventResume))
		if r.Status != workflow.StatusRunning || len(r.Start) != 1 || r.Start[0].Name != "c2" || str(r.Start[0].Parameters["v"]) != "7" {
			t.Fatalf("resume: %+v", r)
		}
		if r := d.finish(workflow.StatusSucceeded, nil); r.Status != workflow.StatusSucceeded {
			t.Fatalf("end: %+v", r)
		}
	})
	t.Run("resume before the task ended", func(t *testing.T) {
		d := newDriver(t, twoSteps, nil, nil, nil)
		d.start()
		d.step(ev(workflow.EventPause))
		if r := d.step(ev(workflow.EventResume)); r.Status != workflow.StatusRunning || len(r.Start) != 0 {
			t.Fatalf("resume: %+v", r)
		}
		if r := d.finish(workflow.StatusSucceeded, map[string]any{"n": 1}); r.Status != workflow.StatusRunning || r.Start[0].Name != "c2" {
			t.Fatalf("the chain runs on: %+v", r)
		}
	})
	t.Run("pause during the last task, resume ends the chain", func(t *testing.T) {
		d := newDriver(t, twoSteps, nil, nil, nil)
		d.start()
		d.finish(workflow.StatusSucceeded, map[string]any{"n": 1})
		d.step(ev(workflow.EventPause))
		if r := d.finish(workflow.StatusFailed, nil); r.Status != workflow.StatusPaused {
			t.Fatalf("paused: %+v", r)
		}
		if r := d.step(ev(workflow.EventResume)); r.Status != workflow.StatusFailed || len(r.Start) != 0 {
			t.Fatalf("resume ends with the last task's status: %+v", r)
		}
	})
	for _, childEnd := range []string{workflow.StatusCanceled, workflow.StatusSucceeded} {
		t.Run("cancel while a task runs, the task ends "+childEnd, func(t *testing.T) {
			d := newDriver(t, twoSteps, nil, nil, nil)
			first := d.start().Start[0]
			r := d.step(ev(workflow.EventCancel))
			if r.Status != workflow.StatusCanceling || !reflect.DeepEqual(r.Cancel, []string{first.TaskID}) {
				t.Fatalf("cancel: %+v", r)
			}
			if r := d.finish(childEnd, map[string]any{"n": 1}); r.Status != workflow.StatusCanceled || len(r.Start) != 0 {
				t.Fatalf("the task's end cancels the chain: %+v", r)
			}
			if tasks := d.result()["tasks"].([]any); len(tasks) != 1 {
				t.Fatalf("tasks: %v", tasks)
			}
			if r := d.step(ev(workflow.EventResume)); r.Status != workflow.StatusCanceled {
				t.Fatalf("a canceled chain stays canceled: %+v", r)
			}
		})
	}
	t.Run("cancel a paused chain", func(t *testing.T) {
		d := newDriver(t, twoSteps, nil, nil, nil)
		d.start()
		d.step(ev(workflow.EventPause))
		d.finish(workflow.StatusSucceeded, map[string]any{"n": 1})
		if r := d.step(ev(workflow.EventCancel)); r.Status != workflow.StatusCanceled || len(r.Cancel) != 0 {
			t.Fatalf("cancel: %+v", r)
		}
	})
	t.Run("a report for a task that is not running is refused", func(t *testing.T) {
		d := newDriver(t, twoSteps, nil, nil, nil)
		d.start()
		d.req.Event = workflow.Event{Kind: workflow.EventTaskDone, TaskID: "c9.1", Status: workflow.StatusSucceeded}
		if _, err := d.engine.Step(context.Background(), d.req); err == nil {
			t.Fatal("want an error")
		}
	})
}

// TestDatastore: st2kv.system, st2kv.user and system reach the datastore
// as the execution, in vars, params and publish; decrypt_kv asks the host.
func TestDatastore(t *testing.T) {
	ctx := context.Background()
	mem := hostservicetest.NewMemoryHost()
	for _, kv := range []hostservice.SetRequest{
		{Name: "greeting", Value: "hi"},
		{Name: "app.port", Value: "8080"},
		{Name: "mine", Value: "u1", Scope: hostservice.ScopeUser},
		{Name: "pw", Value: "s3cret", Encrypt: true},
	} {
		if err := mem.Set(ctx, "chain1", kv); err != nil {
			t.Fatal(err)
		}
	}
	def := `
vars: {v: "{{ st2kv.system.greeting }}-{{ st2kv.user.mine }}"}
chain:
  - name: c1
    ref: core.local
    params: {a: "{{ v }}", b: "{{ system.greeting }}", port: "{{ st2kv.system.app.port }}", pw: "{{ st2kv.system.pw | decrypt_kv }}"}
    publish: {p: "{{ st2kv.system.greeting }} {{ c1.x }}"}
`
	d := newDriver(t, def, nil, nil, hostservice.Bind(mem, "chain1"))
	p := d.start().Start[0].Parameters
	if p["a"] != "hi-u1" || p["b"] != "hi" || p["port"] != "8080" || p["pw"] != "s3cret" {
		t.Fatalf("parameters: %#v", p)
	}
	d.finish(workflow.StatusSucceeded, map[string]any{"x": "y"})
	if pub := str(d.result()["published"]); pub != `{"p":"hi y"}` {
		t.Fatalf("published: %s", pub)
	}

	t.Run("without a host service st2kv is empty and the error says why", func(t *testing.T) {
		d := newDriver(t, def, nil, nil, nil)
		d.start()
		if msg, _ := d.result()["error"].(string); !strings.Contains(msg, "st2kv is empty") {
			t.Fatalf("error: %q", msg)
		}
	})
}

// TestResultShape checks StackStorm's result keys, display_published, and
// what a task's execution gets as context.
func TestResultShape(t *testing.T) {
	def := `
chain:
  - name: c1
    ref: core.local
    params: {cmd: "true"}
    publish: {o: "{{ c1.stdout }}"}
    notify: {on-complete: {routes: [slack]}}
    on-success: c2
  - {name: c2, ref: core.local}
`
	d := newDriver(t, def, nil, map[string]any{"display_published": false, "skip_notify": []any{"c2"}}, nil)
	first := d.start().Start[0]
	if first.TaskID != "c1.1" || first.Action != "core.local" {
		t.Fatalf("task: %+v", first)
	}
	chainSpec, _ := first.Context["chain"].(map[string]any)
	if chainSpec["name"] != "c1" || chainSpec["on-success"] != "c2" || first.Context["notify"] == nil {
		t.Fatalf("context: %#v", first.Context)
	}
	second := d.finish(workflow.StatusSucceeded, map[string]any{"stdout": "out"}).Start[0]
	if second.Context["skip_notify"] != true || second.Context["notify"] != nil {
		t.Fatalf("skip_notify: %#v", second.Context)
	}
	d.finish(workflow.StatusFailed, map[string]any{"stderr": "e"})
	res := d.result()
	if _, has := res["published"]; has {
		t.Fatalf("display_published false hides published: %v", res)
	}
	want := `{"tasks":[` +
		`{"execution_id":"exec-c1.1","id":"c1","name":"c1","result":{"stdout":"out"},"state":"succeeded","workflow":null},` +
		`{"execution_id":"exec-c2.2","id":"c2","name":"c2","result":{"stderr":"e"},"state":"failed","workflow":null}]}`
	if got := str(res); got != want {
		t.Fatalf("result:\n got %s\nwant %s", got, want)
	}

	info := New().Info()
	rt := info.RunnerTypes[0]
	if info.Name != "runner-actionchain" || rt.Name != "action-chain" || rt.OutputKey != "published" {
		t.Fatalf("info: %+v", info)
	}
	for _, p := range []string{"display_published", "skip_notify", "max_task_runs"} {
		if rt.Parameters[p] == nil {
			t.Errorf("runner parameter %s is not declared", p)
		}
	}
}

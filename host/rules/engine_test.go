package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/host/scheduler"
)

func testEngine(t *testing.T) (*Service, *Engine, *fsm.Direct) {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must := func(_ uint64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Apply(ctx, command.NodeRunners, command.NodeRunnersRequest{Runners: structs.NodeRunners{Node: "n1", RunnerTypes: []structs.RunnerType{
		{Name: "local-shell-cmd", RunnerParameters: map[string]any{"cmd": map[string]any{"type": "string"}}}, {Name: "noop"},
	}}}))
	for _, a := range []structs.Action{
		{Ref: "core.local", Pack: "core", Name: "local", Enabled: true, RunnerType: "local-shell-cmd",
			Parameters: map[string]any{"cmd": map[string]any{"required": true}}},
		{Ref: "core.noop", Pack: "core", Name: "noop", Enabled: true, RunnerType: "noop"},
	} {
		must(d.Apply(ctx, command.ActionPut, command.ActionPutRequest{Action: a, Mode: command.ActionCreate}))
	}
	n := 0
	newID := func() string { n++; return executions.NewID(time.Now()) }
	ex := executions.New(executions.Config{Raft: d, State: d.FSM.State, Scheduler: scheduler.New("n1", d.FSM.State),
		Logger: hclog.NewNullLogger(), Render: func(e *structs.Execution, p *structs.Pack) params.RenderContext {
			return executions.RenderContext(d.FSM.State(), nil, e, p)
		}})
	svc := New(Config{Raft: d, State: d.FSM.State, NewID: newID, Logger: hclog.NewNullLogger()})
	eng := &Engine{State: d.FSM.State, Raft: d, Executions: ex, NewID: newID, User: "st2admin", Logger: hclog.NewNullLogger()}
	return svc, eng, d
}

func TestEngine(t *testing.T) {
	svc, eng, d := testEngine(t)
	ctx := context.Background()
	hook := func(name, url string, crit map[string]any, action MetaAction, typ string) {
		t.Helper()
		_, err := svc.Create(ctx, Meta{Name: name, Pack: "p", Type: typ, Criteria: crit, Action: action,
			Trigger: MetaTrigger{Type: TriggerWebhook, Parameters: map[string]any{"url": url}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	hook("st2", "sample", map[string]any{"trigger.body.name": map[string]any{"type": "equals", "pattern": "st2"}},
		MetaAction{Ref: "core.local", Parameters: map[string]any{"cmd": "echo {{ trigger.body.name }} {{ rule.ref }}"}}, "")
	hook("any", "sample", nil, MetaAction{Ref: "core.noop"}, "backstop")
	hook("broken", "other", nil, MetaAction{Ref: "core.local", Parameters: map[string]any{"cmd": "{{ nope | no_such_filter }}"}}, "")

	tests := []struct {
		name     string
		url      string
		body     map[string]any
		rules    []string
		failures int
		cmd      string
	}{
		{"standard rule matches", "sample", map[string]any{"name": "st2"}, []string{"p.st2"}, 0, "echo st2 p.st2"},
		{"backstop when nothing else", "/sample/", map[string]any{"name": "x"}, []string{"p.any"}, 0, ""},
		{"a rendering error is a failed enforcement", "other", map[string]any{}, []string{"p.broken"}, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ti, err := svc.Fire(ctx, TriggerWebhook, map[string]any{"url": strings.Trim(tc.url, "/")}, map[string]any{"body": tc.body}, "")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := d.FSM.State().TriggerInstanceGet(ti.ID)
			req := eng.Evaluate(got)
			var refs []string
			failures := 0
			for _, en := range req.Enforcements {
				refs = append(refs, en.Rule)
				if en.FailureReason != "" {
					failures++
				}
			}
			if strings.Join(refs, ",") != strings.Join(tc.rules, ",") || failures != tc.failures {
				t.Fatalf("enforcements %+v", req.Enforcements)
			}
			if tc.cmd != "" && (len(req.Executions) != 1 || req.Executions[0].Parameters["cmd"] != tc.cmd) {
				t.Fatalf("executions %+v", req.Executions)
			}
			if _, err := d.Apply(ctx, command.RuleEnforce, req); err != nil {
				t.Fatal(err)
			}
		})
	}
	if pending, _, _ := d.FSM.State().PendingTriggerInstances(); len(pending) != 0 {
		t.Fatalf("pending: %d", len(pending))
	}
}

func TestBuildRejects(t *testing.T) {
	svc, _, _ := testEngine(t)
	webhook := MetaTrigger{Type: TriggerWebhook, Parameters: map[string]any{"url": "x"}}
	tests := []struct {
		name string
		m    Meta
		want string
	}{
		{"no name", Meta{Trigger: webhook, Action: MetaAction{Ref: "core.noop"}}, "name"},
		{"unknown trigger", Meta{Name: "r", Trigger: MetaTrigger{Type: "nope"}, Action: MetaAction{Ref: "core.noop"}}, "unknown trigger type"},
		{"webhook without url", Meta{Name: "r", Trigger: MetaTrigger{Type: TriggerWebhook}, Action: MetaAction{Ref: "core.noop"}}, "url"},
		{"unknown action", Meta{Name: "r", Trigger: webhook, Action: MetaAction{Ref: "core.nope"}}, `"core.nope" does not exist`},
		{"bad type", Meta{Name: "r", Type: "sometimes", Trigger: webhook, Action: MetaAction{Ref: "core.noop"}}, "standard or backstop"},
		{"bad operator", Meta{Name: "r", Trigger: webhook, Action: MetaAction{Ref: "core.noop"},
			Criteria: map[string]any{"trigger.a": map[string]any{"type": "bogus", "pattern": 1}}}, "bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Build(tc.m)
			if err == nil || !strings.Contains(err.Error(), tc.want) || structs.KindOf(err) != structs.KindInvalid {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

package executions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/params"
	"github.com/squall-io/squall/host/scheduler"
)

func testService(t *testing.T) (*Service, *fsm.Direct) {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	apply := func(ct command.Type, req any) {
		t.Helper()
		if _, err := d.Apply(ctx, ct, req); err != nil {
			t.Fatal(err)
		}
	}
	apply(command.NodeRunners, command.NodeRunnersRequest{Runners: structs.NodeRunners{Node: "n2", RunnerTypes: []structs.RunnerType{{
		Name: "local-shell-cmd", RunnerParameters: map[string]any{
			"cmd":     map[string]any{"type": "string"},
			"timeout": map[string]any{"type": "integer", "default": 60},
		},
	}}}})
	for _, a := range []structs.Action{
		{Ref: "core.local", Pack: "core", Name: "local", Enabled: true, RunnerType: "local-shell-cmd",
			Parameters: map[string]any{"cmd": map[string]any{"required": true}}},
		{Ref: "core.echo", Pack: "core", Name: "echo", Enabled: true, RunnerType: "local-shell-cmd",
			Parameters: map[string]any{
				"message":  map[string]any{"type": "string", "required": true},
				"password": map[string]any{"type": "string", "secret": true},
				"cmd":      map[string]any{"default": "echo {{ message }}", "immutable": true},
			}},
		{Ref: "core.off", Pack: "core", Name: "off", Enabled: false, RunnerType: "local-shell-cmd"},
		{Ref: "core.gone", Pack: "core", Name: "gone", Enabled: true, RunnerType: "python-script"},
	} {
		apply(command.ActionPut, command.ActionPutRequest{Action: a, Mode: command.ActionCreate, Now: now})
	}
	svc := New(Config{
		Raft: d, State: d.FSM.State, Scheduler: scheduler.New("n1", d.FSM.State), Logger: hclog.NewNullLogger(),
		Render: func(e *structs.Execution, p *structs.Pack) params.RenderContext {
			return RenderContext(d.FSM.State(), nil, e, p)
		},
	})
	return svc, d
}

func TestCreate(t *testing.T) {
	svc, d := testService(t)
	user := Caller{User: "stanley"}
	tests := []struct {
		name string
		c    Caller
		req  CreateRequest
		err  string
	}{
		{"ok", user, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "date", "timeout": "5"}}, ""},
		{"no action", user, CreateRequest{}, "action is required"},
		{"bad ref", user, CreateRequest{Action: "local"}, "is not an action ref"},
		{"unknown", user, CreateRequest{Action: "core.nope"}, `Action "core.nope" cannot be found.`},
		{"disabled", user, CreateRequest{Action: "core.off"}, "is disabled"},
		{"no runner", user, CreateRequest{Action: "core.gone"}, `Runner type "python-script" is not available`},
		{"missing required", user, CreateRequest{Action: "core.local"}, "missing property 'cmd'"},
		{"mistyped", user, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "x", "timeout": "soon"}}, `parameter "timeout"`},
		{"unknown parameter", user, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "x", "nope": 1}}, "'nope' not allowed"},
		{"immutable", user, CreateRequest{Action: "core.echo", Parameters: map[string]any{"message": "m", "cmd": "rm"}}, "immutable"},
		{"as someone else", user, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "x"}, User: "root"}, "administrator access required"},
		{"admin as someone else", Caller{User: "admin", IsAdmin: true}, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "x"}, User: "root"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := svc.Create(context.Background(), tc.c, tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.FSM.State().ExecGet(e.ID)
			if err != nil || got.Status != structs.ExecScheduled || got.Node != "n2" || len(got.Log) != 2 {
				t.Fatalf("stored: %+v %v", got, err)
			}
		})
	}
	// Secrets are masked in every view.
	e, err := svc.Create(context.Background(), user, CreateRequest{Action: "core.echo", Parameters: map[string]any{"message": "m", "password": "hunter2"}})
	if err != nil {
		t.Fatal(err)
	}
	v := View(d.FSM.State(), e)
	if v["parameters"].(map[string]any)["password"] != params.Mask {
		t.Fatalf("secret shown: %v", v["parameters"])
	}
}

func TestRetention(t *testing.T) {
	svc, d := testService(t)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 5; i++ {
		e, err := svc.Create(ctx, Caller{User: "u"}, CreateRequest{Action: "core.local", Parameters: map[string]any{"cmd": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
		if i < 4 { // the last one is still running
			_, err = d.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{ID: e.ID, Status: structs.ExecSucceeded, Now: time.Now().UTC()})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := svc.Purge(ctx, Retention{MaxKept: 2})
	if err != nil || n != 2 {
		t.Fatalf("purged %d %v", n, err)
	}
	left, _, _ := svc.List(ListOptions{Ascending: true})
	if len(left) != 3 || left[0].ID != ids[2] {
		t.Fatalf("left: %d, first %s", len(left), left[0].ID)
	}
	svc.cfg.Now = func() time.Time { return time.Now().Add(time.Hour) }
	if n, _ := svc.Purge(ctx, Retention{TTL: time.Minute}); n != 2 {
		t.Fatalf("ttl purged %d, want the 2 finished", n)
	}
	if left, _, _ := svc.List(ListOptions{}); len(left) != 1 || left[0].ID != ids[4] {
		t.Fatalf("the running one must stay: %v", left)
	}
}

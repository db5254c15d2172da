package actionchain

import (
	"context"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/workflow"
)

// TestStepOverGRPC runs a looping chain through real gRPC, as the host
// does: the state crosses the wire at every step, st2kv goes through the
// host service on the broker, and a pause in the middle is resumed.
func TestStepOverGRPC(t *testing.T) {
	conn, _ := goplugin.TestPluginGRPCConn(t, true, map[string]goplugin.Plugin{plugin.KindWorkflow: &workflow.GRPCPlugin{Impl: New()}})
	defer conn.Close()
	raw, err := conn.Dispense(plugin.KindWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	c := raw.(*workflow.Client)
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil || len(info.RunnerTypes) != 1 || info.RunnerTypes[0].Name != RunnerType {
		t.Fatalf("info: %+v %v", info, err)
	}
	host := hostservicetest.NewMemoryHost()
	if err := host.Set(ctx, "wf1", hostservice.SetRequest{Name: "step", Value: "2"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Configure(ctx, host); err != nil {
		t.Fatal(err)
	}
	def := `
vars: {total: 0, step: "{{ st2kv.system.step | int }}"}
chain:
  - name: add
    ref: core.local
    params: {cmd: "echo {{ total }}", limit: "{{ limit }}"}
    publish: {total: "{{ total + step }}"}
    on-success: add
    on-failure: report
  - {name: report, ref: core.noop, params: {total: "{{ total }}", last: "{{ __results.add.stdout }}"}}
`
	req := &workflow.StepRequest{
		ExecutionID: "wf1", RunnerType: RunnerType, Definition: []byte(def),
		Parameters: map[string]any{"limit": 3}, Event: workflow.Event{Kind: workflow.EventStart},
	}
	step := func(ev workflow.Event) *workflow.StepResponse {
		t.Helper()
		req.Event = ev
		resp, err := c.Step(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", ev.Kind, err)
		}
		req.State = resp.State
		return resp
	}
	resp := step(workflow.Event{Kind: workflow.EventStart})
	var cmds []string
	for i := 0; i < 3; i++ {
		if resp.Status != workflow.StatusRunning || len(resp.Start) != 1 || resp.Start[0].Name != "add" {
			t.Fatalf("run %d: %+v", i, resp)
		}
		cmds = append(cmds, resp.Start[0].Parameters["cmd"].(string))
		status := workflow.StatusSucceeded
		if i == 2 {
			status = workflow.StatusFailed
		}
		if i == 1 {
			if p := step(workflow.Event{Kind: workflow.EventPause}); p.Status != workflow.StatusPausing {
				t.Fatalf("pause: %+v", p)
			}
		}
		resp = step(workflow.Event{Kind: workflow.EventTaskDone, TaskID: resp.Start[0].TaskID, ExecutionID: "x",
			Status: status, Result: map[string]any{"stdout": cmds[i]}})
		if i == 1 {
			if resp.Status != workflow.StatusPaused {
				t.Fatalf("paused: %+v", resp)
			}
			resp = step(workflow.Event{Kind: workflow.EventResume})
		}
	}
	if want := []string{"echo 0", "echo 2", "echo 4"}; cmds[0] != want[0] || cmds[1] != want[1] || cmds[2] != want[2] {
		t.Fatalf("commands: %v", cmds)
	}
	if len(resp.Start) != 1 || resp.Start[0].Name != "report" || resp.Start[0].Parameters["last"] != "echo 4" {
		t.Fatalf("report: %+v", resp)
	}
	if total := resp.Start[0].Parameters["total"]; str(total) != "6" {
		t.Fatalf("total: %v", total)
	}
	resp = step(workflow.Event{Kind: workflow.EventTaskDone, TaskID: resp.Start[0].TaskID, Status: workflow.StatusSucceeded})
	res, _ := resp.Result.(map[string]any)
	if resp.Status != workflow.StatusSucceeded || len(res["tasks"].([]any)) != 4 || str(res["published"]) != `{"total":6}` {
		t.Fatalf("end: %s %v", resp.Status, res)
	}
}

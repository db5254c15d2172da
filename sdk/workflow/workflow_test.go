package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/runner"
)

// counter is a two-task sequential engine: its state is the next task.
type counter struct{}

func (counter) Info() Info {
	return Info{Name: "counter", Version: "1", RunnerTypes: []runner.RunnerType{{Name: "count", Parameters: map[string]any{}}}}
}

func (counter) Step(ctx context.Context, req *StepRequest) (*StepResponse, error) {
	next := 0
	if req.State != nil {
		if err := json.Unmarshal(req.State, &next); err != nil {
			return nil, err
		}
	}
	switch req.Event.Kind {
	case EventStart:
	case EventTaskDone:
		if req.Event.Status != StatusSucceeded {
			return &StepResponse{State: req.State, Status: StatusFailed, Result: map[string]any{"failed": req.Event.TaskID}}, nil
		}
	default:
		return nil, errors.New("unsupported event " + req.Event.Kind)
	}
	if next == 2 {
		return &StepResponse{State: req.State, Status: StatusSucceeded, Result: map[string]any{"last": req.Event.Result}}, nil
	}
	greeting, err := req.Host.Get(ctx, hostservice.GetRequest{Name: "greeting"})
	if err != nil {
		return nil, err
	}
	state, _ := json.Marshal(next + 1)
	return &StepResponse{State: state, Status: StatusRunning, Start: []TaskStart{{
		TaskID: "t" + string(rune('0'+next)), Name: "t", Action: "core.noop",
		Parameters: map[string]any{"n": next, "greeting": greeting.Value, "input": req.Parameters["x"]},
	}}}, nil
}

// TestStepOverGRPC steps an engine through real gRPC and the host
// service on the broker, as the host does.
func TestStepOverGRPC(t *testing.T) {
	client, _ := goplugin.TestPluginGRPCConn(t, true, map[string]goplugin.Plugin{plugin.KindWorkflow: &GRPCPlugin{Impl: counter{}}})
	defer client.Close()
	raw, err := client.Dispense(plugin.KindWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	c := raw.(*Client)
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil || len(info.RunnerTypes) != 1 || info.RunnerTypes[0].Name != "count" {
		t.Fatalf("info: %+v %v", info, err)
	}
	host := hostservicetest.NewMemoryHost()
	if err := host.Set(ctx, "wf1", hostservice.SetRequest{Name: "greeting", Value: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Configure(ctx, host); err != nil {
		t.Fatal(err)
	}
	req := &StepRequest{ExecutionID: "wf1", RunnerType: "count", Parameters: map[string]any{"x": 1.5}, Event: Event{Kind: EventStart}}
	resp, err := c.Step(ctx, req)
	if err != nil || resp.Status != StatusRunning || len(resp.Start) != 1 {
		t.Fatalf("start: %+v %v", resp, err)
	}
	if p := resp.Start[0].Parameters; p["greeting"] != "hi" || p["input"] != json.Number("1.5") {
		t.Fatalf("task parameters: %+v", p)
	}
	for i := 0; i < 2; i++ {
		req.State, req.Event = resp.State, Event{Kind: EventTaskDone, TaskID: resp.Start[0].TaskID, Status: StatusSucceeded, Result: map[string]any{"i": i}}
		if resp, err = c.Step(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if last, _ := resp.Result.(map[string]any)["last"].(map[string]any); resp.Status != StatusSucceeded || last["i"] != json.Number("1") {
		t.Fatalf("end: %+v", resp)
	}
	req.Event = Event{Kind: EventPause}
	if _, err := c.Step(ctx, req); err == nil {
		t.Fatal("an engine's error must reach the host")
	}
}

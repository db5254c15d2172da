package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster"
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
)

func TestLivenessMovesExecutionsOffADeadNode(t *testing.T) {
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	apply := func(ct command.Type, req any) {
		t.Helper()
		if _, err := d.Apply(ctx, ct, req); err != nil {
			t.Fatal(err)
		}
	}
	shell := []structs.RunnerType{{Name: "local-shell-cmd"}}
	for _, n := range []string{"n1", "n2"} {
		apply(command.NodeRunners, command.NodeRunnersRequest{Runners: structs.NodeRunners{Node: n, RunnerTypes: shell}})
	}
	now := time.Now().UTC()
	for id, st := range map[string]structs.ExecStatus{"running": structs.ExecRunning, "waiting": structs.ExecScheduled, "stopping": structs.ExecCanceling} {
		apply(command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{
			ID: id, Node: "n2", Status: st, StartTimestamp: now, Action: structs.ExecAction{RunnerType: "local-shell-cmd"},
		}})
	}
	// n2 never answers; n1 always does.
	members := func(context.Context) ([]cluster.Member, error) {
		return []cluster.Member{{ID: "n1", State: "leader"}, {ID: "n2", State: "unreachable"}}, nil
	}
	l := &Liveness{State: d.FSM.State, Raft: d, Members: members, Logger: hclog.NewNullLogger(),
		DownAfter: 50 * time.Millisecond, Every: 10 * time.Millisecond}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.Run(runCtx) }()
	want := map[string]struct {
		status structs.ExecStatus
		node   string
	}{
		"running":  {structs.ExecAbandoned, "n2"},
		"waiting":  {structs.ExecScheduled, "n1"},
		"stopping": {structs.ExecCanceled, "n2"},
	}
	deadline := time.Now().Add(5 * time.Second)
	for id, w := range want {
		for {
			e, err := d.FSM.State().ExecGet(id)
			if err == nil && e.Status == w.status && e.Node == w.node {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %+v, want %s on %s", id, e, w.status, w.node)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	cancel()
	<-done
	if node, err := New("n3", d.FSM.State).Pick("local-shell-cmd"); err != nil || node != "n1" {
		t.Fatalf("pick after n2 is down: %s %v", node, err)
	}
	// A late report from the dead node about the moved execution is refused.
	_, err = d.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{ID: "waiting", Status: structs.ExecSucceeded, By: "n2", Now: now})
	if structs.KindOf(err) != structs.KindConflict {
		t.Fatalf("late report: %v", err)
	}
}

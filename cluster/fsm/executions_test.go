package fsm

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

func TestExecutionLifecycle(t *testing.T) {
	d, err := NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	create := func(id string) {
		t.Helper()
		_, err := d.Apply(ctx, command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{
			ID: id, Status: structs.ExecScheduled, Node: "n1", StartTimestamp: now,
			Log: []structs.StatusChange{{Status: structs.ExecRequested, Timestamp: now}, {Status: structs.ExecScheduled, Timestamp: now}},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	create("a")
	create("b")
	if _, err := d.Apply(ctx, command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{ID: "a"}}); structs.KindOf(err) != structs.KindConflict {
		t.Fatalf("duplicate create: %v", err)
	}
	steps := []struct {
		name   string
		id     string
		req    command.ExecUpdateRequest
		want   structs.ExecStatus
		errOf  structs.Kind
		logLen int
	}{
		{"fast finish adds running", "a", command.ExecUpdateRequest{Status: structs.ExecSucceeded, StartedAt: now, Result: json.RawMessage(`{"x":1}`)}, structs.ExecSucceeded, "", 4},
		{"final is final", "a", command.ExecUpdateRequest{Status: structs.ExecFailed}, structs.ExecSucceeded, structs.KindConflict, 4},
		{"running", "b", command.ExecUpdateRequest{Status: structs.ExecRunning}, structs.ExecRunning, "", 3},
		{"canceling", "b", command.ExecUpdateRequest{Status: structs.ExecCanceling}, structs.ExecCanceling, "", 4},
		{"a run that ends while canceling ends canceled", "b", command.ExecUpdateRequest{Status: structs.ExecSucceeded, StartedAt: now}, structs.ExecCanceled, "", 5},
		{"unknown", "zz", command.ExecUpdateRequest{Status: structs.ExecRunning}, "", structs.KindNotFound, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.req.ID, st.req.Now = st.id, now.Add(time.Second)
			_, err := d.Apply(ctx, command.ExecUpdate, st.req)
			if structs.KindOf(err) != st.errOf && !(err == nil && st.errOf == "") {
				t.Fatalf("error %v, want kind %q", err, st.errOf)
			}
			if st.errOf == structs.KindNotFound {
				return
			}
			e, err := d.FSM.State().ExecGet(st.id)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != st.want || len(e.Log) != st.logLen {
				t.Fatalf("status %s log %d, want %s %d", e.Status, len(e.Log), st.want, st.logLen)
			}
		})
	}
	// The change feed sees both executions, in index order.
	changed, _, err := d.FSM.State().ExecsModifiedSince(0)
	if err != nil || len(changed) != 2 || changed[0].ID != "a" {
		t.Fatalf("modified since: %v %v", changed, err)
	}
	// Purge removes finished executions only.
	create("c")
	if _, err := d.Apply(ctx, command.ExecPurge, command.ExecPurgeRequest{IDs: []string{"a", "b", "c", "zz"}}); err != nil {
		t.Fatal(err)
	}
	left, _, _ := d.FSM.State().Execs(state.ExecFilter{})
	if len(left) != 1 || left[0].ID != "c" {
		t.Fatalf("after purge: %v", left)
	}
}

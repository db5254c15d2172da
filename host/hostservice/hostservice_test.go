package hostservice

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/datastore"
	sdkhost "github.com/squall-io/squall/sdk/hostservice"
)

// testService is the host service of node n1 over a real FSM, with user
// bob's execution "run1" running on n1 and "other" running on n2.
func testService(t *testing.T) *Service {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	for _, u := range []structs.User{{Name: "bob"}, {Name: "alice"}} {
		if _, err := d.Apply(ctx, command.UserUpsert, command.UserUpsertRequest{User: u, Mode: command.UserCreate, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	for id, node := range map[string]string{"run1": "n1", "other": "n2"} {
		e := structs.Execution{ID: id, Node: node, User: "bob", Status: structs.ExecRunning, StartTimestamp: now,
			Action: structs.ExecAction{RunnerType: "local-shell-cmd"}}
		if _, err := d.Apply(ctx, command.ExecCreate, command.ExecCreateRequest{Execution: e}); err != nil {
			t.Fatal(err)
		}
	}
	ds := datastore.New(datastore.Config{Raft: d, State: d.FSM.State, Logger: hclog.NewNullLogger(), NewID: func() string { return "id" }})
	return New("n1", d.FSM.State, ds, hclog.NewNullLogger())
}

func TestHostServiceActsAsTheExecutionsUser(t *testing.T) {
	s := testService(t)
	ctx := context.Background()
	if err := s.Set(ctx, "run1", sdkhost.SetRequest{Name: "k", Value: "sys"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "run1", sdkhost.SetRequest{Name: "k", Value: "mine", Scope: "user"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		id    string
		req   sdkhost.GetRequest
		value string
		err   error
	}{
		{"system by default", "run1", sdkhost.GetRequest{Name: "k"}, "sys", nil},
		{"the user's own scope", "run1", sdkhost.GetRequest{Name: "k", Scope: "user"}, "mine", nil},
		{"missing", "run1", sdkhost.GetRequest{Name: "nope"}, "", sdkhost.ErrNotFound},
		{"execution on another node", "other", sdkhost.GetRequest{Name: "k"}, "", sdkhost.ErrPermissionDenied},
		{"unknown execution", "ghost", sdkhost.GetRequest{Name: "k"}, "", sdkhost.ErrPermissionDenied},
		{"decrypting system needs admin", "run1", sdkhost.GetRequest{Name: "k", Decrypt: true}, "", sdkhost.ErrPermissionDenied},
		{"bad scope", "run1", sdkhost.GetRequest{Name: "k", Scope: "galaxy"}, "", sdkhost.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kv, err := s.Get(ctx, tc.id, tc.req)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || kv.Value != tc.value {
				t.Fatalf("got %+v %v, want %q", kv, err, tc.value)
			}
		})
	}
	list, err := s.List(ctx, "run1", sdkhost.ListRequest{Scope: "user"})
	if err != nil || len(list) != 1 || list[0].User != "bob" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.Delete(ctx, "run1", sdkhost.DeleteRequest{Name: "k", Scope: "user"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "run1", sdkhost.DeleteRequest{Name: "k", Scope: "user"}); !errors.Is(err, sdkhost.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Scoped("squall-runner-other", []string{"http-request"}).Get(ctx, "run1", sdkhost.GetRequest{Name: "k"}); !errors.Is(err, sdkhost.ErrPermissionDenied) {
		t.Fatalf("a plugin acting for another's execution: %v", err)
	}
	if _, err := s.Scoped("squall-runner-x", []string{"local-shell-cmd"}).Get(ctx, "run1", sdkhost.GetRequest{Name: "k"}); err != nil {
		t.Fatalf("a plugin acting for its own execution: %v", err)
	}
	if err := s.Log(ctx, "run1", sdkhost.LogRequest{Level: "info", Message: "hello", Fields: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
}

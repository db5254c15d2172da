package fsm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testFSM(t *testing.T) *FSM {
	t.Helper()
	f, err := New(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// apply proposes one command the way raft would deliver it.
func apply(t *testing.T, f *FSM, index uint64, ct command.Type, req any) error {
	t.Helper()
	buf, err := command.Encode(ct, req)
	if err != nil {
		t.Fatal(err)
	}
	res := f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: buf})
	if res == nil {
		return nil
	}
	return res.(error)
}

func kv(name, value string) structs.KeyValuePair {
	return structs.KeyValuePair{ID: "id-" + name, Name: name, Value: value, Scope: structs.ScopeSystem}
}

func TestKVLifecycle(t *testing.T) {
	f := testFSM(t)
	steps := []struct {
		name    string
		ct      command.Type
		req     any
		wantErr error
		events  []structs.KVEventType
	}{
		{"create", command.KVSet, command.KVSetRequest{Item: kv("a", "1"), Now: t0}, nil,
			[]structs.KVEventType{structs.KVEventCreate}},
		{"same value", command.KVSet, command.KVSetRequest{Item: kv("a", "1"), Now: t0}, nil,
			[]structs.KVEventType{structs.KVEventUpdate}},
		{"new value", command.KVSet, command.KVSetRequest{Item: kv("a", "2"), Now: t0}, nil,
			[]structs.KVEventType{structs.KVEventUpdate, structs.KVEventValueChange}},
		{"delete", command.KVDelete, command.KVDeleteRequest{Scope: structs.ScopeSystem, Name: "a", Now: t0}, nil,
			[]structs.KVEventType{structs.KVEventDelete}},
		{"delete missing", command.KVDelete, command.KVDeleteRequest{Scope: structs.ScopeSystem, Name: "a", Now: t0},
			structs.ErrNotFound, nil},
	}
	var seen uint64
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := apply(t, f, uint64(i+1), st.ct, st.req)
			if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, st.wantErr)
			}
			evs, _, err := f.State().KVEventsSince(seen)
			if err != nil {
				t.Fatal(err)
			}
			var got []structs.KVEventType
			for _, ev := range evs {
				got = append(got, ev.Type)
				seen = ev.Seq
			}
			if len(got) != len(st.events) {
				t.Fatalf("events = %v, want %v", got, st.events)
			}
			for j := range got {
				if got[j] != st.events[j] {
					t.Fatalf("events = %v, want %v", got, st.events)
				}
			}
		})
	}
}

func TestKVUpdateKeepsIdentity(t *testing.T) {
	f := testFSM(t)
	if err := apply(t, f, 1, command.KVSet, command.KVSetRequest{Item: kv("a", "1"), Now: t0}); err != nil {
		t.Fatal(err)
	}
	second := kv("a", "2")
	second.ID = "other"
	if err := apply(t, f, 2, command.KVSet, command.KVSetRequest{Item: second, Now: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.State().KVGet(structs.ScopeSystem, "", "a", t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "id-a" || got.Value != "2" || !got.CreatedAt.Equal(t0) || got.ModifyIdx != 2 {
		t.Fatalf("got %+v", got)
	}
}

func TestKVTTL(t *testing.T) {
	f := testFSM(t)
	item := kv("t", "v")
	item.ExpireAt = t0.Add(10 * time.Second)
	if err := apply(t, f, 1, command.KVSet, command.KVSetRequest{Item: item, Now: t0}); err != nil {
		t.Fatal(err)
	}
	s := f.State()
	if _, err := s.KVGet(structs.ScopeSystem, "", "t", t0.Add(9*time.Second)); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	later := t0.Add(10 * time.Second)
	if _, err := s.KVGet(structs.ScopeSystem, "", "t", later); !errors.Is(err, structs.ErrNotFound) {
		t.Fatalf("after expiry err = %v, want not found", err)
	}
	list, _ := s.KVList(state.KVQuery{Scope: structs.ScopeSystem, Now: later})
	if len(list) != 0 {
		t.Fatalf("expired item listed: %v", list)
	}
	exp, _ := s.KVExpired(later, 10)
	if len(exp) != 1 {
		t.Fatalf("expired = %d, want 1", len(exp))
	}
	req := command.KVExpireRequest{Keys: []command.KVKey{{Scope: structs.ScopeSystem, Name: "t"}}, Now: later}
	if err := apply(t, f, 2, command.KVExpire, req); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.KVAll(); len(all) != 0 {
		t.Fatalf("item not removed: %v", all)
	}
}

func TestKVLoadAtomic(t *testing.T) {
	f := testFSM(t)
	items := []structs.KeyValuePair{kv("a", "1"), kv("b", "2")}
	if err := apply(t, f, 1, command.KVLoad, command.KVLoadRequest{Items: items, Now: t0}); err != nil {
		t.Fatal(err)
	}
	list, _ := f.State().KVList(state.KVQuery{Scope: structs.ScopeSystem, Now: t0})
	if len(list) != 2 {
		t.Fatalf("got %d items", len(list))
	}
}

func TestKVScopes(t *testing.T) {
	f := testFSM(t)
	for i, it := range []structs.KeyValuePair{
		kv("x", "sys"),
		{ID: "1", Name: "x", Value: "alice", Scope: structs.ScopeUser, User: "alice"},
		{ID: "2", Name: "x", Value: "bob", Scope: structs.ScopeUser, User: "bob"},
		{ID: "3", Name: "xy", Value: "bob2", Scope: structs.ScopeUser, User: "bob"},
	} {
		if err := apply(t, f, uint64(i+1), command.KVSet, command.KVSetRequest{Item: it, Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		q    state.KVQuery
		want int
	}{
		{"system", state.KVQuery{Scope: structs.ScopeSystem}, 1},
		{"alice", state.KVQuery{Scope: structs.ScopeUser, User: "alice"}, 1},
		{"bob prefix xy", state.KVQuery{Scope: structs.ScopeUser, User: "bob", Prefix: "xy"}, 1},
		{"all users", state.KVQuery{Scope: structs.ScopeUser}, 3},
		{"all users prefix", state.KVQuery{Scope: structs.ScopeUser, Prefix: "xy"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.q.Now = t0
			got, err := f.State().KVList(c.q)
			if err != nil || len(got) != c.want {
				t.Fatalf("got %d (%v), want %d", len(got), err, c.want)
			}
		})
	}
}

func TestAuthCommands(t *testing.T) {
	f := testFSM(t)
	admin := structs.User{Name: "st2admin", PasswordHash: "h", IsAdmin: true}
	steps := []struct {
		name    string
		ct      command.Type
		req     any
		wantErr error
	}{
		{"admin init", command.AdminInit, command.AdminInitRequest{User: admin, Now: t0}, nil},
		{"admin init twice", command.AdminInit, command.AdminInitRequest{User: admin, Now: t0}, structs.ErrConflict},
		{"create dup", command.UserUpsert, command.UserUpsertRequest{User: admin, Mode: command.UserCreate}, structs.ErrConflict},
		{"update missing", command.UserUpsert, command.UserUpsertRequest{User: structs.User{Name: "x"}, Mode: command.UserUpdate}, structs.ErrNotFound},
		{"create bob", command.UserUpsert, command.UserUpsertRequest{User: structs.User{Name: "bob", PasswordHash: "p"}, Mode: command.UserCreate}, nil},
		{"token for ghost", command.TokenCreate, command.TokenCreateRequest{Token: structs.Token{ID: "t0", Hash: "h0", User: "ghost"}}, structs.ErrNotFound},
		{"token", command.TokenCreate, command.TokenCreateRequest{Token: structs.Token{ID: "t1", Hash: "h1", User: "bob", ExpiresAt: t0}}, nil},
		{"apikey", command.APIKeyCreate, command.APIKeyCreateRequest{Key: structs.APIKey{ID: "k1", Hash: "kh1", User: "bob", Enabled: true}}, nil},
		{"apikey dup hash", command.APIKeyCreate, command.APIKeyCreateRequest{Key: structs.APIKey{ID: "k2", Hash: "kh1", User: "bob"}}, structs.ErrConflict},
		{"apikey disable", command.APIKeyUpdate, command.APIKeyUpdateRequest{ID: "kh1", Enabled: false}, nil},
		{"delete bob", command.UserDelete, command.UserDeleteRequest{Name: "bob"}, nil},
		{"delete bob again", command.UserDelete, command.UserDeleteRequest{Name: "bob"}, structs.ErrNotFound},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := apply(t, f, uint64(i+1), st.ct, st.req)
			if (st.wantErr == nil) != (err == nil) || (err != nil && !errors.Is(err, st.wantErr)) {
				t.Fatalf("err = %v, want %v", err, st.wantErr)
			}
		})
	}
	s := f.State()
	if tok, _ := s.TokenByHash("h1"); tok != nil {
		t.Fatal("token survived its user's deletion")
	}
	if keys, _ := s.APIKeys("bob"); len(keys) != 0 {
		t.Fatal("api key survived its user's deletion")
	}
}

type memSink struct {
	bytes.Buffer
	canceled bool
}

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { m.canceled = true; return nil }
func (m *memSink) Close() error  { return nil }

func TestSnapshotRestore(t *testing.T) {
	f := testFSM(t)
	item := kv("a", "1")
	item.ExpireAt = t0.Add(time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(apply(t, f, 1, command.KVSet, command.KVSetRequest{Item: item, Now: t0}))
	must(apply(t, f, 2, command.AdminInit, command.AdminInitRequest{User: structs.User{Name: "st2admin", IsAdmin: true}, Now: t0}))
	must(apply(t, f, 3, command.TokenCreate, command.TokenCreateRequest{Token: structs.Token{ID: "t", Hash: "h", User: "st2admin"}}))
	must(apply(t, f, 4, command.APIKeyCreate, command.APIKeyCreateRequest{Key: structs.APIKey{ID: "k", Hash: "kh", User: "st2admin"}}))

	snap, err := f.Snapshot()
	must(err)
	sink := &memSink{}
	must(snap.Persist(sink))

	g := testFSM(t)
	must(g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	s := g.State()
	got, err := s.KVGet(structs.ScopeSystem, "", "a", t0)
	must(err)
	if got.Value != "1" || !got.ExpireAt.Equal(item.ExpireAt) {
		t.Fatalf("kv = %+v", got)
	}
	if exp, _ := s.KVExpired(t0.Add(2*time.Hour), 5); len(exp) != 1 {
		t.Fatal("expire index not rebuilt")
	}
	if evs, _, _ := s.KVEventsSince(0); len(evs) != 1 {
		t.Fatalf("events = %d", len(evs))
	}
	if tok, _ := s.TokenByHash("h"); tok == nil {
		t.Fatal("token lost")
	}
	if _, err := s.APIKeyGet("kh"); err != nil {
		t.Fatal(err)
	}
	// The admin marker survives, so a restored cluster does not recreate st2admin.
	err = apply(t, g, 5, command.AdminInit, command.AdminInitRequest{User: structs.User{Name: "st2admin"}, Now: t0})
	if !errors.Is(err, structs.ErrConflict) {
		t.Fatalf("admin init after restore: %v", err)
	}
}

func TestUnknownCommandPanics(t *testing.T) {
	f := testFSM(t)
	defer func() {
		if recover() == nil {
			t.Fatal("unknown command did not panic")
		}
	}()
	f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: []byte{250, '{', '}'}})
}

func TestEventRetention(t *testing.T) {
	f := testFSM(t)
	// Batches of 100 commands per raft entry: retention counts events, not
	// entries, so batching does not make the log of changes grow.
	var index uint64
	for n := 0; n < state.KVEventRetention+5*state.KVEventTrimEvery; n += 100 {
		var cmds [][]byte
		for i := 0; i < 100; i++ {
			b, _ := command.Encode(command.KVSet, command.KVSetRequest{Item: kv(fmt.Sprintf("k%d", i), "v"), Now: t0})
			cmds = append(cmds, b)
		}
		index++
		f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: command.EncodeBatch(cmds)})
	}
	evs, _, _ := f.State().KVEventsSince(0)
	if len(evs) < state.KVEventRetention || len(evs) >= state.KVEventRetention+state.KVEventTrimEvery {
		t.Fatalf("kept %d events, want %d to %d", len(evs), state.KVEventRetention, state.KVEventRetention+state.KVEventTrimEvery-1)
	}
	// The count survives a snapshot, so trimming goes on the same way.
	snap, _ := f.Snapshot()
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := testFSM(t)
	if err := g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	restored, _, _ := g.State().KVEventsSince(0)
	if len(restored) != len(evs) {
		t.Fatalf("restored %d events, want %d", len(restored), len(evs))
	}
}

func TestBatch(t *testing.T) {
	f := testFSM(t)
	enc := func(ct command.Type, req any) []byte {
		b, err := command.Encode(ct, req)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	batch := command.EncodeBatch([][]byte{
		enc(command.KVSet, command.KVSetRequest{Item: kv("a", "1"), Now: t0}),
		enc(command.KVDelete, command.KVDeleteRequest{Scope: structs.ScopeSystem, Name: "missing", Now: t0}),
		enc(command.KVSet, command.KVSetRequest{Item: kv("b", "2"), Now: t0}),
	})
	res := f.Apply(&raft.Log{Index: 7, Type: raft.LogCommand, Data: batch})
	results, ok := res.(command.BatchResult)
	if !ok || len(results) != 3 || results[0] != nil || !errors.Is(results[1], structs.ErrNotFound) || results[2] != nil {
		t.Fatalf("results = %#v", res)
	}
	evs, _, _ := f.State().KVEventsSince(0)
	if len(evs) != 2 || evs[0].Seq == evs[1].Seq || evs[0].New.Name != "a" || evs[1].New.Name != "b" {
		t.Fatalf("events = %+v", evs)
	}
	for _, ev := range evs {
		if ev.Seq>>state.KVEventSeqShift != 7 || ev.New.ModifyIdx != 7 {
			t.Fatalf("event %+v not numbered by its entry", ev)
		}
	}
}

func TestDecodeBatchRefusesGarbage(t *testing.T) {
	for _, body := range [][]byte{{}, {5}, {1, 10, 'x'}, {1, 1, 'x', 'y'}} {
		if _, err := command.DecodeBatch(body); err == nil {
			t.Fatalf("DecodeBatch(%v) accepted", body)
		}
	}
}

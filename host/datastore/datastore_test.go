package datastore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/fsm"
	"github.com/squall-io/squall/cluster/structs"
)

// rot13 is a reversible stand-in for the crypto key: these tests are
// about who may encrypt and decrypt, kvcrypto has its own.
type rot13 struct{}

func (rot13) Encrypt(s string) (string, error) { return "ENC:" + s, nil }
func (rot13) Decrypt(s string) (string, error) {
	if !strings.HasPrefix(s, "ENC:") {
		return "", errors.New("bad ciphertext")
	}
	return strings.TrimPrefix(s, "ENC:"), nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testService(t *testing.T, cipher Cipher) (*Service, *clock) {
	t.Helper()
	d, err := fsm.NewDirect(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	n := 0
	svc := New(Config{
		Raft: d, State: d.FSM.State, Cipher: cipher, KeyPath: "/etc/key.json",
		Logger: hclog.NewNullLogger(), Now: clk.now,
		NewID: func() string { n++; return fmt.Sprintf("id%d", n) },
	})
	return svc, clk
}

func str(s string) *string { return &s }
func i64(n int64) *int64   { return &n }

var (
	admin = Caller{User: "st2admin", IsAdmin: true}
	alice = Caller{User: "alice"}
	bob   = Caller{User: "bob"}
)

func TestSetValidation(t *testing.T) {
	svc, _ := testService(t, nil)
	ctx := context.Background()
	cases := []struct {
		name   string
		caller Caller
		key    string
		req    SetRequest
		kind   structs.Kind
		msg    string
	}{
		{"empty name", admin, "", SetRequest{Value: str("v")}, structs.KindInvalid, "must not be empty"},
		{"slash", admin, "a/b", SetRequest{Value: str("v")}, structs.KindInvalid, "must not contain '/'"},
		{"space", admin, "a b", SetRequest{Value: str("v")}, structs.KindInvalid, "whitespace"},
		{"long name", admin, strings.Repeat("n", MaxNameLen+1), SetRequest{Value: str("v")}, structs.KindInvalid, "limit is 512"},
		{"no value", admin, "k", SetRequest{}, structs.KindInvalid, "'value' is a required property"},
		{"big value", admin, "k", SetRequest{Value: str(strings.Repeat("v", MaxValueLen+1))}, structs.KindInvalid, "the limit is"},
		{"bad scope", admin, "k", SetRequest{Value: str("v"), Scope: "global"}, structs.KindInvalid, "Invalid scope"},
		{"scope all", admin, "k", SetRequest{Value: str("v"), Scope: "all"}, structs.KindInvalid, "Invalid scope"},
		{"ttl zero", admin, "k", SetRequest{Value: str("v"), TTL: i64(0)}, structs.KindInvalid, "positive integer"},
		{"ttl negative", admin, "k", SetRequest{Value: str("v"), TTL: i64(-5)}, structs.KindInvalid, "positive integer"},
		{"no crypto key", admin, "k", SetRequest{Value: str("v"), Secret: true}, structs.KindInvalid, "Crypto key not found in /etc/key.json"},
		{"other user", alice, "k", SetRequest{Value: str("v"), Scope: "user", User: "bob"}, structs.KindForbidden, "administrator access"},
		{"unknown user", admin, "k", SetRequest{Value: str("v"), Scope: "user", User: "ghost"}, structs.KindInvalid, `unknown user "ghost"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Set(ctx, c.caller, c.key, c.req)
			if err == nil || structs.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v (kind %s), want kind %s containing %q", err, structs.KindOf(err), c.kind, c.msg)
			}
		})
	}
	if items, _, _ := svc.List(admin, ListOptions{Scope: "all"}); len(items) != 0 {
		t.Fatalf("a refused set changed the store: %v", items)
	}
}

func TestScopesAndDecrypt(t *testing.T) {
	svc, _ := testService(t, rot13{})
	ctx := context.Background()
	must := func(_ *Item, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.Set(ctx, admin, "api_token", SetRequest{Value: str("s3cret"), Secret: true}))
	must(svc.Set(ctx, alice, "date_cmd", SetRequest{Value: str("date -u"), Scope: "user"}))
	must(svc.Set(ctx, alice, "pw", SetRequest{Value: str("alice-pw"), Scope: "user", Secret: true}))
	must(svc.Set(ctx, bob, "date_cmd", SetRequest{Value: str("date +%s"), Scope: "user"}))

	cases := []struct {
		name    string
		caller  Caller
		key     string
		scope   string
		user    string
		decrypt bool
		want    string
		kind    structs.Kind
	}{
		{"secret masked", alice, "api_token", "", "", false, "ENC:s3cret", ""},
		{"admin decrypts", admin, "api_token", "system", "", true, "s3cret", ""},
		{"user may not decrypt system", alice, "api_token", "", "", true, "", structs.KindForbidden},
		{"own user item", alice, "date_cmd", "user", "", false, "date -u", ""},
		{"other's item is separate", bob, "date_cmd", "st2kv.user", "", false, "date +%s", ""},
		{"owner decrypts", alice, "pw", "user", "", true, "alice-pw", ""},
		{"admin reads bob", admin, "date_cmd", "user", "bob", false, "date +%s", ""},
		{"alice may not read bob", alice, "date_cmd", "user", "bob", false, "", structs.KindForbidden},
		{"system lacks user item", alice, "date_cmd", "system", "", false, "", structs.KindNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it, err := svc.Get(c.caller, c.key, c.scope, c.user, c.decrypt)
			if c.kind != "" {
				if structs.KindOf(err) != c.kind {
					t.Fatalf("err = %v, want kind %s", err, c.kind)
				}
				return
			}
			if err != nil || it.Value != c.want {
				t.Fatalf("got %+v, %v; want value %q", it, err, c.want)
			}
		})
	}

	all, total, err := svc.List(alice, ListOptions{Scope: "all"})
	if err != nil || total != 3 || len(all) != 3 {
		t.Fatalf("alice list all = %d/%d %v, want system item + her 2", len(all), total, err)
	}
	for _, it := range all {
		if it.User == "bob" {
			t.Fatal("alice sees bob's item")
		}
	}
	if it, _ := svc.Get(alice, "pw", "user", "", false); !it.Encrypted || it.UID != "key_value_pair:st2kv.user:alice:pw" {
		t.Fatalf("user secret view = %+v", it)
	}
}

func TestEncryptedValueVerified(t *testing.T) {
	svc, _ := testService(t, rot13{})
	ctx := context.Background()
	if _, err := svc.Set(ctx, admin, "k", SetRequest{Value: str("garbage"), Encrypted: true}); structs.KindOf(err) != structs.KindInvalid {
		t.Fatalf("unverifiable ciphertext accepted: %v", err)
	}
	it, err := svc.Set(ctx, admin, "k", SetRequest{Value: str("ENC:x"), Encrypted: true})
	if err != nil || !it.Secret || it.Value != "ENC:x" {
		t.Fatalf("got %+v, %v", it, err)
	}
}

func TestTTLAndPaging(t *testing.T) {
	svc, clk := testService(t, nil)
	ctx := context.Background()
	if _, err := svc.Set(ctx, admin, "short", SetRequest{Value: str("v"), TTL: i64(10)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a1", "a2", "a3", "b1"} {
		if _, err := svc.Set(ctx, admin, n, SetRequest{Value: str(n)}); err != nil {
			t.Fatal(err)
		}
	}
	it, _ := svc.Get(admin, "short", "", "", false)
	if it.ExpireTimestamp != "2026-11-22T12:00:10.000000Z" {
		t.Fatalf("expire_timestamp = %q", it.ExpireTimestamp)
	}
	clk.t = clk.t.Add(10 * time.Second)
	if _, err := svc.Get(admin, "short", "", "", false); !errors.Is(err, structs.ErrNotFound) {
		t.Fatalf("expired item still readable: %v", err)
	}
	if err := svc.reapExpired(ctx); err != nil {
		t.Fatal(err)
	}
	items, total, _ := svc.List(admin, ListOptions{Prefix: "a", Limit: 2, Offset: 1})
	if total != 3 || len(items) != 2 || items[0].Name != "a2" {
		t.Fatalf("page = %v total %d", items, total)
	}
}

func TestLoadIsAtomic(t *testing.T) {
	svc, _ := testService(t, nil)
	ctx := context.Background()
	_, err := svc.Load(ctx, admin, []SetRequest{{Name: "ok", Value: str("1")}, {Name: "bad name", Value: str("2")}})
	if err == nil || !strings.Contains(err.Error(), `item 2 ("bad name")`) {
		t.Fatalf("err = %v, want the bad item named", err)
	}
	if items, _, _ := svc.List(admin, ListOptions{}); len(items) != 0 {
		t.Fatalf("bad load wrote %v", items)
	}
	if _, err := svc.Load(ctx, admin, []SetRequest{{Name: "x", Value: str("1")}, {Name: "x", Value: str("2")}}); err == nil {
		t.Fatal("duplicate names accepted")
	}
	got, err := svc.Load(ctx, admin, []SetRequest{{Name: "x", Value: str("1")}, {Name: "y", Value: str("2")}})
	if err != nil || len(got) != 2 {
		t.Fatalf("load = %v, %v", got, err)
	}
	deleted, err := svc.DeletePrefix(ctx, admin, "x", "", "")
	if err != nil || len(deleted) != 1 || deleted[0].Name != "x" {
		t.Fatalf("delete prefix = %v, %v", deleted, err)
	}
}

// TestRunExpiry: the leader's loop deletes an item when its TTL runs out,
// woken by the item's own expiry time, and records the delete event.
func TestRunExpiry(t *testing.T) {
	svc, clk := testService(t, nil)
	clk.t = time.Now().UTC()
	svc.cfg.Now = time.Now // the loop sleeps on real timers
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { svc.RunExpiry(ctx); close(done) }()
	if _, err := svc.Set(ctx, admin, "short", SetRequest{Value: str("v"), TTL: i64(1)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, _ := svc.cfg.State().KVAll()
		if len(all) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired item was not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	evs, _, _ := svc.cfg.State().KVEventsSince(0)
	if last := evs[len(evs)-1]; last.Type != structs.KVEventDelete || last.Old.Name != "short" {
		t.Fatalf("last event %+v", last)
	}
	cancel()
	<-done
}

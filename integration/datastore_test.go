package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// cli runs st2 as one user (own HOME) against one node.
type cli struct {
	t    *testing.T
	node *harness.Node
	home string
	env  []string
}

func newCLI(t *testing.T, n *harness.Node) *cli {
	return &cli{t: t, node: n, home: t.TempDir()}
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.node.CLI(c.t, c.home, c.env, args...)
	if r.Code != 0 {
		c.t.Fatalf("st2 %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// fail runs a command that must fail and returns its stderr.
func (c *cli) fail(args ...string) string {
	c.t.Helper()
	r := c.node.CLI(c.t, c.home, c.env, args...)
	if r.Code == 0 {
		c.t.Fatalf("st2 %s succeeded, want failure\nstdout: %s", strings.Join(args, " "), r.Stdout)
	}
	return r.Stderr
}

func (c *cli) jsonOut(out any, args ...string) {
	c.t.Helper()
	s := c.ok(append(args, "-j")...)
	if err := json.Unmarshal([]byte(s), out); err != nil {
		c.t.Fatalf("st2 %s -j: %v\n%s", strings.Join(args, " "), err, s)
	}
}

type kv struct {
	Name, Value, Scope, User string
	Secret, Encrypted        bool
	ExpireTimestamp          string `json:"expire_timestamp"`
}

// TestDatastoreTour walks the datastore documentation with the real CLI.
func TestDatastoreTour(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "datastore_key.json")
	gen := exec(t, harness.Binary(t), "generate-crypto-key", "--key-path", keyPath)
	if !strings.Contains(gen, keyPath) {
		t.Fatalf("generate-crypto-key: %s", gen)
	}
	node := harness.StartNode(t, harness.Options{ID: "tour", Args: []string{"--encryption-key-path", keyPath}})
	admin := newCLI(t, node)
	if out := admin.ok("login", "st2admin", "-p", harness.AdminPassword); !strings.Contains(out, "Logged in as st2admin") {
		t.Fatalf("login: %s", out)
	}
	if out := admin.ok("whoami"); !strings.Contains(out, `"st2admin"`) {
		t.Fatalf("whoami: %s", out)
	}

	t.Run("set get list delete", func(t *testing.T) {
		admin.t = t
		admin.ok("key", "set", "os_keystone_endpoint", "http://localhost:5000/v2.0")
		admin.ok("key", "set", "aws_cfn_endpoint", "https://cloudformation.us-west-1.amazonaws.com")
		var got kv
		admin.jsonOut(&got, "key", "get", "os_keystone_endpoint")
		if got.Value != "http://localhost:5000/v2.0" || got.Scope != "st2kv.system" {
			t.Fatalf("get: %+v", got)
		}
		admin.ok("key", "set", "os_keystone_endpoint", "http://localhost:5000/v3")
		if out := admin.ok("key", "list"); !strings.Contains(out, "http://localhost:5000/v3") || !strings.Contains(out, "aws_cfn_endpoint") {
			t.Fatalf("list: %s", out)
		}
		if out := admin.ok("key", "delete", "os_keystone_endpoint"); !strings.Contains(out, "successfully deleted") {
			t.Fatalf("delete: %s", out)
		}
		if errOut := admin.fail("key", "get", "os_keystone_endpoint"); !strings.Contains(errOut, "404") {
			t.Fatalf("get deleted: %s", errOut)
		}
	})

	t.Run("ttl", func(t *testing.T) {
		admin.t = t
		var got kv
		admin.jsonOut(&got, "key", "set", "date_cmd_ttl", "date +%s", "--ttl=2")
		if got.ExpireTimestamp == "" {
			t.Fatalf("no expire_timestamp: %+v", got)
		}
		harness.WaitFor(t, 10*time.Second, func() error {
			r := node.CLI(t, admin.home, nil, "key", "get", "date_cmd_ttl")
			if r.Code == 0 {
				return errString("still there")
			}
			return nil
		})
	})

	t.Run("user scope", func(t *testing.T) {
		admin.t = t
		admin.ok("user", "create", "alice", "-p", "alice-password")
		alice := newCLI(t, node)
		alice.ok("login", "alice", "-p", "alice-password")
		alice.ok("key", "set", "date_cmd", "date -u", "--scope=user")
		admin.ok("key", "set", "date_cmd", "date +%s", "--scope=system")
		var mine, sys kv
		alice.jsonOut(&mine, "key", "get", "date_cmd", "--scope=user")
		alice.jsonOut(&sys, "key", "get", "date_cmd")
		if mine.Value != "date -u" || mine.User != "alice" || sys.Value != "date +%s" {
			t.Fatalf("scopes: user %+v system %+v", mine, sys)
		}
		if errOut := admin.fail("key", "get", "date_cmd", "--scope=user"); !strings.Contains(errOut, "404") {
			t.Fatalf("admin's own user scope should not hold alice's item: %s", errOut)
		}
		if errOut := alice.fail("key", "list", "--scope=user", "--user=st2admin"); !strings.Contains(errOut, "403") {
			t.Fatalf("alice listing admin's items: %s", errOut)
		}
	})

	t.Run("secrets", func(t *testing.T) {
		admin.t = t
		var enc, dec kv
		admin.jsonOut(&enc, "key", "set", "api_token", "SECRET_TOKEN", "--encrypt")
		if !enc.Secret || !enc.Encrypted || enc.Value == "SECRET_TOKEN" {
			t.Fatalf("stored in clear: %+v", enc)
		}
		admin.jsonOut(&dec, "key", "get", "api_token", "--decrypt")
		if dec.Value != "SECRET_TOKEN" {
			t.Fatalf("decrypt: %+v", dec)
		}
		if out := admin.ok("key", "list"); strings.Contains(out, "SECRET_TOKEN") {
			t.Fatal("secret shown in list")
		}
		alice := newCLI(t, node)
		alice.ok("login", "alice", "-p", "alice-password")
		if errOut := alice.fail("key", "get", "api_token", "--decrypt"); !strings.Contains(errOut, "403") {
			t.Fatalf("non-admin decrypt: %s", errOut)
		}
	})

	t.Run("list -j then load into another node", func(t *testing.T) {
		admin.t = t
		dump := filepath.Join(t.TempDir(), "mydata.json")
		if err := os.WriteFile(dump, []byte(admin.ok("key", "list", "-j", "--scope=system")), 0o600); err != nil {
			t.Fatal(err)
		}
		other := harness.StartNode(t, harness.Options{ID: "other", Args: []string{"--encryption-key-path", keyPath}})
		oc := newCLI(t, other)
		oc.ok("login", "st2admin", "-p", harness.AdminPassword)
		oc.ok("key", "load", dump)
		var dec kv
		oc.jsonOut(&dec, "key", "get", "api_token", "--decrypt")
		if dec.Value != "SECRET_TOKEN" {
			t.Fatalf("secret after load: %+v", dec)
		}
		bad := filepath.Join(t.TempDir(), "bad.json")
		_ = os.WriteFile(bad, []byte(`[{"name": "fine", "value": "1"}, {"name": "bad name", "value": "2"}]`), 0o600)
		if errOut := oc.fail("key", "load", bad); !strings.Contains(errOut, "bad name") {
			t.Fatalf("bad load: %s", errOut)
		}
		if r := other.CLI(t, oc.home, nil, "key", "get", "fine"); r.Code == 0 {
			t.Fatal("a bad file was partly loaded")
		}
		nonString := filepath.Join(t.TempDir(), "n.json")
		_ = os.WriteFile(nonString, []byte(`{"count": 3}`), 0o600)
		oc.fail("key", "load", nonString)
		oc.ok("key", "load", "-c", nonString)
		var c kv
		oc.jsonOut(&c, "key", "get", "count")
		if c.Value != "3" {
			t.Fatalf("converted value %q", c.Value)
		}
	})

	t.Run("delete_by_prefix", func(t *testing.T) {
		admin.t = t
		for _, n := range []string{"pfx_a", "pfx_b", "other_c"} {
			admin.ok("key", "set", n, "v")
		}
		if out := admin.ok("key", "delete_by_prefix", "-p", "pfx_"); !strings.Contains(out, "Deleted 2 keys") {
			t.Fatalf("delete_by_prefix: %s", out)
		}
		admin.ok("key", "get", "other_c")
	})

	t.Run("api key", func(t *testing.T) {
		admin.t = t
		key := strings.TrimSpace(admin.ok("apikey", "create", "-k", "-m", `{"used_by": "ci"}`))
		ci := newCLI(t, node)
		ci.env = []string{"ST2_API_KEY=" + key}
		if out := ci.ok("whoami"); !strings.Contains(out, "api key") {
			t.Fatalf("whoami with api key: %s", out)
		}
		ci.ok("key", "list")

		var keys []struct{ ID string }
		admin.jsonOut(&keys, "apikey", "list")
		if len(keys) != 1 {
			t.Fatalf("apikey list: %+v", keys)
		}
		admin.ok("apikey", "disable", keys[0].ID)
		if errOut := ci.fail("whoami"); !strings.Contains(errOut, "disabled") {
			t.Fatalf("disabled key: %s", errOut)
		}
		admin.ok("apikey", "enable", keys[0].ID)
		export := filepath.Join(t.TempDir(), "keys.json")
		_ = os.WriteFile(export, []byte(admin.ok("apikey", "list", "-j", "--show-secrets")), 0o600)
		admin.ok("apikey", "delete", keys[0].ID)
		ci.fail("whoami")
		admin.ok("apikey", "load", export)
		ci.ok("whoami")
	})
}

type errString string

func (e errString) Error() string { return string(e) }

package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// TestRemoteRunnerAgainstRealSSHD runs core.remote and a pack's remote
// script through a node against a real OpenSSH sshd.
func TestRemoteRunnerAgainstRealSSHD(t *testing.T) {
	s := harness.StartSSHD(t)
	n := harness.StartNode(t, harness.Options{ID: "n1",
		Args: []string{"--packs-path", testdata(t, "packs"), "--configs-dir", testdata(t, "configs")},
		Env:  []string{"SQUALL_SSH_KNOWN_HOSTS=" + s.KnownHosts},
	})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	c.ok("pack", "register", "mypack")
	host := s.Addr
	auth := []string{"username=" + s.User, "private_key=" + s.KeyPath}

	t.Run("several hosts in parallel", func(t *testing.T) {
		var e execution
		hosts := strings.Join(s.Addrs[:3], ",")
		c.jsonOut(&e, append([]string{"run", "core.remote", "hosts=" + hosts, "cmd=echo hi from $(hostname)"}, auth...)...)
		if e.Status != "succeeded" || len(e.Result) != 3 {
			t.Fatalf("three hosts, three results: %+v", e)
		}
		for _, h := range s.Addrs[:3] {
			r, _ := e.Result[h].(map[string]any)
			if !strings.HasPrefix(fmt.Sprint(r["stdout"]), "hi from ") || r["succeeded"] != true {
				t.Fatalf("result of %s: %+v", h, e.Result)
			}
		}
	})
	t.Run("one host down", func(t *testing.T) {
		down := harness.FreeAddr(t)
		var e execution
		r := n.CLI(t, c.home, nil, append([]string{"run", "core.remote", "hosts=" + host + "," + down, "cmd=true", "-j"}, auth...)...)
		if err := jsonUnmarshal(r.Stdout, &e); err != nil || e.Status != "failed" {
			t.Fatalf("a down host fails the execution: %+v %v", r, err)
		}
		ok, _ := e.Result[host].(map[string]any)
		bad, _ := e.Result[down].(map[string]any)
		if ok["succeeded"] != true || bad["failed"] != true || !strings.Contains(fmt.Sprint(bad["error"]), down) {
			t.Fatalf("per-host results: %+v", e.Result)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other := harness.StartSSHD(t) // its user key is not authorized on s
		var e execution
		r := n.CLI(t, c.home, nil, "run", "core.remote", "hosts="+host, "cmd=true", "username="+s.User, "private_key="+other.KeyPath, "-j")
		_ = jsonUnmarshal(r.Stdout, &e)
		res, _ := e.Result[host].(map[string]any)
		if e.Status != "failed" || !strings.Contains(strings.ToLower(fmt.Sprint(res["error"])), "auth") {
			t.Fatalf("wrong key: %+v", e)
		}
	})
	t.Run("non-zero exit", func(t *testing.T) {
		var e execution
		r := n.CLI(t, c.home, nil, append([]string{"run", "core.remote", "hosts=" + host, "cmd=exit 4", "-j"}, auth...)...)
		_ = jsonUnmarshal(r.Stdout, &e)
		res, _ := e.Result[host].(map[string]any)
		if e.Status != "failed" || fmt.Sprint(res["return_code"]) != "4" {
			t.Fatalf("exit 4: %+v", e)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		var e execution
		r := n.CLI(t, c.home, nil, append([]string{"run", "core.remote", "hosts=" + host, "cmd=sleep 30", "timeout=1", "-j"}, auth...)...)
		_ = jsonUnmarshal(r.Stdout, &e)
		if e.Status != "timeout" || time.Since(start) > 20*time.Second {
			t.Fatalf("timeout: %+v after %s", e, time.Since(start))
		}
	})
	t.Run("script upload with arguments", func(t *testing.T) {
		var e execution
		c.jsonOut(&e, append([]string{"run", "mypack.remote_args", "hosts=" + host, "who=two words"}, auth...)...)
		res, _ := e.Result[host].(map[string]any)
		out := fmt.Sprint(res["stdout"])
		if e.Status != "succeeded" || !strings.Contains(out, "arg:--loud\narg:two words\n") {
			t.Fatalf("script: %+v", e)
		}
		dir := strings.TrimPrefix(out[strings.Index(out, "dir:"):], "dir:")
		if _, err := os.Stat(strings.TrimSpace(dir)); !os.IsNotExist(err) {
			t.Fatalf("the uploaded script was not removed: %s", dir)
		}
	})
	t.Run("unknown host key", func(t *testing.T) {
		other := harness.StartSSHD(t) // not in the known_hosts the node trusts
		var e execution
		r := n.CLI(t, c.home, nil, "run", "core.remote", "hosts="+other.Addr, "cmd=true", "username="+other.User, "private_key="+other.KeyPath, "-j")
		_ = jsonUnmarshal(r.Stdout, &e)
		if e.Status != "failed" || !strings.Contains(strings.ToLower(r.Stdout), "known") {
			t.Fatalf("unknown host: %+v", e)
		}
	})
}

func jsonUnmarshal(s string, out any) error { return json.Unmarshal([]byte(s), out) }

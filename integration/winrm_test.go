package integration

import (
	"bufio"
	"fmt"
	osexec "os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/squall-io/squall/integration/harness"
)

// TestWinRMRunnerAgainstAWSManServer runs core.winrm_cmd and
// core.winrm_ps_cmd through a node against the WS-Management test server
// (no Windows host can run here); the server speaks the SOAP protocol and
// reports any request that breaks it.
func TestWinRMRunnerAgainstAWSManServer(t *testing.T) {
	bin := harness.BuildPackage(t, "./plugins/runner-winrm/internal/wsmantest/wsmanserver", t.TempDir(), "wsmanserver")
	srv := osexec.Command(bin, "-user", "Administrator", "-password", "Pa55w0rd")
	stdout, _ := srv.StdoutPipe()
	var errs strings.Builder
	srv.Stderr = &errs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("wsmanserver: %v %s", err, errs.String())
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	host, port, _ := strings.Cut(addr, ":")
	p, _ := strconv.Atoi(port)

	n := harness.StartNode(t, harness.Options{ID: "n1"})
	c := newCLI(t, n)
	c.ok("login", "st2admin", "-p", harness.AdminPassword)
	conn := []string{"host=" + host, "port=" + strconv.Itoa(p), "scheme=http", "transport=basic", "username=Administrator"}

	tests := []struct {
		name, action, cmd, password, status, want string
	}{
		{"cmd", "core.winrm_cmd", "ipconfig /all", "Pa55w0rd", "succeeded", "cmd: ipconfig /all"},
		{"powershell", "core.winrm_ps_cmd", "Get-Service | Select -First 1", "Pa55w0rd", "succeeded", "Get-Service | Select -First 1"},
		{"non-zero exit", "core.winrm_cmd", "fail now", "Pa55w0rd", "failed", "it failed"},
		{"wrong password", "core.winrm_cmd", "dir", "nope", "failed", "authentication failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", tc.action, "cmd=" + tc.cmd, "password=" + tc.password, "-j"}, conn...)
			r := n.CLI(t, c.home, nil, args...)
			var e execution
			if err := jsonUnmarshal(r.Stdout, &e); err != nil {
				t.Fatalf("%v: %+v", err, r)
			}
			if e.Status != tc.status || !strings.Contains(fmt.Sprint(e.Result), tc.want) {
				t.Fatalf("%s: %+v", tc.name, e)
			}
		})
	}
	if strings.Contains(errs.String(), "PROTOCOL ERROR") {
		t.Fatalf("the client broke the protocol:\n%s", errs.String())
	}
}

package integration

import (
	osexec "os/exec"
	"strconv"
	"testing"

	"github.com/squall-io/squall/integration/harness"
)

// TestSSHDHarness checks the harness's real sshd with OpenSSH's own client.
func TestSSHDHarness(t *testing.T) {
	s := harness.StartSSHD(t)
	out, err := osexec.Command("ssh", "-i", s.KeyPath, "-o", "UserKnownHostsFile="+s.KnownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-p", strconv.Itoa(s.Port), s.User+"@127.0.0.1", "echo", "hi").CombinedOutput()
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("ssh to the harness sshd: %v %s", err, out)
	}
}

package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// SSHD is a real OpenSSH server on a loopback port, with a throw-away host
// key, accepting one throw-away user key for the current user.
type SSHD struct {
	Addr       string // 127.0.0.1:port
	Port       int
	User       string
	KeyPath    string // the user's private key (OpenSSH format, no passphrase)
	KnownHosts string // a known_hosts file that trusts this server
	cmd        *exec.Cmd
}

// SSHDBinary is where Debian's openssh-server puts sshd.
const SSHDBinary = "/usr/sbin/sshd"

// StartSSHD starts sshd for the test; it is stopped at cleanup. It fails
// the test when openssh-server is not installed (.ci/run installs it).
func StartSSHD(t T) *SSHD {
	t.Helper()
	if _, err := os.Stat(SSHDBinary); err != nil {
		t.Fatalf("%s not found: install openssh-server (.ci/run does)", SSHDBinary)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	userKey := filepath.Join(dir, "user_ed25519")
	for _, k := range []string{hostKey, userKey} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, err := os.ReadFile(userKey + ".pub")
	if err != nil {
		t.Fatalf("%v", err)
	}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	// Privilege separation needs this directory when sshd runs as root.
	if os.Geteuid() == 0 {
		_ = os.MkdirAll("/run/sshd", 0o755)
	}
	addr := FreeAddr(t)
	_, portStr, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(portStr, &port)
	config := filepath.Join(dir, "sshd_config")
	conf := strings.Join([]string{
		"ListenAddress 127.0.0.1", "Port " + portStr, "HostKey " + hostKey, "PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + authorized, "StrictModes no", "UsePAM no", "PasswordAuthentication no",
		"KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin yes", "AllowUsers " + u.Username,
		"Subsystem sftp internal-sftp", "LogLevel ERROR", "MaxStartups 100", "MaxSessions 100",
	}, "\n") + "\n"
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatalf("%v", err)
	}
	fields := strings.Fields(string(hostPub))
	known := filepath.Join(dir, "known_hosts")
	line := fmt.Sprintf("[127.0.0.1]:%s %s %s\n", portStr, fields[0], fields[1])
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	s := &SSHD{Addr: addr, Port: port, User: u.Username, KeyPath: userKey, KnownHosts: known}
	s.cmd = exec.Command(SSHDBinary, "-D", "-e", "-f", config)
	out := &syncBuffer{}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		if t.Failed() {
			t.Logf("--- sshd output ---\n%s", out.String())
		}
	})
	WaitFor(t, 10*time.Second, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return s
}

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
	Addr string // 127.0.0.1:port
	Port int
	// Addrs are ten addresses of the same server (127.0.0.1-10, one
	// port), for runs against many hosts.
	Addrs      []string
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
	addr := FreeAddr(t) // on 127.0.0.1; the same port on 127.0.0.2-10 is free in practice
	_, portStr, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(portStr, &port)
	config := filepath.Join(dir, "sshd_config")
	var listen, addrs, known []string
	for i := 1; i <= 10; i++ {
		ip := fmt.Sprintf("127.0.0.%d", i)
		listen = append(listen, "ListenAddress "+ip)
		addrs = append(addrs, net.JoinHostPort(ip, portStr))
	}
	conf := strings.Join(append(listen,
		"Port "+portStr, "HostKey "+hostKey, "PidFile "+filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile "+authorized, "StrictModes no", "UsePAM no", "PasswordAuthentication no",
		"KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin yes", "AllowUsers "+u.Username,
		"Subsystem sftp internal-sftp", "LogLevel ERROR", "MaxStartups 100", "MaxSessions 100",
	), "\n") + "\n"
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatalf("%v", err)
	}
	fields := strings.Fields(string(hostPub))
	for i := 1; i <= 10; i++ {
		known = append(known, fmt.Sprintf("[127.0.0.%d]:%s %s %s\n", i, portStr, fields[0], fields[1]))
	}
	knownFile := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownFile, []byte(strings.Join(known, "")), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	s := &SSHD{Addr: addr, Addrs: addrs, Port: port, User: u.Username, KeyPath: userKey, KnownHosts: knownFile}
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

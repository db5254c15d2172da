package remote

import (
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	gliderssh "github.com/gliderlabs/ssh"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testServer is an in-process SSH server on loopback that runs commands
// with the local /bin/sh and serves sftp on the local file system.
type testServer struct {
	addr    string
	hostKey ssh.PublicKey
}

type serverOptions struct {
	password   string          // accepted password, empty: none
	authorized []ssh.PublicKey // accepted keys
	forwarding bool            // act as a bastion
	env        []string        // added to each command's environment
}

// fakeSudo is a sudo for the test server's PATH: it reports how it was
// called and what came on stdin, then runs what follows "--".
const fakeSudo = `#!/bin/sh
flags=""
while [ "$1" != "--" ]; do flags="$flags $1"; shift; done
shift
case "$flags" in *-S*) read -r pw; echo "password=$pw";; esac
echo "sudo$flags"
exec "$@"
`

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "sudo"), []byte(fakeSudo), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	env = append(env, o.env...)
	srv := &gliderssh.Server{
		Handler:     func(s gliderssh.Session) { runCommand(s, env) },
		HostSigners: []gliderssh.Signer{signer},
		SubsystemHandlers: map[string]gliderssh.SubsystemHandler{"sftp": func(s gliderssh.Session) {
			if server, err := sftp.NewServer(s); err == nil {
				_ = server.Serve()
				_ = server.Close()
			}
		}},
	}
	if o.password != "" {
		srv.PasswordHandler = func(_ gliderssh.Context, pw string) bool { return pw == o.password }
	}
	if o.authorized != nil {
		srv.PublicKeyHandler = func(_ gliderssh.Context, k gliderssh.PublicKey) bool {
			return slices.ContainsFunc(o.authorized, func(a ssh.PublicKey) bool { return gliderssh.KeysEqual(k, a) })
		}
	}
	if o.forwarding {
		srv.LocalPortForwardingCallback = func(gliderssh.Context, string, uint32) bool { return true }
		srv.ChannelHandlers = map[string]gliderssh.ChannelHandler{
			"session": gliderssh.DefaultSessionHandler, "direct-tcpip": gliderssh.DirectTCPIPHandler,
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &testServer{addr: ln.Addr().String(), hostKey: signer.PublicKey()}
}

// runCommand runs the session's command in its own process group, killed
// on a signal or when the connection goes.
func runCommand(s gliderssh.Session, env []string) {
	signals := make(chan gliderssh.Signal, 1)
	s.Signals(signals)
	cmd := exec.Command("/bin/sh", "-c", s.RawCommand())
	cmd.Env = append(env, s.Environ()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s.Stderr()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		_ = s.Exit(127)
		return
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-signals:
		case <-s.Context().Done():
		case <-done:
			return
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	err := cmd.Wait()
	close(done)
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	}
	_ = s.Exit(code)
}

// downAddr is a loopback address nothing listens on.
func downAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// knownHostsFile writes a known_hosts file for servers and points the
// runner at it.
func knownHostsFile(t *testing.T, servers ...*testServer) string {
	t.Helper()
	var lines []string
	for _, s := range servers {
		lines = append(lines, knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, s.hostKey))
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(KnownHostsEnv, file)
	return file
}

// clientKey is a throw-away user key: its public half, and its private
// half in OpenSSH format, encrypted when passphrase is set.
func clientKey(t *testing.T, passphrase string) (ssh.PublicKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, string(pem.EncodeToMemory(block))
}

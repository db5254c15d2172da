package remote

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHostsEnv names the known_hosts file to check host keys against,
// instead of ~/.ssh/known_hosts.
const KnownHostsEnv = "SQUALL_SSH_KNOWN_HOSTS"

// dialer opens the SSH connections of one run: one per host, all through
// the same bastion connection when there is one.
type dialer struct {
	config     ssh.ClientConfig
	knownHosts ssh.HostKeyCallback // nil when checking is off
	rawKnown   ssh.HostKeyCallback // knownhosts' own, whose errors are typed
	bastion    string              // address, empty for direct connections
	closers    []func() error      // agent connection

	once       sync.Once
	bastionCli *ssh.Client
	bastionErr error
}

func newDialer(p params) (*dialer, error) {
	d := &dialer{}
	name := p.username
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		} else {
			name = os.Getenv("USER")
		}
	}
	auth, err := d.authMethods(p)
	if err != nil {
		return nil, err
	}
	d.config = ssh.ClientConfig{User: name, Auth: auth, HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	if p.knownHostsCheck {
		if d.knownHosts, d.rawKnown, err = knownHostsCallback(); err != nil {
			d.close()
			return nil, err
		}
	}
	if p.bastionHost != "" {
		d.bastion = address(p.bastionHost, p.port)
	}
	return d, nil
}

// authMethods: the private key, then the password; with neither, the SSH
// agent and the default key files, as ssh(1) would try.
func (d *dialer) authMethods(p params) ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	if p.privateKey != "" {
		signer, err := parseKey(p.privateKey, p.passphrase)
		if err != nil {
			return nil, err
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if p.password != "" {
		pw := p.password
		methods = append(methods, ssh.Password(pw),
			// Many servers take passwords only through keyboard-interactive.
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(methods) > 0 {
		return methods, nil
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if conn, err := net.Dial("unix", sock); err == nil {
			d.closers = append(d.closers, conn.Close)
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		}
	}
	var signers []ssh.Signer
	if home, err := os.UserHomeDir(); err == nil {
		for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			if b, err := os.ReadFile(filepath.Join(home, ".ssh", name)); err == nil {
				if s, err := ssh.ParsePrivateKey(b); err == nil { // encrypted ones need the agent
					signers = append(signers, s)
				}
			}
		}
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	if len(methods) == 0 {
		return nil, errors.New("no credentials: set password or private_key (no SSH agent and no key in ~/.ssh either)")
	}
	return methods, nil
}

// parseKey reads private_key, which st2 lets be either the key material
// itself or a path to it.
func parseKey(key, passphrase string) (ssh.Signer, error) {
	material := []byte(key)
	what := "private_key"
	if !strings.Contains(key, "-----BEGIN") {
		path := key
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("private_key is neither key material nor a readable key file: %w", err)
		}
		material, what = b, "private key file "+path
	}
	var missing *ssh.PassphraseMissingError
	if passphrase != "" {
		s, err := ssh.ParsePrivateKeyWithPassphrase(material, []byte(passphrase))
		if err == nil {
			return s, nil
		}
		if s, err2 := ssh.ParsePrivateKey(material); err2 == nil {
			return s, nil // not encrypted after all: the passphrase is not needed
		} else if !errors.As(err2, &missing) {
			return nil, fmt.Errorf("%s: %w", what, err2)
		}
		return nil, fmt.Errorf("%s: cannot decrypt it with the passphrase given: %w", what, err)
	}
	s, err := ssh.ParsePrivateKey(material)
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("%s is encrypted: set the passphrase runner parameter", what)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}

// knownHostsCallback checks host keys against the known_hosts file and
// turns knownhosts' terse errors into ones that say what to do. It also
// returns knownhosts' callback as it is, for probing.
func knownHostsCallback() (ssh.HostKeyCallback, ssh.HostKeyCallback, error) {
	file := os.Getenv(KnownHostsEnv)
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, fmt.Errorf("known-hosts checking is on, but there is no home directory to find ~/.ssh/known_hosts in: %w", err)
		}
		file = filepath.Join(home, ".ssh", "known_hosts")
	}
	check, err := knownhosts.New(file)
	if err != nil {
		return nil, nil, fmt.Errorf("known-hosts checking is on, but %s cannot be read: %w "+
			"(name another file with %s, or set the runner parameter known_hosts_check to false)", file, err, KnownHostsEnv)
	}
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := check(host, remote, key)
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
			return fmt.Errorf("host key verification failed: %s is not in %s (add its key, e.g. with "+
				"ssh-keyscan, or set the runner parameter known_hosts_check to false)", host, file)
		case errors.As(err, &keyErr):
			return fmt.Errorf("host key verification failed: the %s key of %s does not match %s line %d: "+
				"the host was reinstalled, or someone is intercepting the connection", key.Type(), host, file, keyErr.Want[0].Line)
		case errors.As(err, &revoked):
			return fmt.Errorf("host key verification failed: the key of %s is revoked in %s", host, file)
		}
		return err
	}, check, nil
}

// probeKey is a key no known_hosts file holds: checking it makes knownhosts
// list the keys it does hold for a host.
var probeKey = func() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	k, _ := ssh.NewPublicKey(pub)
	return k
}()

// configFor is the client config for addr. With known hosts, it asks only
// for the key types known for addr: a server offering several host keys
// might otherwise present one the file lacks and be refused.
func (d *dialer) configFor(addr string) *ssh.ClientConfig {
	c := d.config
	if d.knownHosts == nil {
		return &c
	}
	c.HostKeyCallback = d.knownHosts
	var keyErr *knownhosts.KeyError
	if err := d.rawKnown(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey); errors.As(err, &keyErr) {
		for _, k := range keyErr.Want {
			if t := k.Key.Type(); t == ssh.KeyAlgoRSA {
				c.HostKeyAlgorithms = append(c.HostKeyAlgorithms, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, t)
			} else {
				c.HostKeyAlgorithms = append(c.HostKeyAlgorithms, t)
			}
		}
	}
	return &c
}

// dial connects to addr, through the bastion when there is one. ctx bounds
// the TCP connect and the handshake.
func (d *dialer) dial(ctx context.Context, addr string) (*ssh.Client, error) {
	var conn net.Conn
	var err error
	if d.bastion != "" {
		d.once.Do(func() {
			d.bastionCli, d.bastionErr = d.handshake(ctx, d.bastion, nil)
		})
		if d.bastionErr != nil {
			return nil, fmt.Errorf("bastion host %s: %w", d.bastion, d.bastionErr)
		}
		conn, err = d.bastionCli.DialContext(ctx, "tcp", addr)
		if err != nil {
			err = fmt.Errorf("through bastion host %s: %w", d.bastion, err)
		}
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	return d.handshake(ctx, addr, conn)
}

func (d *dialer) handshake(ctx context.Context, addr string, conn net.Conn) (*ssh.Client, error) {
	if conn == nil {
		var err error
		if conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr); err != nil {
			return nil, err
		}
	}
	// The handshake has no context of its own: closing the connection is
	// what stops it.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, d.configFor(addr))
	if !stop() {
		if err == nil {
			_ = c.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		_ = conn.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("authentication as user %q failed: %w", d.config.User, err)
		}
		return nil, err
	}
	return ssh.NewClient(c, chans, reqs), nil
}

func (d *dialer) close() {
	if d.bastionCli != nil {
		_ = d.bastionCli.Close()
	}
	for _, c := range d.closers {
		_ = c()
	}
}

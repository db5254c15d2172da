package cluster

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// One TCP port carries raft and the cluster's own RPC, as in Consul and
// Nomad: every connection opens with a byte that says which.
const (
	connRaft byte = 0x01
	connRPC  byte = 0x02
)

const (
	nonceSize        = 16
	handshakeTimeout = 5 * time.Second
)

// mux accepts connections on the raft address and routes them.
type mux struct {
	ln     net.Listener
	secret []byte
	logger hclog.Logger

	raftConns chan net.Conn
	serveRPC  func(net.Conn)

	closeOnce sync.Once
	closed    chan struct{}

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open inbound connections, closed with the mux
}

func newMux(ln net.Listener, secret string, logger hclog.Logger) *mux {
	m := &mux{ln: ln, logger: logger, raftConns: make(chan net.Conn), closed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	if secret != "" {
		m.secret = []byte(secret)
	}
	return m
}

func (m *mux) run() {
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			m.logger.Error("failed to accept cluster connection", "error", err)
			return
		}
		tc := &trackedConn{Conn: conn, m: m}
		if !m.track(tc) {
			conn.Close()
			return
		}
		go m.route(tc)
	}
}

// track remembers an inbound connection so that close can end it: a
// stopped node must not keep answering on connections opened earlier.
func (m *mux) track(conn net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns == nil {
		return false
	}
	m.conns[conn] = struct{}{}
	return true
}

// route reads the type byte, authenticates the peer when a secret is set,
// and hands the connection on.
func (m *mux) route(conn net.Conn) {
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	var kind [1]byte
	if _, err := io.ReadFull(conn, kind[:]); err != nil {
		conn.Close()
		return
	}
	if err := serverHandshake(conn, m.secret); err != nil {
		m.logger.Warn("refused cluster connection", "remote", conn.RemoteAddr(), "error", err)
		conn.Close()
		return
	}
	_ = conn.SetDeadline(time.Time{})
	switch kind[0] {
	case connRaft:
		select {
		case m.raftConns <- conn:
		case <-m.closed:
			conn.Close()
		}
	case connRPC:
		m.serveRPC(conn)
	default:
		m.logger.Warn("refused cluster connection of unknown type", "remote", conn.RemoteAddr(), "type", kind[0])
		conn.Close()
	}
}

func (m *mux) close() {
	m.closeOnce.Do(func() {
		close(m.closed)
		m.ln.Close()
		m.mu.Lock()
		for c := range m.conns {
			c.(*trackedConn).Conn.Close()
		}
		m.conns = nil
		m.mu.Unlock()
	})
}

// trackedConn forgets itself in the mux when closed.
type trackedConn struct {
	net.Conn
	m *mux
}

func (c *trackedConn) Close() error {
	c.m.mu.Lock()
	delete(c.m.conns, c)
	c.m.mu.Unlock()
	return c.Conn.Close()
}

// dial opens a connection of the given kind to a peer's raft address.
func dial(addr string, kind byte, secret []byte, timeout time.Duration) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := conn.Write([]byte{kind}); err != nil {
		conn.Close()
		return nil, err
	}
	if err := clientHandshake(conn, secret); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cluster handshake with %s failed: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, nil
}

// The handshake proves to each side that the other knows the secret,
// without sending it: each sends a nonce and answers the other's with
// HMAC-SHA256(secret, role ‖ nonce). With no secret it is skipped.
func proof(secret []byte, role string, nonce []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(role))
	h.Write(nonce)
	return h.Sum(nil)
}

var errBadSecret = errors.New("cluster secret mismatch")

func clientHandshake(conn net.Conn, secret []byte) error {
	if secret == nil {
		return nil
	}
	nonce := make([]byte, nonceSize)
	_, _ = rand.Read(nonce)
	if _, err := conn.Write(nonce); err != nil {
		return err
	}
	reply := make([]byte, nonceSize+sha256.Size)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return errBadSecret // the server hangs up on a wrong secret
	}
	if !hmac.Equal(reply[nonceSize:], proof(secret, "server", nonce)) {
		return errBadSecret
	}
	_, err := conn.Write(proof(secret, "client", reply[:nonceSize]))
	return err
}

func serverHandshake(conn net.Conn, secret []byte) error {
	if secret == nil {
		return nil
	}
	theirs := make([]byte, nonceSize)
	if _, err := io.ReadFull(conn, theirs); err != nil {
		return err
	}
	ours := make([]byte, nonceSize)
	_, _ = rand.Read(ours)
	if _, err := conn.Write(append(ours, proof(secret, "server", theirs)...)); err != nil {
		return err
	}
	answer := make([]byte, sha256.Size)
	if _, err := io.ReadFull(conn, answer); err != nil {
		return err
	}
	if !hmac.Equal(answer, proof(secret, "client", ours)) {
		return errBadSecret
	}
	return nil
}

// streamLayer gives raft's NetworkTransport the raft half of the mux.
type streamLayer struct {
	m    *mux
	addr net.Addr
}

func (s *streamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-s.m.raftConns:
		return c, nil
	case <-s.m.closed:
		return nil, net.ErrClosed
	}
}

func (s *streamLayer) Close() error   { s.m.close(); return nil }
func (s *streamLayer) Addr() net.Addr { return s.addr }

func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return dial(string(addr), connRaft, s.m.secret, timeout)
}

package cluster

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

// The cluster RPC is request/response frames over persistent connections:
// a 4-byte big-endian length, then a JSON document.
const maxFrame = 64 << 20

// RPC operations.
const (
	opApply     = "apply"
	opJoin      = "join"
	opRemove    = "remove"
	opReadIndex = "readindex"
	opStatus    = "status"
)

type rpcRequest struct {
	Op   string `json:"op"`
	Data []byte `json:"data,omitempty"` // apply: the raw command
	// Join and remove.
	NodeID   string `json:"node_id,omitempty"`
	RaftAddr string `json:"raft_addr,omitempty"`
	HTTPAddr string `json:"http_addr,omitempty"`
}

type rpcResponse struct {
	Index uint64       `json:"index,omitempty"`
	Kind  structs.Kind `json:"kind,omitempty"`
	Err   string       `json:"err,omitempty"`
	// Status.
	ID        string `json:"id,omitempty"`
	State     string `json:"state,omitempty"`
	HTTPAddr  string `json:"http_addr,omitempty"`
	LastIndex uint64 `json:"last_index,omitempty"`
}

// errorOf rebuilds the error a peer sent, keeping its Kind so that
// errors.Is works the same on every node.
func (r *rpcResponse) errorOf() error {
	if r.Err == "" {
		return nil
	}
	return &structs.Error{Kind: r.Kind, Msg: r.Err}
}

func responseFor(index uint64, err error) rpcResponse {
	if err == nil {
		return rpcResponse{Index: index}
	}
	return rpcResponse{Index: index, Kind: structs.KindOf(err), Err: err.Error()}
}

func writeFrame(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	_, err = w.Write(append(buf, body...))
	return err
}

func readFrame(r io.Reader, v any) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return fmt.Errorf("cluster rpc frame of %d bytes is over the limit", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// serveRPC answers requests on one connection until it closes.
func (n *Node) serveRPC(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		var req rpcRequest
		if err := readFrame(r, &req); err != nil {
			if !errors.Is(err, io.EOF) {
				n.logger.Debug("cluster rpc connection ended", "remote", conn.RemoteAddr(), "error", err)
			}
			return
		}
		resp := n.handleRPC(&req)
		if err := writeFrame(conn, resp); err != nil {
			return
		}
	}
}

func (n *Node) handleRPC(req *rpcRequest) rpcResponse {
	switch req.Op {
	case opApply:
		if !n.IsLeader() {
			return responseFor(0, errNotLeader)
		}
		idx, err := n.applyLocal(req.Data, n.cfg.ApplyTimeout)
		return responseFor(idx, err)
	case opJoin:
		return responseFor(0, n.joinLocal(req.NodeID, req.RaftAddr))
	case opRemove:
		return responseFor(0, n.removeLocal(req.NodeID))
	case opReadIndex:
		idx, err := n.readIndexLocal()
		return responseFor(idx, err)
	case opStatus:
		return rpcResponse{ID: n.ID(), State: n.stateName(), HTTPAddr: n.cfg.HTTPAddr, LastIndex: n.raft.LastIndex()}
	default:
		return responseFor(0, structs.Errorf(structs.KindInvalid, "unknown cluster rpc %q", req.Op))
	}
}

var errNotLeader = &structs.Error{Kind: structs.KindUnavailable, Msg: "not the leader"}

// pool keeps idle RPC connections per peer so that forwarding a write does
// not pay for a dial and a handshake.
type pool struct {
	secret []byte
	mu     sync.Mutex
	idle   map[string][]net.Conn
	closed bool
}

const maxIdlePerPeer = 64

func (p *pool) get(addr string) (net.Conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, net.ErrClosed
	}
	if conns := p.idle[addr]; len(conns) > 0 {
		c := conns[len(conns)-1]
		p.idle[addr] = conns[:len(conns)-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return dial(addr, connRPC, p.secret, 5*time.Second)
}

func (p *pool) put(addr string, c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle[addr]) >= maxIdlePerPeer {
		c.Close()
		return
	}
	p.idle[addr] = append(p.idle[addr], c)
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, conns := range p.idle {
		for _, c := range conns {
			c.Close()
		}
	}
	p.idle = nil
}

// errDial marks a request that never reached the peer, so retrying it
// cannot apply a command twice.
type errDial struct{ err error }

func (e errDial) Error() string { return "failed to reach peer: " + e.err.Error() }
func (e errDial) Unwrap() error { return e.err }

// call sends one request and waits for the answer, within timeout.
func (p *pool) call(addr string, req *rpcRequest, timeout time.Duration) (*rpcResponse, error) {
	c, err := p.get(addr)
	if err != nil {
		return nil, errDial{err}
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	if err := writeFrame(c, req); err != nil {
		c.Close()
		// A stale pooled connection fails on write: nothing was sent.
		return nil, errDial{err}
	}
	var resp rpcResponse
	if err := readFrame(c, &resp); err != nil {
		c.Close()
		return nil, fmt.Errorf("failed to read reply from %s: %w", addr, err)
	}
	_ = c.SetDeadline(time.Time{})
	p.put(addr, c)
	return &resp, nil
}

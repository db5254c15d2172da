package pyrunner

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/squall-io/squall/sdk/python"
)

// forkServer is a long-lived interpreter that forks a child per run (see
// compat/squall_forkserver.py): a run then costs a fork, not a Python start.
type forkServer struct {
	python, lib string

	mu   sync.Mutex
	cmd  *exec.Cmd
	sock string
	dead chan struct{}
}

// forkServer returns the running fork server of python, starting it if
// needed; nil when it cannot run (the caller starts Python directly).
func (r *Runner) forkServer(python, lib string) *forkServer {
	if os.Getenv("SQUALL_PYTHON_NO_FORKSERVER") != "" {
		return nil
	}
	r.fsMu.Lock()
	fs := r.servers[python]
	if fs == nil {
		fs = &forkServer{python: python, lib: lib}
		r.servers[python] = fs
	}
	r.fsMu.Unlock()
	if err := fs.ensure(); err != nil {
		return nil
	}
	return fs
}

// ensure starts the server unless it is running.
func (f *forkServer) ensure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cmd != nil {
		select {
		case <-f.dead:
		default:
			return nil
		}
	}
	dir, err := os.MkdirTemp("", "squall-forkserver-")
	if err != nil {
		return err
	}
	sock := filepath.Join(dir, "s")
	cmd := exec.Command(f.python, "-u", filepath.Join(f.lib, "squall_forkserver.py"), sock)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+f.lib, "PYTHONDONTWRITEBYTECODE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("fork server said %q", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = fmt.Errorf("fork server did not start in 10s")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	dead := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = os.RemoveAll(dir); close(dead) }()
	f.cmd, f.sock, f.dead = cmd, sock, dead
	return nil
}

// spawn forks a child for one run and hands it the run's pipes.
func (f *forkServer) spawn(p *python.Pipes) (process, error) {
	f.mu.Lock()
	sock := f.sock
	f.mu.Unlock()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, file := range p.Theirs() {
		fds = append(fds, int(file.Fd()))
	}
	if _, _, err := conn.WriteMsgUnix([]byte{'x'}, syscall.UnixRights(fds...), nil); err != nil {
		conn.Close()
		return nil, err
	}
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		conn.Close()
		return nil, fmt.Errorf("fork server did not report a child: %v %v", err, perr)
	}
	return &forkedProcess{p: pid, conn: conn, rd: rd}, nil
}

type forkedProcess struct {
	p    int
	conn *net.UnixConn
	rd   *bufio.Reader
}

func (c *forkedProcess) pid() int { return c.p }

// wait reads the exit status the server reports when the child ends.
func (c *forkedProcess) wait() int {
	defer c.conn.Close()
	line, err := c.rd.ReadString('\n')
	code, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		return -1
	}
	return code
}

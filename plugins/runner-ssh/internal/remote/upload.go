package remote

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// safeName is an execution id usable as a directory name as it is.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// runDirName is the directory under dir a run's script goes in: the
// execution id, as st2 does, so a leftover is easy to trace.
func runDirName(executionID string) string {
	if safeName.MatchString(executionID) && strings.Trim(executionID, ".") != "" {
		return executionID
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "squall-" + hex.EncodeToString(b)
}

// upload copies the script (and a lib directory beside it, as st2 does)
// into dir/name on the host over sftp, making the script executable. The
// cleanup it returns removes that directory; call it even on error.
func upload(c *ssh.Client, local, dir, name string) (string, func(), error) {
	sc, err := sftp.NewClient(c)
	if err != nil {
		return "", nil, fmt.Errorf("cannot start sftp: %w", err)
	}
	remoteDir := path.Join(dir, name)
	cleanup := func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = sc.RemoveAll(remoteDir)
			_ = sc.Close()
		}()
		select {
		case <-done:
		case <-time.After(cleanupTime): // a hung host must not hold the run
			_ = c.Close()
			<-done
		}
	}
	if err := sc.MkdirAll(remoteDir); err != nil {
		return "", cleanup, fmt.Errorf("cannot create %s: %w", remoteDir, err)
	}
	remoteScript := path.Join(remoteDir, filepath.Base(local))
	if err := put(sc, local, remoteScript, 0o744); err != nil {
		return "", cleanup, err
	}
	lib := filepath.Join(filepath.Dir(local), "lib")
	if st, err := os.Stat(lib); err == nil && st.IsDir() {
		err := filepath.WalkDir(lib, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(lib), p)
			target := path.Join(remoteDir, filepath.ToSlash(rel))
			if e.IsDir() {
				return sc.MkdirAll(target)
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() {
				return err
			}
			return put(sc, p, target, info.Mode().Perm())
		})
		if err != nil {
			return "", cleanup, fmt.Errorf("cannot copy %s: %w", lib, err)
		}
	}
	return remoteScript, cleanup, nil
}

func put(sc *sftp.Client, local, remote string, mode os.FileMode) error {
	in, err := os.Open(local)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := sc.OpenFile(remote, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", remote, err)
	}
	if _, err := io.Copy(f, in); err != nil {
		_ = f.Close()
		return fmt.Errorf("cannot write %s: %w", remote, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", remote, err)
	}
	// Explicitly: the mode an open sets is subject to the server's umask.
	if err := sc.Chmod(remote, mode); err != nil {
		return fmt.Errorf("cannot chmod %s: %w", remote, err)
	}
	return nil
}

// stripShellChars drops one trailing newline (and a carriage return before
// it), as st2's strip_shell_chars does for runner output.
func stripShellChars(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// jsonLoads is st2's jsonify.json_loads on stdout and stderr: output that
// is a JSON document becomes that value, so workflows can address into it.
func jsonLoads(s string) any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return s
	}
	if _, err := d.Token(); err != io.EOF {
		return s
	}
	return v
}

// streamed forwards output to the host, ignoring its errors: a broken
// stream must not stop reading the remote output, or the command blocks.
type streamed struct{ w io.Writer }

func (s streamed) Write(p []byte) (int, error) {
	_, _ = s.w.Write(p)
	return len(p), nil
}

// capped keeps the first limit bytes written and counts the rest. It is
// locked: a run that gave up on a command reads it while output may still
// arrive.
type capped struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.limit - c.buf.Len()
	switch {
	case room >= len(p):
		c.buf.Write(p)
	case room > 0:
		c.buf.Write(p[:room])
		c.dropped += len(p) - room
	default:
		c.dropped += len(p)
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped == 0 {
		return c.buf.String()
	}
	return fmt.Sprintf("%s\n[output truncated: %d more bytes not kept; the result keeps the first %d]",
		c.buf.String(), c.dropped, c.limit)
}

package python

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// venvs creates a virtualenv per pack that has a requirements.txt, on the
// first run of one of its actions or sensors (StackStorm creates it at
// install), in the plugin's cache: <cache>/squall/virtualenvs/<pack>-<hash>
// (SQUALL_PYTHON_VIRTUALENVS overrides the root). A changed
// requirements.txt gets a new one.
type venvs struct {
	python string
	root   string

	mu    sync.Mutex
	ready map[string]*venv
}

// venv is one pack virtualenv. A failed creation is not remembered: it
// may have failed because the run that asked was stopped (a sensor stopped
// during pip install), and the next run tries again.
type venv struct {
	mu     sync.Mutex // held while creating, so that one run creates it
	python string     // set once it exists
}

func newVenvs(python string) *venvs {
	root := os.Getenv("SQUALL_PYTHON_VIRTUALENVS")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "squall", "virtualenvs")
	}
	return &venvs{python: python, root: root, ready: map[string]*venv{}}
}

// interpreter returns the Python that runs the pack's code.
func (v *venvs) interpreter(ctx context.Context, pack, packPath string) (string, error) {
	reqs, err := os.ReadFile(filepath.Join(packPath, "requirements.txt"))
	if packPath == "" || os.IsNotExist(err) {
		return v.python, nil
	}
	if err != nil {
		return "", fmt.Errorf("failed to read the pack's requirements.txt: %w", err)
	}
	sum := sha256.Sum256(reqs)
	dir := filepath.Join(v.root, pack+"-"+hex.EncodeToString(sum[:6]))
	v.mu.Lock()
	e := v.ready[dir]
	if e == nil {
		e = &venv{}
		v.ready[dir] = e
	}
	v.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.python == "" {
		py, err := v.create(ctx, dir, reqs)
		if err != nil {
			return "", err
		}
		e.python = py
	}
	return e.python, nil
}

// create makes the virtualenv unless a complete one is there already.
func (v *venvs) create(ctx context.Context, dir string, reqs []byte) (string, error) {
	python := filepath.Join(dir, "bin", "python")
	if _, err := os.Stat(filepath.Join(dir, ".squall-complete")); err == nil {
		return python, nil
	}
	_ = os.RemoveAll(dir)
	needPip := hasRequirements(reqs)
	args := []string{"-m", "venv"}
	if !needPip {
		args = append(args, "--without-pip")
	}
	if err := run(ctx, v.python, append(args, dir)...); err != nil {
		return "", fmt.Errorf("failed to create the pack's virtualenv: %w", err)
	}
	if needPip {
		reqFile := filepath.Join(dir, "requirements.txt")
		if err := os.WriteFile(reqFile, reqs, 0o644); err != nil {
			return "", err
		}
		if err := run(ctx, python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", reqFile); err != nil {
			return "", fmt.Errorf("failed to install the pack's requirements: %w", err)
		}
	}
	return python, os.WriteFile(filepath.Join(dir, ".squall-complete"), nil, 0o644)
}

// hasRequirements reports whether a requirements file names anything.
func hasRequirements(reqs []byte) bool {
	for _, line := range strings.Split(string(reqs), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}

func run(ctx context.Context, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

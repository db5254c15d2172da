// Package python is what a plugin needs to run StackStorm's Python content
// (python-script actions, sensors) unmodified: the interpreter of each pack
// (its own virtualenv when it has a requirements.txt), squall's st2common
// compatibility library, an interpreter started with the bridge pipes, and
// the datastore calls that come over the bridge.
//
// The bridge: Python writes JSON requests, one a line, on its fd 3 and
// reads the answers on its fd 4 (lib/squall_bridge.py); stdout and stderr
// stay the code's own. A plugin may add fd 5 for messages Python did not
// ask for (a sensor's trigger updates).
package python

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Interpreters chooses the Python that runs each pack's code.
type Interpreters struct {
	python string // SQUALL_PYTHON, or python3
	venvs  *venvs

	resolveOnce sync.Once
	real        string // the interpreter behind python
}

// NewInterpreters reads SQUALL_PYTHON (the interpreter, python3 by default)
// and SQUALL_PYTHON_VIRTUALENVS (where pack virtualenvs go).
func NewInterpreters() *Interpreters {
	py := os.Getenv("SQUALL_PYTHON")
	if py == "" {
		py = "python3"
	}
	return &Interpreters{python: py, venvs: newVenvs(py)}
}

// ForPack returns the interpreter of a pack: its virtualenv's when it has
// a requirements.txt (created on first use), else the configured one.
func (i *Interpreters) ForPack(ctx context.Context, pack, packPath string) (string, error) {
	py, err := i.venvs.interpreter(ctx, pack, packPath)
	if err != nil {
		return "", err
	}
	if py == i.python {
		return i.resolved(), nil
	}
	return py, nil
}

// resolved is the interpreter's own path: a wrapper such as a pyenv shim
// costs about 100 ms per start, more than Python itself.
func (i *Interpreters) resolved() string {
	i.resolveOnce.Do(func() {
		i.real = i.python
		out, err := exec.Command(i.python, "-c", "import sys; print(sys.executable)").Output()
		if p := strings.TrimSpace(string(out)); err == nil && p != "" {
			i.real = p
		}
	})
	return i.real
}

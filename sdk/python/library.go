package python

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// shared is what every plugin's Python needs: the bridge and the parts of
// st2common that actions and sensors both import. "all:" keeps the
// __init__.py files, which a plain directory pattern would leave out.
//
//go:embed all:lib
var shared embed.FS

// Library is the directory a plugin puts on PYTHONPATH: the shared modules
// and the plugin's own (its wrapper, the st2 packages only it needs),
// written once per plugin process.
type Library struct {
	own fs.FS

	once sync.Once
	dir  string
	err  error
}

// NewLibrary returns the library of a plugin whose own modules are the
// root of own; its files win over shared ones of the same path.
func NewLibrary(own fs.FS) *Library { return &Library{own: own} }

// Dir writes the library on first use and returns its directory.
func (l *Library) Dir() (string, error) {
	l.once.Do(func() {
		dir, err := os.MkdirTemp("", "squall-python-")
		if err != nil {
			l.err = err
			return
		}
		lib, err := fs.Sub(shared, "lib")
		if err == nil {
			err = writeTree(dir, lib)
		}
		if err == nil && l.own != nil {
			err = writeTree(dir, l.own)
		}
		l.dir, l.err = dir, err
	})
	return l.dir, l.err
}

func writeTree(dir string, src fs.FS) error {
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			return fs.SkipDir
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}

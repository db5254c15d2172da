package packs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/squall-io/squall/cluster/structs"
)

// Materialize writes a pack's replicated files under root, once per
// content hash, and returns the pack's directory. A node that did not
// register the pack runs its actions from there.
func Materialize(c *structs.PackContent, root string) (string, error) {
	short := c.Hash
	if len(short) > 16 {
		short = short[:16]
	}
	dir := filepath.Join(root, c.Pack+"-"+short)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(root, "."+c.Pack+"-")
	if err != nil {
		if err := os.MkdirAll(root, 0o700); err != nil {
			return "", err
		}
		if tmp, err = os.MkdirTemp(root, "."+c.Pack+"-"); err != nil {
			return "", err
		}
	}
	defer os.RemoveAll(tmp) // gone after the rename; cleans up on failure
	for _, f := range c.Files {
		rel := path.Clean(f.Path)
		if strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			return "", fmt.Errorf("pack file %q escapes the pack", f.Path)
		}
		dst := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, f.Data, fs.FileMode(f.Mode)&0o755|0o400); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return dir, nil // another run materialized it first
		}
		return "", err
	}
	return dir, nil
}

// WriteBuiltins copies the embedded built-in packs into dir, replacing
// what an older binary wrote there. Scripts (files starting with "#!")
// become executable.
func WriteBuiltins(src fs.FS, dir string) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	var names []string
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			if !strings.Contains(p, "/") {
				names = append(names, p)
			}
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if strings.HasPrefix(string(data), "#!") {
			mode = 0o755
		}
		return os.WriteFile(dst, data, mode)
	})
	return names, err
}

// Package packs reads StackStorm packs from disk: pack.yaml, actions with
// their entry points, trigger types, sensors, config schemas and configs
// (rules are read by the rules service, which validates them). A pack is read and
// validated whole into a command.PackBundle, so registration is all or
// nothing; errors name the file and the field.
package packs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// Limits on what a pack may carry into the cluster; its files are
// replicated to every node through raft.
const (
	MaxFileSize = 8 << 20
	MaxPackSize = 64 << 20
)

// skipDirs are never replicated: history, caches and environments that
// each node builds for itself.
var skipDirs = map[string]bool{".git": true, "__pycache__": true, "virtualenv": true, ".venv": true, "node_modules": true}

var packRefRe = regexp.MustCompile(`^[a-z0-9_]+$`)

// Options tell Load what it validates against.
type Options struct {
	// RunnerType returns a known runner type by name.
	RunnerType func(name string) (structs.RunnerType, bool)
	// ConfigsDir holds <pack>.yaml configs (StackStorm's /opt/stackstorm/configs).
	ConfigsDir string
	// NewID returns a fresh object id for new actions.
	NewID func() string
	// SkipUnknownRunners leaves out actions whose runner type no node
	// provides instead of failing (the built-in packs ship actions for
	// runners that arrive with plugins).
	SkipUnknownRunners bool
}

// Error is a registration error in one file.
type Error struct {
	File  string
	Field string
	Msg   string

	unknownRunner bool
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

func errorf(file, field, format string, args ...any) *Error {
	return &Error{File: file, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// packMeta is pack.yaml.
type packMeta struct {
	Ref         string   `yaml:"ref"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Version     string   `yaml:"version"`
	Author      string   `yaml:"author"`
	Email       string   `yaml:"email"`
	Keywords    []string `yaml:"keywords"`
}

// Find maps pack refs to their directories across search paths; the first
// path that has a pack wins (the built-in packs come first).
func Find(paths []string) (map[string]string, error) {
	found := map[string]string{}
	for _, root := range paths {
		entries, err := os.ReadDir(root)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("failed to read packs path %s: %w", root, err)
		}
		for _, e := range entries {
			dir := filepath.Join(root, e.Name())
			if _, err := os.Stat(filepath.Join(dir, "pack.yaml")); err != nil {
				continue
			}
			ref, err := readRef(dir)
			if err != nil {
				return nil, err
			}
			if _, dup := found[ref]; !dup {
				found[ref] = dir
			}
		}
	}
	return found, nil
}

func readRef(dir string) (string, error) {
	file := filepath.Join(dir, "pack.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("failed to read %s: %w", file, err)
	}
	var m packMeta
	if err := DecodeYAML(data, &m); err != nil {
		return "", errorf(file, "", "%v", err)
	}
	return packRef(file, m)
}

func packRef(file string, m packMeta) (string, error) {
	if m.Name == "" {
		return "", errorf(file, "name", "is required")
	}
	ref := m.Ref
	if ref == "" {
		ref = m.Name
	}
	if !packRefRe.MatchString(ref) {
		return "", errorf(file, "ref", "%q is not a valid pack ref (lower-case letters, digits and underscores; set ref when the name has others)", ref)
	}
	return ref, nil
}

// Load reads and validates the pack in dir.
func Load(dir string, o Options) (command.PackBundle, error) {
	var b command.PackBundle
	dir, err := filepath.Abs(dir)
	if err != nil {
		return b, err
	}
	file := filepath.Join(dir, "pack.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return b, fmt.Errorf("failed to read %s: %w", file, err)
	}
	var m packMeta
	if err := DecodeYAML(data, &m); err != nil {
		return b, errorf(file, "", "%v", err)
	}
	ref, err := packRef(file, m)
	if err != nil {
		return b, err
	}
	b.Pack = structs.Pack{
		Ref: ref, Name: m.Name, Description: m.Description, Version: m.Version,
		Author: m.Author, Email: m.Email, Keywords: m.Keywords, Path: dir,
	}
	if b.Pack.ConfigSchema, b.Pack.Config, err = loadConfig(dir, ref, o.ConfigsDir); err != nil {
		return b, err
	}
	if b.Content, err = readFiles(dir, ref); err != nil {
		return b, err
	}
	b.Pack.ContentHash = b.Content.Hash
	if b.Actions, err = loadActions(dir, ref, o); err != nil {
		return b, err
	}
	if b.TriggerTypes, err = loadTriggerTypes(dir, ref, o); err != nil {
		return b, err
	}
	sensors, types, err := loadSensors(dir, ref, o)
	if err != nil {
		return b, err
	}
	b.Sensors, b.TriggerTypes = sensors, append(b.TriggerTypes, types...)
	return b, nil
}

// readFiles collects the pack's files for replication, with a hash that
// changes when any file's path, mode or bytes do.
func readFiles(dir, ref string) (structs.PackContent, error) {
	c := structs.PackContent{Pack: ref}
	total := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(path, ".pyc") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if info.Size() > MaxFileSize {
			return errorf(path, "", "file is %d bytes; a pack file may have at most %d", info.Size(), MaxFileSize)
		}
		total += int(info.Size())
		if total > MaxPackSize {
			return errorf(dir, "", "pack is larger than %d bytes", MaxPackSize)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.Files = append(c.Files, structs.PackFile{Path: filepath.ToSlash(rel), Mode: uint32(info.Mode().Perm()), Data: data})
		return nil
	})
	if err != nil {
		return c, err
	}
	sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].Path < c.Files[j].Path })
	h := sha256.New()
	for _, f := range c.Files {
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", f.Path, f.Mode, len(f.Data))
		h.Write(f.Data)
	}
	c.Hash = hex.EncodeToString(h.Sum(nil))
	return c, nil
}

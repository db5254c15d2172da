// Package harness builds the real squall binary once and runs real nodes
// and clusters on loopback for the integration tests and the load
// generator. Every process it starts is killed at cleanup.
package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// T is the part of testing.TB the harness needs, so that the load
// generator can use it outside tests.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Failed() bool
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of bin/squall (with an st2 link and the plugin
// binaries beside it): $SQUALL_BIN if set, else built once per process
// from the module.
func Binary(t T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("SQUALL_BIN"); p != "" {
			binPath, buildErr = filepath.Abs(p)
			return
		}
		binPath, buildErr = build()
	})
	if buildErr != nil {
		t.Fatalf("build squall: %v", buildErr)
	}
	return binPath
}

func build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "squall-it-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "squall")
	if err := goBuild(root, out, "./host/cmd/squall"); err != nil {
		return "", err
	}
	if err := os.Symlink("squall", filepath.Join(dir, "st2")); err != nil {
		return "", err
	}
	// The plugins go beside squall, where a node looks for them by default.
	plugins, _ := filepath.Glob(filepath.Join(root, "plugins", "*", "main.go"))
	for _, main := range plugins {
		name := filepath.Base(filepath.Dir(main))
		if err := goBuild(root, filepath.Join(dir, "squall-"+name), "./plugins/"+name); err != nil {
			return "", err
		}
	}
	return out, nil
}

// BuildPackage builds the main package at pkg (relative to the module
// root) into dir/name, for plugins that do not ship with squall.
func BuildPackage(t T, pkg, dir, name string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("%v", err)
	}
	out := filepath.Join(dir, name)
	if err := goBuild(root, out, pkg); err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

func goBuild(root, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// CleanBuild removes a binary built by Binary; TestMain calls it.
func CleanBuild() {
	if binPath != "" && os.Getenv("SQUALL_BIN") == "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// FreeAddr returns a loopback address with a port free right now.
func FreeAddr(t T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// WaitFor retries f until it returns nil, failing after timeout.
func WaitFor(t T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s: %v", timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

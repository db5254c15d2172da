// Package integration runs the real squall binary: single nodes driven by
// the real st2 CLI, restarts after kill -9, and three-node clusters.
package integration

import (
	"os"
	"testing"

	"github.com/squall-io/squall/integration/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.CleanBuild()
	os.Exit(code)
}

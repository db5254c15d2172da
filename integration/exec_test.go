package integration

import (
	osexec "os/exec"
	"testing"
)

// exec runs a binary that must succeed and returns its combined output.
func exec(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := osexec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
	return string(out)
}

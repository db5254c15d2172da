// Command squall-runner-python runs StackStorm python-script actions
// unmodified, with a small compatibility layer for st2common.
package main

import (
	"github.com/squall-io/squall/plugins/runner-python/internal/pyrunner"
	"github.com/squall-io/squall/sdk/runner"
)

func main() { runner.Serve(pyrunner.New()) }

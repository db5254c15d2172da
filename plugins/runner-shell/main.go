// Command squall-runner-shell is the runner plugin for local commands and
// scripts: StackStorm's local-shell-cmd and local-shell-script.
package main

import (
	"github.com/squall-io/squall/plugins/runner-shell/internal/shell"
	"github.com/squall-io/squall/sdk/runner"
)

func main() { runner.Serve(shell.New()) }

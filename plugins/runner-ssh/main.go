// Command squall-runner-ssh is the runner plugin for commands and scripts
// on remote hosts over SSH: StackStorm's remote-shell-cmd and
// remote-shell-script.
package main

import (
	"github.com/squall-io/squall/plugins/runner-ssh/internal/remote"
	"github.com/squall-io/squall/sdk/runner"
)

func main() { runner.Serve(remote.New()) }

// Command squall-runner-winrm is the runner plugin for Windows hosts over
// WinRM: StackStorm's winrm-cmd, winrm-ps-cmd and winrm-ps-script.
package main

import (
	"github.com/squall-io/squall/plugins/runner-winrm/internal/winrmrunner"
	"github.com/squall-io/squall/sdk/runner"
)

func main() { runner.Serve(winrmrunner.New()) }

// Command squall-runner-actionchain is the workflow engine plugin for
// StackStorm's action-chain runner.
package main

import (
	"github.com/squall-io/squall/plugins/runner-actionchain/internal/actionchain"
	"github.com/squall-io/squall/sdk/workflow"
)

func main() { workflow.Serve(actionchain.New()) }

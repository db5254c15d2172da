// Command squall-runner-http is the runner plugin for HTTP requests:
// StackStorm's http-request runner.
package main

import (
	"github.com/squall-io/squall/plugins/runner-http/internal/httprunner"
	"github.com/squall-io/squall/sdk/runner"
)

func main() { runner.Serve(httprunner.New()) }

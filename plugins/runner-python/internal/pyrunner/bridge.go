package pyrunner

import (
	"context"
	"encoding/json"
	"io"

	"github.com/squall-io/squall/sdk/python"
	"github.com/squall-io/squall/sdk/runner"
)

// bridgeRequest is one line from the action: a datastore call or its result.
type bridgeRequest struct {
	python.DatastoreCall
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
}

// bridgeResult is what the action reported at its end.
type bridgeResult struct {
	Status string
	Result any
}

// serveBridge answers the action's datastore calls through the host
// service until the action reports its result or closes the channel.
func serveBridge(ctx context.Context, req *runner.Request, in io.Reader, out io.Writer) *bridgeResult {
	var res *bridgeResult
	python.Serve(in, out, func(line []byte) (python.Answer, bool) {
		var r bridgeRequest
		if err := json.Unmarshal(line, &r); err != nil {
			return python.Answer{Error: "bad request from the action: " + err.Error()}, true
		}
		if r.Op == "result" {
			var v any
			if len(r.Result) > 0 {
				_ = json.Unmarshal(r.Result, &v)
			}
			res = &bridgeResult{Status: r.Status, Result: v}
			return python.Answer{}, false
		}
		return python.Datastore(ctx, req.Host, r.DatastoreCall), true
	})
	return res
}

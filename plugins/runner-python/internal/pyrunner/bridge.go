package pyrunner

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/runner"
)

// bridgeRequest is one line from the action: a datastore call or its result.
type bridgeRequest struct {
	Op      string          `json:"op"`
	Name    string          `json:"name"`
	Value   string          `json:"value"`
	Prefix  string          `json:"prefix"`
	Scope   string          `json:"scope"`
	Decrypt bool            `json:"decrypt"`
	Encrypt bool            `json:"encrypt"`
	TTL     int64           `json:"ttl"`
	Status  string          `json:"status"`
	Result  json.RawMessage `json:"result"`
}

type bridgeAnswer struct {
	OK       bool   `json:"ok"`
	Value    any    `json:"value,omitempty"`
	Error    string `json:"error,omitempty"`
	NotFound bool   `json:"not_found,omitempty"`
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
	readLines(in, func(line []byte) {
		var r bridgeRequest
		if err := json.Unmarshal(line, &r); err != nil {
			writeAnswer(out, bridgeAnswer{Error: "bad request from the action: " + err.Error()})
			return
		}
		if r.Op == "result" {
			var v any
			if len(r.Result) > 0 {
				_ = json.Unmarshal(r.Result, &v)
			}
			res = &bridgeResult{Status: r.Status, Result: v}
			return
		}
		writeAnswer(out, call(ctx, req.Host, r))
	})
	return res
}

func call(ctx context.Context, host hostservice.Client, r bridgeRequest) bridgeAnswer {
	var err error
	var value any
	switch r.Op {
	case "get":
		var kv hostservice.KeyValue
		kv, err = host.Get(ctx, hostservice.GetRequest{Name: r.Name, Scope: r.Scope, Decrypt: r.Decrypt})
		value = item(kv)
	case "set":
		err = host.Set(ctx, hostservice.SetRequest{Name: r.Name, Value: r.Value, Scope: r.Scope, Encrypt: r.Encrypt, TTL: r.TTL})
		value = true
	case "delete":
		err = host.Delete(ctx, hostservice.DeleteRequest{Name: r.Name, Scope: r.Scope})
		if errors.Is(err, hostservice.ErrNotFound) {
			return bridgeAnswer{OK: true, Value: false}
		}
		value = true
	case "list":
		var kvs []hostservice.KeyValue
		kvs, err = host.List(ctx, hostservice.ListRequest{Prefix: r.Prefix, Scope: r.Scope})
		items := make([]map[string]any, 0, len(kvs))
		for _, kv := range kvs {
			items = append(items, item(kv))
		}
		value = items
	default:
		return bridgeAnswer{Error: "unknown operation " + r.Op}
	}
	if errors.Is(err, hostservice.ErrNotFound) {
		return bridgeAnswer{NotFound: true}
	}
	if err != nil {
		return bridgeAnswer{Error: err.Error()}
	}
	return bridgeAnswer{OK: true, Value: value}
}

func item(kv hostservice.KeyValue) map[string]any {
	return map[string]any{
		"name": kv.Name, "value": kv.Value, "scope": kv.Scope, "user": kv.User,
		"secret": kv.Secret, "encrypted": kv.Encrypted, "expire_timestamp": kv.ExpireTimestamp,
	}
}

func writeAnswer(w io.Writer, a bridgeAnswer) {
	b, _ := json.Marshal(a)
	_, _ = w.Write(append(b, '\n'))
}

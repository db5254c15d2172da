package python

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/squall-io/squall/sdk/hostservice"
)

// Answer is one line written back on the answer channel.
type Answer struct {
	OK       bool   `json:"ok"`
	Value    any    `json:"value,omitempty"`
	Error    string `json:"error,omitempty"`
	NotFound bool   `json:"not_found,omitempty"`
}

// DatastoreCall is a datastore request from Python (st2common's
// datastore service): op get, set, delete or list. Plugins embed it in
// their request type, whose other ops are theirs.
type DatastoreCall struct {
	Op      string `json:"op"`
	Name    string `json:"name"`
	Value   string `json:"value"`
	Prefix  string `json:"prefix"`
	Scope   string `json:"scope"`
	Decrypt bool   `json:"decrypt"`
	Encrypt bool   `json:"encrypt"`
	TTL     int64  `json:"ttl"`
}

// Serve reads requests from in until EOF and writes on out what handle
// answers; handle returns false for a request that expects no answer.
// Python serializes its calls, so one request is handled at a time.
func Serve(in io.Reader, out io.Writer, handle func(line []byte) (Answer, bool)) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		if a, ok := handle(sc.Bytes()); ok {
			b, _ := json.Marshal(a)
			_, _ = out.Write(append(b, '\n'))
		}
	}
}

// Datastore makes a datastore call through the host service. A missing
// key is no error: get answers not_found, delete answers false.
func Datastore(ctx context.Context, host hostservice.Client, c DatastoreCall) Answer {
	var err error
	var value any
	switch c.Op {
	case "get":
		var kv hostservice.KeyValue
		kv, err = host.Get(ctx, hostservice.GetRequest{Name: c.Name, Scope: c.Scope, Decrypt: c.Decrypt})
		value = item(kv)
	case "set":
		err = host.Set(ctx, hostservice.SetRequest{Name: c.Name, Value: c.Value, Scope: c.Scope, Encrypt: c.Encrypt, TTL: c.TTL})
		value = true
	case "delete":
		err = host.Delete(ctx, hostservice.DeleteRequest{Name: c.Name, Scope: c.Scope})
		if errors.Is(err, hostservice.ErrNotFound) {
			return Answer{OK: true, Value: false}
		}
		value = true
	case "list":
		var kvs []hostservice.KeyValue
		kvs, err = host.List(ctx, hostservice.ListRequest{Prefix: c.Prefix, Scope: c.Scope})
		items := make([]map[string]any, 0, len(kvs))
		for _, kv := range kvs {
			items = append(items, item(kv))
		}
		value = items
	default:
		return Answer{Error: "unknown operation " + c.Op}
	}
	if errors.Is(err, hostservice.ErrNotFound) {
		return Answer{NotFound: true}
	}
	if err != nil {
		return Answer{Error: err.Error()}
	}
	return Answer{OK: true, Value: value}
}

func item(kv hostservice.KeyValue) map[string]any {
	return map[string]any{
		"name": kv.Name, "value": kv.Value, "scope": kv.Scope, "user": kv.User,
		"secret": kv.Secret, "encrypted": kv.Encrypted, "expire_timestamp": kv.ExpireTimestamp,
	}
}

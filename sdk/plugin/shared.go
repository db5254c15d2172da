package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/squall-io/squall/sdk/hostservice"
)

// Supports reports whether a plugin's API versions include want.
func Supports(versions []string, want string) bool { return slices.Contains(versions, want) }

// ServeHostService serves host on the broker and returns the id the
// plugin dials (host services are opened once, at Configure).
func ServeHostService(broker *goplugin.GRPCBroker, host hostservice.Service) uint32 {
	id := broker.NextId()
	go broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		hostservice.RegisterGRPCServer(s, host)
		return s
	})
	return id
}

// DialHostService is the plugin's end of ServeHostService.
func DialHostService(broker *goplugin.GRPCBroker, id uint32) (hostservice.Service, error) {
	conn, err := broker.Dial(id)
	if err != nil {
		return nil, err
	}
	return hostservice.NewGRPCClient(conn), nil
}

// DecodeObject decodes a JSON object keeping numbers exact (json.Number);
// empty input is {}.
func DecodeObject(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(data) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// DecodeValue decodes any JSON value keeping numbers exact; empty is nil.
func DecodeValue(data []byte) (any, error) {
	if len(data) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// EncodeObject encodes a map as JSON, nil as {}.
func EncodeObject(m map[string]any) ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(m)
}

// WatchParent notices that the host process is gone (the plugin was
// re-parented), calls orphaned so the plugin stops what it started, waits
// for drained (at most five seconds) and exits. Serve functions run it.
func WatchParent(orphaned func(), drained func()) {
	parent := os.Getppid()
	for os.Getppid() == parent {
		time.Sleep(500 * time.Millisecond)
	}
	orphaned()
	done := make(chan struct{})
	go func() { drained(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	os.Exit(1)
}

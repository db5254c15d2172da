// Package hostservicetest is an in-memory host service for plugin tests.
package hostservicetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/squall-io/squall/sdk/hostservice"
)

// MemoryHost is a host service over a map, for tests. It keeps one
// namespace per scope (user scope per execution's user is the host's job;
// here "user" is one shared namespace) and records log lines.
type MemoryHost struct {
	mu   sync.Mutex
	kv   map[string]hostservice.KeyValue
	logs []hostservice.LogRequest
	// dispatched records Dispatch calls, in order.
	dispatched []hostservice.DispatchRequest
}

// NewMemoryHost returns an empty MemoryHost.
func NewMemoryHost() *MemoryHost { return &MemoryHost{kv: map[string]hostservice.KeyValue{}} }

func key(scope, name string) string {
	if scope == "" {
		scope = hostservice.ScopeSystem
	}
	return scope + "\x00" + name
}

func (m *MemoryHost) Get(_ context.Context, _ string, r hostservice.GetRequest) (hostservice.KeyValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kv, ok := m.kv[key(r.Scope, r.Name)]
	if !ok {
		return kv, fmt.Errorf("key %q: %w", r.Name, hostservice.ErrNotFound)
	}
	return kv, nil
}

func (m *MemoryHost) Set(_ context.Context, _ string, r hostservice.SetRequest) error {
	if r.Name == "" {
		return fmt.Errorf("a key needs a name: %w", hostservice.ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	scope := r.Scope
	if scope == "" {
		scope = hostservice.ScopeSystem
	}
	m.kv[key(scope, r.Name)] = hostservice.KeyValue{Name: r.Name, Value: r.Value, Scope: scope, Secret: r.Encrypt}
	return nil
}

func (m *MemoryHost) List(_ context.Context, _ string, r hostservice.ListRequest) ([]hostservice.KeyValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []hostservice.KeyValue
	for k, kv := range m.kv {
		if strings.HasPrefix(k, key(r.Scope, r.Prefix)) {
			out = append(out, kv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *MemoryHost) Delete(_ context.Context, _ string, r hostservice.DeleteRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key(r.Scope, r.Name)
	if _, ok := m.kv[k]; !ok {
		return fmt.Errorf("key %q: %w", r.Name, hostservice.ErrNotFound)
	}
	delete(m.kv, k)
	return nil
}

func (m *MemoryHost) Log(_ context.Context, _ string, r hostservice.LogRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logs = append(m.logs, r)
	return nil
}

// Logs returns the log lines received so far.
func (m *MemoryHost) Logs() []hostservice.LogRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]hostservice.LogRequest(nil), m.logs...)
}

// Dispatch records a trigger instance; its id is its position.
func (m *MemoryHost) Dispatch(_ context.Context, _ string, r hostservice.DispatchRequest) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dispatched = append(m.dispatched, r)
	return fmt.Sprint(len(m.dispatched)), nil
}

// Dispatched returns the trigger instances dispatched so far.
func (m *MemoryHost) Dispatched() []hostservice.DispatchRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]hostservice.DispatchRequest(nil), m.dispatched...)
}

// Package hostservice is what a plugin may ask of the host: the datastore
// (with the scope and decrypt rules of the execution's user), the log, and
// for sensors, dispatching trigger instances.
// The host serves it on the go-plugin broker; plugins reach it through the
// Client that sdk/runner hands to each run.
package hostservice

import (
	"context"
	"errors"
)

// Sentinel errors; gRPC status codes carry them across the boundary.
var (
	ErrNotFound         = errors.New("not found")
	ErrPermissionDenied = errors.New("permission denied")
	ErrInvalid          = errors.New("invalid request")
)

// Scopes, as StackStorm names them for st2kv.
const (
	ScopeSystem = "system"
	ScopeUser   = "user"
)

// KeyValue is one datastore item as a plugin sees it.
type KeyValue struct {
	Name            string
	Value           string
	Scope           string
	User            string
	Secret          bool
	Encrypted       bool // the value is ciphertext (Secret and not decrypted)
	ExpireTimestamp string
}

// GetRequest reads one key.
type GetRequest struct {
	Name    string
	Scope   string // system (default) or user
	Decrypt bool
}

// SetRequest writes one key.
type SetRequest struct {
	Name    string
	Value   string
	Scope   string
	Encrypt bool
	TTL     int64 // seconds; zero keeps the item forever
}

// ListRequest lists keys by prefix.
type ListRequest struct {
	Prefix  string
	Scope   string
	Decrypt bool
}

// DeleteRequest deletes one key.
type DeleteRequest struct {
	Name  string
	Scope string
}

// LogRequest writes one line to the host's log, tagged with the execution.
type LogRequest struct {
	Level   string // trace, debug, info, warn, error
	Message string
	Fields  map[string]string
}

// DispatchRequest fires one trigger instance (sensors only).
type DispatchRequest struct {
	Trigger  string // the trigger type's ref
	Payload  map[string]any
	TraceTag string
}

// Client is the host service as one run sees it: every call is made on
// behalf of that run's execution.
type Client interface {
	Get(ctx context.Context, req GetRequest) (KeyValue, error)
	Set(ctx context.Context, req SetRequest) error
	List(ctx context.Context, req ListRequest) ([]KeyValue, error)
	Delete(ctx context.Context, req DeleteRequest) error
	Log(ctx context.Context, req LogRequest) error
	// Dispatch fires a trigger instance and returns its id once it is
	// durable. Only a sensor may; a runner gets ErrPermissionDenied.
	Dispatch(ctx context.Context, req DispatchRequest) (string, error)
}

// Service is the host's side: the same calls, each naming the execution.
type Service interface {
	Get(ctx context.Context, executionID string, req GetRequest) (KeyValue, error)
	Set(ctx context.Context, executionID string, req SetRequest) error
	List(ctx context.Context, executionID string, req ListRequest) ([]KeyValue, error)
	Delete(ctx context.Context, executionID string, req DeleteRequest) error
	Log(ctx context.Context, executionID string, req LogRequest) error
	Dispatch(ctx context.Context, callerID string, req DispatchRequest) (string, error)
}

// Bind returns the Client of one execution over a Service.
func Bind(s Service, executionID string) Client { return bound{s: s, id: executionID} }

type bound struct {
	s  Service
	id string
}

func (b bound) Get(ctx context.Context, r GetRequest) (KeyValue, error) { return b.s.Get(ctx, b.id, r) }
func (b bound) Set(ctx context.Context, r SetRequest) error             { return b.s.Set(ctx, b.id, r) }
func (b bound) List(ctx context.Context, r ListRequest) ([]KeyValue, error) {
	return b.s.List(ctx, b.id, r)
}
func (b bound) Delete(ctx context.Context, r DeleteRequest) error { return b.s.Delete(ctx, b.id, r) }
func (b bound) Log(ctx context.Context, r LogRequest) error       { return b.s.Log(ctx, b.id, r) }
func (b bound) Dispatch(ctx context.Context, r DispatchRequest) (string, error) {
	return b.s.Dispatch(ctx, b.id, r)
}

// Unconfigured is the Client a plugin has before the host configured it:
// every call fails with ErrUnconfigured.
type Unconfigured struct{}

// ErrUnconfigured is returned by Unconfigured.
var ErrUnconfigured = errors.New("the host service is not configured")

func (Unconfigured) Get(context.Context, GetRequest) (KeyValue, error) {
	return KeyValue{}, ErrUnconfigured
}
func (Unconfigured) Set(context.Context, SetRequest) error { return ErrUnconfigured }
func (Unconfigured) List(context.Context, ListRequest) ([]KeyValue, error) {
	return nil, ErrUnconfigured
}
func (Unconfigured) Delete(context.Context, DeleteRequest) error { return ErrUnconfigured }
func (Unconfigured) Log(context.Context, LogRequest) error       { return ErrUnconfigured }
func (Unconfigured) Dispatch(context.Context, DispatchRequest) (string, error) {
	return "", ErrUnconfigured
}

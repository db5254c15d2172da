// Package hostservice serves plugins' host-service calls: datastore access
// with the rules of the calling execution's user, and logging. A call is
// answered only for an execution that is running on this node.
package hostservice

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/datastore"
	sdkhost "github.com/squall-io/squall/sdk/hostservice"
)

// Service implements sdk/hostservice.Service for one node.
type Service struct {
	node      string
	state     func() *state.Store
	datastore *datastore.Service
	logger    hclog.Logger
	// runnerTypes, when set, are the only runner types whose executions
	// this instance answers for: one plugin cannot act for another's runs.
	runnerTypes map[string]bool
}

var _ sdkhost.Service = (*Service)(nil)

// New returns the host service of node.
func New(node string, st func() *state.Store, ds *datastore.Service, logger hclog.Logger) *Service {
	return &Service{node: node, state: st, datastore: ds, logger: logger.Named("hostservice")}
}

// Scoped returns the service as one plugin gets it: answering only for
// executions of the runner types that plugin provides.
func (s *Service) Scoped(runnerTypes []string) sdkhost.Service {
	c := *s
	c.runnerTypes = map[string]bool{}
	for _, rt := range runnerTypes {
		c.runnerTypes[rt] = true
	}
	return &c
}

// caller is the datastore identity of a running execution's user.
func (s *Service) caller(executionID string) (datastore.Caller, error) {
	e, err := s.state().ExecGet(executionID)
	if err != nil || e.Node != s.node || e.Status.Done() {
		return datastore.Caller{}, fmt.Errorf("execution %q is not running on this node: %w", executionID, sdkhost.ErrPermissionDenied)
	}
	if s.runnerTypes != nil && !s.runnerTypes[e.Action.RunnerType] {
		return datastore.Caller{}, fmt.Errorf("execution %q is not run by this plugin: %w", executionID, sdkhost.ErrPermissionDenied)
	}
	u, err := s.state().UserGet(e.User)
	if err != nil {
		return datastore.Caller{}, fmt.Errorf("user %q of execution %s no longer exists: %w", e.User, executionID, sdkhost.ErrPermissionDenied)
	}
	return datastore.Caller{User: u.Name, IsAdmin: u.IsAdmin}, nil
}

// Get reads one key.
func (s *Service) Get(_ context.Context, id string, r sdkhost.GetRequest) (sdkhost.KeyValue, error) {
	c, err := s.caller(id)
	if err != nil {
		return sdkhost.KeyValue{}, err
	}
	it, err := s.datastore.Get(c, r.Name, scope(r.Scope), "", r.Decrypt)
	if err != nil {
		return sdkhost.KeyValue{}, translate(err)
	}
	return keyValue(*it), nil
}

// Set writes one key.
func (s *Service) Set(ctx context.Context, id string, r sdkhost.SetRequest) error {
	c, err := s.caller(id)
	if err != nil {
		return err
	}
	value := r.Value
	req := datastore.SetRequest{Value: &value, Secret: r.Encrypt, Scope: scope(r.Scope)}
	if r.TTL > 0 {
		req.TTL = &r.TTL
	}
	_, err = s.datastore.Set(ctx, c, r.Name, req)
	return translate(err)
}

// List lists keys by prefix.
func (s *Service) List(_ context.Context, id string, r sdkhost.ListRequest) ([]sdkhost.KeyValue, error) {
	c, err := s.caller(id)
	if err != nil {
		return nil, err
	}
	items, _, err := s.datastore.List(c, datastore.ListOptions{Scope: scope(r.Scope), Prefix: r.Prefix, Decrypt: r.Decrypt})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]sdkhost.KeyValue, 0, len(items))
	for _, it := range items {
		out = append(out, keyValue(it))
	}
	return out, nil
}

// Delete deletes one key.
func (s *Service) Delete(ctx context.Context, id string, r sdkhost.DeleteRequest) error {
	c, err := s.caller(id)
	if err != nil {
		return err
	}
	return translate(s.datastore.Delete(ctx, c, r.Name, scope(r.Scope), ""))
}

// Log writes a plugin's log line, tagged with its execution.
func (s *Service) Log(_ context.Context, id string, r sdkhost.LogRequest) error {
	args := []any{"execution_id", id}
	for k, v := range r.Fields {
		args = append(args, k, v)
	}
	s.logger.Log(hclog.LevelFromString(r.Level), r.Message, args...)
	return nil
}

// scope maps the SDK's scope names onto the datastore's; empty is system.
func scope(s string) string {
	if s == "" {
		return structs.ScopeSystem
	}
	return s
}

func keyValue(it datastore.Item) sdkhost.KeyValue {
	return sdkhost.KeyValue{
		Name: it.Name, Value: it.Value, Scope: it.Scope, User: it.User,
		Secret: it.Secret, Encrypted: it.Encrypted, ExpireTimestamp: it.ExpireTimestamp,
	}
}

// translate turns datastore errors into the SDK's sentinels.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	switch structs.KindOf(err) {
	case structs.KindNotFound:
		sentinel = sdkhost.ErrNotFound
	case structs.KindForbidden, structs.KindUnauthorized:
		sentinel = sdkhost.ErrPermissionDenied
	case structs.KindInvalid:
		sentinel = sdkhost.ErrInvalid
	default:
		return err
	}
	return &kindError{msg: err.Error(), sentinel: sentinel}
}

// kindError keeps the datastore's message and matches the SDK sentinel.
type kindError struct {
	msg      string
	sentinel error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.sentinel }

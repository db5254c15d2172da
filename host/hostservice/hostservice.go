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
	// plugin, when set, is the plugin this instance answers: a sensor
	// run is answered only for the plugin that runs it.
	plugin  string
	sensors *sensorsRef
}

// Sensors answers for the sensor runs of this node.
type Sensors interface {
	// RunPlugin returns the plugin that runs sensor run id here.
	RunPlugin(id string) (plugin string, ok bool)
	// Dispatch fires a trigger instance for sensor run id.
	Dispatch(ctx context.Context, id string, r sdkhost.DispatchRequest) (string, error)
}

// sensorsRef is shared by every scoped copy, so that SetSensors after
// the plugins started still reaches them.
type sensorsRef struct {
	s    Sensors
	user string
}

var _ sdkhost.Service = (*Service)(nil)

// New returns the host service of node.
func New(node string, st func() *state.Store, ds *datastore.Service, logger hclog.Logger) *Service {
	return &Service{node: node, state: st, datastore: ds, logger: logger.Named("hostservice"), sensors: &sensorsRef{}}
}

// SetSensors connects the node's sensor runs; sensors use the datastore
// as user.
func (s *Service) SetSensors(sensors Sensors, user string) {
	s.sensors.s, s.sensors.user = sensors, user
}

// Scoped returns the service as one plugin gets it: answering only for
// executions of the runner types that plugin provides and for the sensor
// runs it runs.
func (s *Service) Scoped(plugin string, runnerTypes []string) sdkhost.Service {
	c := *s
	c.plugin = plugin
	c.runnerTypes = map[string]bool{}
	for _, rt := range runnerTypes {
		c.runnerTypes[rt] = true
	}
	return &c
}

// sensorRun reports whether id is a sensor run this instance answers for.
func (s *Service) sensorRun(id string) bool {
	if s.sensors.s == nil {
		return false
	}
	plugin, ok := s.sensors.s.RunPlugin(id)
	return ok && (s.plugin == "" || plugin == s.plugin)
}

// caller is the datastore identity of a running execution's user, or of
// a sensor run (the sensors' user).
func (s *Service) caller(executionID string) (datastore.Caller, error) {
	if s.sensorRun(executionID) {
		u, err := s.state().UserGet(s.sensors.user)
		if err != nil {
			return datastore.Caller{}, fmt.Errorf("the sensors' user %q does not exist: %w", s.sensors.user, sdkhost.ErrPermissionDenied)
		}
		return datastore.Caller{User: u.Name, IsAdmin: u.IsAdmin}, nil
	}
	e, err := s.state().ExecGet(executionID)
	// A workflow execution runs on no node (the leader drives it): its
	// engine's plugin may act for it.
	driven := err == nil && e.Node == "" && s.runnerTypes[e.Action.RunnerType]
	if err != nil || (e.Node != s.node && !driven) || e.Status.Done() {
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

// Dispatch fires a trigger instance for a sensor run of this plugin.
func (s *Service) Dispatch(ctx context.Context, id string, r sdkhost.DispatchRequest) (string, error) {
	if !s.sensorRun(id) {
		return "", fmt.Errorf("%q is not a sensor run of this plugin; only sensors dispatch triggers: %w", id, sdkhost.ErrPermissionDenied)
	}
	return s.sensors.s.Dispatch(ctx, id, r)
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

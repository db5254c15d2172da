// Package executions creates, lists, cancels and re-runs executions: the
// API's side of StackStorm's action execution lifecycle. Creating one
// validates and renders its parameters, picks the node that will run it,
// and writes it through raft already scheduled, in one command.
package executions

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/audit"
	"github.com/squall-io/squall/host/params"
)

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Scheduler picks the node that runs an execution of a runner type.
type Scheduler interface {
	Pick(runnerType string) (string, error)
}

// Config wires a Service.
type Config struct {
	Raft      Raft
	State     func() *state.Store
	Scheduler Scheduler
	// Render gives parameter templates their context.
	Render func(e *structs.Execution, pack *structs.Pack) params.RenderContext
	Logger hclog.Logger
	Now    func() time.Time
	// Node and Audit record requests taken by this node in the audit log.
	Node  string
	Audit *audit.Log
}

// Service implements the executions API.
type Service struct {
	cfg     Config
	logger  hclog.Logger
	schemas params.SchemaCache
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, logger: cfg.Logger.Named("executions")}
}

// Caller is who asks.
type Caller struct {
	User    string
	IsAdmin bool
}

// CreateRequest is the body of POST /api/v1/executions.
type CreateRequest struct {
	Action     string         `json:"action"`
	Parameters map[string]any `json:"parameters"`
	Context    map[string]any `json:"context"`
	// Notify overrides the action's notify section (StackStorm's field).
	Notify map[string]any `json:"notify"`
	// User runs it on behalf of someone else (admins only).
	User string `json:"user"`
}

var refRe = regexp.MustCompile(`^[a-z0-9_]+\.[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// MaxParametersSize caps the encoded parameters of one execution.
const MaxParametersSize = 1 << 20

// Create validates a request and schedules the execution.
func (s *Service) Create(ctx context.Context, c Caller, req CreateRequest) (*structs.Execution, error) {
	e, err := s.Prepare(c, req)
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.ExecCreate, command.ExecCreateRequest{Execution: *e}); err != nil {
		return nil, err
	}
	start := e.StartTimestamp
	err = s.cfg.Audit.Write(audit.Record{
		Time: start, Event: "execution.requested", Node: s.cfg.Node, ExecutionID: e.ID, Action: e.Action.Ref,
		User: e.User, Parameters: params.MaskValues(e.Parameters, e.Secrets), Status: string(e.Status), Start: &start,
	})
	if err != nil {
		s.logger.Error("failed to write the audit log", "execution_id", e.ID, "error", err)
	}
	return e, nil
}

// Prepare validates a request into an execution scheduled on a node,
// without writing it: the rules engine writes its executions with their
// enforcements in one command.
func (s *Service) Prepare(c Caller, req CreateRequest) (*structs.Execution, error) {
	if req.Action == "" {
		return nil, structs.Errorf(structs.KindInvalid, "action is required: give the action's ref, e.g. core.local")
	}
	if !refRe.MatchString(req.Action) {
		return nil, structs.Errorf(structs.KindInvalid, "%q is not an action ref (pack.name)", req.Action)
	}
	user := c.User
	if req.User != "" && req.User != c.User {
		if !c.IsAdmin {
			return nil, structs.Errorf(structs.KindForbidden, "user %q may not run actions as %q: administrator access required", c.User, req.User)
		}
		user = req.User
	}
	st := s.cfg.State()
	action, err := st.ActionGet(req.Action)
	if err != nil {
		return nil, structs.Errorf(structs.KindNotFound, "Action %q cannot be found.", req.Action)
	}
	if !action.Enabled {
		return nil, structs.Errorf(structs.KindInvalid, "Action %q is disabled.", req.Action)
	}
	rt, err := runnerType(st, action.RunnerType)
	if err != nil {
		return nil, err
	}
	specs := params.Merge(rt.RunnerParameters, action.Parameters)
	provided, err := castProvided(req.Parameters, specs)
	if err != nil {
		return nil, err
	}
	if im := params.Immutable(provided, specs); len(im) > 0 {
		return nil, structs.Errorf(structs.KindInvalid, "Override of immutable parameter(s) %v is unsupported.", im)
	}
	if b, _ := json.Marshal(provided); len(b) > MaxParametersSize {
		return nil, structs.Errorf(structs.KindInvalid, "parameters are %d bytes; at most %d are accepted", len(b), MaxParametersSize)
	}
	now := s.cfg.Now().UTC()
	e := &structs.Execution{
		ID:         NewID(now),
		Action:     structs.ExecAction{Ref: action.Ref, Pack: action.Pack, Name: action.Name, RunnerType: action.RunnerType},
		Parameters: provided, Secrets: params.Secrets(specs), User: user,
		Context:        map[string]any{"user": user, "pack": action.Pack},
		StartTimestamp: now, Notify: action.Notify,
	}
	if req.Notify != nil {
		e.Notify = req.Notify
	}
	for k, v := range req.Context {
		if k != "user" && k != "pack" {
			e.Context[k] = v
		}
	}
	if tc, ok := req.Context["trace_context"].(map[string]any); ok {
		e.TraceTag, _ = tc["trace_tag"].(string)
		e.TraceID, _ = tc["id_"].(string)
	}
	pack, _ := st.PackGet(action.Pack)
	final, err := params.Finalize(provided, specs, s.cfg.Render(e, pack))
	if err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "%v", err)
	}
	schema, err := s.schemas.Compile(schemaKey(action, rt), specs, false)
	if err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "Parameter validation failed: %v", err)
	}
	if err := schema.Validate(final); err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "Parameter validation failed: %v", err)
	}
	node, err := s.cfg.Scheduler.Pick(action.RunnerType)
	if err != nil {
		return nil, err
	}
	e.Status, e.Node = structs.ExecScheduled, node
	e.Log = []structs.StatusChange{{Status: structs.ExecRequested, Timestamp: now}, {Status: structs.ExecScheduled, Timestamp: now}}
	return e, nil
}

// schemaKey names the version of an action's merged specs: the action's
// raft index and its runner's parameter names.
func schemaKey(a *structs.Action, rt structs.RunnerType) string {
	names := make([]string, 0, len(rt.RunnerParameters))
	for n := range rt.RunnerParameters {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprintf("%s@%d/%s:%s", a.Ref, a.ModifyIdx, rt.Name, strings.Join(names, ","))
}

func runnerType(st *state.Store, name string) (structs.RunnerType, error) {
	if rt, ok := st.RunnerTypeGet(name); ok {
		return rt, nil
	}
	return structs.RunnerType{}, structs.Errorf(structs.KindInvalid, "Runner type %q is not available on any node.", name)
}

// castProvided casts strings given for non-string parameters (a webhook or
// curl often sends "5" for an integer), and leaves everything else as is.
func castProvided(in, specs map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		s, isString := v.(string)
		t := params.TypeOf(specs[k])
		if !isString || t == "" || t == "string" {
			out[k] = v
			continue
		}
		c, err := params.Cast(s, t)
		if err != nil {
			return nil, structs.Errorf(structs.KindInvalid, "Parameter validation failed: parameter %q: %v", k, err)
		}
		out[k] = c
	}
	return out, nil
}

// Get returns one execution.
func (s *Service) Get(id string) (*structs.Execution, error) {
	e, err := s.cfg.State().ExecGet(id)
	if err != nil {
		return nil, structs.Errorf(structs.KindNotFound, "Resource with a id %q not found", id)
	}
	return e, nil
}

// Cancel asks the node running an execution to stop it.
func (s *Service) Cancel(ctx context.Context, c Caller, id string) (*structs.Execution, error) {
	e, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if e.User != c.User && !c.IsAdmin {
		return nil, structs.Errorf(structs.KindForbidden, "user %q may not cancel an execution of %q", c.User, e.User)
	}
	if e.Status.Done() {
		return nil, structs.Errorf(structs.KindInvalid, "Action cannot be canceled. State = %s.", e.Status)
	}
	next := structs.ExecCanceling
	if e.Status == structs.ExecPending {
		next = structs.ExecCanceled // an inquiry: nothing runs that must stop first
	}
	_, err = s.cfg.Raft.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{
		ID: id, Status: next, Now: s.cfg.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	return s.Get(id)
}

// SetStatus pauses (pausing) or resumes (resuming) a workflow
// execution, as StackStorm's PUT /executions/{id} {"status": ...} does.
func (s *Service) SetStatus(ctx context.Context, c Caller, id string, status structs.ExecStatus) (*structs.Execution, error) {
	e, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if e.User != c.User && !c.IsAdmin {
		return nil, structs.Errorf(structs.KindForbidden, "user %q may not change an execution of %q", c.User, e.User)
	}
	var from []structs.ExecStatus
	switch status {
	case structs.ExecPausing:
		from = []structs.ExecStatus{structs.ExecRunning}
	case structs.ExecResuming:
		from = []structs.ExecStatus{structs.ExecPaused, structs.ExecPausing}
	default:
		return nil, structs.Errorf(structs.KindInvalid, "status %q: an execution can be set to pausing or resuming (cancel with DELETE)", status)
	}
	if e.Node != "" {
		return nil, structs.Errorf(structs.KindInvalid, "execution %s runs %s, not a workflow: only workflows pause and resume", id, e.Action.RunnerType)
	}
	ok := false
	for _, f := range from {
		ok = ok || e.Status == f
	}
	if !ok {
		return nil, structs.Errorf(structs.KindInvalid, "execution %s is %s: it cannot be set to %s", id, e.Status, status)
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{ID: id, Status: status, Now: s.cfg.Now().UTC()}); err != nil {
		return nil, err
	}
	return s.Get(id)
}

// ReRunRequest is the body of POST /api/v1/executions/{id}/re_run.
type ReRunRequest struct {
	Parameters map[string]any `json:"parameters"`
	Tasks      []string       `json:"tasks"`
	Reset      []string       `json:"reset"`
	User       string         `json:"user"`
	Delay      int            `json:"delay"`
}

// ReRun starts a new execution of the same action with the same
// parameters, overridden by the given ones.
func (s *Service) ReRun(ctx context.Context, c Caller, id string, req ReRunRequest) (*structs.Execution, error) {
	old, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if len(req.Tasks) > 0 || len(req.Reset) > 0 {
		return nil, structs.Errorf(structs.KindInvalid, "re-running workflow tasks needs a workflow execution; %s runs %s", id, old.Action.RunnerType)
	}
	p := map[string]any{}
	for k, v := range old.Parameters {
		p[k] = v
	}
	for k, v := range req.Parameters {
		p[k] = v
	}
	return s.Create(ctx, c, CreateRequest{
		Action: old.Action.Ref, Parameters: p, User: req.User,
		Context: map[string]any{"re-run": map[string]any{"ref": id}},
	})
}

// String names an execution in logs.
func String(e *structs.Execution) string { return fmt.Sprintf("%s (%s)", e.ID, e.Action.Ref) }

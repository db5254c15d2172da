// Package inquiries is StackStorm's inquiry service: an execution of the
// inquirer runner (core.ask) waits, pending, until someone allowed to
// answers with a response that satisfies its schema; then it succeeds
// with the response, and a workflow it paused resumes. Unanswered, it
// times out after its ttl.
package inquiries

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/executions"
	"github.com/squall-io/squall/host/params"
)

// Runner is the inquirer runner type.
const Runner = "inquirer"

// Raft applies commands.
type Raft interface {
	Apply(ctx context.Context, t command.Type, req any) (uint64, error)
}

// Resumer resumes a paused workflow.
type Resumer interface {
	SetStatus(ctx context.Context, c executions.Caller, id string, status structs.ExecStatus) (*structs.Execution, error)
}

// Config wires a Service.
type Config struct {
	State   func() *state.Store
	Raft    Raft
	Resumer Resumer
	Logger  hclog.Logger
}

// Service answers inquiries.
type Service struct {
	cfg    Config
	logger hclog.Logger
}

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg: cfg, logger: cfg.Logger.Named("inquiries")} }

// Inquiry is an inquiry as StackStorm's API shows it.
type Inquiry struct {
	ID       string         `json:"id"`
	Route    string         `json:"route"`
	TTL      int            `json:"ttl"`
	Users    []any          `json:"users"`
	Roles    []any          `json:"roles"`
	Schema   map[string]any `json:"schema"`
	Response map[string]any `json:"response,omitempty"`
	Parent   string         `json:"parent,omitempty"`
	Status   string         `json:"status"`
}

func view(e *structs.Execution) Inquiry {
	var r struct {
		Schema   map[string]any `json:"schema"`
		Roles    []any          `json:"roles"`
		Users    []any          `json:"users"`
		Route    string         `json:"route"`
		TTL      json.Number    `json:"ttl"`
		Response map[string]any `json:"response"`
	}
	_ = json.Unmarshal(e.Result, &r)
	ttl, _ := r.TTL.Int64()
	if r.Users == nil {
		r.Users = []any{}
	}
	if r.Roles == nil {
		r.Roles = []any{}
	}
	return Inquiry{ID: e.ID, Route: r.Route, TTL: int(ttl), Users: r.Users, Roles: r.Roles, Schema: r.Schema,
		Response: r.Response, Parent: e.Parent, Status: string(e.Status)}
}

// List returns the pending inquiries, newest first.
func (s *Service) List() ([]Inquiry, error) {
	execs, _, err := s.cfg.State().Execs(state.ExecFilter{Match: func(e *structs.Execution) bool {
		return e.Action.RunnerType == Runner && e.Status == structs.ExecPending
	}})
	if err != nil {
		return nil, err
	}
	out := make([]Inquiry, 0, len(execs))
	for _, e := range execs {
		out = append(out, view(e))
	}
	return out, nil
}

// Get returns one inquiry, pending or answered.
func (s *Service) Get(id string) (*Inquiry, error) {
	e, err := s.cfg.State().ExecGet(id)
	if err != nil || e.Action.RunnerType != Runner {
		return nil, structs.Errorf(structs.KindNotFound, "Inquiry with id %q not found", id)
	}
	v := view(e)
	return &v, nil
}

// Respond answers a pending inquiry as user (admins may always; otherwise
// the inquiry's users list, when not empty, must name the user).
func (s *Service) Respond(ctx context.Context, user string, isAdmin bool, id string, response map[string]any) (*Inquiry, error) {
	e, err := s.cfg.State().ExecGet(id)
	if err != nil || e.Action.RunnerType != Runner {
		return nil, structs.Errorf(structs.KindNotFound, "Inquiry with id %q not found", id)
	}
	if e.Status != structs.ExecPending {
		return nil, structs.Errorf(structs.KindInvalid, "inquiry %s is %s: only a pending inquiry takes a response", id, e.Status)
	}
	inq := view(e)
	if !isAdmin && len(inq.Users) > 0 && !contains(inq.Users, user) {
		return nil, structs.Errorf(structs.KindForbidden, "user %q may not respond to inquiry %s", user, id)
	}
	if err := params.ValidateObject(response, inq.Schema); err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "the response does not satisfy the inquiry's schema: %v", err)
	}
	var result map[string]any
	_ = json.Unmarshal(e.Result, &result)
	if result == nil {
		result = map[string]any{}
	}
	result["response"] = response
	raw, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{
		ID: id, Status: structs.ExecSucceeded, Result: raw, Now: time.Now().UTC(),
	}); err != nil {
		return nil, err
	}
	s.resumeParent(ctx, e.Parent)
	inq.Response, inq.Status = response, string(structs.ExecSucceeded)
	return &inq, nil
}

// resumeParent resumes the workflow the inquiry paused, as StackStorm does
// when an inquiry is answered.
func (s *Service) resumeParent(ctx context.Context, parent string) {
	if parent == "" {
		return
	}
	p, err := s.cfg.State().ExecGet(parent)
	if err != nil || (p.Status != structs.ExecPaused && p.Status != structs.ExecPausing) {
		return
	}
	if _, err := s.cfg.Resumer.SetStatus(ctx, executions.Caller{IsAdmin: true}, parent, structs.ExecResuming); err != nil {
		s.logger.Warn("failed to resume the workflow of an answered inquiry", "execution_id", parent, "error", err)
	}
}

func contains(list []any, s string) bool {
	for _, x := range list {
		if fmt.Sprint(x) == s {
			return true
		}
	}
	return false
}

// RunExpiry times out pending inquiries whose ttl (minutes) passed, on
// the leader, until ctx ends.
func (s *Service) RunExpiry(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pending, err := s.List()
		if err != nil {
			continue
		}
		now := time.Now().UTC()
		for _, inq := range pending {
			e, err := s.cfg.State().ExecGet(inq.ID)
			if err != nil || inq.TTL <= 0 || len(e.Log) == 0 {
				continue
			}
			since := e.Log[len(e.Log)-1].Timestamp
			if now.Sub(since) < time.Duration(inq.TTL)*time.Minute {
				continue
			}
			if _, err := s.cfg.Raft.Apply(ctx, command.ExecUpdate, command.ExecUpdateRequest{
				ID: inq.ID, Status: structs.ExecTimeout, Now: now,
			}); err != nil {
				if ctx.Err() == nil {
					s.logger.Warn("failed to time out an inquiry", "execution_id", inq.ID, "error", err)
				}
				continue
			}
			s.resumeParent(ctx, e.Parent) // its workflow hears of the timeout
		}
	}
}

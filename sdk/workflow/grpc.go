package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	workflowv1 "github.com/squall-io/squall/proto/workflow/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/runner"
)

// GRPCPlugin is the go-plugin glue for the workflow kind: the plugin side
// serves Impl, the host side gets a *Client.
type GRPCPlugin struct {
	goplugin.Plugin // net/rpc, never used
	Impl            Engine
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the engine on the plugin's gRPC server.
func (p *GRPCPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	workflowv1.RegisterWorkflowServer(s, &server{impl: p.Impl, broker: broker})
	return nil
}

// GRPCClient returns the host's client of a workflow plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{c: workflowv1.NewWorkflowClient(c), broker: broker}, nil
}

type server struct {
	workflowv1.UnimplementedWorkflowServer
	impl   Engine
	broker *goplugin.GRPCBroker

	mu   sync.RWMutex
	host hostservice.Service
}

func (s *server) Info(context.Context, *workflowv1.InfoRequest) (*workflowv1.InfoResponse, error) {
	info := s.impl.Info()
	resp := &workflowv1.InfoResponse{Name: info.Name, Version: info.Version, ApiVersions: plugin.APIVersions}
	for _, rt := range info.RunnerTypes {
		params, err := plugin.EncodeObject(rt.Parameters)
		if err != nil {
			return nil, fmt.Errorf("runner %s: parameters: %w", rt.Name, err)
		}
		resp.RunnerTypes = append(resp.RunnerTypes, &workflowv1.RunnerType{Name: rt.Name, Description: rt.Description, ParametersJson: params})
	}
	return resp, nil
}

func (s *server) Configure(_ context.Context, req *workflowv1.ConfigureRequest) (*workflowv1.ConfigureResponse, error) {
	host, err := plugin.DialHostService(s.broker, req.GetHostServiceBrokerId())
	if err != nil {
		return nil, fmt.Errorf("failed to dial the host service: %w", err)
	}
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
	return &workflowv1.ConfigureResponse{}, nil
}

func (s *server) Step(ctx context.Context, pb *workflowv1.StepRequest) (*workflowv1.StepResponse, error) {
	req, err := stepFromProto(pb)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	host := s.host
	s.mu.RUnlock()
	req.Host = hostservice.Unconfigured{}
	if host != nil {
		req.Host = hostservice.Bind(host, req.ExecutionID)
	}
	resp, err := s.impl.Step(ctx, req)
	if err != nil {
		return nil, err
	}
	return responseToProto(resp)
}

func stepFromProto(pb *workflowv1.StepRequest) (*StepRequest, error) {
	a := pb.GetAction()
	req := &StepRequest{
		ExecutionID: pb.GetExecutionId(), RunnerType: pb.GetRunnerType(), Definition: pb.GetDefinition(), State: pb.GetState(),
		Action: runner.Action{Ref: a.GetRef(), Pack: a.GetPack(), Name: a.GetName(), EntryPoint: a.GetEntryPoint(), PackPath: a.GetPackPath()},
	}
	for _, f := range []struct {
		name string
		data []byte
		into *map[string]any
	}{
		{"parameters", pb.GetParametersJson(), &req.Parameters},
		{"runner parameters", pb.GetRunnerParametersJson(), &req.RunnerParameters},
		{"context", pb.GetContextJson(), &req.Context},
	} {
		m, err := plugin.DecodeObject(f.data)
		if err != nil {
			return nil, fmt.Errorf("failed to decode %s: %w", f.name, err)
		}
		*f.into = m
	}
	ev := pb.GetEvent()
	req.Event = Event{Kind: ev.GetKind(), TaskID: ev.GetTaskId(), ExecutionID: ev.GetExecutionId(), Status: ev.GetStatus()}
	if v, err := plugin.DecodeValue(ev.GetResultJson()); err != nil {
		return nil, fmt.Errorf("failed to decode the task's result: %w", err)
	} else {
		req.Event.Result = v
	}
	return req, nil
}

func stepToProto(req *StepRequest) (*workflowv1.StepRequest, error) {
	params, err := plugin.EncodeObject(req.Parameters)
	if err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	rparams, err := plugin.EncodeObject(req.RunnerParameters)
	if err != nil {
		return nil, fmt.Errorf("runner parameters: %w", err)
	}
	ctxJSON, err := plugin.EncodeObject(req.Context)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	result, err := json.Marshal(req.Event.Result)
	if err != nil {
		return nil, fmt.Errorf("task result: %w", err)
	}
	a := req.Action
	return &workflowv1.StepRequest{
		ExecutionId: req.ExecutionID, RunnerType: req.RunnerType, Definition: req.Definition, State: req.State,
		Action:         &workflowv1.Action{Ref: a.Ref, Pack: a.Pack, Name: a.Name, EntryPoint: a.EntryPoint, PackPath: a.PackPath},
		ParametersJson: params, RunnerParametersJson: rparams, ContextJson: ctxJSON,
		Event: &workflowv1.Event{Kind: req.Event.Kind, TaskId: req.Event.TaskID, ExecutionId: req.Event.ExecutionID,
			Status: req.Event.Status, ResultJson: result},
	}, nil
}

func responseToProto(r *StepResponse) (*workflowv1.StepResponse, error) {
	result, err := json.Marshal(r.Result)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the workflow's result: %w", err)
	}
	pb := &workflowv1.StepResponse{State: r.State, Status: r.Status, Cancel: r.Cancel, ResultJson: result}
	for _, t := range r.Start {
		params, err := plugin.EncodeObject(t.Parameters)
		if err != nil {
			return nil, fmt.Errorf("task %s: parameters: %w", t.TaskID, err)
		}
		ctxJSON, err := plugin.EncodeObject(t.Context)
		if err != nil {
			return nil, fmt.Errorf("task %s: context: %w", t.TaskID, err)
		}
		pb.Start = append(pb.Start, &workflowv1.TaskStart{TaskId: t.TaskID, Name: t.Name, Action: t.Action, ParametersJson: params, ContextJson: ctxJSON})
	}
	return pb, nil
}

func responseFromProto(pb *workflowv1.StepResponse) (*StepResponse, error) {
	r := &StepResponse{State: pb.GetState(), Status: pb.GetStatus(), Cancel: pb.GetCancel()}
	v, err := plugin.DecodeValue(pb.GetResultJson())
	if err != nil {
		return nil, fmt.Errorf("failed to decode the workflow's result: %w", err)
	}
	r.Result = v
	for _, t := range pb.GetStart() {
		params, err := plugin.DecodeObject(t.GetParametersJson())
		if err != nil {
			return nil, fmt.Errorf("task %s: parameters: %w", t.GetTaskId(), err)
		}
		ctxMap, err := plugin.DecodeObject(t.GetContextJson())
		if err != nil {
			return nil, fmt.Errorf("task %s: context: %w", t.GetTaskId(), err)
		}
		r.Start = append(r.Start, TaskStart{TaskID: t.GetTaskId(), Name: t.GetName(), Action: t.GetAction(), Parameters: params, Context: ctxMap})
	}
	return r, nil
}

package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	runnerv1 "github.com/squall-io/squall/proto/runner/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
)

// GRPCPlugin is the go-plugin glue for the runner kind: the plugin side
// serves Impl, the host side gets a *Client.
type GRPCPlugin struct {
	// Plugin is embedded only to satisfy go-plugin's net/rpc interface,
	// which squall never uses.
	goplugin.Plugin
	Impl Runner

	// base ends every run when it ends (the host died); runs counts them.
	base context.Context
	runs sync.WaitGroup
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the runner on the plugin's gRPC server.
func (p *GRPCPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	base := p.base
	if base == nil {
		base = context.Background()
	}
	runnerv1.RegisterRunnerServer(s, &server{impl: p.Impl, broker: broker, base: base, runs: &p.runs})
	return nil
}

// GRPCClient returns the host's client of a runner plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{c: runnerv1.NewRunnerClient(c), broker: broker}, nil
}

type server struct {
	runnerv1.UnimplementedRunnerServer
	impl   Runner
	broker *goplugin.GRPCBroker
	base   context.Context
	runs   *sync.WaitGroup

	mu   sync.RWMutex
	host hostservice.Service
}

func (s *server) Info(context.Context, *runnerv1.InfoRequest) (*runnerv1.InfoResponse, error) {
	info := s.impl.Info()
	resp := &runnerv1.InfoResponse{Name: info.Name, Version: info.Version, ApiVersions: plugin.APIVersions}
	for _, rt := range info.RunnerTypes {
		params, err := json.Marshal(nonNil(rt.Parameters))
		if err != nil {
			return nil, fmt.Errorf("failed to encode parameters of runner %s: %w", rt.Name, err)
		}
		var schema []byte
		if rt.OutputSchema != nil {
			if schema, err = json.Marshal(rt.OutputSchema); err != nil {
				return nil, fmt.Errorf("failed to encode output schema of runner %s: %w", rt.Name, err)
			}
		}
		resp.RunnerTypes = append(resp.RunnerTypes, &runnerv1.RunnerType{
			Name: rt.Name, Description: rt.Description, ParametersJson: params,
			OutputKey: rt.OutputKey, OutputSchemaJson: schema,
		})
	}
	return resp, nil
}

func (s *server) Configure(_ context.Context, req *runnerv1.ConfigureRequest) (*runnerv1.ConfigureResponse, error) {
	host, err := plugin.DialHostService(s.broker, req.GetHostServiceBrokerId())
	if err != nil {
		return nil, fmt.Errorf("failed to dial the host service: %w", err)
	}
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
	return &runnerv1.ConfigureResponse{}, nil
}

func (s *server) Run(req *runnerv1.RunRequest, stream runnerv1.Runner_RunServer) error {
	r, err := s.request(req)
	if err != nil {
		return err
	}
	s.runs.Add(1)
	defer s.runs.Done()
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	defer context.AfterFunc(s.base, cancel)()
	out := newStreamOutput(stream)
	res, err := s.impl.Run(ctx, r, out)
	if err != nil {
		res = Result{Status: StatusFailed, Value: map[string]any{"error": err.Error()}}
	}
	if !res.Status.Valid() {
		res = Result{Status: StatusFailed, Value: map[string]any{
			"error": fmt.Sprintf("runner returned an invalid status %q", res.Status),
		}}
	}
	value, err := json.Marshal(res.Value)
	if err != nil {
		value, _ = json.Marshal(map[string]any{"error": "failed to encode the result: " + err.Error()})
		res.Status = StatusFailed
	}
	return out.send(&runnerv1.RunEvent{Event: &runnerv1.RunEvent_Result{
		Result: &runnerv1.Result{Status: string(res.Status), ResultJson: value},
	}})
}

func (s *server) request(req *runnerv1.RunRequest) (*Request, error) {
	r := &Request{
		ExecutionID: req.GetExecutionId(), RunnerType: req.GetRunnerType(), User: req.GetUser(),
		Env: req.GetEnv(), Timeout: time.Duration(req.GetTimeoutMs()) * time.Millisecond,
		Action: Action{
			Ref: req.GetAction().GetRef(), Pack: req.GetAction().GetPack(), Name: req.GetAction().GetName(),
			EntryPoint: req.GetAction().GetEntryPoint(), PackPath: req.GetAction().GetPackPath(),
		},
	}
	fields := []struct {
		name string
		data []byte
		into *map[string]any
	}{
		{"runner parameters", req.GetRunnerParametersJson(), &r.RunnerParameters},
		{"parameters", req.GetParametersJson(), &r.Parameters},
		{"config", req.GetConfigJson(), &r.Config},
		{"parameter specs", req.GetAction().GetParameterSpecsJson(), &r.Action.ParameterSpecs},
	}
	for _, f := range fields {
		m, err := plugin.DecodeObject(f.data)
		if err != nil {
			return nil, fmt.Errorf("failed to decode %s: %w", f.name, err)
		}
		*f.into = m
	}
	s.mu.RLock()
	host := s.host
	s.mu.RUnlock()
	if host != nil {
		r.Host = hostservice.Bind(host, r.ExecutionID)
	} else {
		r.Host = hostservice.Unconfigured{}
	}
	return r, nil
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// streamOutput sends output chunks on the run's stream; gRPC streams are
// not safe for concurrent sends, and stdout and stderr are written from
// different goroutines.
type streamOutput struct {
	mu     sync.Mutex
	stream runnerv1.Runner_RunServer
	stdout io.Writer
	stderr io.Writer
}

func newStreamOutput(stream runnerv1.Runner_RunServer) *streamOutput {
	o := &streamOutput{stream: stream}
	o.stdout = streamWriter{o: o, name: "stdout"}
	o.stderr = streamWriter{o: o, name: "stderr"}
	return o
}

func (o *streamOutput) Stdout() io.Writer { return o.stdout }
func (o *streamOutput) Stderr() io.Writer { return o.stderr }

func (o *streamOutput) send(ev *runnerv1.RunEvent) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stream.Send(ev)
}

type streamWriter struct {
	o    *streamOutput
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	// The message owns its bytes: the caller may reuse p.
	data := append([]byte(nil), p...)
	err := w.o.send(&runnerv1.RunEvent{Event: &runnerv1.RunEvent_Output{
		Output: &runnerv1.Output{Stream: w.name, Data: data},
	}})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

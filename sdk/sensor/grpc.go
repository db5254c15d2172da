package sensor

import (
	"context"
	"fmt"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	sensorv1 "github.com/squall-io/squall/proto/sensor/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
)

// GRPCPlugin is the go-plugin glue for the sensor kind: the plugin side
// serves Impl, the host side gets a *Client.
type GRPCPlugin struct {
	goplugin.Plugin // net/rpc, never used
	Impl            Plugin

	base context.Context // ends every run when the host is gone
	runs sync.WaitGroup
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the plugin on its gRPC server.
func (p *GRPCPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	base := p.base
	if base == nil {
		base = context.Background()
	}
	sensorv1.RegisterSensorServer(s, &server{impl: p.Impl, broker: broker, base: base, runs: &p.runs, updates: map[string]chan []Trigger{}})
	return nil
}

// GRPCClient returns the host's client of a sensor plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{c: sensorv1.NewSensorClient(c), broker: broker}, nil
}

type server struct {
	sensorv1.UnimplementedSensorServer
	impl   Plugin
	broker *goplugin.GRPCBroker
	base   context.Context
	runs   *sync.WaitGroup

	mu      sync.Mutex
	host    hostservice.Service
	updates map[string]chan []Trigger // by run id
}

func (s *server) Info(context.Context, *sensorv1.InfoRequest) (*sensorv1.InfoResponse, error) {
	info := s.impl.Info()
	resp := &sensorv1.InfoResponse{
		Name: info.Name, Version: info.Version, ApiVersions: plugin.APIVersions, EntryPointKinds: info.EntryPointKinds,
	}
	for _, st := range info.Sensors {
		resp.Sensors = append(resp.Sensors, &sensorv1.SensorType{
			Ref: st.Ref, Description: st.Description, PollIntervalSeconds: int64(st.PollInterval / time.Second),
			TriggerTypes: st.TriggerTypes, Enabled: !st.Disabled,
		})
	}
	for _, tt := range info.TriggerTypes {
		params, err := plugin.EncodeObject(tt.ParametersSchema)
		if err != nil {
			return nil, fmt.Errorf("trigger type %s: parameters schema: %w", tt.Ref, err)
		}
		payload, err := plugin.EncodeObject(tt.PayloadSchema)
		if err != nil {
			return nil, fmt.Errorf("trigger type %s: payload schema: %w", tt.Ref, err)
		}
		resp.TriggerTypes = append(resp.TriggerTypes, &sensorv1.TriggerType{
			Ref: tt.Ref, Description: tt.Description, ParametersSchemaJson: params, PayloadSchemaJson: payload,
		})
	}
	return resp, nil
}

func (s *server) Configure(_ context.Context, req *sensorv1.ConfigureRequest) (*sensorv1.ConfigureResponse, error) {
	host, err := plugin.DialHostService(s.broker, req.GetHostServiceBrokerId())
	if err != nil {
		return nil, fmt.Errorf("failed to dial the host service: %w", err)
	}
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
	return &sensorv1.ConfigureResponse{}, nil
}

func (s *server) Run(req *sensorv1.RunRequest, stream sensorv1.Sensor_RunServer) error {
	triggers, err := triggersFromProto(req.GetTriggers())
	if err != nil {
		return err
	}
	config, err := plugin.DecodeObject(req.GetConfigJson())
	if err != nil {
		return fmt.Errorf("failed to decode the pack config: %w", err)
	}
	updates := make(chan []Trigger, 1)
	s.mu.Lock()
	if _, dup := s.updates[req.GetRunId()]; dup {
		s.mu.Unlock()
		return fmt.Errorf("run %s is already running", req.GetRunId())
	}
	s.updates[req.GetRunId()] = updates
	host := s.host
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.updates, req.GetRunId())
		s.mu.Unlock()
	}()
	run := &Run{
		ID: req.GetRunId(), Ref: req.GetRef(), Pack: req.GetPack(), ClassName: req.GetClassName(),
		EntryPoint: req.GetEntryPoint(), PackPath: req.GetPackPath(), Config: config,
		PollInterval: time.Duration(req.GetPollIntervalSeconds()) * time.Second,
		Triggers:     triggers, Updates: updates, Host: hostservice.Unconfigured{},
	}
	if host != nil {
		run.Host = hostservice.Bind(host, run.ID)
	}
	s.runs.Add(1)
	defer s.runs.Done()
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	defer context.AfterFunc(s.base, cancel)()
	var once sync.Once
	started := func() {
		once.Do(func() {
			_ = stream.Send(&sensorv1.RunEvent{Event: &sensorv1.RunEvent_Started{Started: &sensorv1.Started{}}})
		})
	}
	err = s.impl.Run(ctx, run, started)
	if err == nil && ctx.Err() == nil {
		err = fmt.Errorf("sensor %s returned", run.Ref)
	}
	return err
}

// UpdateTriggers hands the new set to the run, replacing one it has not
// taken yet: only the latest set matters.
func (s *server) UpdateTriggers(_ context.Context, req *sensorv1.UpdateTriggersRequest) (*sensorv1.UpdateTriggersResponse, error) {
	triggers, err := triggersFromProto(req.GetTriggers())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	ch, ok := s.updates[req.GetRunId()]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("run %s is not running", req.GetRunId())
	}
	for {
		select {
		case ch <- triggers:
			return &sensorv1.UpdateTriggersResponse{}, nil
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

func triggersFromProto(in []*sensorv1.Trigger) ([]Trigger, error) {
	out := make([]Trigger, 0, len(in))
	for _, t := range in {
		params, err := plugin.DecodeObject(t.GetParametersJson())
		if err != nil {
			return nil, fmt.Errorf("trigger %s: bad parameters: %w", t.GetRef(), err)
		}
		out = append(out, Trigger{ID: t.GetId(), Ref: t.GetRef(), Name: t.GetName(), Type: t.GetType(), Parameters: params})
	}
	return out, nil
}

func triggersToProto(in []Trigger) ([]*sensorv1.Trigger, error) {
	out := make([]*sensorv1.Trigger, 0, len(in))
	for _, t := range in {
		params, err := plugin.EncodeObject(t.Parameters)
		if err != nil {
			return nil, fmt.Errorf("trigger %s: %w", t.Ref, err)
		}
		out = append(out, &sensorv1.Trigger{Id: t.ID, Ref: t.Ref, Name: t.Name, Type: t.Type, ParametersJson: params})
	}
	return out, nil
}

package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	runnerv1 "github.com/squall-io/squall/proto/runner/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
)

// ErrNoResult means the plugin ended a run without a result: it exited or
// broke the stream.
var ErrNoResult = errors.New("the runner plugin ended the run without a result")

// Client is the host's handle on a runner plugin.
type Client struct {
	c      runnerv1.RunnerClient
	broker *goplugin.GRPCBroker
}

// Info asks the plugin what it provides.
func (c *Client) Info(ctx context.Context) (Info, error) {
	resp, err := c.c.Info(ctx, &runnerv1.InfoRequest{})
	if err != nil {
		return Info{}, fmt.Errorf("failed to get plugin info: %w", err)
	}
	if !plugin.Supports(resp.GetApiVersions(), plugin.APIVersion) {
		return Info{}, fmt.Errorf("plugin %s speaks API versions %v, the host needs %s",
			resp.GetName(), resp.GetApiVersions(), plugin.APIVersion)
	}
	info := Info{Name: resp.GetName(), Version: resp.GetVersion()}
	for _, rt := range resp.GetRunnerTypes() {
		params, err := plugin.DecodeObject(rt.GetParametersJson())
		if err != nil {
			return Info{}, fmt.Errorf("runner %s: bad parameters: %w", rt.GetName(), err)
		}
		var schema map[string]any
		if len(rt.GetOutputSchemaJson()) > 0 {
			if schema, err = plugin.DecodeObject(rt.GetOutputSchemaJson()); err != nil {
				return Info{}, fmt.Errorf("runner %s: bad output schema: %w", rt.GetName(), err)
			}
		}
		info.RunnerTypes = append(info.RunnerTypes, RunnerType{
			Name: rt.GetName(), Description: rt.GetDescription(), Parameters: params,
			OutputKey: rt.GetOutputKey(), OutputSchema: schema,
		})
	}
	return info, nil
}

// Configure serves host on the broker and tells the plugin where it is.
// Call it once, before the first Run.
func (c *Client) Configure(ctx context.Context, host hostservice.Service) error {
	id := plugin.ServeHostService(c.broker, host)
	_, err := c.c.Configure(ctx, &runnerv1.ConfigureRequest{HostServiceBrokerId: id, ApiVersion: plugin.APIVersion})
	if err != nil {
		return fmt.Errorf("failed to configure the plugin: %w", err)
	}
	return nil
}

// RunOutput receives output chunks as they arrive.
type RunOutput func(stream string, data []byte)

// Run runs one action and waits for its result. When ctx ends first the
// run is cancelled on the plugin and ctx's error is returned.
func (c *Client) Run(ctx context.Context, req *Request, out RunOutput) (Result, error) {
	pb, err := requestToProto(req)
	if err != nil {
		return Result{}, err
	}
	stream, err := c.c.Run(ctx, pb)
	if err != nil {
		return Result{}, fmt.Errorf("failed to start the run: %w", err)
	}
	for {
		ev, err := stream.Recv()
		if err == io.EOF {
			return Result{}, ErrNoResult
		}
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, ctx.Err()
			}
			return Result{}, fmt.Errorf("%w: %v", ErrNoResult, err)
		}
		switch e := ev.GetEvent().(type) {
		case *runnerv1.RunEvent_Output:
			if out != nil {
				out(e.Output.GetStream(), e.Output.GetData())
			}
		case *runnerv1.RunEvent_Result:
			return resultFromProto(e.Result)
		}
	}
}

func resultFromProto(r *runnerv1.Result) (Result, error) {
	st := Status(r.GetStatus())
	if !st.Valid() {
		return Result{}, fmt.Errorf("the runner plugin reported an invalid status %q", r.GetStatus())
	}
	var value any
	if len(r.GetResultJson()) > 0 {
		dec := json.NewDecoder(bytes.NewReader(r.GetResultJson()))
		dec.UseNumber()
		if err := dec.Decode(&value); err != nil {
			return Result{}, fmt.Errorf("failed to decode the run's result: %w", err)
		}
	}
	return Result{Status: st, Value: value}, nil
}

func requestToProto(r *Request) (*runnerv1.RunRequest, error) {
	enc := func(name string, m map[string]any) ([]byte, error) {
		b, err := json.Marshal(nonNil(m))
		if err != nil {
			return nil, fmt.Errorf("failed to encode %s: %w", name, err)
		}
		return b, nil
	}
	rp, err := enc("runner parameters", r.RunnerParameters)
	if err != nil {
		return nil, err
	}
	p, err := enc("parameters", r.Parameters)
	if err != nil {
		return nil, err
	}
	cfg, err := enc("config", r.Config)
	if err != nil {
		return nil, err
	}
	specs, err := enc("parameter specs", r.Action.ParameterSpecs)
	if err != nil {
		return nil, err
	}
	return &runnerv1.RunRequest{
		ExecutionId: r.ExecutionID, RunnerType: r.RunnerType, User: r.User,
		RunnerParametersJson: rp, ParametersJson: p, ConfigJson: cfg, Env: r.Env,
		TimeoutMs: int64(r.Timeout / time.Millisecond),
		Action: &runnerv1.Action{
			Ref: r.Action.Ref, Pack: r.Action.Pack, Name: r.Action.Name,
			EntryPoint: r.Action.EntryPoint, PackPath: r.Action.PackPath, ParameterSpecsJson: specs,
		},
	}, nil
}

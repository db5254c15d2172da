package sensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	sensorv1 "github.com/squall-io/squall/proto/sensor/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
)

// ErrEnded means a run ended without being stopped: the sensor crashed or
// returned.
var ErrEnded = errors.New("the sensor ended")

// Client is the host's handle on a sensor plugin.
type Client struct {
	c      sensorv1.SensorClient
	broker *goplugin.GRPCBroker
}

// Info asks the plugin what it provides.
func (c *Client) Info(ctx context.Context) (Info, error) {
	resp, err := c.c.Info(ctx, &sensorv1.InfoRequest{})
	if err != nil {
		return Info{}, fmt.Errorf("failed to get plugin info: %w", err)
	}
	if !plugin.Supports(resp.GetApiVersions(), plugin.APIVersion) {
		return Info{}, fmt.Errorf("plugin %s speaks API versions %v, the host needs %s",
			resp.GetName(), resp.GetApiVersions(), plugin.APIVersion)
	}
	info := Info{Name: resp.GetName(), Version: resp.GetVersion(), EntryPointKinds: resp.GetEntryPointKinds()}
	for _, st := range resp.GetSensors() {
		info.Sensors = append(info.Sensors, SensorType{
			Ref: st.GetRef(), Description: st.GetDescription(), TriggerTypes: st.GetTriggerTypes(),
			PollInterval: time.Duration(st.GetPollIntervalSeconds()) * time.Second, Disabled: !st.GetEnabled(),
		})
	}
	for _, tt := range resp.GetTriggerTypes() {
		params, err := plugin.DecodeObject(tt.GetParametersSchemaJson())
		if err != nil {
			return Info{}, fmt.Errorf("trigger type %s: bad parameters schema: %w", tt.GetRef(), err)
		}
		payload, err := plugin.DecodeObject(tt.GetPayloadSchemaJson())
		if err != nil {
			return Info{}, fmt.Errorf("trigger type %s: bad payload schema: %w", tt.GetRef(), err)
		}
		info.TriggerTypes = append(info.TriggerTypes, TriggerType{
			Ref: tt.GetRef(), Description: tt.GetDescription(), ParametersSchema: params, PayloadSchema: payload,
		})
	}
	return info, nil
}

// Configure serves host on the broker and tells the plugin where it is.
func (c *Client) Configure(ctx context.Context, host hostservice.Service) error {
	id := plugin.ServeHostService(c.broker, host)
	if _, err := c.c.Configure(ctx, &sensorv1.ConfigureRequest{HostServiceBrokerId: id, ApiVersion: plugin.APIVersion}); err != nil {
		return fmt.Errorf("failed to configure the plugin: %w", err)
	}
	return nil
}

// Run runs a sensor until ctx ends (it returns ctx's error) or the sensor
// ends (an error wrapping ErrEnded). started is called once it is set up.
// run.Updates and run.Host are not used here: see UpdateTriggers.
func (c *Client) Run(ctx context.Context, run *Run, started func()) error {
	triggers, err := triggersToProto(run.Triggers)
	if err != nil {
		return err
	}
	config, err := plugin.EncodeObject(run.Config)
	if err != nil {
		return fmt.Errorf("failed to encode the pack config: %w", err)
	}
	stream, err := c.c.Run(ctx, &sensorv1.RunRequest{
		RunId: run.ID, Ref: run.Ref, Pack: run.Pack, ClassName: run.ClassName, EntryPoint: run.EntryPoint,
		PackPath: run.PackPath, ConfigJson: config, PollIntervalSeconds: int64(run.PollInterval / time.Second),
		Triggers: triggers,
	})
	if err != nil {
		return fmt.Errorf("failed to start the sensor: %w", err)
	}
	for {
		ev, err := stream.Recv()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == io.EOF {
			return ErrEnded
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrEnded, err)
		}
		if ev.GetStarted() != nil && started != nil {
			started()
		}
	}
}

// UpdateTriggers replaces the triggers a running sensor serves.
func (c *Client) UpdateTriggers(ctx context.Context, runID string, triggers []Trigger) error {
	pb, err := triggersToProto(triggers)
	if err != nil {
		return err
	}
	_, err = c.c.UpdateTriggers(ctx, &sensorv1.UpdateTriggersRequest{RunId: runID, Triggers: pb})
	return err
}

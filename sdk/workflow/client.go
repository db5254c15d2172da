package workflow

import (
	"context"
	"fmt"

	goplugin "github.com/hashicorp/go-plugin"

	workflowv1 "github.com/squall-io/squall/proto/workflow/v1"
	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/runner"
)

// Client is the host's handle on a workflow plugin.
type Client struct {
	c      workflowv1.WorkflowClient
	broker *goplugin.GRPCBroker
}

// Info asks the plugin what it provides.
func (c *Client) Info(ctx context.Context) (Info, error) {
	resp, err := c.c.Info(ctx, &workflowv1.InfoRequest{})
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
		info.RunnerTypes = append(info.RunnerTypes, runner.RunnerType{Name: rt.GetName(), Description: rt.GetDescription(), Parameters: params})
	}
	return info, nil
}

// Configure serves host on the broker and tells the plugin where it is.
func (c *Client) Configure(ctx context.Context, host hostservice.Service) error {
	id := plugin.ServeHostService(c.broker, host)
	if _, err := c.c.Configure(ctx, &workflowv1.ConfigureRequest{HostServiceBrokerId: id, ApiVersion: plugin.APIVersion}); err != nil {
		return fmt.Errorf("failed to configure the plugin: %w", err)
	}
	return nil
}

// Step runs one step of a workflow (req.Host is not used here).
func (c *Client) Step(ctx context.Context, req *StepRequest) (*StepResponse, error) {
	pb, err := stepToProto(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.c.Step(ctx, pb)
	if err != nil {
		return nil, fmt.Errorf("workflow step: %w", err)
	}
	return responseFromProto(resp)
}

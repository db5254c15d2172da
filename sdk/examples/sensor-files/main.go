// Command sensor-files is a third-party sensor plugin built only against
// sdk/: it provides the sensor examples.FileSensor, which watches the
// directories rules ask for (trigger examples.file_created, parameter
// "path") and dispatches one instance per new file. Install it as
// squall-sensor-files in the plugin directory.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/sensor"
)

const triggerType = "examples.file_created"

type files struct{}

func (files) Info() sensor.Info {
	return sensor.Info{
		Name: "sensor-files", Version: "0.1.0",
		Sensors: []sensor.SensorType{{
			Ref: "examples.FileSensor", Description: "Dispatches examples.file_created for each new file in a watched directory.",
			PollInterval: time.Second, TriggerTypes: []string{triggerType},
		}},
		TriggerTypes: []sensor.TriggerType{{
			Ref: triggerType, Description: "A file appeared in a watched directory.",
			ParametersSchema: map[string]any{"type": "object", "properties": map[string]any{
				"path": map[string]any{"type": "string", "description": "directory to watch", "required": true},
			}},
			PayloadSchema: map[string]any{"type": "object", "properties": map[string]any{
				"path": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"},
				"size": map[string]any{"type": "integer"},
			}},
		}},
	}
}

// Run polls each watched directory; files present when a directory is
// first watched are not reported.
func (files) Run(ctx context.Context, run *sensor.Run, started func()) error {
	// Per watched directory: the trigger to dispatch (its ref carries the
	// rule's parameters) and the file names already seen.
	type watched struct {
		trigger string
		known   map[string]bool
	}
	seen := map[string]*watched{}
	watch := func(triggers []sensor.Trigger) {
		next := map[string]*watched{}
		for _, t := range triggers {
			dir, _ := t.Parameters["path"].(string)
			if dir == "" {
				continue
			}
			if old, ok := seen[dir]; ok {
				next[dir] = old
			} else {
				next[dir] = &watched{trigger: t.Ref, known: list(dir)}
			}
		}
		seen = next
	}
	watch(run.Triggers)
	started()
	interval := run.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ts := <-run.Updates:
			watch(ts)
		case <-tick.C:
			for dir, w := range seen {
				if err := poll(ctx, run.Host, w.trigger, dir, w.known); err != nil {
					return err
				}
			}
		}
	}
}

func list(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

func poll(ctx context.Context, host hostservice.Client, trigger, dir string, known map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // a directory that does not exist yet has no new files
	}
	for _, e := range entries {
		if known[e.Name()] || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		payload := map[string]any{"path": filepath.Join(dir, e.Name()), "name": e.Name(), "size": info.Size()}
		if _, err := host.Dispatch(ctx, hostservice.DispatchRequest{Trigger: trigger, Payload: payload}); err != nil {
			return fmt.Errorf("failed to dispatch %s: %w", e.Name(), err)
		}
		known[e.Name()] = true
	}
	return nil
}

func main() { sensor.Serve(files{}) }

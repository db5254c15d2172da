// Command squall-sensor-python runs StackStorm Python sensors unmodified,
// with a small compatibility layer for st2reactor and st2common.
package main

import (
	"github.com/squall-io/squall/plugins/sensor-python/internal/pysensor"
	"github.com/squall-io/squall/sdk/plugin"
	"github.com/squall-io/squall/sdk/sensor"
)

func main() { sensor.Serve(pysensor.New(plugin.NewLogger("sensor-python"))) }

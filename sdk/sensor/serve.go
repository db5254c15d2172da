package sensor

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/plugin"
)

// Serve runs p as a squall sensor plugin until the host stops it: the
// whole of a plugin's main. If the host dies, runs are stopped and the
// plugin exits.
func Serve(p Plugin) {
	ctx, orphaned := context.WithCancel(context.Background())
	g := &GRPCPlugin{Impl: p, base: ctx}
	go plugin.WatchParent(orphaned, g.runs.Wait)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         goplugin.PluginSet{plugin.KindSensor: g},
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          plugin.NewLogger(p.Info().Name),
	})
}

// PluginSet is the go-plugin plugin map of the sensor kind; the host
// passes PluginSet(nil).
func PluginSet(p Plugin) goplugin.PluginSet {
	return goplugin.PluginSet{plugin.KindSensor: &GRPCPlugin{Impl: p}}
}

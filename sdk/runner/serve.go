package runner

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/plugin"
)

// Serve runs r as a squall runner plugin until the host stops it. It is
// the whole of a plugin's main. If the host dies without stopping it, the
// plugin cancels its runs (a runner kills what it started) and exits.
func Serve(r Runner) {
	ctx, orphaned := context.WithCancel(context.Background())
	p := &GRPCPlugin{Impl: r, base: ctx}
	go plugin.WatchParent(orphaned, p.runs.Wait)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         goplugin.PluginSet{plugin.KindRunner: p},
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          plugin.NewLogger(r.Info().Name),
	})
}

// PluginSet is the go-plugin plugin map of the runner kind. The host
// passes PluginSet(nil).
func PluginSet(r Runner) goplugin.PluginSet {
	return goplugin.PluginSet{plugin.KindRunner: &GRPCPlugin{Impl: r}}
}

package runner

import (
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/plugin"
)

// Serve runs r as a squall runner plugin until the host stops it. It is
// the whole of a plugin's main.
func Serve(r Runner) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         PluginSet(r),
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          plugin.NewLogger(r.Info().Name),
	})
}

// PluginSet is the go-plugin plugin map of the runner kind. The host
// passes PluginSet(nil).
func PluginSet(r Runner) goplugin.PluginSet {
	return goplugin.PluginSet{plugin.KindRunner: &GRPCPlugin{Impl: r}}
}

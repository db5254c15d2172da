package workflow

import (
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/squall-io/squall/sdk/plugin"
)

// Serve runs e as a squall workflow plugin until the host stops it: the
// whole of a plugin's main. Steps are short calls, so a plugin whose host
// died only has to exit.
func Serve(e Engine) {
	go plugin.WatchParent(func() {}, func() {})
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         goplugin.PluginSet{plugin.KindWorkflow: &GRPCPlugin{Impl: e}},
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          plugin.NewLogger(e.Info().Name),
	})
}

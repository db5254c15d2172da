// Package packs embeds the built-in packs (StackStorm's pack format) into
// the squall binary. A node writes them to its data dir at start and loads
// them like any other pack, ahead of the user's packs paths.
package packs

import "embed"

// FS holds one directory per built-in pack.
//
//go:embed all:core all:default
var FS embed.FS

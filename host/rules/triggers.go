package rules

import "strings"

// Built-in trigger types (StackStorm's names). Timers, sensors' and
// packs' trigger types, and the internal triggers arrive with them.
const (
	TriggerWebhook = "core.st2.webhook"
)

var builtinTriggerTypes = map[string]string{
	TriggerWebhook: "Trigger type for registering webhooks that can consume arbitrary payload.",
}

// KnownTriggerType reports whether rules may listen to t.
func KnownTriggerType(t string) bool { _, ok := builtinTriggerTypes[t]; return ok }

// trimURL is a webhook url as rules and requests compare it: without the
// slashes around it, as StackStorm does.
func trimURL(u string) string { return strings.Trim(u, "/") }

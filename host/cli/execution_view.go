package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// executionGoing reports whether st2 run keeps waiting in a status.
func executionGoing(status string) bool {
	switch status {
	case "requested", "scheduled", "running", "canceling", "delayed", "resuming", "pausing":
		return true
	}
	return false
}

// executionDone reports whether an execution's status is final.
func executionDone(status string) bool {
	switch status {
	case "succeeded", "failed", "timeout", "canceled", "abandoned":
		return true
	}
	return false
}

// printExecution prints an execution the way st2 does after a run or for
// execution get: id, action, parameters, status, times and the result as
// YAML-like lines. key, when set, prints only that key of the result.
func printExecution(w io.Writer, e map[string]any, key string) {
	result := e["result"]
	if key != "" {
		if m, ok := result.(map[string]any); ok {
			printValue(w, m[key])
			return
		}
		printValue(w, nil)
		return
	}
	fmt.Fprintf(w, "id: %v\n", e["id"])
	if a, ok := e["action"].(map[string]any); ok {
		fmt.Fprintf(w, "action.ref: %v\n", a["ref"])
	}
	if c, ok := e["context"].(map[string]any); ok {
		fmt.Fprintf(w, "context.user: %v\n", c["user"])
	}
	writeYAMLField(w, "parameters", e["parameters"])
	fmt.Fprintf(w, "status: %s\n", statusText(e))
	fmt.Fprintf(w, "start_timestamp: %s\n", humanTime(e["start_timestamp"]))
	if end, ok := e["end_timestamp"]; ok {
		fmt.Fprintf(w, "end_timestamp: %s\n", humanTime(end))
	}
	writeYAMLField(w, "log", e["log"])
	writeYAMLField(w, "result", result)
}

// statusText is st2's "succeeded (2s elapsed)".
func statusText(e map[string]any) string {
	status := fmt.Sprint(e["status"])
	if el, ok := e["elapsed_seconds"]; ok {
		var secs float64
		switch v := el.(type) {
		case json.Number:
			secs, _ = v.Float64()
		case float64:
			secs = v
		}
		return fmt.Sprintf("%s (%ds elapsed)", status, int(secs))
	}
	return status
}

// humanTime renders an API timestamp as st2's CLI does (RFC 1123, UTC).
func humanTime(v any) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 MST")
}

func writeYAMLField(w io.Writer, name string, v any) {
	plain := jsonToPlain(v)
	if m, ok := plain.(map[string]any); ok && len(m) == 0 {
		fmt.Fprintf(w, "%s: {}\n", name)
		return
	}
	if plain == nil {
		fmt.Fprintf(w, "%s: null\n", name)
		return
	}
	out, err := yamlIndent2(plain)
	if err != nil {
		fmt.Fprintf(w, "%s: %v\n", name, plain)
		return
	}
	fmt.Fprintf(w, "%s: \n", name)
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// printValue prints a scalar as is and anything else as YAML.
func printValue(w io.Writer, v any) {
	switch t := jsonToPlain(v).(type) {
	case nil:
		fmt.Fprintln(w, "")
	case string:
		fmt.Fprintln(w, t)
	case map[string]any, []any:
		out, _ := yamlIndent2(t)
		fmt.Fprint(w, string(out))
	default:
		fmt.Fprintln(w, t)
	}
}

// executionColumns are st2's columns of execution list.
var executionColumns = []string{"id", "action.ref", "context.user", "status", "start_timestamp", "end_timestamp"}

// flattenExecution turns nested attributes into the dotted columns st2
// shows, with st2's status text and times.
func flattenExecution(e map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range e {
		out[k] = v
	}
	if a, ok := e["action"].(map[string]any); ok {
		out["action.ref"] = a["ref"]
	}
	if c, ok := e["context"].(map[string]any); ok {
		out["context.user"] = c["user"]
	}
	out["status"] = statusText(e)
	for _, k := range []string{"start_timestamp", "end_timestamp"} {
		if v, ok := e[k]; ok {
			out[k] = humanTime(v)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// yamlIndent2 marshals with st2's two-space indentation.
func yamlIndent2(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

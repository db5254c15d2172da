package executions

import (
	"strings"
	"time"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// ListOptions are StackStorm's execution list filters.
type ListOptions struct {
	Action          string // ref, or comma-separated refs
	Status          string
	User            string
	Parent          string // an id, or "null" for top-level executions only
	TriggerInstance string
	TimestampGT     time.Time
	TimestampLT     time.Time
	Limit           int // zero: no limit
	Offset          int
	Ascending       bool
}

// List returns the matching executions and how many matched in all.
func (s *Service) List(o ListOptions) ([]*structs.Execution, int, error) {
	actions := map[string]bool{}
	for _, a := range strings.Split(o.Action, ",") {
		if a = strings.TrimSpace(a); a != "" {
			actions[a] = true
		}
	}
	match := func(e *structs.Execution) bool {
		switch {
		case len(actions) > 0 && !actions[e.Action.Ref]:
		case o.Status != "" && string(e.Status) != o.Status:
		case o.User != "" && e.User != o.User:
		case o.Parent == "null" && e.Parent != "":
		case o.Parent != "" && o.Parent != "null" && e.Parent != o.Parent:
		case o.TriggerInstance != "" && triggerInstance(e) != o.TriggerInstance:
		case !o.TimestampGT.IsZero() && !e.StartTimestamp.After(o.TimestampGT):
		case !o.TimestampLT.IsZero() && !e.StartTimestamp.Before(o.TimestampLT):
		default:
			return true
		}
		return false
	}
	return s.cfg.State().Execs(state.ExecFilter{Match: match, Offset: o.Offset, Limit: o.Limit, Oldest: o.Ascending})
}

func triggerInstance(e *structs.Execution) string {
	ti, _ := e.Context["trigger_instance"].(map[string]any)
	id, _ := ti["id"].(string)
	return id
}

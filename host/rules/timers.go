package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/rules/cron"
)

// Timer trigger types, StackStorm's.
const (
	TriggerIntervalTimer = "core.st2.IntervalTimer"
	TriggerDateTimer     = "core.st2.DateTimer"
	TriggerCronTimer     = "core.st2.CronTimer"
)

var intervalUnits = map[string]time.Duration{
	"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour,
	"days": 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// timerTick is the tick of a timer due at or before now, or false.
// Interval ticks are aligned to the Unix epoch, so every leader computes
// the same ones; a timer never fires for a tick before its rule existed.
func timerTick(r *structs.Rule, now time.Time) (time.Time, bool, error) {
	p := r.Trigger.Parameters
	switch r.Trigger.Type {
	case TriggerIntervalTimer:
		unit, _ := p["unit"].(string)
		step, ok := intervalUnits[unit]
		if !ok {
			return time.Time{}, false, fmt.Errorf("unit %q is not one of seconds, minutes, hours, days, weeks", unit)
		}
		delta, ok := positive(p["delta"])
		if !ok {
			return time.Time{}, false, fmt.Errorf("delta must be a positive integer")
		}
		every := step * time.Duration(delta)
		tick := now.Truncate(every)
		return tick, tick.After(r.CreatedAt), nil
	case TriggerDateTimer:
		at, err := timerDate(p)
		if err != nil {
			return time.Time{}, false, err
		}
		return at, !now.Before(at) && at.After(r.CreatedAt), nil
	case TriggerCronTimer:
		sch, err := cron.Parse(p)
		if err != nil {
			return time.Time{}, false, err
		}
		// The latest tick in a short window before now: the loop looks
		// four times a second, and a tick is fired once by its id.
		from := now.Add(-cronWindow)
		if from.Before(r.CreatedAt) {
			from = r.CreatedAt
		}
		var tick time.Time
		for t, ok := sch.Next(from); ok && !t.After(now); t, ok = sch.Next(t) {
			tick = t
		}
		return tick, !tick.IsZero(), nil
	}
	return time.Time{}, false, nil
}

// cronWindow is how late a cron tick may still fire (a busy or new
// leader); older ticks are missed, as StackStorm's misfire grace does.
const cronWindow = 5 * time.Second

func isTimer(t string) bool {
	return t == TriggerIntervalTimer || t == TriggerDateTimer || t == TriggerCronTimer
}

func timerDate(p map[string]any) (time.Time, error) {
	s, _ := p["date"].(string)
	loc := time.UTC
	if tz, _ := p["timezone"].(string); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return time.Time{}, fmt.Errorf("timezone %q: %v", tz, err)
		}
		loc = l
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD HH:MM:SS", s)
}

func positive(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), n >= 1 && n == float64(int64(n))
	case int:
		return int64(n), n >= 1
	case int64:
		return n, n >= 1
	case json.Number:
		i, err := n.Int64()
		return i, err == nil && i >= 1
	}
	return 0, false
}

// RunTimers fires timer triggers on the leader until ctx ends. An
// instance's id is derived from its timer and tick, and TriggerFire keeps
// the first instance of an id: a tick fires once, also when leadership
// moves in the middle of it.
func (e *Engine) RunTimers(ctx context.Context, fire func(context.Context, *structs.TriggerInstance) error) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		all, err := e.State().Rules()
		if err != nil {
			continue
		}
		now := time.Now().UTC()
		fired := map[string]bool{}
		sort.Slice(all, func(i, j int) bool { return all[i].Ref < all[j].Ref })
		for _, r := range all {
			if !r.Enabled || !isTimer(r.Trigger.Type) {
				continue
			}
			tick, due, err := timerTick(r, now)
			if err != nil || !due {
				continue
			}
			key, _ := json.Marshal([]any{r.Trigger.Type, r.Trigger.Parameters, tick.UnixNano()})
			sum := sha256.Sum256(key)
			id := hex.EncodeToString(sum[:12])
			if fired[id] || e.seen(id) {
				continue
			}
			fired[id] = true
			ti := &structs.TriggerInstance{
				ID: id, Trigger: r.Trigger.Type, Parameters: r.Trigger.Parameters, OccurrenceTime: now,
				Status:  structs.TriggerInstancePending,
				Payload: map[string]any{"executed_at": tick.UTC().Format("2006-01-02 15:04:05.000000+00:00"), "schedule": nil},
			}
			if err := fire(ctx, ti); err != nil && ctx.Err() == nil {
				e.Logger.Warn("failed to fire a timer", "rule", r.Ref, "error", err)
			}
		}
	}
}

func (e *Engine) seen(id string) bool {
	_, err := e.State().TriggerInstanceGet(id)
	return err == nil
}

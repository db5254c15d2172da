package rules

import (
	"context"
	"testing"
	"time"

	"github.com/squall-io/squall/cluster/structs"
)

func TestTimerTick(t *testing.T) {
	created := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	rule := func(typ string, p map[string]any) *structs.Rule {
		return &structs.Rule{Trigger: structs.RuleTrigger{Type: typ, Parameters: p}, CreatedAt: created}
	}
	tests := []struct {
		name string
		r    *structs.Rule
		now  time.Time
		tick time.Time
		due  bool
		err  bool
	}{
		{"every 30s", rule(TriggerIntervalTimer, map[string]any{"unit": "seconds", "delta": 30.0}), created.Add(75 * time.Second), created.Add(60 * time.Second), true, false},
		{"not before the rule", rule(TriggerIntervalTimer, map[string]any{"unit": "minutes", "delta": 1.0}), created.Add(10 * time.Second), created, false, false},
		{"bad unit", rule(TriggerIntervalTimer, map[string]any{"unit": "fortnights", "delta": 1.0}), created, time.Time{}, false, true},
		{"bad delta", rule(TriggerIntervalTimer, map[string]any{"unit": "seconds", "delta": 0.0}), created, time.Time{}, false, true},
		{"date reached", rule(TriggerDateTimer, map[string]any{"date": "2026-01-01 12:00:00", "timezone": "Europe/Paris"}), created.Add(2 * time.Hour), created.Add(time.Hour), true, false},
		{"date ahead", rule(TriggerDateTimer, map[string]any{"date": "2026-01-01 12:00:00"}), created.Add(time.Hour), created.Add(2 * time.Hour), false, false},
		{"bad date", rule(TriggerDateTimer, map[string]any{"date": "soon"}), created, time.Time{}, false, true},
		{"cron tick just passed", rule(TriggerCronTimer, map[string]any{"minute": "*/15"}), created.Add(15*time.Minute + 2*time.Second), created.Add(15 * time.Minute), true, false},
		{"cron between ticks", rule(TriggerCronTimer, map[string]any{"minute": "*/15"}), created.Add(20 * time.Minute), time.Time{}, false, false},
		{"cron tick too late", rule(TriggerCronTimer, map[string]any{"minute": "*/15"}), created.Add(15*time.Minute + 6*time.Second), time.Time{}, false, false},
		{"cron in a timezone", rule(TriggerCronTimer, map[string]any{"hour": 12, "minute": 0, "timezone": "Europe/Paris"}), created.Add(time.Hour + time.Second), created.Add(time.Hour), true, false},
		{"cron not before the rule", rule(TriggerCronTimer, map[string]any{"minute": 0}), created.Add(time.Second), time.Time{}, false, false},
		{"cron bad field", rule(TriggerCronTimer, map[string]any{"hour": "25"}), created, time.Time{}, false, true},
		{"cron unknown field", rule(TriggerCronTimer, map[string]any{"fortnight": 1}), created, time.Time{}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tick, due, err := timerTick(tc.r, tc.now)
			if (err != nil) != tc.err || (!tc.err && (!tick.Equal(tc.tick) || due != tc.due)) {
				t.Fatalf("tick %s due %v err %v; want %s %v", tick, due, err, tc.tick, tc.due)
			}
		})
	}
}

// TestTimersFireEachTickOnce runs two timer loops at once, as an old and
// a new leader might: every tick still fires exactly once.
func TestTimersFireEachTickOnce(t *testing.T) {
	svc, eng, d := testEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := svc.Create(ctx, Meta{Name: "tick", Pack: "p", Action: MetaAction{Ref: "core.noop"},
		Trigger: MetaTrigger{Type: TriggerIntervalTimer, Parameters: map[string]any{"unit": "seconds", "delta": 1}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		go eng.RunTimers(ctx, svc.FireInstance)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, _ := d.FSM.State().TriggerInstances()
		if len(all) >= 2 {
			ticks := map[string]bool{}
			for _, ti := range all {
				at := ti.Payload["executed_at"].(string)
				if ticks[at] {
					t.Fatalf("tick %s fired twice", at)
				}
				ticks[at] = true
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timers fired %d instances in 10s", len(all))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

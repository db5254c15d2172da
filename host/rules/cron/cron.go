// Package cron implements the schedule of StackStorm's core.st2.CronTimer
// trigger, whose semantics are those of APScheduler 3.x's CronTrigger.
//
// Parameters are the trigger's: year, month, day, week (ISO week number),
// day_of_week, hour, minute, second and timezone (an IANA name, UTC when
// absent). Each field takes an integer or an expression: "*", "*/n", "a",
// "a-b", "a/n" (a, a+n, ... up to the field's maximum), "a-b/n", or a
// comma-separated list of those. Steps count from the start of their range
// ("*/n" from the field's minimum, so year "*/2" is the even years). month
// also takes jan..dec and day_of_week mon..sun (mon is 0, sun is 6: not
// cron's numbering), alone or as a range such as "mon-fri"; day also takes
// "last" (the month's last day), "last fri" and "1st".."5th" followed by a
// weekday name. Names are case-insensitive. A time matches when every field
// matches it; day and day_of_week must both match, unlike cron's "either".
//
// Fields left out default as APScheduler's do: those finer than the finest
// given field are at their minimum (month and day 1, hour, minute and second
// 0), except week and day_of_week which are "*"; those coarser are "*". So
// {minute: 5} fires at hh:05:00 every hour, {month: 3} at midnight on March
// 1st, and an empty schedule (or only a timezone) fires every second.
//
// Matching is on the wall clock of the time zone. A wall-clock time that
// does not exist (skipped by a forward DST change) never fires; one that
// occurs twice (a backward change) fires at both instants. This is
// APScheduler's documented behaviour and what its own DST tests expect; the
// 3.7 release StackStorm pins gets some DST days wrong (a weekday after a
// spring-forward skipped: APScheduler issue #529), which is not reproduced.
// Like APScheduler, the week field is the ISO week number matched against
// the calendar year: week 1 can fall in late December, and week 52 or 53 in
// early January.
//
// Deliberate differences: the default time zone is UTC, where StackStorm
// falls back to the host's; start_date, end_date and jitter are rejected as
// unknown, as StackStorm's parameter schema does; text APScheduler silently
// ignores after a name ("mon-fri/2" read as "mon-fri") is an error; and a
// whole float (9.0, as JSON numbers decode) is taken as the integer.
package cron

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed core.st2.CronTimer schedule. It is immutable and
// safe for concurrent use.
type Schedule struct {
	fields [numFields]expr
	loc    *time.Location
}

// Parse validates the CronTimer trigger parameters as StackStorm's rule YAML
// gives them (values may be strings or numbers: float64 from JSON, int from
// YAML). Errors name the parameter and the offending expression.
func Parse(params map[string]any) (*Schedule, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	s := &Schedule{loc: time.UTC}
	var given [numFields]string
	finest := field(-1)
	for _, k := range keys {
		if k == "timezone" {
			loc, err := location(params[k])
			if err != nil {
				return nil, err
			}
			s.loc = loc
			continue
		}
		f := field(indexOf(fieldNames[:], k))
		if f < 0 {
			return nil, fmt.Errorf("unknown parameter %q (expected timezone, %s)", k, strings.Join(fieldNames[:], ", "))
		}
		v, err := exprString(f, params[k])
		if err != nil {
			return nil, err
		}
		given[f] = v
		finest = max(finest, f)
	}

	for f := fYear; f < numFields; f++ {
		switch {
		case given[f] != "":
			e, err := parseExpr(f, given[f])
			if err != nil {
				return nil, err
			}
			s.fields[f] = e
		case finest >= 0 && f > finest && !f.derived():
			s.fields[f] = expr{rangeTerm{minValue[f], minValue[f], 0}}
		default:
			s.fields[f] = expr{rangeTerm{minValue[f], -1, 0}}
		}
	}
	return s, nil
}

func location(v any) (*time.Location, error) {
	name, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("timezone: must be a string, got %s", typeName(v))
	}
	// time.LoadLocation maps "" to UTC and "Local" to the host's zone;
	// StackStorm (pytz) knows neither name.
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("timezone: %q is not a known IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("timezone: %q is not a known IANA time zone name", name)
	}
	return loc, nil
}

// exprString is a field's value as expression text. StackStorm's schema
// takes a string or an integer; JSON numbers arrive as float64.
func exprString(f field, v any) (string, error) {
	name := fieldNames[f]
	var n int64
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			return "", fmt.Errorf("%s: must not be empty", name)
		}
		return x, nil
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint:
		n = int64(min(uint64(x), math.MaxInt64))
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		n = int64(min(x, math.MaxInt64))
	case float32:
		return exprString(f, float64(x))
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%s: %v is not a whole number", name, x)
		}
		if math.Abs(x) > 1e15 { // beyond every field's range, and exact as an int64
			return "", fmt.Errorf("%s: %q is out of range %d-%d", name, strconv.FormatFloat(x, 'f', -1, 64), minValue[f], maxValue[f])
		}
		n = int64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			n = i
			break
		}
		fl, err := x.Float64()
		if err != nil {
			return "", fmt.Errorf("%s: %q is not a number", name, x.String())
		}
		return exprString(f, fl)
	default:
		return "", fmt.Errorf("%s: must be a string or an integer, got %s", name, typeName(v))
	}
	if n < int64(minValue[f]) || n > int64(maxValue[f]) {
		return "", fmt.Errorf("%s: %q is out of range %d-%d", name, strconv.FormatInt(n, 10), minValue[f], maxValue[f])
	}
	return strconv.FormatInt(n, 10), nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// offsetBound bounds the UTC offset of any time zone (real ones stay within
// about ±15h, counting historical local mean times): an instant more than
// offsetBound after a wall-clock time read as UTC shows a later wall clock
// in every zone, and one more than offsetBound before it an earlier one.
const offsetBound = 24 * time.Hour

// Next returns the first fire time strictly after t, or zero time and false
// if there is none (e.g. year: 2001 in the past, or an impossible date like
// day 31 of february only). Fire times are whole seconds, returned in UTC.
func (s *Schedule) Next(t time.Time) (time.Time, bool) {
	p := t.Truncate(time.Second).Add(time.Second)
	// Walk forward through the zone's offset periods (between two DST or
	// other offset changes). Within one, the wall clock is the instant plus a
	// constant offset, so the period's first matching instant is that of the
	// first matching wall-clock time. Wall-clock times skipped by a forward
	// change belong to no period and never fire; those repeated by a
	// backward change belong to two periods and fire in both.
	for {
		local := p.In(s.loc)
		_, offset := local.Zone()
		_, end := local.ZoneBounds()
		from := wallOf(local)
		m, ok := s.nextWall(from)
		if ok {
			at := time.Unix(m.seconds()-int64(offset), 0)
			if end.IsZero() || at.Before(end) {
				return at.UTC(), true
			}
		}
		if end.IsZero() {
			return time.Time{}, false
		}
		// Nothing matches in this period; go on with the next. Past the
		// horizon every instant shows a wall clock at or after from, and
		// none from there up to m matches, so there is no need to visit
		// the periods in between: skip to a day before m (or stop if
		// nothing matches after from at all). Before the horizon a backward
		// change may show earlier wall-clock times again: keep walking.
		horizon := time.Unix(from.seconds(), 0).Add(offsetBound)
		switch {
		case end.Before(horizon):
			p = end
		case !ok:
			return time.Time{}, false
		default:
			p = end
			if skip := time.Unix(m.seconds(), 0).Add(-offsetBound); skip.After(p) {
				p = skip
			}
		}
	}
}

// nextWall returns the earliest wall-clock time at or after w that every
// field matches, or false if there is none up to year 9999. Like
// APScheduler it goes field by field, coarsest first: a field whose value
// matches is kept; one that can move up to a matching value is set to it
// (the finer fields reset to their minimum); one that cannot carries into
// the next coarser field. week and day_of_week are satisfied by moving to
// the next day, so the number of steps stays bounded by the days, not the
// seconds, between w and the answer.
func (s *Schedule) nextWall(w wall) (wall, bool) {
	if w.year < minValue[fYear] {
		w = wall{year: minValue[fYear], month: 1, day: 1}
	}
	for f := fYear; f < numFields; {
		if w.year > maxValue[fYear] {
			return wall{}, false
		}
		v, ok := s.fields[f].next(f, w)
		switch {
		case !ok:
			if f, ok = w.advance(f - 1); !ok {
				return wall{}, false
			}
		case v == w.get(f):
			f++
		case f.derived():
			if f, ok = w.advance(f); !ok {
				return wall{}, false
			}
		default:
			w.set(f, v)
			f++
		}
	}
	return w, true
}

package cron

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// field indexes a CronTimer field, coarsest first; the order is the one in
// which a wall-clock time is matched, as in APScheduler.
type field int

const (
	fYear field = iota
	fMonth
	fDay
	fWeek // ISO week number, derived from the date
	fDayOfWeek
	fHour
	fMinute
	fSecond
	numFields
)

var fieldNames = [numFields]string{"year", "month", "day", "week", "day_of_week", "hour", "minute", "second"}

// Bounds of each field; the day's real upper bound is the length of the month.
var (
	minValue = [numFields]int{1970, 1, 1, 1, 0, 0, 0, 0}
	maxValue = [numFields]int{9999, 12, 31, 53, 6, 23, 59, 59}
)

// derived reports whether f is computed from the date (week, day_of_week)
// rather than being one of the date's own components. A derived field is
// satisfied by moving the date forward a day at a time.
func (f field) derived() bool { return f == fWeek || f == fDayOfWeek }

var (
	monthNames   = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	weekdayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} // APScheduler numbering: mon=0
	positions    = []string{"1st", "2nd", "3rd", "4th", "5th"}
)

// wall is a wall-clock reading (to the second) in the schedule's time zone.
type wall struct{ year, month, day, hour, minute, second int }

func wallOf(t time.Time) wall {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return wall{y, int(mo), d, h, mi, s}
}

// seconds is w read as if it were UTC: a monotonic key for wall-clock times.
func (w wall) seconds() int64 {
	return time.Date(w.year, time.Month(w.month), w.day, w.hour, w.minute, w.second, 0, time.UTC).Unix()
}

func (w wall) weekday() int { // mon=0 .. sun=6
	return (int(time.Date(w.year, time.Month(w.month), w.day, 0, 0, 0, 0, time.UTC).Weekday()) + 6) % 7
}

func (w wall) get(f field) int {
	switch f {
	case fYear:
		return w.year
	case fMonth:
		return w.month
	case fDay:
		return w.day
	case fWeek:
		_, wk := time.Date(w.year, time.Month(w.month), w.day, 0, 0, 0, 0, time.UTC).ISOWeek()
		return wk
	case fDayOfWeek:
		return w.weekday()
	case fHour:
		return w.hour
	case fMinute:
		return w.minute
	}
	return w.second
}

// set assigns a non-derived field and resets every finer one to its minimum.
func (w *wall) set(f field, v int) {
	switch f {
	case fYear:
		w.year, w.month, w.day, w.hour, w.minute, w.second = v, 1, 1, 0, 0, 0
	case fMonth:
		w.month, w.day, w.hour, w.minute, w.second = v, 1, 0, 0, 0
	case fDay:
		w.day, w.hour, w.minute, w.second = v, 0, 0, 0
	case fHour:
		w.hour, w.minute, w.second = v, 0, 0
	case fMinute:
		w.minute, w.second = v, 0
	case fSecond:
		w.second = v
	}
}

// max is the largest value f can take in w's month.
func (w wall) max(f field) int {
	if f == fDay {
		return daysIn(w.year, w.month)
	}
	return maxValue[f]
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// advance increments the nearest non-derived field at or above f, carrying
// into coarser fields when a field is at its maximum, and resets the finer
// fields. It returns the field it incremented, or false past year 9999.
func (w *wall) advance(f field) (field, bool) {
	for ; f >= 0; f-- {
		if f.derived() {
			continue
		}
		if v := w.get(f); v < w.max(f) {
			w.set(f, v+1)
			return f, true
		}
	}
	return 0, false
}

// term is one comma-separated part of a field's expression.
type term interface {
	// next returns the smallest value >= w.get(f) that the term accepts in
	// w's month, or false if there is none.
	next(f field, w wall) (int, bool)
}

// rangeTerm is "*", "*/step", "a", "a-b", "a/step" and "a-b/step" (and the
// month and weekday names). last < 0 means up to the field's maximum. As in
// APScheduler, steps count from the range's first value.
type rangeTerm struct{ first, last, step int }

func (r rangeTerm) next(f field, w wall) (int, bool) {
	lo, hi := max(minValue[f], r.first), w.max(f)
	if r.last >= 0 {
		hi = min(hi, r.last)
	}
	v := max(lo, w.get(f))
	if r.step > 1 {
		v += (r.step - (v-lo)%r.step) % r.step
	}
	return v, v <= hi
}

// nthWeekdayTerm is "1st mon" .. "5th mon" (nth 0..4) and "last mon" (nth < 0).
type nthWeekdayTerm struct{ nth, weekday int }

func (t nthWeekdayTerm) next(_ field, w wall) (int, bool) {
	first := wall{year: w.year, month: w.month, day: 1}
	day := 1 + (t.weekday-first.weekday()+7)%7 // first such weekday of the month
	n := daysIn(w.year, w.month)
	if t.nth < 0 {
		day += (n - day) / 7 * 7
	} else {
		day += 7 * t.nth
	}
	return day, day <= n && day >= w.day
}

// lastDayTerm is "last": the last day of the month.
type lastDayTerm struct{}

func (lastDayTerm) next(_ field, w wall) (int, bool) { return daysIn(w.year, w.month), true }

// expr is a field's parsed expression: the value matches if any term does.
type expr []term

func (e expr) next(f field, w wall) (int, bool) {
	best, found := 0, false
	for _, t := range e {
		if v, ok := t.next(f, w); ok && (!found || v < best) {
			best, found = v, true
		}
	}
	return best, found
}

var (
	numRe  = regexp.MustCompile(`^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$`)
	nameRe = regexp.MustCompile(`^([a-z]+)(?:-([a-z]+))?$`)
	nthRe  = regexp.MustCompile(`^(1st|2nd|3rd|4th|5th|last) +([a-z]+)$`)
	sepRe  = regexp.MustCompile(` *, *`)
)

// parseExpr parses a field's expression: comma-separated terms, with
// whitespace allowed around the commas and at the ends.
func parseExpr(f field, s string) (expr, error) {
	whole := strings.TrimSpace(s)
	var e expr
	for _, part := range sepRe.Split(whole, -1) {
		t, err := parseTerm(f, part)
		if err != nil {
			if part != whole {
				return nil, fmt.Errorf("%s: %q %v (in %q)", fieldNames[f], part, err, whole)
			}
			return nil, fmt.Errorf("%s: %q %v", fieldNames[f], part, err)
		}
		e = append(e, t)
	}
	return e, nil
}

// parseTerm parses one term; its errors read after the field and the term.
func parseTerm(f field, s string) (term, error) {
	lower := strings.ToLower(s)
	if m := numRe.FindStringSubmatch(s); m != nil {
		return numericTerm(f, m[1], m[2], m[3])
	}
	if m := nameRe.FindStringSubmatch(lower); m != nil && (f == fMonth || f == fDayOfWeek) {
		names, kind, base := monthNames, "month", 1
		if f == fDayOfWeek {
			names, kind, base = weekdayNames, "weekday", 0
		}
		first, err := lookup(names, kind, m[1])
		if err != nil {
			return nil, err
		}
		last := first
		if m[2] != "" {
			if last, err = lookup(names, kind, m[2]); err != nil {
				return nil, err
			}
		}
		if first > last {
			return nil, fmt.Errorf("is a range whose start is after its end")
		}
		return rangeTerm{first + base, last + base, 0}, nil
	}
	if f == fDay {
		if lower == "last" {
			return lastDayTerm{}, nil
		}
		if m := nthRe.FindStringSubmatch(lower); m != nil {
			wd, err := lookup(weekdayNames, "weekday", m[2])
			if err != nil {
				return nil, err
			}
			return nthWeekdayTerm{indexOf(positions, m[1]), wd}, nil // "last" is not in positions: -1
		}
	}
	return nil, fmt.Errorf("is not a valid expression (%s)", syntax(f))
}

// syntax is the help shown for an unrecognised term of field f.
func syntax(f field) string {
	forms := "*, */n, a, a-b, a/n, a-b/n"
	switch f {
	case fMonth:
		forms += ", jan..dec, jan-mar"
	case fDay:
		forms += ", last, last <weekday>, 1st..5th <weekday>"
	case fDayOfWeek:
		forms += ", mon..sun, mon-fri"
	}
	return "expected " + forms + " or a comma-separated list of them"
}

// lookup is the index of name in names, or an error naming it.
func lookup(names []string, kind, name string) (int, error) {
	if i := indexOf(names, name); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("has an unknown %s name %q (expected one of %s)", kind, name, strings.Join(names, ", "))
}

// numericTerm validates a numeric term the way APScheduler does: values in
// the field's range, start not after end, and a step of at least 1 and at
// most the span of the range.
func numericTerm(f field, a, b, step string) (term, error) {
	lo, hi := minValue[f], maxValue[f]
	r := rangeTerm{first: lo, last: -1}
	span := hi - lo
	if a != "*" {
		first, err1 := strconv.Atoi(a)
		last, err2 := first, error(nil)
		if b != "" {
			last, err2 = strconv.Atoi(b)
		} else if step != "" {
			last = hi // "a/n" runs from a to the field's maximum
		}
		if err1 != nil || err2 != nil || first < lo || first > hi || last > hi {
			return nil, fmt.Errorf("is out of range %d-%d", lo, hi)
		}
		if first > last {
			return nil, fmt.Errorf("is a range whose start is after its end")
		}
		r.first, span = first, last-first
		if b != "" || step == "" {
			r.last = last
		}
	} else if b != "" {
		return nil, fmt.Errorf("is not a valid expression (%s)", syntax(f))
	}
	if step != "" {
		n, err := strconv.Atoi(step)
		switch {
		case err == nil && n == 0:
			return nil, fmt.Errorf("has a step of 0; it must be at least 1")
		case err != nil || n > span:
			return nil, fmt.Errorf("has a step larger than the span of its range (%d)", span)
		}
		r.step = n
	}
	return r, nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

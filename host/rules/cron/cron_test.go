package cron

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the host has installed
)

type params = map[string]any

func mustParse(t *testing.T, p params) *Schedule {
	t.Helper()
	s, err := Parse(p)
	if err != nil {
		t.Fatalf("Parse(%v): %v", p, err)
	}
	return s
}

// ts parses an RFC 3339 time; the offset in it picks the instant in
// ambiguous wall-clock hours.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type nextCase struct {
	name   string
	params params
	from   string // RFC 3339
	want   string // RFC 3339, "" for no next fire time
}

func runNext(t *testing.T, cases []nextCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.params)
			got, ok := s.Next(ts(t, c.from))
			if c.want == "" {
				if ok {
					t.Fatalf("Next(%s) = %s, want none", c.from, got.Format(time.RFC3339))
				}
				if !got.IsZero() {
					t.Fatalf("Next(%s) = %v with false, want the zero time", c.from, got)
				}
				return
			}
			want := ts(t, c.want)
			if !ok || !got.Equal(want) {
				t.Fatalf("Next(%s) = %s, %v; want %s (%s UTC)", c.from, got.Format(time.RFC3339), ok,
					c.want, want.UTC().Format(time.RFC3339))
			}
			if got.Location() != time.UTC {
				t.Fatalf("Next returned a time in %v, want UTC", got.Location())
			}
		})
	}
}

func TestNextExpressions(t *testing.T) {
	runNext(t, []nextCase{
		// Defaults: nothing given fires every second; fields finer than the
		// finest given one are at their minimum, coarser ones are "*".
		{"empty fires every second", params{}, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"},
		{"timezone only fires every second", params{"timezone": "UTC"}, "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:01Z"},
		{"strictly after", params{"minute": 5}, "2024-01-01T10:05:00Z", "2024-01-01T11:05:00Z"},
		{"minute then second 0", params{"minute": 5}, "2024-01-01T10:04:59Z", "2024-01-01T10:05:00Z"},
		{"fractional second rounds up", params{"second": "*"}, "2024-01-01T10:04:59.999Z", "2024-01-01T10:05:00Z"},
		{"hour: minute and second 0", params{"hour": 9}, "2024-01-01T09:00:01Z", "2024-01-02T09:00:00Z"},
		{"month: day 1 at midnight", params{"month": 3}, "2024-03-01T00:00:00Z", "2025-03-01T00:00:00Z"},
		{"year: jan 1st", params{"year": 2030}, "2024-06-01T00:00:00Z", "2030-01-01T00:00:00Z"},
		{"day: week and day_of_week stay *", params{"day": 15}, "2024-01-15T00:00:00Z", "2024-02-15T00:00:00Z"},
		{"day_of_week: midnight", params{"day_of_week": "mon"}, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"},
		{"coarser than given is *", params{"day": 1, "minute": 20}, "2024-03-01T05:20:00Z", "2024-03-01T06:20:00Z"},

		// Expression forms.
		{"*/n", params{"minute": "*/15"}, "2024-01-01T10:16:00Z", "2024-01-01T10:30:00Z"},
		{"*/n seconds", params{"second": "*/20"}, "2024-01-01T10:00:41Z", "2024-01-01T10:01:00Z"},
		{"a-b/n", params{"hour": "9-17/4"}, "2024-01-01T13:00:00Z", "2024-01-01T17:00:00Z"},
		{"a-b/n wraps to next day", params{"hour": "9-17/4"}, "2024-01-01T17:00:00Z", "2024-01-02T09:00:00Z"},
		{"a/n", params{"minute": "50/5"}, "2024-01-01T10:55:00Z", "2024-01-01T11:50:00Z"},
		{"a-b", params{"hour": "8-10"}, "2024-01-01T10:00:00Z", "2024-01-02T08:00:00Z"},
		{"list with spaces", params{"hour": " 3, 7-8 ,20 "}, "2024-01-01T08:00:00Z", "2024-01-01T20:00:00Z"},
		{"list picks the earliest", params{"minute": "40,10-12/2"}, "2024-01-01T10:10:00Z", "2024-01-01T10:12:00Z"},
		{"year */2 counts from 1970", params{"year": "*/2"}, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"day */2 counts from 1", params{"day": "*/2"}, "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z"},
		{"day a/n ends with the month", params{"day": "20/10"}, "2024-02-20T00:00:00Z", "2024-03-20T00:00:00Z"},

		// Names.
		{"weekday range", params{"day_of_week": "mon-fri", "hour": 9}, "2024-03-01T09:00:00Z", "2024-03-04T09:00:00Z"},
		{"weekday names, any case", params{"day_of_week": "SAT,Sun"}, "2024-03-04T00:00:00Z", "2024-03-09T00:00:00Z"},
		{"weekday number, mon=0", params{"day_of_week": 6}, "2024-03-04T00:00:00Z", "2024-03-10T00:00:00Z"},
		{"month range", params{"month": "jun-aug", "day": 15}, "2024-08-15T00:00:00Z", "2025-06-15T00:00:00Z"},
		{"month name", params{"month": "DEC"}, "2024-03-04T00:00:00Z", "2024-12-01T00:00:00Z"},

		// last and nth weekday.
		{"last day leap", params{"day": "last"}, "2024-02-10T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"last day after feb 28", params{"day": "LAST"}, "2023-02-28T00:00:00Z", "2023-03-31T00:00:00Z"},
		{"last fri", params{"day": "last fri"}, "2024-03-01T00:00:00Z", "2024-03-29T00:00:00Z"},
		{"1st mon", params{"day": "1st mon", "hour": 8}, "2024-09-01T00:00:00Z", "2024-09-02T08:00:00Z"},
		{"3rd fri", params{"day": "3rd  Fri"}, "2024-03-15T00:00:00Z", "2024-04-19T00:00:00Z"},
		{"5th wed skips months without one", params{"day": "5th wed"}, "2024-02-01T00:00:00Z", "2024-05-29T00:00:00Z"},
		{"nth and last in a list", params{"day": "2nd tue, last"}, "2024-04-09T00:00:00Z", "2024-04-30T00:00:00Z"},

		// ISO week, matched against the calendar year as APScheduler does.
		{"week", params{"week": 10}, "2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"},
		{"week and weekday", params{"year": 2009, "week": 15, "day_of_week": 2}, "2009-01-01T00:00:00Z", "2009-04-08T00:00:00Z"},
		{"week 1 in late december", params{"year": 2024, "week": 1}, "2024-01-07T00:00:00Z", "2024-12-30T00:00:00Z"},
		{"week 53", params{"week": 53, "day_of_week": "fri"}, "2021-01-02T00:00:00Z", "2027-01-01T00:00:00Z"},

		// APScheduler's own test cases (its "now" is inclusive, so one second earlier).
		{"aps 1", params{"year": "2009/2", "month": "1/3", "day": "5-13"}, "2008-11-30T23:59:59Z", "2009-01-05T00:00:00Z"},
		{"aps 2", params{"year": "2009/2", "month": "1/3", "day": "5-13"}, "2009-10-13T23:59:59Z", "2011-01-05T00:00:00Z"},
		{"aps 3", params{"year": "2009", "month": "feb-dec", "hour": "8-10"}, "2008-12-31T23:59:59Z", "2009-02-01T08:00:00Z"},
		{"aps 4", params{"year": "2012", "month": "2", "day": "last"}, "2012-01-31T23:59:59Z", "2012-02-29T00:00:00Z"},
		{"aps year list", params{"year": "2009,2008"}, "2008-12-31T23:59:59Z", "2009-01-01T00:00:00Z"},
		{"aps weekday overlap", params{"year": 2009, "month": 1, "day": "6-10", "day_of_week": "2-4"}, "2008-12-31T23:59:59Z", "2009-01-07T00:00:00Z"},
		{"aps positional", params{"year": 2009, "month": 1, "day": "4th wed"}, "2008-12-31T23:59:59Z", "2009-01-28T00:00:00Z"},
		{"aps week 1", params{"year": 2009, "month": 2, "week": 8}, "2008-12-31T23:59:59Z", "2009-02-16T00:00:00Z"},
		{"aps day list", params{"day": "6,8"}, "2009-12-30T23:59:59Z", "2010-01-06T00:00:00Z"},
		{"aps increment weekday", params{"hour": "5-6"}, "2009-09-25T06:59:59Z", "2009-09-26T05:00:00Z"},
		{"aps month rollover", params{"day": 30}, "2016-01-31T23:59:59Z", "2016-03-30T00:00:00Z"},

		// Numbers as JSON and YAML decoders produce them.
		{"float64", params{"hour": 9.0, "minute": float64(30)}, "2024-01-01T00:00:00Z", "2024-01-01T09:30:00Z"},
		{"int64", params{"hour": int64(9)}, "2024-01-01T00:00:00Z", "2024-01-01T09:00:00Z"},
		{"json.Number", params{"hour": json.Number("9")}, "2024-01-01T00:00:00Z", "2024-01-01T09:00:00Z"},

		// Before 1970 (the year field's minimum).
		{"before 1970", params{"minute": 0}, "1960-05-05T12:00:00Z", "1970-01-01T00:00:00Z"},
		{"zero time", params{"hour": 1}, "0001-01-01T00:00:00Z", "1970-01-01T01:00:00Z"},
		{"last second of 9999", params{"year": 9999, "month": 12, "day": 31, "hour": 23, "minute": 59, "second": 59},
			"9999-12-31T23:59:58Z", "9999-12-31T23:59:59Z"},
	})
}

func TestNextTimezones(t *testing.T) {
	ny := func(p params) params { p["timezone"] = "America/New_York"; return p }
	hel := func(p params) params { p["timezone"] = "Europe/Helsinki"; return p }
	runNext(t, []nextCase{
		{"tokyo", params{"hour": 9, "timezone": "Asia/Tokyo"}, "2023-12-31T12:00:00Z", "2024-01-01T09:00:00+09:00"},
		{"fixed offset zone", params{"hour": 11, "minute": "*/5", "timezone": "Etc/GMT+5"}, "2009-09-26T10:16:00-06:00", "2009-09-26T11:20:00-05:00"},

		// APScheduler's DST tests (US/Eastern).
		{"absolute spring", ny(params{"hour": 8}), "2013-03-09T12:00:00-05:00", "2013-03-10T08:00:00-04:00"},
		{"absolute autumn", ny(params{"hour": 8}), "2013-11-02T12:00:00-04:00", "2013-11-03T08:00:00-05:00"},
		{"interval spring", ny(params{"minute": "*/30"}), "2013-03-10T01:35:00-05:00", "2013-03-10T03:00:00-04:00"},
		{"interval autumn: the repeated hour fires again", ny(params{"minute": "*/30"}), "2013-11-03T01:35:00-04:00", "2013-11-03T01:00:00-05:00"},

		// A wall-clock time in the spring-forward gap does not fire that day.
		{"gap skipped", ny(params{"hour": 2, "minute": 30}), "2013-03-09T02:30:00-05:00", "2013-03-11T02:30:00-04:00"},
		{"gap: every minute resumes after", ny(params{"minute": "*"}), "2013-03-10T01:59:00-05:00", "2013-03-10T03:00:00-04:00"},
		// A repeated wall-clock time fires at both instants.
		{"fold first", ny(params{"hour": 1, "minute": 30}), "2013-11-03T00:00:00-04:00", "2013-11-03T01:30:00-04:00"},
		{"fold second", ny(params{"hour": 1, "minute": 30}), "2013-11-03T01:30:00-04:00", "2013-11-03T01:30:00-05:00"},
		{"fold then next day", ny(params{"hour": 1, "minute": 30}), "2013-11-03T01:30:00-05:00", "2013-11-04T01:30:00-05:00"},
		{"fold far schedule", ny(params{"month": 11, "day": 3, "hour": 1, "minute": 30}), "2013-11-03T01:50:00-04:00", "2013-11-03T01:30:00-05:00"},
		{"daily across spring day", ny(params{"hour": 0}), "2021-03-13T00:00:00-05:00", "2021-03-14T00:00:00-05:00"},
		{"day after spring (aps #529)", params{"day_of_week": "0-4", "hour": 0, "minute": 0, "timezone": "US/Central"}, "2021-03-12T00:00:00.000001-06:00", "2021-03-15T00:00:00-05:00"},

		// APScheduler's documentation example: hour 3, minute 30 in Helsinki.
		{"helsinki march", hel(params{"hour": 3, "minute": 30}), "2024-03-30T03:30:00+02:00", "2024-04-01T03:30:00+03:00"},
		{"helsinki october first", hel(params{"hour": 3, "minute": 30}), "2024-10-26T03:30:00+03:00", "2024-10-27T03:30:00+03:00"},
		{"helsinki october second", hel(params{"hour": 3, "minute": 30}), "2024-10-27T03:30:00+03:00", "2024-10-27T03:30:00+02:00"},
		// APScheduler #1021 looped here.
		{"helsinki minute in the fold", hel(params{"minute": 30}), "2017-10-29T03:45:00+02:00", "2017-10-29T04:30:00+02:00"},
		{"helsinki minute after the fold", hel(params{"minute": 30}), "2017-10-29T03:30:00+02:00", "2017-10-29T04:30:00+02:00"},

		// Half-hour DST shift.
		{"lord howe gap", params{"minute": "*/15", "timezone": "Australia/Lord_Howe"}, "2023-10-01T01:45:00+10:30", "2023-10-01T02:30:00+11:00"},
		{"lord howe fold", params{"minute": "*/15", "timezone": "Australia/Lord_Howe"}, "2024-04-07T01:45:00+11:00", "2024-04-07T01:30:00+10:30"},
	})
}

func TestNextNone(t *testing.T) {
	runNext(t, []nextCase{
		{"year in the past", params{"year": 2001}, "2024-01-01T00:00:00Z", ""},
		{"february 31st", params{"month": 2, "day": 31}, "2024-01-01T00:00:00Z", ""},
		{"february 30th in a zone", params{"month": "feb", "day": 30, "timezone": "America/New_York"}, "2024-01-01T00:00:00Z", ""},
		{"weekday never in range", params{"year": 2009, "month": 1, "day": "6-10", "day_of_week": "0,6"}, "2008-12-31T23:59:59Z", ""},
		{"week never in month", params{"month": 2, "week": 20}, "2024-01-01T00:00:00Z", ""},
		{"after the last second", params{"year": 9999, "month": 12, "day": 31, "hour": 23, "minute": 59, "second": 59}, "9999-12-31T23:59:59Z", ""},
		{"after 9999", params{"minute": 0}, "9999-12-31T23:59:59Z", ""},
		// Only ever in the spring-forward gap (2nd Sunday of March, 02:30, since 2007).
		{"only in dst gaps", params{"month": 3, "day": "2nd sun", "hour": 2, "minute": 30, "timezone": "America/New_York"}, "2007-01-01T00:00:00Z", ""},
	})
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		params params
		want   string
	}{
		{params{"hour": "25"}, `hour: "25" is out of range 0-23`},
		{params{"hour": 25}, `hour: "25" is out of range 0-23`},
		{params{"hour": 24.0}, `hour: "24" is out of range 0-23`},
		{params{"minute": -1}, `minute: "-1" is out of range 0-59`},
		{params{"minute": "-1"}, `minute: "-1" is not a valid expression`},
		{params{"second": "1,60"}, `second: "60" is out of range 0-59 (in "1,60")`},
		{params{"hour": "0-24"}, `hour: "0-24" is out of range 0-23`},
		{params{"day": "0-3"}, `day: "0-3" is out of range 1-31`},
		{params{"day": 32}, `day: "32" is out of range 1-31`},
		{params{"month": 13}, `month: "13" is out of range 1-12`},
		{params{"month": "0"}, `month: "0" is out of range 1-12`},
		{params{"day_of_week": 7}, `day_of_week: "7" is out of range 0-6`},
		{params{"week": 0}, `week: "0" is out of range 1-53`},
		{params{"week": "54"}, `week: "54" is out of range 1-53`},
		{params{"year": 1969}, `year: "1969" is out of range 1970-9999`},
		{params{"year": "10000"}, `year: "10000" is out of range 1970-9999`},
		{params{"year": 1e300}, `year: "1` /* the digits */},
		{params{"hour": "99999999999999999999"}, `hour: "99999999999999999999" is out of range 0-23`},
		{params{"hour": "30/2"}, `hour: "30/2" is out of range 0-23`},
		{params{"hour": "5-2"}, `hour: "5-2" is a range whose start is after its end`},
		{params{"hour": "*/0"}, `hour: "*/0" has a step of 0`},
		{params{"day": "*/31"}, `day: "*/31" has a step larger than the span of its range (30)`},
		{params{"day": "4-6/3"}, `day: "4-6/3" has a step larger than the span of its range (2)`},
		{params{"minute": "*/60"}, `minute: "*/60" has a step larger than the span of its range (59)`},
		{params{"minute": "59/1"}, `minute: "59/1" has a step larger than the span of its range (0)`},
		{params{"minute": "*-5"}, `minute: "*-5" is not a valid expression`},
		{params{"year": "2009-fault"}, `year: "2009-fault" is not a valid expression`},
		{params{"day_of_week": "funday"}, `day_of_week: "funday" has an unknown weekday name "funday"`},
		{params{"day_of_week": "monday"}, `unknown weekday name "monday"`},
		{params{"day_of_week": "fri-mon"}, `day_of_week: "fri-mon" is a range whose start is after its end`},
		{params{"day_of_week": "mon-fri/2"}, `day_of_week: "mon-fri/2" is not a valid expression`},
		{params{"day_of_week": "mon-4"}, `day_of_week: "mon-4" is not a valid expression`},
		{params{"month": "janu"}, `month: "janu" has an unknown month name "janu"`},
		{params{"month": "jan-foo"}, `unknown month name "foo"`},
		{params{"hour": "mon"}, `hour: "mon" is not a valid expression`},
		{params{"day": "6th mon"}, `day: "6th mon" is not a valid expression`},
		{params{"day": "last funday"}, `day: "last funday" has an unknown weekday name "funday"`},
		{params{"day": "1st 1"}, `day: "1st 1" is not a valid expression`},
		{params{"day": "lastfri"}, `day: "lastfri" is not a valid expression`},
		{params{"hour": "last"}, `hour: "last" is not a valid expression`},
		{params{"day_of_week": "last"}, `day_of_week: "last" has an unknown weekday name "last"`},
		{params{"hour": ""}, `hour: must not be empty`},
		{params{"hour": "  "}, `hour: must not be empty`},
		{params{"hour": "1,,2"}, `hour: "" is not a valid expression (expected`},
		{params{"hour": 1.5}, `hour: 1.5 is not a whole number`},
		{params{"hour": true}, `hour: must be a string or an integer, got a boolean`},
		{params{"hour": nil}, `hour: must be a string or an integer, got null`},
		{params{"hour": []any{1, 2}}, `hour: must be a string or an integer, got a list`},
		{params{"foo": 1}, `unknown parameter "foo"`},
		{params{"start_date": "2024-01-01 00:00:00"}, `unknown parameter "start_date"`},
		{params{"end_date": "2024-01-01 00:00:00"}, `unknown parameter "end_date"`},
		{params{"jitter": 5}, `unknown parameter "jitter"`},
		{params{"timezone": "Mars/Olympus"}, `timezone: "Mars/Olympus" is not a known IANA time zone name`},
		{params{"timezone": ""}, `timezone: "" is not a known IANA time zone name`},
		{params{"timezone": "Local"}, `timezone: "Local" is not a known IANA time zone name`},
		{params{"timezone": 5}, `timezone: must be a string`},
	}
	for _, c := range cases {
		s, err := Parse(c.params)
		if err == nil {
			t.Errorf("Parse(%v) = %v, want an error containing %q", c.params, s, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%v) error %q, want it to contain %q", c.params, err, c.want)
		}
	}
}

// accepts is an oracle for the field matching, independent of the
// field-by-field search: does expression e accept field f of w?
func accepts(e expr, f field, w wall) bool {
	v := w.get(f)
	n := daysIn(w.year, w.month)
	for _, t := range e {
		switch t := t.(type) {
		case rangeTerm:
			lo, hi := max(minValue[f], t.first), maxValue[f]
			if t.last >= 0 {
				hi = t.last
			}
			if v >= lo && v <= hi && (t.step <= 1 || (v-lo)%t.step == 0) {
				return true
			}
		case lastDayTerm:
			if v == n {
				return true
			}
		case nthWeekdayTerm:
			if w.weekday() == t.weekday && ((t.nth < 0 && v+7 > n) || (t.nth >= 0 && (v-1)/7 == t.nth)) {
				return true
			}
		default:
			panic("unknown term")
		}
	}
	return false
}

func (s *Schedule) matches(w wall) bool {
	for f := fYear; f < numFields; f++ {
		if !accepts(s.fields[f], f, w) {
			return false
		}
	}
	return true
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

// TestNextWallOracle checks the date search against a day-by-day scan, for
// random date expressions.
func TestNextWallOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 600 {
		p := params{"hour": 0, "minute": 0, "second": 0}
		if r.IntN(4) == 0 {
			p["year"] = pick(r, "2024", "2025-2027", "*/3", "2031,2026", "2024/2")
		}
		if r.IntN(2) == 0 {
			p["month"] = pick(r, "2", "feb-apr", "*/5", "1/4", "dec", "6,9-10", "jan,jul")
		}
		if r.IntN(2) == 0 {
			p["day"] = pick(r, "29", "30,31", "last", "last sun", "1st mon", "5th fri", "3rd wed,1", "*/10", "15-20/2", "20/3")
		}
		if r.IntN(4) == 0 {
			p["week"] = pick(r, "1", "52,53", "*/4", "10-12", "53")
		}
		if r.IntN(3) == 0 {
			p["day_of_week"] = pick(r, "sun", "mon-fri", "0,3", "*/3", "sat-sun", "4")
		}
		s := mustParse(t, p)
		from := time.Date(2023+r.IntN(3), time.Month(1+r.IntN(12)), 1+r.IntN(31), 0, 0, 0, 0, time.UTC)
		got, ok := s.nextWall(wallOf(from))

		limit := time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
		var want wall
		found := false
		for d := from; d.Before(limit); d = d.AddDate(0, 0, 1) {
			if w := wallOf(d); s.matches(w) {
				want, found = w, true
				break
			}
		}
		switch {
		case found && (!ok || got != want):
			t.Fatalf("%v from %s: nextWall = %v, %v; scan found %v", p, from.Format(time.DateOnly), got, ok, want)
		case !found && ok && got.year < 2036:
			t.Fatalf("%v from %s: nextWall = %v, but the scan found nothing before 2036", p, from.Format(time.DateOnly), got)
		case ok && !s.matches(got):
			t.Fatalf("%v from %s: nextWall = %v, which does not match", p, from.Format(time.DateOnly), got)
		}
	}
}

// TestNextOracleDST checks Next against a second-by-second scan of instants
// around DST changes, for random time-of-day expressions.
func TestNextOracleDST(t *testing.T) {
	zones := []string{"America/New_York", "Europe/Helsinki", "Australia/Lord_Howe", "America/Santiago", "UTC"}
	r := rand.New(rand.NewPCG(3, 5))
	for range 200 {
		zone := zones[r.IntN(len(zones))]
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		p := params{"timezone": zone}
		if r.IntN(2) == 0 {
			p["hour"] = pick(r, "1", "2", "0-3", "*/2", "1,3", "2-23/7")
		}
		if r.IntN(3) != 0 {
			p["minute"] = pick(r, "0", "30", "*/15", "10-40/10", "59", "0,45")
		}
		if r.IntN(3) == 0 {
			p["second"] = pick(r, "0", "*/20", "59", "5-6")
		}
		s := mustParse(t, p)

		// Start near one of the zone's offset changes in 2023-2024.
		_, end := time.Date(2023+r.IntN(2), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, loc).ZoneBounds()
		if end.IsZero() {
			end = time.Date(2024, 3, 10, 12, 0, 0, 0, loc)
		}
		from := end.Add(time.Duration(r.IntN(6*3600)-3*3600) * time.Second)
		got, ok := s.Next(from)

		limit := from.Add(30 * time.Hour)
		var want time.Time
		for x := from.Add(time.Second); x.Before(limit); x = x.Add(time.Second) {
			if s.matches(wallOf(x.In(loc))) {
				want = x
				break
			}
		}
		switch {
		case !want.IsZero() && (!ok || !got.Equal(want)):
			t.Fatalf("%v from %s: Next = %s, %v; scan found %s", p, from.In(loc).Format(time.RFC3339),
				got.In(loc).Format(time.RFC3339), ok, want.In(loc).Format(time.RFC3339))
		case want.IsZero() && ok && got.Before(limit):
			t.Fatalf("%v from %s: Next = %s, but the scan found nothing before %s", p, from.In(loc).Format(time.RFC3339),
				got.In(loc).Format(time.RFC3339), limit.In(loc).Format(time.RFC3339))
		}
	}
}

// Successive fire times across a fall-back night, as a timer loop would
// compute them.
func TestNextSequenceAcrossFallBack(t *testing.T) {
	s := mustParse(t, params{"minute": "0,30", "hour": "0-3", "timezone": "America/New_York"})
	at := ts(t, "2024-11-03T00:00:00-04:00")
	var got []string
	for range 9 {
		var ok bool
		if at, ok = s.Next(at); !ok {
			t.Fatal("no next")
		}
		got = append(got, at.In(s.loc).Format("15:04-07"))
	}
	want := "00:30-04 01:00-04 01:30-04 01:00-05 01:30-05 02:00-05 02:30-05 03:00-05 03:30-05"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func BenchmarkNextImpossible(b *testing.B) {
	s, _ := Parse(params{"month": 2, "week": 20})
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := s.Next(from); ok {
			b.Fatal("found")
		}
	}
}

func BenchmarkNextOnlyInGaps(b *testing.B) {
	s, _ := Parse(params{"month": 3, "day": "2nd sun", "hour": 2, "minute": 30, "timezone": "America/New_York"})
	from := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := s.Next(from); ok {
			b.Fatal("found")
		}
	}
}

func BenchmarkNextEveryMinute(b *testing.B) {
	s, _ := Parse(params{"minute": "*", "timezone": "Europe/Paris"})
	from := time.Date(2024, 1, 1, 0, 0, 30, 0, time.UTC)
	for b.Loop() {
		s.Next(from)
	}
}

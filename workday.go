package shequ

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// DayKind says how a calendar day differs from the ordinary Monday–Friday
// week.
type DayKind string

// Day kinds of the holiday table.
const (
	DayHoliday DayKind = "holiday" // a day off, even on a weekday (法定节假日)
	DayWorkday DayKind = "workday" // a weekend day that is worked (调休上班)
)

// CalendarDay is one row of the holiday table (节假日安排).
type CalendarDay struct {
	Date time.Time // midnight of the day in Asia/Shanghai
	Kind DayKind
	Name string // e.g. 春节, 春节调休上班
}

// Calendar answers working-day questions for time limits (承诺时限, 公示期).
// Days listed in the table override the week; years the table does not
// cover fall back to weekends alone, which Covers lets a page say. The zero
// Calendar (or nil) is weekends alone. Safe for concurrent reads.
type Calendar struct {
	days  map[string]DayKind // "2006-01-02" → kind
	years map[int]bool
}

// NewCalendar returns the calendar of the given days.
func NewCalendar(days []CalendarDay) *Calendar {
	c := &Calendar{days: make(map[string]DayKind, len(days)), years: map[int]bool{}}
	for _, d := range days {
		c.days[d.Date.Format(time.DateOnly)] = d.Kind
		c.years[d.Date.Year()] = true
	}
	return c
}

// Covers reports whether the table has the arrangement of year; when it
// does not, working days of that year are Monday to Friday only.
func (c *Calendar) Covers(year int) bool { return c != nil && c.years[year] }

// IsWorkday reports whether the day of t (in Asia/Shanghai) is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	t = t.In(Shanghai)
	if c != nil {
		switch c.days[t.Format(time.DateOnly)] {
		case DayHoliday:
			return false
		case DayWorkday:
			return true
		}
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// startOfDay returns midnight of t's day in Asia/Shanghai.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

// AddWorkdays returns the end of the n-th working day after the day of
// start (the day itself does not count, as with 受理之日起 N 个工作日): the
// last instant a time limit of n working days allows. n ≤ 0 gives the end of
// start's own day.
func (c *Calendar) AddWorkdays(start time.Time, n int) time.Time {
	day := startOfDay(start)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkday(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// WorkdaysBetween counts the working days after the day of from up to and
// including the day of to; 0 when to is not after from's day.
func (c *Calendar) WorkdaysBetween(from, to time.Time) int {
	n := 0
	end := startOfDay(to)
	for day := startOfDay(from).AddDate(0, 0, 1); !day.After(end); day = day.AddDate(0, 0, 1) {
		if c.IsWorkday(day) {
			n++
		}
	}
	return n
}

// ParseCalendar reads a holiday table as CSV with the header date,kind,name
// (the format of data/holidays-2026.csv; 日期,类型,名称 accepted too): dates
// YYYY-MM-DD, kind holiday|workday (or 休/班). A bad row is reported with its
// line; nothing is returned then.
func ParseCalendar(r io.Reader) ([]CalendarDay, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, Errorf(EInvalid, "calendar.empty", "The holiday table is empty.")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch h {
		case "date", "日期":
			col["date"] = i
		case "kind", "类型":
			col["kind"] = i
		case "name", "名称":
			col["name"] = i
		}
	}
	if _, ok := col["date"]; !ok {
		return nil, Errorf(EInvalid, "calendar.header", "The holiday table needs the columns date,kind,name.")
	}
	if _, ok := col["kind"]; !ok {
		return nil, Errorf(EInvalid, "calendar.header", "The holiday table needs the columns date,kind,name.")
	}
	var out []CalendarDay
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos is only defined after a record was read.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, calendarLineError(line, "not valid CSV")
		}
		line, _ := cr.FieldPos(0)
		field := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		d, err := time.ParseInLocation(time.DateOnly, field("date"), Shanghai)
		if err != nil {
			return nil, calendarLineError(line, "date must be YYYY-MM-DD")
		}
		var kind DayKind
		switch field("kind") {
		case "holiday", "休":
			kind = DayHoliday
		case "workday", "班":
			kind = DayWorkday
		default:
			return nil, calendarLineError(line, "kind must be holiday or workday")
		}
		if prev, dup := seen[field("date")]; dup {
			return nil, calendarLineError(line, fmt.Sprintf("date repeats line %d", prev))
		}
		seen[field("date")] = line
		out = append(out, CalendarDay{Date: d, Kind: kind, Name: field("name")})
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "calendar.empty", "The holiday table is empty.")
	}
	return out, nil
}

func calendarLineError(line int, reason string) error {
	return Errorf(EInvalid, "calendar.line", "Line %d of the holiday table: %s.", line, reason).
		With(map[string]any{"Line": line, "Reason": reason})
}

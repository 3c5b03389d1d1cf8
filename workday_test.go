package shequ_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/data"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func calendar2026(t *testing.T) *shequ.Calendar {
	t.Helper()
	days, err := shequ.ParseCalendar(data.Holidays2026())
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 39 {
		t.Fatalf("2026 table has %d rows, want 39 (33 holidays, 6 adjusted working days)", len(days))
	}
	return shequ.NewCalendar(days)
}

func TestCalendarIsWorkday(t *testing.T) {
	c := calendar2026(t)
	tests := []struct {
		date string
		want bool
	}{
		{"2026-01-01", false}, // 元旦, a Thursday
		{"2026-01-04", true},  // Sunday worked (调休上班)
		{"2026-02-16", false}, // 春节, Monday
		{"2026-02-14", true},  // Saturday worked
		{"2026-03-02", true},  // ordinary Monday
		{"2026-03-07", false}, // ordinary Saturday
		{"2026-10-01", false}, // 国庆节
		{"2027-01-01", true},  // not covered: a Friday counts as a working day
	}
	for _, tt := range tests {
		if got := c.IsWorkday(day(t, tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
	if !c.Covers(2026) || c.Covers(2027) {
		t.Errorf("Covers: 2026 %v, 2027 %v", c.Covers(2026), c.Covers(2027))
	}
	var none *shequ.Calendar
	if none.IsWorkday(day(t, "2026-01-01")) != true || none.Covers(2026) {
		t.Error("a nil calendar must be weekends alone")
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	c := calendar2026(t)
	tests := []struct {
		start string
		n     int
		want  string // the last day of the limit
	}{
		{"2026-03-02", 1, "2026-03-03"},
		{"2026-03-06", 1, "2026-03-09"}, // Friday + 1 → Monday
		{"2026-02-13", 1, "2026-02-14"}, // Friday + 1 → the worked Saturday
		{"2026-02-14", 1, "2026-02-24"}, // over the Spring Festival
		{"2026-09-30", 5, "2026-10-13"}, // over 国庆节
		{"2026-03-02", 0, "2026-03-02"},
		{"2026-12-31", 1, "2027-01-01"}, // uncovered year: weekdays
	}
	for _, tt := range tests {
		got := c.AddWorkdays(day(t, tt.start).Add(10*time.Hour), tt.n)
		want := day(t, tt.want).AddDate(0, 0, 1).Add(-time.Nanosecond)
		if !got.Equal(want) {
			t.Errorf("AddWorkdays(%s, %d) = %v, want end of %s", tt.start, tt.n, got, tt.want)
		}
		if tt.n > 0 {
			if n := c.WorkdaysBetween(day(t, tt.start), got); n != tt.n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.start, tt.want, n, tt.n)
			}
		}
	}
}

func TestParseCalendarErrors(t *testing.T) {
	tests := []struct {
		name, in, key string
	}{
		{"empty", "", "calendar.empty"},
		{"header only", "date,kind,name\n", "calendar.empty"},
		{"no kind column", "date,name\n2026-01-01,x\n", "calendar.header"},
		{"bad date", "date,kind,name\n2026-13-01,holiday,x\n", "calendar.line"},
		{"bad kind", "date,kind,name\n2026-01-01,vacation,x\n", "calendar.line"},
		{"repeated date", "date,kind,name\n2026-01-01,holiday,x\n2026-01-01,workday,y\n", "calendar.line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := shequ.ParseCalendar(strings.NewReader(tt.in))
			var e *shequ.Error
			if err == nil || !errors.As(err, &e) || e.Key != tt.key || e.Code != shequ.EInvalid {
				t.Fatalf("err = %v, want %s", err, tt.key)
			}
		})
	}
	days, err := shequ.ParseCalendar(strings.NewReader("\ufeff日期,类型,名称\n2026-01-01,休,元旦\n2026-01-04,班,调休\n"))
	if err != nil || len(days) != 2 || days[0].Kind != shequ.DayHoliday || days[1].Kind != shequ.DayWorkday {
		t.Fatalf("Chinese headers: %v %v", days, err)
	}
}

func FuzzParseCalendar(f *testing.F) {
	f.Add("date,kind,name\n2026-01-01,holiday,元旦\n")
	f.Add("日期,类型\n2026-02-14,班\n")
	f.Fuzz(func(t *testing.T, in string) {
		days, err := shequ.ParseCalendar(strings.NewReader(in))
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("error code %s: %v", shequ.ErrorCode(err), err)
			}
			return
		}
		c := shequ.NewCalendar(days)
		for _, d := range days {
			if c.IsWorkday(d.Date) != (d.Kind == shequ.DayWorkday) {
				t.Fatalf("day %v kind %s not honoured", d.Date, d.Kind)
			}
		}
	})
}

package shequ_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shequ"
)

// randomHistories makes n engagements hired within the ten years before
// asOf, some of them left with a reason.
func randomHistories(rng *rand.Rand, n int, asOf time.Time) []*shequ.WorkforceMember {
	out := make([]*shequ.WorkforceMember, n)
	for i := range out {
		hired := asOf.AddDate(0, 0, -rng.IntN(3650))
		m := &shequ.WorkforceMember{HiredOn: hired}
		if rng.IntN(3) == 0 {
			left := hired.AddDate(0, 0, rng.IntN(int(asOf.Sub(hired).Hours()/24)+30))
			if left.After(asOf) {
				left = asOf
			}
			m.LeftOn = &left
			m.LeaveReason = shequ.LeaveReasons[rng.IntN(len(shequ.LeaveReasons))]
		}
		out[i] = m
	}
	return out
}

// bruteWorkforce computes the figures by walking every day of every
// engagement and counting anniversaries one by one.
func bruteWorkforce(ms []*shequ.WorkforceMember, asOf time.Time) shequ.WorkforceFigures {
	day := func(t time.Time) string { return t.In(shequ.Shanghai).Format(time.DateOnly) }
	yearAgo := day(asOf.AddDate(-1, 0, 0))
	today := day(asOf)
	f := shequ.WorkforceFigures{MedianTenure: -1, LeaversByWhy: map[shequ.LeaveReason]int{}}
	var tenures []int
	for _, m := range ms {
		worked := map[string]bool{}
		for d := m.HiredOn; ; d = d.AddDate(0, 0, 1) {
			if m.LeftOn != nil && day(d) >= day(*m.LeftOn) {
				break
			}
			if day(d) > today {
				break
			}
			worked[day(d)] = true
		}
		if worked[today] {
			f.Employed++
			years := 0
			for day(m.HiredOn.AddDate(years+1, 0, 0)) <= today {
				years++
			}
			tenures = append(tenures, years)
		}
		if worked[yearAgo] {
			f.Base12++
			if worked[today] {
				f.Retained12++
			}
		}
		if m.LeftOn != nil && day(*m.LeftOn) > yearAgo && day(*m.LeftOn) <= today {
			f.Leavers12++
			f.LeaversByWhy[m.LeaveReason]++
		}
	}
	if len(tenures) > 0 {
		slices.Sort(tenures)
		f.MedianTenure = tenures[(len(tenures)-1)/2]
	}
	return f
}

// TestWorkforceRetentionBruteForce: retention, leavers and median tenure
// equal a day-by-day computation on random workforce histories.
func TestWorkforceRetentionBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2026))
	for round := range 60 {
		asOf := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 10, 0, 0, 0, shequ.Shanghai)
		if round%10 == 0 {
			asOf = time.Date(2028, 2, 29, 9, 0, 0, 0, shequ.Shanghai) // a leap day
		}
		ms := randomHistories(rng, 1+rng.IntN(40), asOf)
		got, want := shequ.ComputeWorkforce(ms, asOf), bruteWorkforce(ms, asOf)
		if got.Employed != want.Employed || got.Base12 != want.Base12 || got.Retained12 != want.Retained12 ||
			got.Leavers12 != want.Leavers12 || got.MedianTenure != want.MedianTenure {
			t.Fatalf("round %d: got %+v, want %+v", round, got, want)
		}
		for _, r := range shequ.LeaveReasons {
			if got.LeaversByWhy[r] != want.LeaversByWhy[r] {
				t.Fatalf("round %d: leavers for %s %d, want %d", round, r, got.LeaversByWhy[r], want.LeaversByWhy[r])
			}
		}
		sum := 0
		for _, n := range got.TenureByYears {
			sum += n
		}
		if sum != got.Employed {
			t.Fatalf("round %d: tenure histogram holds %d, employed %d", round, sum, got.Employed)
		}
	}
}

func TestWorkforceValidate(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, shequ.Shanghai)
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai); return d }
	left := day("2026-01-01")
	future := day("2027-01-01")
	tests := []struct {
		name  string
		m     shequ.WorkforceMember
		field string
	}{
		{"ok", shequ.WorkforceMember{Name: "王芳", Post: shequ.PostGrid, Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: day("2020-03-01")}, ""},
		{"no post", shequ.WorkforceMember{Name: "王芳", Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: day("2020-03-01")}, "post"},
		{"future hire", shequ.WorkforceMember{Name: "王芳", Post: shequ.PostGrid, Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: future}, "hired_on"},
		{"left without reason", shequ.WorkforceMember{Name: "王芳", Post: shequ.PostGrid, Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: day("2020-03-01"), LeftOn: &left}, "leave_reason"},
		{"left before hired", shequ.WorkforceMember{Name: "王芳", Post: shequ.PostGrid, Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: day("2026-03-01"), LeftOn: &left, LeaveReason: shequ.LeavePay}, "left_on"},
		{"no name", shequ.WorkforceMember{Post: shequ.PostGrid, Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: day("2020-03-01")}, "name"},
	}
	for _, tt := range tests {
		err := tt.m.Validate(now)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errOnField(err, tt.field) {
			t.Errorf("%s: want an error on %s, got %v", tt.name, tt.field, err)
		}
	}
}

func TestContinuingEducation(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai); return d }
	reg := day("2020-07-01")
	m := &shequ.WorkforceMember{Qualification: shequ.QualAssistant, RegisteredOn: &reg, HiredOn: day("2019-01-01")}
	now := day("2026-03-01")
	s, e := shequ.CEPeriod(reg, now)
	if s != day("2026-07-01").AddDate(-3, 0, 0) || e != day("2026-07-01") {
		t.Fatalf("period %v – %v", s, e)
	}
	att := []*shequ.Attendance{{Day: day("2023-06-30"), Minutes: 600}, {Day: day("2023-07-01"), Minutes: 3000},
		{Day: day("2026-02-01"), Minutes: 600}, {Day: day("2026-07-01"), Minutes: 900}}
	st := shequ.ComputeCE(m, att, now)
	if st == nil || st.Required != 72*60 || st.Done != 3600 || st.Short() != 72*60-3600 || !st.DueSoon() || st.DaysLeft != 122 {
		t.Fatalf("status %+v", st)
	}
	m.Qualification = shequ.QualSocial
	if st := shequ.ComputeCE(m, att, now); st.Required != 90*60 {
		t.Fatalf("required %d", st.Required)
	}
	if st := shequ.ComputeCE(m, att, day("2024-01-01")); st.DueSoon() {
		t.Fatalf("due soon 2.5 years before the end: %+v", st)
	}
	m.Qualification = shequ.QualNone
	if shequ.ComputeCE(m, att, now) != nil {
		t.Fatal("an uncertified member needs no continuing education")
	}
}

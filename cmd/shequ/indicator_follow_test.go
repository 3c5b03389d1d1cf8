package main

import (
	"context"
	"testing"
	"time"

	"shequ"
)

// TestVolunteerFiguresFollowWrites: the volunteer figures of the indicator
// engine follow the writes at once, through the services' change hooks
// (services_feed.go), not the day job: a new resident of 康山村 counts in
// its residents (behind the volunteers per 1,000 residents), a resident
// moved leaves one community's count for another's, and hours confirmed
// for service given in 苕秀社区 show as owed in 康山村, where the
// volunteer's account is.
func TestVolunteerFiguresFollowWrites(t *testing.T) {
	_, m := startDemo(t, demoCopy(t, "sqlite"))
	ctx := cliContext(context.Background())
	const here, away = "330523001002", "330523001205" // 苕秀社区, 康山村
	figures := func(code string) shequ.VolunteerFigures {
		t.Helper()
		r, err := m.svc.indicators.IndicatorReport(ctx, code)
		if err != nil {
			t.Fatalf("report %s: %v", code, err)
		}
		return r.Stats.Volunteer
	}
	awayBefore, hereBefore := figures(away), figures(here)

	r := &shequ.Resident{Name: "新村民", IDNumber: shequ.IDNumber(idFor("33052319800101401")), Phone: "13800138401",
		Community: away}
	mustOK(t, m.svc.residents.CreateResident(ctx, r))
	if got := figures(away).Residents; got != awayBefore.Residents+1 {
		t.Fatalf("康山村 residents %d after one was added to %d", got, awayBefore.Residents)
	}
	moved := &shequ.Resident{Name: "搬家人", IDNumber: shequ.IDNumber(idFor("33052319800101402")), Phone: "13800138402",
		Community: away}
	mustOK(t, m.svc.residents.CreateResident(ctx, moved))
	to := here
	if _, err := m.svc.residents.UpdateResident(ctx, moved.ID, shequ.ResidentInput{Community: &to}); err != nil {
		t.Fatalf("move: %v", err)
	}
	if got := figures(away).Residents; got != awayBefore.Residents+1 {
		t.Errorf("康山村 residents %d after one moved out, want %d", got, awayBefore.Residents+1)
	}
	if got := figures(here).Residents; got != hereBefore.Residents+1 {
		t.Errorf("苕秀社区 residents %d after one moved in, want %d", got, hereBefore.Residents+1)
	}

	// The new villager serves two hours of elderly care in 苕秀社区 today.
	clock := &movableClock{}
	now := time.Now().In(shequ.Shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai)
	clock.Add(today.Add(8 * time.Hour).Sub(time.Now()))
	m.svc.volunteers.Now = clock.Now
	v := &shequ.Volunteer{ResidentID: r.ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
		Availability: []shequ.Availability{shequ.Availabilities[0]}}
	mustOK(t, m.svc.volunteers.RegisterVolunteer(ctx, v))
	if got := figures(away).Registered; got != awayBefore.Registered+1 {
		t.Errorf("康山村 volunteers %d, want %d", got, awayBefore.Registered+1)
	}
	o := &shequ.Opportunity{Title: "助老午餐", Community: here, OrganizerKind: shequ.OrganizerCommunity,
		Category: shequ.CatElderly, Day: today, Start: "09:00", End: "11:00", Place: "长者食堂", Slots: 3}
	mustOK(t, m.svc.volunteers.CreateOpportunity(ctx, o))
	x, err := m.svc.volunteers.SignUpFor(ctx, v.ID, o.ID)
	mustOK(t, err)
	clock.Add(time.Hour - time.Minute)
	_, err = m.svc.volunteers.MarkSignup(ctx, x.ID, shequ.SignupCheckedIn)
	mustOK(t, err)
	clock.Add(2*time.Hour + 2*time.Minute)
	_, err = m.svc.volunteers.MarkSignup(ctx, x.ID, shequ.SignupCheckedOut)
	mustOK(t, err)
	_, err = m.svc.volunteers.ConfirmSignup(ctx, x.ID, shequ.Confirmation{})
	mustOK(t, err)
	if got := figures(away).OwedMinutes; got != awayBefore.OwedMinutes+120 {
		t.Errorf("康山村 hours owed %d minutes after a 120-minute deposit, want %d", got, awayBefore.OwedMinutes+120)
	}
}

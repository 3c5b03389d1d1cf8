package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
)

// countKind counts u's notifications of a kind.
func countKind(t *testing.T, db *DB, u *shequ.User, kind string) int {
	t.Helper()
	n := 0
	for _, k := range notesOf(t, db, u) {
		if strings.HasPrefix(k, kind+":") {
			n++
		}
	}
	return n
}

// TestVolunteerReminders: the volunteers signed up for an opportunity are
// reminded once, ReminderLead before it starts, by the periodic job's
// Remind on a clock the test moves; a volunteer who cancelled is not, a
// cancelled opportunity reminds nobody (its volunteers were told of the
// cancellation), runs at the same time send one reminder.
func TestVolunteerReminders(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		worker := actorOf(fx.worker)
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			mustDo(t, fx.s.Join(actorOf(u), &shequ.Volunteer{Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
				Availability: []shequ.Availability{shequ.Availabilities[0]}}))
		}
		// Now is 2026-11-29 16:30 in Shanghai; the opportunity starts the
		// next day at 18:00, 25½ hours away.
		o := fx.opportunity(shequ.OrganizerCommunity)
		o.Day = parseDay("2026-11-30")
		o.Start, o.End = "18:00", "20:00"
		mustDo(t, fx.s.CreateOpportunity(worker, o))
		gone := fx.opportunity(shequ.OrganizerCommunity)
		gone.Day, gone.Start, gone.End = o.Day, "18:30", "19:30"
		mustDo(t, fx.s.CreateOpportunity(worker, gone))
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			if _, err := fx.s.SignUp(actorOf(u), o.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := fx.s.SignUp(actorOf(u), gone.ID); err != nil {
				t.Fatal(err)
			}
		}
		mine, err := fx.s.MySignups(actorOf(fx.elder))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(mine, func(x *shequ.MySignup) bool { return x.OpportunityID == o.ID })
		if i < 0 {
			t.Fatalf("elder's sign-ups %+v", mine)
		}
		if _, err := fx.s.CancelSignup(actorOf(fx.elder), mine[i].ID); err != nil {
			t.Fatal(err)
		}
		// Cancelling an opportunity tells its volunteers at once.
		gone.Status = shequ.OpportunityCancelled
		mustDo(t, fx.s.UpdateOpportunity(worker, gone))
		if n := countKind(t, db, fx.vol, "opportunity_cancelled"); n != 1 {
			t.Fatalf("volunteer told of the cancellation %d times", n)
		}

		ctx := context.Background()
		if n := must(fx.s.Remind(ctx))(t); n != 0 {
			t.Fatalf("reminded %d opportunities 25½ hours ahead", n)
		}
		fx.clock.Add(90 * time.Minute) // 24 hours before: due
		if n := must(fx.s.Remind(ctx))(t); n != 1 {
			t.Fatalf("reminded %d opportunities 24 hours ahead, want 1", n)
		}
		if n := must(fx.s.Remind(ctx))(t); n != 0 {
			t.Fatalf("a second run reminded %d", n)
		}
		fx.clock.Add(time.Hour)
		if n := must(fx.s.Remind(ctx))(t); n != 0 {
			t.Fatalf("a later run reminded %d", n)
		}
		if n := countKind(t, db, fx.vol, "opportunity_reminder"); n != 1 {
			t.Fatalf("the volunteer got %d reminders, want 1", n)
		}
		if n := countKind(t, db, fx.elder, "opportunity_reminder"); n != 0 {
			t.Fatalf("the volunteer who cancelled got %d reminders", n)
		}

		// Two runs at once: one reminder. The opportunity starts in 3
		// hours (created inside the lead: reminded at the next run), the
		// other already started (never reminded).
		soon := fx.opportunity(shequ.OrganizerCommunity)
		soon.Day, soon.Start, soon.End = parseDay("2026-11-29"), "21:00", "22:00"
		mustDo(t, fx.s.CreateOpportunity(worker, soon))
		late := fx.opportunity(shequ.OrganizerCommunity)
		late.Day, late.Start, late.End = parseDay("2026-11-29"), "17:00", "23:00"
		mustDo(t, fx.s.CreateOpportunity(worker, late))
		for _, id := range []string{soon.ID, late.ID} {
			if _, err := fx.s.SignUp(actorOf(fx.vol), id); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for k := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := fx.s.Remind(ctx)
				if err != nil && shequ.ErrorCode(err) != shequ.EConflict {
					t.Errorf("remind: %v", err)
				}
				counts[k] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("concurrent runs reminded %v, want 1 in all", counts)
		}
		if n := countKind(t, db, fx.vol, "opportunity_reminder"); n != 2 {
			t.Fatalf("the volunteer got %d reminders, want 2", n)
		}
		// The reminder names the opportunity, its time and place.
		notes, _, err := NewNotificationService(db, nil).FindNotifications(actorOf(fx.vol), false, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range notes {
			if n.Kind == "opportunity_reminder" && n.ObjectID == soon.ID && strings.Contains(n.Subject, "21:00") &&
				strings.Contains(n.Subject, soon.Place) {
				found = true
			}
		}
		if !found {
			t.Fatalf("no reminder names the opportunity's time and place: %+v", notes)
		}
	})
}

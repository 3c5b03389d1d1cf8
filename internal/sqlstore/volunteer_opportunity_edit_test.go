package sqlstore

import (
	"strings"
	"testing"

	"shequ"
)

// TestOpportunityEdit: an organizer edits an opportunity with two
// volunteers signed up. Fewer slots than sign-ups are refused beside the
// slots field with the count, and nothing changes; a new title alone tells
// nobody; a new place and start tell both volunteers once with the new
// time and place, on the timeline; a cancelled opportunity no longer
// changes; another community's worker cannot edit it.
func TestOpportunityEdit(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		worker := actorOf(fx.worker)
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			mustDo(t, fx.s.Join(actorOf(u), &shequ.Volunteer{Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
				Availability: []shequ.Availability{shequ.Availabilities[0]}}))
		}
		o := fx.opportunity(shequ.OrganizerCommunity)
		o.Day, o.Slots = parseDay("2026-11-30"), 3
		mustDo(t, fx.s.CreateOpportunity(worker, o))
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			if _, err := fx.s.SignUp(actorOf(u), o.ID); err != nil {
				t.Fatal(err)
			}
		}
		reload := func() *shequ.Opportunity {
			t.Helper()
			got, err := fx.s.FindOpportunityByID(worker, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		// One slot for two volunteers: refused with the count.
		edit := reload()
		edit.Slots, edit.Place = 1, "别处"
		err := fx.s.UpdateOpportunity(worker, edit)
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "slots" ||
			e.Fields[0].Key != "opportunity.slots.taken" || e.Fields[0].Data["N"] != 2 {
			t.Fatalf("slots below the sign-ups: %v %+v", err, e.Fields)
		}
		if got := reload(); got.Slots != 3 || got.Place != o.Place {
			t.Fatalf("a refused edit changed %+v", got)
		}
		// Exactly the sign-ups is allowed; a new title tells nobody.
		edit = reload()
		edit.Slots, edit.Title = 2, "陪伴独居老人（下午）"
		mustDo(t, fx.s.UpdateOpportunity(worker, edit))
		if got := reload(); got.Slots != 2 || got.Title != edit.Title {
			t.Fatalf("saved %+v", got)
		}
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			if n := countKind(t, db, u, "opportunity_changed"); n != 0 {
				t.Fatalf("told of a new title %d times", n)
			}
		}
		// A new place and start: both told once, with them.
		edit = reload()
		edit.Place, edit.Start = "苕秀社区文化家园", "16:30"
		mustDo(t, fx.s.UpdateOpportunity(worker, edit))
		for _, u := range []*shequ.User{fx.vol, fx.elder} {
			if n := countKind(t, db, u, "opportunity_changed"); n != 1 {
				t.Fatalf("%s told of the new time and place %d times", u.Username, n)
			}
			var detail string
			for _, n := range notesOf(t, db, u) {
				if k, d, _ := strings.Cut(n, ":"); k == "opportunity_changed" {
					detail = d
				}
			}
			if !strings.Contains(detail, "2026-11-30 16:30–18:00") || !strings.Contains(detail, "苕秀社区文化家园") {
				t.Fatalf("the notification says %q", detail)
			}
		}
		var events int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM timeline_events WHERE object_id = ? AND action = ?`),
			o.ID, auditOppUpdate).Scan(&events); err != nil || events != 2 {
			t.Fatalf("%d timeline events of the two edits: %v", events, err)
		}
		// Another community's worker may not edit it.
		other := mustCreateUser(t, db, "otherworker", shequ.RoleCommunityWorker, "330523001205")
		edit = reload()
		edit.Place = "别处"
		if err := fx.s.UpdateOpportunity(actorOf(other), edit); err == nil {
			t.Fatal("another community's worker edited the opportunity")
		}
		// Cancelled, it no longer changes.
		edit = reload()
		edit.Status = shequ.OpportunityCancelled
		mustDo(t, fx.s.UpdateOpportunity(worker, edit))
		edit = reload()
		edit.Place = "别处"
		if err := fx.s.UpdateOpportunity(worker, edit); shequ.ErrorCode(err) != shequ.EConflict {
			t.Fatalf("edited a cancelled opportunity: %v", err)
		}
	})
}

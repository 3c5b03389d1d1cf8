package sqlstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"shequ"
)

// TestVolunteerProjectHours: an opportunity serves a project in progress
// (or an accepted need) of its county, on a day of the project's period;
// the project's activity of that day derives its volunteers and hours from
// the standing service records (the first activity of a day carries them,
// a correction counts as corrected), never from what was typed.
func TestVolunteerProjectHours(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		vs := NewVolunteerService(db, testSealer(t))
		vs.Now = fx.clock.Now
		res := NewResidentService(db, testSealer(t))
		worker := userContext(fx.worker)

		draft := fx.aProject(fx.acceptedNeed(t, "独居老人助餐").ID)
		mustDo(t, fx.s.CreateProject(worker, draft))
		p := fx.reviewedProject(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		fx.clock.Add(10 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectInProgress))
		fx.clock.Add(20 * 24 * time.Hour)
		need := fx.acceptedNeed(t, "楼道照明维修")

		now := fx.clock.Now().In(shequ.Shanghai)
		tomorrow := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai).AddDate(0, 0, 1)
		opp := func() *shequ.Opportunity {
			return &shequ.Opportunity{Title: "银龄陪伴志愿服务", Community: tiaoxiu, OrganizerKind: shequ.OrganizerCommunity,
				Category: shequ.CatElderly, Link: shequ.LinkProject, ProjectID: p.ID, Day: tomorrow, Start: "09:00",
				End: "11:30", Place: "苕秀社区活动室", Slots: 5}
		}

		// Bad links are field errors and write nothing.
		for _, tt := range []struct {
			name  string
			edit  func(o *shequ.Opportunity)
			field string
		}{
			{"draft project", func(o *shequ.Opportunity) { o.ProjectID = draft.ID }, "project_id"},
			{"unknown project", func(o *shequ.Opportunity) { o.ProjectID = newUUID7() }, "project_id"},
			{"malformed project", func(o *shequ.Opportunity) { o.ProjectID = "x'; DROP TABLE projects" }, "project_id"},
			{"outside the period", func(o *shequ.Opportunity) { o.Day = p.PeriodEnd.AddDate(0, 0, 3) }, "day"},
			{"project not picked", func(o *shequ.Opportunity) { o.ProjectID = "" }, "project_id"},
			{"unknown need", func(o *shequ.Opportunity) { o.Link, o.ProjectID, o.NeedID = shequ.LinkNeed, "", newUUID7() }, "need_id"},
			{"unknown link", func(o *shequ.Opportunity) { o.Link = "party" }, "link"},
		} {
			o := opp()
			tt.edit(o)
			err := vs.CreateOpportunity(worker, o)
			if !slices.ContainsFunc(shequ.AsError(err).Fields, func(f shequ.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
			}
		}
		if _, n, _ := vs.FindOpportunities(worker, shequ.OpportunityFilter{}); n != 0 {
			t.Fatalf("refused opportunities wrote %d", n)
		}
		// A need of the pool is linked too.
		byNeed := opp()
		byNeed.Link, byNeed.ProjectID, byNeed.NeedID = shequ.LinkNeed, "", need.ID
		mustDo(t, vs.CreateOpportunity(worker, byNeed))
		if got := must(vs.FindOpportunityByID(worker, byNeed.ID))(t); got.NeedID != need.ID || got.NeedTitle != need.Title {
			t.Errorf("need link read back %+v", got)
		}

		o := opp()
		mustDo(t, vs.CreateOpportunity(worker, o))
		if got := must(vs.FindOpportunityByID(worker, o.ID))(t); got.ProjectID != p.ID || got.ProjectTitle != p.Title {
			t.Errorf("project link read back %+v", got)
		}
		var signups []*shequ.Signup
		for i, name := range []string{"赵志愿", "钱志愿"} {
			r := mustCreateResident(t, res, &shequ.Resident{Name: name, Community: tiaoxiu, Phone: shequ.Phone(fmt.Sprintf("1380013810%d", i)),
				IDNumber: shequ.IDNumber(idNumber("330523", "19800101", fmt.Sprintf("%03d", 500+i)))})
			v := &shequ.Volunteer{ResidentID: r.ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
				Availability: []shequ.Availability{shequ.Availabilities[0]}}
			mustDo(t, vs.RegisterVolunteer(worker, v))
			signups = append(signups, must(vs.SignUpFor(worker, v.ID, o.ID))(t))
		}
		fx.clock.Add(tomorrow.Add(9 * time.Hour).Sub(fx.clock.Now()))
		for _, x := range signups {
			must(vs.MarkSignup(worker, x.ID, shequ.SignupCheckedIn))(t)
		}
		fx.clock.Add(150 * time.Minute)
		var records []string
		for _, x := range signups {
			must(vs.MarkSignup(worker, x.ID, shequ.SignupCheckedOut))(t)
			got := must(vs.ConfirmSignup(worker, x.ID, shequ.Confirmation{}))(t)
			records = append(records, got.RecordID)
		}

		// org2 won: its keeper records two activities that day; the first
		// carries the day's service, whatever the body said.
		day := *dayOf(ptr(fx.clock.Now()))
		for _, content := range []string{"健康讲座", "下午的集体生日会"} {
			mustDo(t, fx.s.RecordActivity(userContext(fx.om2), &shequ.Activity{ProjectID: p.ID, Date: day, Place: "苕秀社区活动室",
				Content: content, Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 10,
				Volunteers: 99, VolunteerMinutes: 9999}))
		}
		acts := must(fx.s.FindActivities(userContext(fx.res1), p.ID))(t)
		if len(acts) != 2 || acts[0].Volunteers != 2 || acts[0].VolunteerMinutes != 300 || acts[1].Volunteers != 0 ||
			acts[1].VolunteerMinutes != 0 {
			t.Fatalf("derived activities %+v %+v", acts[0], acts[len(acts)-1])
		}
		q := &shequ.Project{Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureVolunteerHours, Target: 5}}}
		if pr := shequ.ComputeProgress(q, acts); pr[0].Achieved != 5 || !pr[0].Met() {
			t.Errorf("volunteer hours progress %+v", pr)
		}

		// A correction counts as corrected: 150 → 60 minutes.
		must(vs.CorrectRecord(worker, records[1], shequ.Correction{Minutes: 60, Reason: "提前离开"}))(t)
		acts = must(fx.s.FindActivities(userContext(fx.res1), p.ID))(t)
		if acts[0].Volunteers != 2 || acts[0].VolunteerMinutes != 210 {
			t.Errorf("after the correction %+v", acts[0])
		}
		if n, m := must2i(vs.ProjectService(worker, p.ID))(t); n != 2 || m != 210 {
			t.Errorf("project service %d volunteers %d minutes", n, m)
		}
	})
}

// must2i returns the two ints of a call, failing the test on err.
func must2i(a, b int, err error) func(t *testing.T) (int, int) {
	return func(t *testing.T) (int, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

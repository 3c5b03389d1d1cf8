package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
)

// reviewedProject opens a project, has org2 bid, three reviewers score the
// bid after the deadline: ready to be awarded.
func (fx *linkFx) reviewedProject(t *testing.T) *shequ.Project {
	t.Helper()
	p := fx.openProject(t)
	b := aBid(p.ID, fx.org2, fx.w2, 1_000_000)
	mustDo(t, fx.s.SubmitBid(userContext(fx.om2), b))
	must(fx.s.AppointReviewers(userContext(fx.off), p.ID, []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}))(t)
	fx.clock.Add(8 * 24 * time.Hour)
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
	for _, r := range fx.rev {
		mustDo(t, fx.s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores(80)}))
	}
	return p
}

// TestObjectionPeriodCalendar: the 公示期 counts working days on the
// holiday table of the database, as the requests' due dates do: weekends
// alone while the table is empty, and a holiday loaded into it lengthens
// the period.
func TestObjectionPeriodCalendar(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		items := NewServiceItemService(db)
		fx.s.Holidays = items
		var weekends *shequ.Calendar

		p := fx.reviewedProject(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		if want := weekends.AddWorkdays(*p.AwardedAt, 5).UTC().Truncate(time.Microsecond); !p.ObjectionEnds.Equal(want) {
			t.Fatalf("without holidays the period ends %v, want %v", p.ObjectionEnds, want)
		}

		// The next two working days after the award are made holidays.
		q := fx.reviewedProject(t)
		now := fx.clock.Now()
		var days []shequ.CalendarDay
		for d := dayOf(&now).AddDate(0, 0, 1); len(days) < 2; d = d.AddDate(0, 0, 1) {
			if weekends.IsWorkday(d) {
				days = append(days, shequ.CalendarDay{Date: d, Kind: shequ.DayHoliday, Name: "测试假日"})
			}
		}
		must(items.ImportHolidays(cliContext(), days))(t)
		mustDo(t, fx.move(t, fx.off, q, shequ.ProjectAwarded))
		want := weekends.AddWorkdays(*q.AwardedAt, 7).UTC().Truncate(time.Microsecond)
		if !q.ObjectionEnds.Equal(want) || !q.ObjectionEnds.After(weekends.AddWorkdays(*q.AwardedAt, 5)) {
			t.Fatalf("with two holidays the period ends %v, want %v", q.ObjectionEnds, want)
		}
		if stored := must(fx.s.FindProjectByID(userContext(fx.off), q.ID))(t); !stored.ObjectionEnds.Equal(want) {
			t.Errorf("stored end %v, want %v", stored.ObjectionEnds, want)
		}
	})
}

// TestProjectNumbers: projects created at once in one county get the
// numbers XM330523-2026-0001… without gaps or repeats on both engines; the
// list finds one by its number; and migration 0009 numbers existing
// projects the same way (down to 0008 and up again).
func TestProjectNumbers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		const n = 12
		var projects []*shequ.Project
		for i := range n {
			projects = append(projects, fx.aProject(fx.acceptedNeed(t, fmt.Sprintf("独居老人陪伴需求%02d", i)).ID))
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, p := range projects {
			wg.Go(func() { errs[i] = fx.s.CreateProject(userContext(fx.worker), p) })
		}
		wg.Wait()
		var got, want []string
		for i, p := range projects {
			mustDo(t, errs[i])
			got = append(got, p.Number)
			want = append(want, fmt.Sprintf("XM330523-2026-%04d", i+1))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("numbers = %v", got)
		}
		stored := must(fx.s.FindProjectByID(userContext(fx.worker), projects[3].ID))(t)
		if stored.Number != projects[3].Number {
			t.Errorf("stored number %q, assigned %q", stored.Number, projects[3].Number)
		}
		list, total, err := fx.s.FindProjects(userContext(fx.off), shequ.ProjectFilter{Query: strings.ToLower(projects[3].Number)})
		if err != nil || total != 1 || list[0].ID != projects[3].ID {
			t.Errorf("search by number: %d %v", total, err)
		}
		if _, total, _ := fx.s.FindProjects(userContext(fx.off), shequ.ProjectFilter{Query: "XM330523-2026-00"}); total != n {
			t.Errorf("search by prefix: %d", total)
		}

		// The migration's backfill gives the same numbers.
		prov, err := db.provider()
		mustDo(t, err)
		ctx := t.Context()
		if _, err := prov.DownTo(ctx, 8); err != nil {
			t.Fatalf("down to 0008: %v", err)
		}
		if _, err := prov.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		list, _, err = fx.s.FindProjects(userContext(fx.off), shequ.ProjectFilter{})
		mustDo(t, err)
		if len(list) != n {
			t.Fatalf("%d projects after the migration", len(list))
		}
		// Concurrent creations share one instant, so the backfill (in the
		// order of creation, then id) may order them differently from the
		// counter; it gives the same numbers, in that order.
		slices.SortFunc(list, func(a, b *shequ.Project) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for i, p := range list {
			if p.Number != want[i] {
				t.Errorf("backfilled %q for the %d-th project, want %q", p.Number, i+1, want[i])
			}
		}
		// The counter goes on after the backfill.
		p := fx.aProject(fx.acceptedNeed(t, "独居老人陪伴需求末").ID)
		mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
		if p.Number != fmt.Sprintf("XM330523-2026-%04d", n+1) {
			t.Errorf("next number %q", p.Number)
		}
	})
}

// residentOf stores a resident of tiaoxiu in the register linked to the
// account u (as self-registration links them), for the participation rule
// of resident ratings.
func (fx *linkFx) residentOf(t *testing.T, u *shequ.User, n int) *shequ.Resident {
	t.Helper()
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("20060102")
	r := mustCreateResident(t, NewResidentService(fx.db, testSealer(t)), &shequ.Resident{Name: fmt.Sprintf("参与居民%d", n),
		Community: tiaoxiu, IDNumber: shequ.IDNumber(idNumber("330523", birth, fmt.Sprintf("%03d", n)))})
	_, err := fx.db.db.Exec(fx.db.rebind(`UPDATE residents SET user_id = ? WHERE id = ?`), u.ID, r.ID)
	mustDo(t, err)
	return r
}

// TestResidentRatingNeedsParticipation: only residents recorded as
// participants of one of the project's activities rate it, once; the
// refusal is a 403-style error, audited as denied, and writes nothing.
func TestResidentRatingNeedsParticipation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		r1 := fx.residentOf(t, fx.res1, 1)
		fx.residentOf(t, fx.res2, 2)                                           // in the register, but took part in nothing
		outsider := mustCreateUser(t, db, "res3", shequ.RoleResident, tiaoxiu) // no register entry at all
		p := fx.reviewedProject(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		fx.clock.Add(10 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectInProgress))
		fx.clock.Add(20 * 24 * time.Hour)
		// org2 won: its keeper records the activity with r1 among the
		// participants.
		act := &shequ.Activity{ProjectID: p.ID, Date: *dayOf(ptr(fx.clock.Now())), Place: "苕秀社区活动室", Content: "健康讲座",
			Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 20, ResidentIDs: []string{r1.ID}}
		mustDo(t, s.RecordActivity(userContext(fx.om2), act))
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectFinalEvaluation))

		for _, u := range []*shequ.User{fx.res2, outsider} {
			err := s.SubmitEvaluation(userContext(u), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5})
			wantError(t, err, shequ.EForbidden, "evaluation.not_participant")
			if n := auditCount(t, db, auditEvaluation, shequ.AuditDenied, p.ID); n == 0 {
				t.Errorf("%s: refusal not audited", u.Username)
			}
		}
		mustDo(t, s.SubmitEvaluation(userContext(fx.res1), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 4, Comment: "很好"}))
		wantError(t, s.SubmitEvaluation(userContext(fx.res1), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5}),
			shequ.EConflict, "evaluation.duplicate")
		evs := must(s.FindEvaluations(userContext(fx.off), p.ID))(t)
		if len(evs) != 1 || evs[0].EvaluatorID != fx.res1.ID || evs[0].Score != 4 {
			t.Errorf("evaluations = %+v", evs)
		}
	})
}

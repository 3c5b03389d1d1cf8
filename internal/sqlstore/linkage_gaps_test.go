package sqlstore

import (
	"errors"
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
	fx.toReview(t, p, fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID)
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

		for u, want := range map[*shequ.User]bool{fx.res1: true, fx.res2: false, outsider: false} {
			if got := must(s.Participated(userContext(u), p.ID))(t); got != want {
				t.Errorf("%s participated = %v", u.Username, got)
			}
		}
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

// TestUpdateProject: the designer edits a draft, and a returned project,
// which goes back to draft and is submitted again; every illegal edit
// answers its error and leaves the project as it was, with no event.
func TestUpdateProject(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		p := fx.aProject(fx.acceptedNeed(t, "独居老人需要陪伴").ID)
		mustDo(t, s.CreateProject(userContext(fx.worker), p))

		// A draft: the new design replaces the old one, the number stays.
		edit := fx.aProject()
		edit.ID, edit.Title, edit.BudgetFen = p.ID, "银龄陪伴计划（修订）", 6_000_000
		edit.Criteria = []shequ.Criterion{{Key: "plan", Weight: 50}, {Key: "team", Weight: 20}, {Key: "experience", Weight: 10}, {Key: "price", Weight: 20}}
		edit.Weights = shequ.EvalWeights{Residents: 50, Community: 25, ThirdParty: 25}
		mustDo(t, s.UpdateProject(userContext(fx.worker), edit))
		got := must(s.FindProjectByID(userContext(fx.worker), p.ID))(t)
		if got.Title != "银龄陪伴计划（修订）" || got.BudgetFen != 6_000_000 || got.Number != p.Number || got.Status != shequ.ProjectDraft ||
			got.Criteria[0].Weight != 50 || got.Weights.Residents != 50 || !slices.Equal(got.NeedIDs, p.NeedIDs) {
			t.Fatalf("after the edit: %+v", got)
		}

		// Returned: the edit moves it back to draft, then it is submitted.
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
		_, err := s.TransitionProject(userContext(fx.off), p.ID, shequ.ProjectTransition{To: shequ.ProjectReturned, Comment: "预算偏高，请压缩"})
		mustDo(t, err)
		edit.BudgetFen = 4_500_000
		mustDo(t, s.UpdateProject(userContext(fx.worker), edit))
		if edit.Status != shequ.ProjectDraft || edit.Comment != "预算偏高，请压缩" {
			t.Fatalf("returned project after the edit: %s %q", edit.Status, edit.Comment)
		}
		tl := must(s.Timeline(userContext(fx.worker), objProject, p.ID))(t)
		if last := tl[len(tl)-1]; last.Action != auditProjectUpdate || last.From != "returned" || last.To != "draft" {
			t.Errorf("last event %+v", last)
		}
		if n := auditCount(t, db, auditProjectUpdate, shequ.AuditAllowed, p.ID); n != 2 {
			t.Errorf("edits audited = %d", n)
		}
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))

		// Illegal edits.
		outsider := mustCreateUser(t, db, "worker2", shequ.RoleCommunityWorker, kangshan)
		open := fx.openProject(t)
		valid := func(id string) *shequ.Project {
			e := fx.aProject()
			e.ID = id
			return e
		}
		tests := []struct {
			name      string
			who       *shequ.User
			p         *shequ.Project
			code, key string
			field     string
		}{
			{"under review", fx.worker, valid(p.ID), shequ.EConflict, "project.update.state", ""},
			{"open for bids", fx.worker, valid(open.ID), shequ.EConflict, "project.update.state", ""},
			{"official", fx.off, valid(p.ID), shequ.EForbidden, "error.forbidden", ""},
			{"resident", fx.res1, valid(p.ID), shequ.EForbidden, "error.forbidden", ""},
			{"out of scope", outsider, valid(p.ID), shequ.ENotFound, "error.not_found", ""},
			{"no such project", fx.worker, valid(newUUID7()), shequ.ENotFound, "error.not_found", ""},
			{"not an id", fx.worker, valid("x"), shequ.ENotFound, "error.not_found", ""},
			{"empty title", fx.worker, func() *shequ.Project { e := valid(p.ID); e.Title = " "; return e }(), shequ.EInvalid, "error.invalid_fields", "title"},
			{"no budget", fx.worker, func() *shequ.Project { e := valid(p.ID); e.BudgetFen = 0; return e }(), shequ.EInvalid, "error.invalid_fields", "budget"},
			{"criteria not 100", fx.worker, func() *shequ.Project {
				e := valid(p.ID)
				e.Criteria = []shequ.Criterion{{Key: "plan", Weight: 40}, {Key: "team", Weight: 25}}
				return e
			}(), shequ.EInvalid, "error.invalid_fields", "criteria"},
			{"weights not 100", fx.worker, func() *shequ.Project {
				e := valid(p.ID)
				e.Weights = shequ.EvalWeights{Residents: 50, Community: 30, ThirdParty: 30}
				return e
			}(), shequ.EInvalid, "error.invalid_fields", "weights"},
			{"other needs", fx.worker, func() *shequ.Project { e := valid(p.ID); e.NeedIDs = []string{open.NeedIDs[0]}; return e }(),
				shequ.EInvalid, "error.invalid_fields", "need_ids"},
		}
		// The draft of the field cases: a fresh one.
		draft := fx.aProject(fx.acceptedNeed(t, "独居老人需要陪伴二").ID)
		mustDo(t, s.CreateProject(userContext(fx.worker), draft))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.field != "" || tt.name == "official" || tt.name == "resident" || tt.name == "out of scope" {
					tt.p.ID = draft.ID
				}
				old, ferr := s.FindProjectByID(cliContext(), tt.p.ID)
				err := s.UpdateProject(userContext(tt.who), tt.p)
				wantError(t, err, tt.code, tt.key)
				if f, _ := fieldOf(err); f != tt.field {
					t.Errorf("field %q, want %q", f, tt.field)
				}
				if ferr == nil {
					now := must(s.FindProjectByID(cliContext(), old.ID))(t)
					if now.Title != old.Title || now.BudgetFen != old.BudgetFen || !now.UpdatedAt.Equal(old.UpdatedAt) {
						t.Errorf("the refused edit changed the project: %+v", now)
					}
				}
			})
		}
	})
}

// TestParticipantsByIDNumber: the winning team names an activity's
// participants by their ID numbers, as a sign-in sheet has them; each is
// found in the register of the project's township and recorded, so the
// resident may rate. A malformed number, one not in the register, or one
// of another township is a field error naming its line, and nothing is
// written.
func TestParticipantsByIDNumber(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		s.Sealer = testSealer(t)
		r1 := fx.residentOf(t, fx.res1, 1)
		mustImport(t, db, divisionsOf([2]string{"330523002001", "天荒坪社区居委会"}))
		elsewhere := mustCreateResident(t, NewResidentService(db, testSealer(t)), &shequ.Resident{Name: "外镇居民",
			Community: "330523002001", IDNumber: shequ.IDNumber(idNumber("330523", "19520303", "017"))})
		p := fx.reviewedProject(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		fx.clock.Add(10 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectInProgress))
		fx.clock.Add(20 * 24 * time.Hour)
		activity := func(ids ...string) *shequ.Activity {
			return &shequ.Activity{ProjectID: p.ID, Date: *dayOf(ptr(fx.clock.Now())), Place: "苕秀社区活动室",
				Content: "健康讲座", Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 20, ParticipantIDs: ids}
		}
		activities := func() int {
			var n int
			mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM activities WHERE project_id = ?`), p.ID).Scan(&n))
			return n
		}
		for name, tc := range map[string]struct {
			ids  []string
			key  string
			line int
		}{
			"malformed":      {[]string{string(r1.IDNumber), "33052319"}, "activity.participant_id.invalid", 2},
			"not registered": {[]string{idNumber("330523", "19700101", "031")}, "activity.participant_id.unknown", 1},
			"other township": {[]string{string(r1.IDNumber), string(elsewhere.IDNumber)}, "activity.participant_id.unknown", 2},
		} {
			err := s.RecordActivity(userContext(fx.om2), activity(tc.ids...))
			var e *shequ.Error
			if !errors.As(err, &e) || e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "participant_id_numbers" ||
				e.Fields[0].Key != tc.key || e.Fields[0].Data["Line"] != tc.line {
				t.Errorf("%s: %v, want %s at line %d", name, err, tc.key, tc.line)
			}
			if n := activities(); n != 0 {
				t.Fatalf("%s: %d activities written", name, n)
			}
		}
		// Lower-case check character and spaces, as typed.
		typed := " " + strings.ToLower(string(r1.IDNumber)) + " "
		mustDo(t, s.RecordActivity(userContext(fx.om2), activity(typed)))
		if n := activities(); n != 1 {
			t.Fatalf("%d activities", n)
		}
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectFinalEvaluation))
		if !must(s.Participated(userContext(fx.res1), p.ID))(t) {
			t.Error("the resident named by ID number is not a participant")
		}
		mustDo(t, s.SubmitEvaluation(userContext(fx.res1), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5}))
	})
}

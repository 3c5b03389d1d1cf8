package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"shequ"
)

// TestFindProjectsFilters: the project list narrows by state, community
// and text within the actor's scope, pages with a total (newest first; a
// limit of 0 or above the maximum takes the default, a limit of exactly the
// maximum is taken as asked, a negative offset gives the first page), and
// carries each project's needs and reviewers; the console lists every
// project, drafts included, and a worker asking for another community's
// projects gets none. linkage_project.go was mutated by no run before; the
// state filter, the paging and the console's list were checked by no store
// test.
func TestFindProjectsFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		off := userContext(fx.off)
		kWorker := mustCreateUser(t, db, "kangshan-designer", shequ.RoleCommunityWorker, kangshan)

		draft := fx.aProject(fx.acceptedNeed(t, "草稿项目的需求").ID)
		draft.Title = "草稿项目"
		mustDo(t, s.CreateProject(userContext(fx.worker), draft))
		// An hour between creations: the list shows the newest first.
		fx.clock.Add(time.Hour)
		open1 := fx.openProjectWith(t, func(p *shequ.Project) { p.Title = "助浴项目甲" })
		fx.clock.Add(time.Hour)
		open2 := fx.openProjectWith(t, func(p *shequ.Project) { p.Title = "助浴项目乙" })
		p3 := must(s.AppointReviewers(off, open2.ID, []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}))(t)
		fx.clock.Add(time.Hour)
		// A project of 康山村, designed by its own worker.
		kn := &shequ.Need{Community: kangshan, Category: shequ.NeedHealth, Title: "村民义诊", Description: "村里缺少医生"}
		mustDo(t, s.CreateNeed(userContext(kWorker), kn))
		must(s.TransitionNeed(userContext(kWorker), kn.ID, shequ.NeedTransition{To: shequ.NeedAccepted}))(t)
		village := fx.aProject(kn.ID)
		village.Community, village.Title = kangshan, "康山义诊项目"
		mustDo(t, s.CreateProject(userContext(kWorker), village))

		list := func(ctx context.Context, f shequ.ProjectFilter) ([]string, int) {
			t.Helper()
			ps, total, err := s.FindProjects(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var titles []string
			for _, p := range ps {
				titles = append(titles, p.Title)
			}
			return titles, total
		}
		newest := []string{village.Title, open2.Title, open1.Title, draft.Title} // created last first
		for _, c := range []struct {
			name  string
			ctx   context.Context
			f     shequ.ProjectFilter
			want  []string
			total int
		}{
			{"official, all", off, shequ.ProjectFilter{}, newest, 4},
			{"official, open calls", off, shequ.ProjectFilter{Status: shequ.ProjectOpenForBids}, []string{open2.Title, open1.Title}, 2},
			{"official, drafts", off, shequ.ProjectFilter{Status: shequ.ProjectDraft}, []string{village.Title, draft.Title}, 2},
			{"official, 康山村", off, shequ.ProjectFilter{Community: kangshan}, []string{village.Title}, 1},
			{"official, 苕秀 drafts", off, shequ.ProjectFilter{Community: tiaoxiu, Status: shequ.ProjectDraft}, []string{draft.Title}, 1},
			{"official, by title", off, shequ.ProjectFilter{Query: "项目乙"}, []string{open2.Title}, 1},
			{"official, nothing matches", off, shequ.ProjectFilter{Query: "没有这个项目"}, nil, 0},
			{"official, first page", off, shequ.ProjectFilter{Limit: 2}, newest[:2], 4},
			{"official, second page", off, shequ.ProjectFilter{Limit: 2, Offset: 2}, newest[2:], 4},
			{"official, last one", off, shequ.ProjectFilter{Limit: 2, Offset: 3}, newest[3:], 4},
			{"official, negative offset", off, shequ.ProjectFilter{Limit: 1, Offset: -5}, newest[:1], 4},
			{"official, limit 0", off, shequ.ProjectFilter{Limit: 0}, newest, 4},
			{"official, limit above the maximum", off, shequ.ProjectFilter{Limit: maxRegisterLimit + 1}, newest, 4},
			{"console", cliContext(), shequ.ProjectFilter{}, newest, 4},
			{"苕秀's designer", userContext(fx.worker), shequ.ProjectFilter{}, newest[1:], 3},
			{"苕秀's designer asking for 康山村", userContext(fx.worker), shequ.ProjectFilter{Community: kangshan}, nil, 0},
			{"康山村's designer", userContext(kWorker), shequ.ProjectFilter{}, newest[:1], 1},
			{"anonymous", context.Background(), shequ.ProjectFilter{}, []string{open2.Title, open1.Title}, 2},
			{"anonymous asking for drafts", context.Background(), shequ.ProjectFilter{Status: shequ.ProjectDraft}, nil, 0},
		} {
			got, total := list(c.ctx, c.f)
			if !slices.Equal(got, c.want) || total != c.total {
				t.Errorf("%s: %q (total %d), want %q (total %d)", c.name, got, total, c.want, c.total)
			}
		}
		// The listed projects carry their needs and reviewers.
		ps, _, err := s.FindProjects(off, shequ.ProjectFilter{Status: shequ.ProjectOpenForBids})
		mustDo(t, err)
		for _, p := range ps {
			want := 0
			if p.ID == p3.ID {
				want = 3
			}
			if len(p.NeedIDs) != 1 || len(p.Reviewers) != want {
				t.Errorf("%s listed with needs %v, reviewers %v (want 1 and %d)", p.Title, p.NeedIDs, p.Reviewers, want)
			}
		}
		if got := fmt.Sprint(ps[0].PeriodStart.Format("2006-01-02")); got != open2.PeriodStart.Format("2006-01-02") {
			t.Errorf("listed period start %s, want %s", got, open2.PeriodStart.Format("2006-01-02"))
		}

		// Past the default page: 51 projects; a limit of exactly the
		// maximum is taken as asked, no limit gives the default 50.
		for i := len(newest); i < defaultRegisterLimit+1; i++ {
			mustDo(t, s.CreateProject(userContext(fx.worker), fx.aProject(fx.acceptedNeed(t, fmt.Sprintf("需求%02d", i)).ID)))
		}
		for _, c := range []struct {
			limit, want int
		}{{maxRegisterLimit, defaultRegisterLimit + 1}, {0, defaultRegisterLimit}, {defaultRegisterLimit + 1, defaultRegisterLimit + 1}} {
			ps, total, err := s.FindProjects(off, shequ.ProjectFilter{Limit: c.limit})
			if err != nil || len(ps) != c.want || total != defaultRegisterLimit+1 {
				t.Errorf("limit %d: %d listed of %d (%v), want %d of %d", c.limit, len(ps), total, err, c.want, defaultRegisterLimit+1)
			}
		}
	})
}

// TestCreateProjectRefusals: a project is designed from accepted needs of
// its own community with a bid deadline still ahead, and an edit keeps the
// deadline ahead too; each refusal names its field, stores no project and
// leaves the needs as they were. The designed project's needs become
// planned in it and their authors are told.
func TestCreateProjectRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		design := userContext(fx.worker)
		accepted := fx.acceptedNeed(t, "独居老人需要陪伴")
		submitted := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedElderly, Title: "尚未受理的需求"}
		mustDo(t, s.CreateNeed(userContext(fx.res1), submitted))
		kWorker := mustCreateUser(t, db, "kangshan-designer", shequ.RoleCommunityWorker, kangshan)
		village := &shequ.Need{Community: kangshan, Category: shequ.NeedHealth, Title: "村民义诊"}
		mustDo(t, s.CreateNeed(userContext(kWorker), village))
		village = must(s.TransitionNeed(userContext(kWorker), village.ID, shequ.NeedTransition{To: shequ.NeedAccepted}))(t)
		planned := fx.acceptedNeed(t, "已纳入项目的需求")
		mustDo(t, s.CreateProject(design, fx.aProject(planned.ID)))
		projects := func() int {
			var n int
			mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM projects`).Scan(&n))
			return n
		}
		before := projects()

		for _, c := range []struct {
			name       string
			p          *shequ.Project
			field, key string
		}{
			{"a deadline now", func() *shequ.Project { p := fx.aProject(accepted.ID); p.BidDeadline = fx.clock.Now(); return p }(),
				"bid_deadline", "project.deadline.past"},
			{"a need not accepted", fx.aProject(accepted.ID, submitted.ID), "need_ids", "project.need.invalid"},
			{"another community's need", fx.aProject(accepted.ID, village.ID), "need_ids", "project.need.invalid"},
			{"a need planned in another project", fx.aProject(accepted.ID, planned.ID), "need_ids", "project.need.invalid"},
			{"an unknown need", fx.aProject(accepted.ID, newUUID7()), "need_ids", "project.need.invalid"},
		} {
			err := s.CreateProject(design, c.p)
			if f, k := fieldOf(err); f != c.field || k != c.key {
				t.Errorf("%s: %q %q (%v), want %q %q", c.name, f, k, err, c.field, c.key)
			}
		}
		if n := projects(); n != before {
			t.Fatalf("refused designs stored %d projects", n-before)
		}
		for _, n := range []*shequ.Need{accepted, submitted, village, planned} {
			got := must(s.FindNeedByID(cliContext(), n.ID))(t)
			want := n.Status
			if n == planned {
				want = shequ.NeedPlanned
			}
			if got.Status != want || (n != planned && got.ProjectID != "") {
				t.Errorf("need %s after refused designs: %s in %q, want %s", n.Title, got.Status, got.ProjectID, want)
			}
		}

		// Both accepted needs of the community: planned in the project,
		// their author told.
		second := fx.acceptedNeed(t, "独居老人需要助餐")
		p := fx.aProject(accepted.ID, second.ID)
		mustDo(t, s.CreateProject(design, p))
		for _, n := range []*shequ.Need{accepted, second} {
			if got := must(s.FindNeedByID(cliContext(), n.ID))(t); got.Status != shequ.NeedPlanned || got.ProjectID != p.ID {
				t.Errorf("need %s: %s in %q, want planned in %s", n.Title, got.Status, got.ProjectID, p.ID)
			}
		}
		told := 0
		for _, k := range kindsOf(t, db, fx.res1) {
			if k == "need_planned" {
				told++
			}
		}
		if told != 3 { // planned, accepted and second
			t.Errorf("the needs' author was told %d times of planning, want 3", told)
		}

		// An edit keeps the deadline ahead.
		edit := fx.aProject()
		edit.ID, edit.BidDeadline = p.ID, fx.clock.Now().Add(-time.Minute)
		if f, k := fieldOf(s.UpdateProject(design, edit)); f != "bid_deadline" || k != "project.deadline.past" {
			t.Errorf("an edit with a past deadline: %q %q", f, k)
		}
	})
}

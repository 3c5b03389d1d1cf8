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
// limit of 0 or above the maximum takes the default, a negative offset the
// first page), and carries each project's needs and reviewers; the console
// lists every project, drafts included, and a worker asking for another
// community's projects gets none. linkage_project.go was mutated by no
// run before; the state filter, the paging and the console's list were
// checked by no store test.
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
	})
}

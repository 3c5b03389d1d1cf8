package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"shequ"
)

// TestPublicProjectList: the public list (anonymous, residents, every role
// that does not design or approve projects, and an official asking for the
// public list) shows only projects whose call was opened, never a draft, a
// design under review, a returned or approved one, or a cancelled one;
// designers and approvers see them all in their scope.
func TestPublicProjectList(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		titles := map[string]shequ.ProjectStatus{}
		design := func(to ...shequ.ProjectStatus) {
			t.Helper()
			n := fx.acceptedNeed(t, fmt.Sprintf("需求%d", len(titles)))
			p := fx.aProject(n.ID)
			p.Title = fmt.Sprintf("项目%d", len(titles))
			mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
			for _, s := range to {
				u := fx.off
				if s == shequ.ProjectUnderReview {
					u = fx.worker
				}
				got, err := fx.s.TransitionProject(userContext(u), p.ID, shequ.ProjectTransition{To: s, Comment: "测试意见"})
				if err != nil {
					t.Fatalf("%s → %s: %v", p.Title, s, err)
				}
				*p = *got
			}
			titles[p.Title] = p.Status
		}
		design() // draft
		design(shequ.ProjectUnderReview)
		design(shequ.ProjectUnderReview, shequ.ProjectReturned)
		design(shequ.ProjectUnderReview, shequ.ProjectApproved)
		design(shequ.ProjectUnderReview, shequ.ProjectApproved, shequ.ProjectCancelled)
		design(shequ.ProjectUnderReview, shequ.ProjectApproved, shequ.ProjectOpenForBids)

		statuses := func(ctx context.Context, f shequ.ProjectFilter) []string {
			t.Helper()
			ps, total, err := fx.s.FindProjects(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(ps) {
				t.Errorf("total %d for %d projects listed", total, len(ps))
			}
			var out []string
			for _, p := range ps {
				out = append(out, string(p.Status))
			}
			sort.Strings(out)
			return out
		}
		public := fmt.Sprint([]string{string(shequ.ProjectOpenForBids)})
		for name, ctx := range map[string]context.Context{
			"anonymous":  context.Background(),
			"resident":   userContext(fx.res1),
			"org member": userContext(fx.om1),
		} {
			if got := fmt.Sprint(statuses(ctx, shequ.ProjectFilter{})); got != public {
				t.Errorf("%s sees %s, want only %s", name, got, public)
			}
		}
		if got := fmt.Sprint(statuses(userContext(fx.off), shequ.ProjectFilter{Public: true})); got != public {
			t.Errorf("official's public list: %s, want %s", got, public)
		}
		if got := statuses(userContext(fx.off), shequ.ProjectFilter{}); len(got) != len(titles) {
			t.Errorf("official sees %v, want all %d", got, len(titles))
		}
		if got := statuses(userContext(fx.worker), shequ.ProjectFilter{}); len(got) != len(titles) {
			t.Errorf("designer sees %v, want all %d", got, len(titles))
		}
		// A hidden project is not found by its number or title either.
		ps, _, err := fx.s.FindProjects(context.Background(), shequ.ProjectFilter{Query: "项目0"})
		if err != nil || len(ps) != 0 {
			t.Errorf("a draft found by its title: %v %v", ps, err)
		}
	})
}

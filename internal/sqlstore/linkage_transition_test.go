package sqlstore

import (
	"strings"
	"testing"

	"shequ"
)

// TestProjectReturnAndApproval holds what a review tells the project's
// designer: a return needs a reason of at most shequ.MaxReason characters
// (that many are taken, one more is refused beside the comment, and the
// project stays under review), and the designer is told of the return and,
// after a new submission, of the approval — by a notification of that kind
// each, and of no other kind on the way. Three survivors of the store's
// mutation run of linkage_transition.go lived without it (the bound of the
// reason and either half of the notification's condition), and a fourth
// without its first step (an unknown state taken as known).
func TestProjectReturnAndApproval(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		n := fx.acceptedNeed(t, "独居老人陪伴")
		p := fx.aProject(n.ID)
		mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
		// The kinds of the designer's project notifications, newest first.
		told := func() []string {
			t.Helper()
			notes, _ := must2(t)(fx.s.FindNotifications(userContext(fx.worker), 50))
			var kinds []string
			for _, note := range notes {
				if strings.HasPrefix(note.Kind, "project_") {
					kinds = append(kinds, note.Kind)
				}
			}
			return kinds
		}
		if got := told(); len(got) != 0 {
			t.Fatalf("designer told %q before any review", got)
		}

		// A state that does not exist is refused beside the field that
		// names it, before anything is read.
		_, err := fx.s.TransitionProject(userContext(fx.off), p.ID, shequ.ProjectTransition{To: "finished"})
		if e := shequ.AsError(err); e == nil || e.Code != shequ.EInvalid || len(e.Fields) != 1 ||
			e.Fields[0].Field != "to" || e.Fields[0].Key != "project.to.invalid" {
			t.Fatalf("an unknown state: %v, want a field error on to", err)
		}

		_, err = fx.s.TransitionProject(userContext(fx.off), p.ID,
			shequ.ProjectTransition{To: shequ.ProjectReturned, Comment: strings.Repeat("改", shequ.MaxReason+1)})
		if e := shequ.AsError(err); e == nil || e.Code != shequ.EInvalid || len(e.Fields) != 1 ||
			e.Fields[0].Field != "comment" || e.Fields[0].Key != "reason.long" {
			t.Fatalf("a reason of %d characters: %v, want a field error on the comment", shequ.MaxReason+1, err)
		}
		if got := must(fx.s.FindProjectByID(userContext(fx.off), p.ID))(t); got.Status != shequ.ProjectUnderReview {
			t.Fatalf("after a refused return the project is %s", got.Status)
		}
		if got := told(); len(got) != 0 {
			t.Fatalf("designer told %q of a refused return", got)
		}

		reason := strings.Repeat("改", shequ.MaxReason)
		got, err := fx.s.TransitionProject(userContext(fx.off), p.ID, shequ.ProjectTransition{To: shequ.ProjectReturned, Comment: reason})
		if err != nil {
			t.Fatalf("a reason of %d characters: %v", shequ.MaxReason, err)
		}
		if got.Status != shequ.ProjectReturned || got.Comment != reason {
			t.Fatalf("returned project = %s, comment of %d characters", got.Status, len([]rune(got.Comment)))
		}
		if kinds := told(); len(kinds) != 1 || kinds[0] != "project_returned" {
			t.Fatalf("after the return the designer was told %q, want [project_returned]", kinds)
		}

		*p = *got
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectDraft))
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
		if kinds := told(); len(kinds) != 1 {
			t.Fatalf("resubmitting told the designer %q, want only the earlier return", kinds)
		}
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectApproved))
		if kinds := told(); len(kinds) != 2 || kinds[0] != "project_approved" {
			t.Fatalf("after the approval the designer was told %q, want project_approved first", kinds)
		}
	})
}

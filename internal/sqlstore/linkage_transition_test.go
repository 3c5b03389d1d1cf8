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

// TestProjectAwardMovesBids holds the award's work on the bids and the
// objection's bounds: naming a bid below the top of the ranking is
// refused, the top wins and every other shortlisted bid loses (each bid
// checked, so that neither the choice of the winner nor the loop over the
// bids can stop short), and an objection of 5 and of 2,000 characters is
// taken, of 3 and of 2,001 refused. Survivors of the store's mutation run
// of linkage_transition.go (127:31, 139:16, 143:12, 146:47, 212:42, 212:51,
// the answer's bounds 245:44, 245:53, and the objection's audit 227:10,
// 231:41, 272:10).
func TestProjectAwardMovesBids(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		p, b1, b2 := fx.biddedProject(t)
		p = fx.toReview(t, p, fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID)
		for _, r := range fx.rev {
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b1.ID, Scores: scores(90)}))
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(60)}))
		}

		_, err := s.TransitionProject(userContext(fx.off), p.ID, shequ.ProjectTransition{To: shequ.ProjectAwarded, BidID: b2.ID})
		wantError(t, err, shequ.EConflict, "project.award.not_top")
		got, err := s.TransitionProject(userContext(fx.off), p.ID, shequ.ProjectTransition{To: shequ.ProjectAwarded, BidID: b1.ID})
		if err != nil {
			t.Fatalf("award the top of the ranking by name: %v", err)
		}
		if got.WinnerBidID != b1.ID || got.ObjectionEnds == nil {
			t.Fatalf("awarded project: winner %q, objection ends %v", got.WinnerBidID, got.ObjectionEnds)
		}
		status := map[string]shequ.BidStatus{}
		for _, b := range must(s.FindBids(userContext(fx.off), p.ID))(t) {
			status[b.ID] = b.Status
		}
		if status[b1.ID] != shequ.BidWon || status[b2.ID] != shequ.BidLost {
			t.Fatalf("after the award: top bid %s, other bid %s; want won, lost", status[b1.ID], status[b2.ID])
		}

		long := strings.Repeat("异", 2001)
		_, err = s.LodgeObjection(userContext(fx.res2), p.ID, long)
		if f, k := fieldOf(err); f != "text" || k != "objection.text.invalid" {
			t.Fatalf("an objection of 2,001 characters: %v", err)
		}
		o1, err := s.LodgeObjection(userContext(fx.res2), p.ID, long[:len(long)-len("异")])
		if err != nil {
			t.Fatalf("an objection of 2,000 characters: %v", err)
		}
		o2, err := s.LodgeObjection(userContext(fx.res1), p.ID, "评分不公开")
		if err != nil {
			t.Fatalf("an objection of 5 characters: %v", err)
		}
		// The audit names the objection lodged (227:10, 231:41 lived: a
		// write that ended early recorded no object).
		if a := lastAudit(t, db); a.Action != auditObjectionLodge || a.ObjectID != o2.ID {
			t.Fatalf("audit of the objection = %s %q, want %s %q", a.Action, a.ObjectID, auditObjectionLodge, o2.ID)
		}
		// The official's answer: 2 to 2,000 characters.
		for _, bad := range []string{"阅", strings.Repeat("答", 2001)} {
			_, err := s.AnswerObjection(userContext(fx.off), o1.ID, bad)
			if f, k := fieldOf(err); f != "answer" || k != "objection.answer.invalid" {
				t.Fatalf("an answer of %d characters: %v", len([]rune(bad)), err)
			}
		}
		if _, err := s.AnswerObjection(userContext(fx.off), o1.ID, "已阅"); err != nil {
			t.Fatalf("an answer of 2 characters: %v", err)
		}
		if a := lastAudit(t, db); a.Action != auditObjectionAnswer || a.ObjectID != o1.ID {
			t.Fatalf("audit of the answer = %s %q, want %s %q", a.Action, a.ObjectID, auditObjectionAnswer, o1.ID)
		}
		if _, err := s.AnswerObjection(userContext(fx.off), o2.ID, strings.Repeat("答", 2000)); err != nil {
			t.Fatalf("an answer of 2,000 characters: %v", err)
		}
		// Both objections read back with the project, each with its answer
		// (FindObjections was run by no selected test of the mutation run).
		answers := map[string]string{}
		for _, o := range must(s.FindObjections(userContext(fx.res1), p.ID))(t) {
			if o.AnsweredAt == nil {
				t.Errorf("objection %s read back without its answer's time", o.ID)
			}
			answers[o.ID] = o.Answer
		}
		if len(answers) != 2 || answers[o1.ID] != "已阅" || len([]rune(answers[o2.ID])) != 2000 {
			t.Fatalf("objections read back: %d, want both, answered 已阅 and in 2,000 characters", len(answers))
		}
		_, err = s.LodgeObjection(userContext(fx.res1), p.ID, "不公平")
		if f, k := fieldOf(err); f != "text" || k != "objection.text.invalid" {
			t.Fatalf("an objection of 3 characters: %v", err)
		}
	})
}

// TestProjectCancelClosesEveryNeed: a cancelled project closes each of its
// planned needs, not only the first (linkage_transition.go 187:66 lived:
// the loop over the needs stopped after one).
func TestProjectCancelClosesEveryNeed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		n1 := fx.acceptedNeed(t, "独居老人陪伴")
		n2 := fx.acceptedNeed(t, "老人助餐服务")
		p := fx.aProject(n1.ID, n2.ID)
		mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectApproved))
		for _, n := range []*shequ.Need{n1, n2} {
			if got := must(fx.s.FindNeedByID(userContext(fx.worker), n.ID))(t); got.Status != shequ.NeedPlanned {
				t.Fatalf("need %q is %s in an approved project, want planned", got.Title, got.Status)
			}
		}
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectCancelled))
		for _, n := range []*shequ.Need{n1, n2} {
			if got := must(fx.s.FindNeedByID(userContext(fx.worker), n.ID))(t); got.Status != shequ.NeedClosed {
				t.Errorf("need %q is %s after the project was cancelled, want closed", got.Title, got.Status)
			}
		}
	})
}

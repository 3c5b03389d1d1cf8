package sqlstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"shequ"
)

// openProjectWith designs, approves and opens a project from a fresh need,
// edit changing the design first.
func (fx *linkFx) openProjectWith(t *testing.T, edit func(p *shequ.Project)) *shequ.Project {
	t.Helper()
	n := fx.acceptedNeed(t, "独居老人助浴服务")
	p := fx.aProject(n.ID)
	edit(p)
	mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
	mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectApproved))
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectOpenForBids))
	return p
}

// countBids is the number of stored bids of a project.
func countBids(t *testing.T, db *DB, projectID string) int {
	t.Helper()
	var n int
	mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM bids WHERE project_id = ?`), projectID).Scan(&n))
	return n
}

// biddedProject opens a project on which org1 (kept by om1) bids 48,000
// yuan with w1, then org2 (kept by om2) 45,000 yuan with w2.
func (fx *linkFx) biddedProject(t *testing.T) (p *shequ.Project, b1, b2 *shequ.Bid) {
	t.Helper()
	p = fx.openProject(t)
	b1 = aBid(p.ID, fx.org1, fx.w1, 4_800_000)
	mustDo(t, fx.s.SubmitBid(userContext(fx.om1), b1))
	b2 = aBid(p.ID, fx.org2, fx.w2, 4_500_000)
	mustDo(t, fx.s.SubmitBid(userContext(fx.om2), b2))
	return p, b1, b2
}

// toReview appoints reviewers to the open project p, moves the clock past
// its bid deadline and the project into review; it returns the project as
// the appointment left it.
func (fx *linkFx) toReview(t *testing.T, p *shequ.Project, reviewers ...string) *shequ.Project {
	t.Helper()
	p = must(fx.s.AppointReviewers(userContext(fx.off), p.ID, reviewers))(t)
	fx.clock.Add(8 * 24 * time.Hour)
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
	return p
}

// TestBidderChecks: a bid names an active organization its sender keeps, of
// a kind the call admits, and a team of that organization's social workers
// with a certified one when the call asks for it; each refusal names its
// field and writes nothing, and a call that is not public is not found.
// linkage_bid.go was mutated by no run before; none of these refusals was
// exercised by a store test.
func TestBidderChecks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		// The call admits charities only and asks for a certified worker.
		p := fx.openProjectWith(t, func(p *shequ.Project) { p.OrgKinds = []shequ.OrgKind{shequ.OrgCharity} })
		// om2 also keeps a dormant charity with a certified worker, and
		// org2 employs an uncertified worker besides the assistant w2.
		dormant := anOrg("休眠公益社", kangshan)
		dormant.Kind, dormant.Status, dormant.OwnerUserIDs = shequ.OrgCharity, shequ.OrgDormant, []string{fx.om2.ID}
		mustCreateOrg(t, fx.orgs, dormant)
		wDormant := fx.orgWorker(t, "赵社工", dormant, 903, shequ.QualSocial)
		wNone := fx.orgWorker(t, "钱志愿者", fx.org2, 904, shequ.QualNone)
		draft := fx.aProject(fx.acceptedNeed(t, "草稿项目的需求").ID)
		mustDo(t, fx.s.CreateProject(userContext(fx.worker), draft))

		bid := func(project, org string, team ...string) *shequ.Bid {
			return &shequ.Bid{ProjectID: project, OrgID: org, Plan: "每周两次上门助浴，每月一次回访。", PriceFen: 1_000_000,
				Team: team, Experience: "两年助浴经验"}
		}
		unknown := newUUID7()
		for _, c := range []struct {
			name       string
			who        *shequ.User
			b          *shequ.Bid
			field, key string // the field error; key alone for an error without fields
		}{
			{"malformed organization", fx.om2, bid(p.ID, "not-an-id", fx.w2.ID), "org_id", "bid.org.invalid"},
			{"unknown organization", fx.om2, bid(p.ID, unknown, fx.w2.ID), "org_id", "bid.org.invalid"},
			{"organization kept by another", fx.om1, bid(p.ID, fx.org2.ID, fx.w2.ID), "org_id", "bid.org.invalid"},
			{"dormant organization", fx.om2, bid(p.ID, dormant.ID, wDormant.ID), "org_id", "bid.org.invalid"},
			{"kind the call does not admit", fx.om1, bid(p.ID, fx.org1.ID, fx.w1.ID), "org_id", "bid.org.kind"},
			{"malformed team member", fx.om2, bid(p.ID, fx.org2.ID, "not-an-id"), "team", "bid.team.member"},
			{"unknown team member", fx.om2, bid(p.ID, fx.org2.ID, unknown), "team", "bid.team.member"},
			{"another organization's worker", fx.om2, bid(p.ID, fx.org2.ID, fx.w2.ID, fx.w1.ID), "team", "bid.team.member"},
			{"no certified worker", fx.om2, bid(p.ID, fx.org2.ID, wNone.ID), "team", "bid.team.certified"},
			{"a call not yet public", fx.om2, bid(draft.ID, fx.org2.ID, fx.w2.ID), "", "error.not_found"},
			{"an unknown call", fx.om2, bid(unknown, fx.org2.ID, fx.w2.ID), "", "error.not_found"},
		} {
			err := fx.s.SubmitBid(userContext(c.who), c.b)
			if f, k := fieldOf(err); f != c.field || k != c.key {
				t.Errorf("%s: %q %q (%v), want %q %q", c.name, f, k, err, c.field, c.key)
			}
		}
		if n := countBids(t, db, p.ID) + countBids(t, db, draft.ID); n != 0 {
			t.Fatalf("refused bids left %d rows", n)
		}
		// One certified member is enough, wherever it stands in the team.
		mustDo(t, fx.s.SubmitBid(userContext(fx.om2), bid(p.ID, fx.org2.ID, wNone.ID, fx.w2.ID)))
		// The console bids for an active organization nobody keeps, not
		// for a dormant one.
		free := anOrg("无人维护公益社", kangshan)
		free.Kind = shequ.OrgCharity
		mustCreateOrg(t, fx.orgs, free)
		wFree := fx.orgWorker(t, "孙社工", free, 905, shequ.QualSenior)
		if f, k := fieldOf(fx.s.SubmitBid(cliContext(), bid(p.ID, dormant.ID, wDormant.ID))); f != "org_id" || k != "bid.org.invalid" {
			t.Errorf("the console bidding for a dormant organization: %q %q", f, k)
		}
		mustDo(t, fx.s.SubmitBid(cliContext(), bid(p.ID, free.ID, wFree.ID)))
		if n := countBids(t, db, p.ID); n != 2 {
			t.Fatalf("bids stored: %d, want 2", n)
		}
	})
}

// TestBidEditAndWithdraw: a second submission before the deadline edits the
// organization's bid (its id and first submission time kept: they break
// ties); only its keeper withdraws it, before the deadline only; a
// withdrawn bid is not submitted again; the keeper is told when a bid wins
// or loses, not of a withdrawal.
func TestBidEditAndWithdraw(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		p := fx.openProject(t)
		b1 := aBid(p.ID, fx.org1, fx.w1, 4_800_000)
		mustDo(t, s.SubmitBid(userContext(fx.om1), b1))
		// The audit names the bid (linkage_bid.go 142:97 lived: a write
		// ending early after the team's rows recorded no object).
		if a := lastAudit(t, db); a.Action != auditBidSubmit || a.ObjectID != b1.ID || a.Division != tiaoxiu {
			t.Fatalf("audit of the bid = %s %q in %q, want %s %q in %s", a.Action, a.ObjectID, a.Division, auditBidSubmit, b1.ID, tiaoxiu)
		}
		first := b1.SubmittedAt
		fx.clock.Add(time.Hour)
		edit := aBid(p.ID, fx.org1, fx.w1, 4_200_000)
		mustDo(t, s.SubmitBid(userContext(fx.om1), edit))
		if edit.ID != b1.ID || !edit.SubmittedAt.Equal(first) || !edit.UpdatedAt.After(first) {
			t.Fatalf("edit: id %s (first %s), submitted %v (first %v), updated %v", edit.ID, b1.ID, edit.SubmittedAt, first, edit.UpdatedAt)
		}
		got := must(s.FindBidByID(userContext(fx.om1), b1.ID))(t)
		if got.PriceFen != 4_200_000 || !got.SubmittedAt.Equal(first) || countBids(t, db, p.ID) != 1 {
			t.Fatalf("after the edit: price %d, submitted %v; %d bids", got.PriceFen, got.SubmittedAt, countBids(t, db, p.ID))
		}
		if ev := must(s.Timeline(cliContext(), objBid, b1.ID))(t); len(ev) != 2 || ev[1].Action != "bid.edit" {
			t.Fatalf("bid timeline = %+v", ev)
		}

		b2 := aBid(p.ID, fx.org2, fx.w2, 4_500_000)
		mustDo(t, s.SubmitBid(userContext(fx.om2), b2))
		// Another keeper, a malformed or unknown id: not found, nothing moved.
		for _, c := range []struct {
			name      string
			ctx       context.Context
			id        string
			code, key string
		}{
			{"another keeper", userContext(fx.om2), b1.ID, shequ.ENotFound, "error.not_found"},
			{"a resident", userContext(fx.res1), b1.ID, shequ.EForbidden, "error.forbidden"},
			{"malformed id", userContext(fx.om1), "not-an-id", shequ.ENotFound, "error.not_found"},
			{"unknown id", userContext(fx.om1), newUUID7(), shequ.ENotFound, "error.not_found"},
		} {
			_, err := s.WithdrawBid(c.ctx, c.id)
			if shequ.ErrorCode(err) != c.code || shequ.AsError(err).Key != c.key {
				t.Errorf("withdrawal by %s: %v, want %s %s", c.name, err, c.code, c.key)
			}
		}
		if b := must(s.FindBidByID(cliContext(), b1.ID))(t); b.Status != shequ.BidSubmitted {
			t.Fatalf("b1 after refused withdrawals: %s", b.Status)
		}
		w := must(s.WithdrawBid(userContext(fx.om1), b1.ID))(t)
		if w.Status != shequ.BidWithdrawn || must(s.FindBidByID(cliContext(), b1.ID))(t).Status != shequ.BidWithdrawn {
			t.Fatalf("withdrawn bid: %s", w.Status)
		}
		if a := lastAudit(t, db); a.Action != auditBidWithdraw || a.ObjectID != b1.ID || a.Result != shequ.AuditAllowed {
			t.Fatalf("audit of the withdrawal = %s %q %s", a.Action, a.ObjectID, a.Result)
		}
		err := s.SubmitBid(userContext(fx.om1), aBid(p.ID, fx.org1, fx.w1, 4_000_000))
		wantError(t, err, shequ.EConflict, "bid.exists")
		if slices.Contains(kindsOf(t, db, fx.om1), "bid_withdrawn") {
			t.Errorf("the keeper was told of their own withdrawal: %q", kindsOf(t, db, fx.om1))
		}

		// After the deadline the other bid stays.
		fx.clock.Add(8 * 24 * time.Hour)
		_, err = s.WithdrawBid(userContext(fx.om2), b2.ID)
		wantError(t, err, shequ.EConflict, "bid.closed")
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
		_, err = s.WithdrawBid(userContext(fx.om2), b2.ID)
		wantError(t, err, shequ.EConflict, "bid.closed")
		if b := must(s.FindBidByID(cliContext(), b2.ID))(t); b.Status != shequ.BidShortlisted {
			t.Fatalf("b2 in review: %s, want shortlisted", b.Status)
		}
	})
}

// TestBidOutcomeNotices: when a call is awarded the winner's keeper is told
// it won and the other keeper it lost.
func TestBidOutcomeNotices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		p, b1, b2 := fx.biddedProject(t)
		p = fx.toReview(t, p, fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID)
		for _, r := range fx.rev {
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b1.ID, Scores: scores(90)}))
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(60)}))
		}
		if k := kindsOf(t, db, fx.om1); slices.Contains(k, "bid_won") || slices.Contains(k, "bid_shortlisted") {
			t.Errorf("keeper told before the award: %q", k)
		}
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		if k := kindsOf(t, db, fx.om1); !slices.Contains(k, "bid_won") || slices.Contains(k, "bid_lost") {
			t.Errorf("winner's keeper told %q, want bid_won", k)
		}
		if k := kindsOf(t, db, fx.om2); !slices.Contains(k, "bid_lost") || slices.Contains(k, "bid_won") {
			t.Errorf("other keeper told %q, want bid_lost", k)
		}
	})
}

// TestBidVisibility: while a call is open or in review its bids, reviews
// and ranking are read by the console, the officials and designers in
// scope and the appointed reviewers; an organization's keeper reads its own
// bid alone; residents, anonymous visitors and social workers not appointed
// read none. From the award on, everyone who may read the project reads
// them all (the ranking is public).
func TestBidVisibility(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		sw2 := mustCreateUser(t, db, "sw2", shequ.RoleSocialWorker, "330523")
		p, b1, b2 := fx.biddedProject(t)
		// sw1 is a social worker appointed as reviewer (and on org1's team:
		// it scores b2 only).
		p = fx.toReview(t, p, fx.rev[0].ID, fx.rev[1].ID, fx.sw1.ID)
		for _, r := range fx.rev[:2] {
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b1.ID, Scores: scores(90)}))
		}
		mustDo(t, s.SubmitReview(userContext(fx.sw1), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(70)}))

		type sight struct{ bids, b1, b2, reviews, ranked int } // counts; b1, b2: 1 when found by id
		all := sight{2, 1, 1, 3, 2}
		look := func(ctx context.Context) sight {
			t.Helper()
			var v sight
			bids, err := s.FindBids(ctx, p.ID)
			mustDo(t, err)
			v.bids = len(bids)
			for i, id := range []string{b1.ID, b2.ID} {
				switch _, err := s.FindBidByID(ctx, id); {
				case err == nil:
					*[]*int{&v.b1, &v.b2}[i] = 1
				case !errors.Is(err, shequ.ErrNotFound):
					t.Fatalf("bid %d by id: %v", i+1, err)
				}
			}
			reviews, err := s.FindReviews(ctx, p.ID)
			mustDo(t, err)
			ranking, err := s.Ranking(ctx, p.ID)
			mustDo(t, err)
			v.reviews, v.ranked = len(reviews), len(ranking)
			return v
		}
		cases := []struct {
			name      string
			ctx       context.Context
			inReview  sight
			afterward sight
		}{
			{"console", cliContext(), all, all},
			{"official", userContext(fx.off), all, all},
			{"designer", userContext(fx.worker), all, all},
			{"appointed social worker", userContext(fx.sw1), all, all},
			{"org1's keeper", userContext(fx.om1), sight{bids: 1, b1: 1}, all},
			{"org2's keeper", userContext(fx.om2), sight{bids: 1, b2: 1}, all},
			{"social worker not appointed", userContext(sw2), sight{}, all},
			{"resident", userContext(fx.res1), sight{}, all},
			{"anonymous", context.Background(), sight{}, all},
		}
		for _, c := range cases {
			if got := look(c.ctx); got != c.inReview {
				t.Errorf("%s in review sees %+v, want %+v", c.name, got, c.inReview)
			}
		}
		for _, r := range []*shequ.User{fx.rev[0], fx.rev[1]} {
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(60)}))
		}
		all.reviews = 5
		for i := range cases {
			cases[i].afterward.reviews = 5
		}
		for _, to := range []shequ.ProjectStatus{shequ.ProjectAwarded, shequ.ProjectInProgress} {
			if to == shequ.ProjectInProgress {
				fx.clock.Add(10 * 24 * time.Hour)
			}
			mustDo(t, fx.move(t, fx.off, p, to))
			for _, c := range cases {
				if got := look(c.ctx); got != c.afterward {
					t.Errorf("%s, project %s, sees %+v, want %+v", c.name, to, got, c.afterward)
				}
			}
		}
		// Malformed and unknown ids are not found, whoever asks.
		for _, id := range []string{"not-an-id", newUUID7()} {
			if _, err := s.FindBidByID(cliContext(), id); !errors.Is(err, shequ.ErrNotFound) {
				t.Errorf("bid %q: %v, want not found", id, err)
			}
		}
	})
}

// TestReviewRefusals: bids are scored while the project is in review, by an
// appointed reviewer, once each, and only shortlisted bids of that project;
// the console scores as nobody's reviewer. Each refusal writes nothing.
func TestReviewRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		p, b1, b2 := fx.biddedProject(t)
		p = must(s.AppointReviewers(userContext(fx.off), p.ID, []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}))(t)
		review := func(bid string) *shequ.Review { return &shequ.Review{ProjectID: p.ID, BidID: bid, Scores: scores(80)} }
		err := s.SubmitReview(userContext(fx.rev[0]), review(b2.ID))
		wantError(t, err, shequ.EConflict, "review.state")
		must(s.WithdrawBid(userContext(fx.om1), b1.ID))(t)
		// A bid of another call.
		other := fx.openProject(t)
		b3 := aBid(other.ID, fx.org2, fx.w2, 1_000_000)
		mustDo(t, s.SubmitBid(userContext(fx.om2), b3))
		fx.clock.Add(8 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
		mustDo(t, fx.move(t, fx.off, other, shequ.ProjectBidReview))

		for _, c := range []struct {
			name        string
			who         context.Context
			r           *shequ.Review
			code, key   string
			field, fkey string
		}{
			{"a worker not appointed", userContext(fx.worker), review(b2.ID), shequ.EForbidden, "review.not_reviewer", "", ""},
			{"a malformed bid", userContext(fx.rev[0]), review("not-an-id"), shequ.EInvalid, "error.invalid_fields", "bid_id", "review.bid.invalid"},
			{"an unknown bid", userContext(fx.rev[0]), review(newUUID7()), shequ.EInvalid, "error.invalid_fields", "bid_id", "review.bid.invalid"},
			{"a withdrawn bid", userContext(fx.rev[0]), review(b1.ID), shequ.EInvalid, "error.invalid_fields", "bid_id", "review.bid.invalid"},
			{"another call's bid", userContext(fx.rev[0]), review(b3.ID), shequ.EInvalid, "error.invalid_fields", "bid_id", "review.bid.invalid"},
		} {
			err := s.SubmitReview(c.who, c.r)
			if shequ.ErrorCode(err) != c.code || shequ.AsError(err).Key != c.key {
				t.Errorf("%s: %v, want %s %s", c.name, err, c.code, c.key)
			} else if f, k := fieldOf(err); c.field != "" && (f != c.field || k != c.fkey) {
				t.Errorf("%s: field %s %s, want %s %s", c.name, f, k, c.field, c.fkey)
			}
		}
		r := review(b2.ID)
		mustDo(t, s.SubmitReview(userContext(fx.rev[0]), r))
		if a := lastAudit(t, db); a.Action != auditReview || a.ObjectID != r.ID || r.ReviewerID != fx.rev[0].ID || r.Total == 0 {
			t.Fatalf("audit of the review = %s %q (review %s by %s, total %d)", a.Action, a.ObjectID, r.ID, r.ReviewerID, r.Total)
		}
		err = s.SubmitReview(userContext(fx.rev[0]), review(b2.ID))
		wantError(t, err, shequ.EConflict, "review.duplicate")
		mustDo(t, s.SubmitReview(cliContext(), review(b2.ID)))
		var stored int
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM reviews`)).Scan(&stored))
		if stored != 2 {
			t.Fatalf("reviews stored: %d, want 2 (one reviewer's and the console's)", stored)
		}
	})
}

// TestAppointReviewersRefusals: reviewers are appointed while the call is
// open or in review, at least three distinct enabled accounts that may
// score bids, scoped at or above the project's community; each is told.
func TestAppointReviewersRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		off := userContext(fx.off)
		elsewhere := mustCreateUser(t, db, "kangshan-worker", shequ.RoleCommunityWorker, kangshan)
		disabled := mustCreateUser(t, db, "disabled-worker", shequ.RoleCommunityWorker, dipu)
		if _, err := db.db.Exec(db.rebind(`UPDATE users SET disabled = ? WHERE id = ?`), true, disabled.ID); err != nil {
			t.Fatal(err)
		}
		three := []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}

		draft := fx.aProject(fx.acceptedNeed(t, "草稿项目的需求").ID)
		mustDo(t, s.CreateProject(userContext(fx.worker), draft))
		_, err := s.AppointReviewers(off, draft.ID, three)
		wantError(t, err, shequ.EConflict, "project.reviewers.state")

		p := fx.openProject(t)
		for _, c := range []struct {
			name string
			ids  []string
			key  string
		}{
			{"two", three[:2], "project.reviewers.few"},
			{"three naming one twice", []string{three[0], three[1], three[0]}, "project.reviewers.few"},
			{"a malformed id", append(slices.Clone(three), "not-an-id"), "project.reviewer.invalid"},
			{"an unknown account", append(slices.Clone(three), newUUID7()), "project.reviewer.invalid"},
			{"a resident", append(slices.Clone(three), fx.res1.ID), "project.reviewer.invalid"},
			{"a worker of another community", append(slices.Clone(three), elsewhere.ID), "project.reviewer.invalid"},
			{"a disabled account", append(slices.Clone(three), disabled.ID), "project.reviewer.invalid"},
		} {
			_, err := s.AppointReviewers(off, p.ID, c.ids)
			if f, k := fieldOf(err); f != "reviewers" || k != c.key {
				t.Errorf("%s: %q %q (%v), want reviewers %q", c.name, f, k, err, c.key)
			}
		}
		if got := must(s.FindProjectByID(off, p.ID))(t); len(got.Reviewers) != 0 {
			t.Fatalf("refused appointments left reviewers %v", got.Reviewers)
		}
		for _, u := range fx.rev {
			if slices.Contains(kindsOf(t, db, u), "reviewer_appointed") {
				t.Fatalf("%s told of a refused appointment", u.Username)
			}
		}
		// Open: three are appointed and told; in review: a fourth (sw1, a
		// social worker of the county) joins them.
		got := must(s.AppointReviewers(off, p.ID, three))(t)
		if len(got.Reviewers) != 3 {
			t.Fatalf("reviewers = %v", got.Reviewers)
		}
		for _, u := range fx.rev {
			if !slices.Contains(kindsOf(t, db, u), "reviewer_appointed") {
				t.Errorf("%s not told of the appointment: %q", u.Username, kindsOf(t, db, u))
			}
		}
		mustDo(t, s.SubmitBid(userContext(fx.om2), aBid(p.ID, fx.org2, fx.w2, 1_000_000)))
		fx.clock.Add(8 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
		four := append(slices.Clone(three), fx.sw1.ID)
		if got := must(s.AppointReviewers(off, p.ID, four))(t); len(got.Reviewers) != 4 {
			t.Fatalf("reviewers in review = %v", got.Reviewers)
		}
		if got := must(s.FindProjectByID(off, p.ID))(t); !slices.Equal(got.Reviewers, func() []string { slices.Sort(four); return four }()) {
			t.Fatalf("stored reviewers = %v, want %v", got.Reviewers, four)
		}
	})
}

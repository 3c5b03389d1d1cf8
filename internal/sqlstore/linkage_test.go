package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

// testClock is a workflow clock that tests move forward.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *testClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// linkFx is the cast of the chain: residents, a community worker, an
// official, two organizations with their keepers and social workers, and
// reviewers, all in 安吉县.
type linkFx struct {
	db     *DB
	s      *LinkageService
	clock  *testClock
	orgs   *OrgService
	wks    *SocialWorkerService
	res1   *shequ.User // raises the need
	res2   *shequ.User // supports it
	worker *shequ.User
	off    *shequ.User
	om1    *shequ.User // keeps org1
	om2    *shequ.User // keeps org2
	sw1    *shequ.User // social worker of org1
	rev    []*shequ.User
	org1   *shequ.SocialOrg
	org2   *shequ.SocialOrg
	w1, w2 *shequ.SocialWorker
}

func newLinkFx(t *testing.T, db *DB) *linkFx {
	t.Helper()
	mustImport(t, db, divisionsOf(fixture...))
	fx := &linkFx{db: db, s: NewLinkageService(db), clock: newTestClock(testNow),
		orgs: NewOrgService(db, testSealer(t)), wks: NewSocialWorkerService(db, testSealer(t))}
	fx.s.Now = fx.clock.Now
	fx.res1 = mustCreateUser(t, db, "res1", shequ.RoleResident, tiaoxiu)
	fx.res2 = mustCreateUser(t, db, "res2", shequ.RoleResident, tiaoxiu)
	fx.worker = mustCreateUser(t, db, "worker1", shequ.RoleCommunityWorker, tiaoxiu)
	fx.off = mustCreateUser(t, db, "official1", shequ.RoleOfficial, "330523")
	fx.om1 = mustCreateUser(t, db, "om1", shequ.RoleOrgMember, "330523")
	fx.om2 = mustCreateUser(t, db, "om2", shequ.RoleOrgMember, "330523")
	fx.sw1 = mustCreateUser(t, db, "sw1", shequ.RoleSocialWorker, "330523")
	for i := range 3 {
		fx.rev = append(fx.rev, mustCreateUser(t, db, fmt.Sprintf("rev%d", i), shequ.RoleCommunityWorker, dipu))
	}
	fx.org1 = anOrg("苕秀为老服务社", tiaoxiu)
	fx.org1.Kind, fx.org1.OwnerUserIDs = shequ.OrgElderlyCare, []string{fx.om1.ID}
	mustCreateOrg(t, fx.orgs, fx.org1)
	fx.org2 = anOrg("递铺公益协会", kangshan)
	fx.org2.Kind, fx.org2.OwnerUserIDs = shequ.OrgCharity, []string{fx.om2.ID}
	mustCreateOrg(t, fx.orgs, fx.org2)
	fx.w1 = fx.orgWorker(t, "李社工", fx.org1, 901, shequ.QualSocial)
	fx.w1.UserID = fx.sw1.ID
	if err := fx.wks.UpdateWorker(cliContext(), fx.w1); err != nil {
		t.Fatal(err)
	}
	fx.w2 = fx.orgWorker(t, "王社工", fx.org2, 902, shequ.QualAssistant)
	return fx
}

// orgWorker creates a social worker employed by org.
func (fx *linkFx) orgWorker(t *testing.T, name string, org *shequ.SocialOrg, n int, q shequ.Qualification) *shequ.SocialWorker {
	t.Helper()
	w := aWorker(name, org.Community, n)
	w.EmployerKind, w.EmployerOrgID, w.Qualification = shequ.EmployerOrg, org.ID, q
	if q.Certified() {
		w.CertNumber, w.CertYear = fmt.Sprintf("S%06d", n), 2020
	}
	return mustCreateWorker(t, fx.wks, w)
}

// aProject is a valid project design of tiaoxiu from needs, its call
// closing in a week and its period starting in ten days.
func (fx *linkFx) aProject(needs ...string) *shequ.Project {
	now := fx.clock.Now()
	start := *dayOf(ptr(now.AddDate(0, 0, 10)))
	return &shequ.Project{Community: tiaoxiu, Title: "银龄陪伴计划", TargetGroup: "独居老人", Objectives: "每周上门探访，开展健康讲座",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureParticipants, Target: 30}, {Measure: shequ.MeasureActivities, Target: 2}},
		BudgetFen:  5_000_000, PeriodStart: start, PeriodEnd: start.AddDate(0, 3, 0), BidDeadline: now.AddDate(0, 0, 7),
		RequireCertified: true, NeedIDs: needs,
		Milestones: []shequ.Milestone{{Name: "中期", Due: start.AddDate(0, 1, 0), Measure: shequ.MeasureParticipants, Target: 10}}}
}

// aBid is a valid bid of org with its worker.
func aBid(projectID string, org *shequ.SocialOrg, w *shequ.SocialWorker, price int64) *shequ.Bid {
	return &shequ.Bid{ProjectID: projectID, OrgID: org.ID, Plan: "每周两次上门探访，每月一次健康讲座。", PriceFen: price,
		Team: []string{w.ID}, Experience: "三年为老服务经验"}
}

// scores gives every default criterion the same share of its weight.
func scores(pct int) map[string]int {
	out := map[string]int{}
	for _, c := range shequ.DefaultCriteria() {
		out[c.Key] = c.Weight * pct / 100
	}
	return out
}

// must returns v, failing the test given to the result on err:
// must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// acceptedNeed raises a need as res1 and has the worker accept it.
func (fx *linkFx) acceptedNeed(t *testing.T, title string) *shequ.Need {
	t.Helper()
	n := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedElderly, Title: title, Description: "希望有人定期上门陪伴聊天"}
	mustDo(t, fx.s.CreateNeed(userContext(fx.res1), n))
	return must(fx.s.TransitionNeed(userContext(fx.worker), n.ID, shequ.NeedTransition{To: shequ.NeedAccepted}))(t)
}

// openProject designs, approves and opens a project from a fresh need.
func (fx *linkFx) openProject(t *testing.T) *shequ.Project {
	t.Helper()
	n := fx.acceptedNeed(t, fmt.Sprintf("独居老人陪伴%d", fx.clock.ns.Load()%1000))
	p := fx.aProject(n.ID)
	mustDo(t, fx.s.CreateProject(userContext(fx.worker), p))
	mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectApproved))
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectOpenForBids))
	return p
}

func (fx *linkFx) move(t *testing.T, u *shequ.User, p *shequ.Project, to shequ.ProjectStatus) error {
	t.Helper()
	got, err := fx.s.TransitionProject(userContext(u), p.ID, shequ.ProjectTransition{To: to})
	if err == nil {
		*p = *got
	}
	return err
}

// TestLinkageChain walks the whole chain through the store on both engines.
func TestLinkageChain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s := fx.s
		ctxRes1, ctxRes2 := userContext(fx.res1), userContext(fx.res2)

		need := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedElderly, Title: "独居老人需要陪伴", Description: "小区里独居老人多"}
		mustDo(t, s.CreateNeed(ctxRes1, need))
		if need.Channel != shequ.NeedOnline || need.Status != shequ.NeedSubmitted {
			t.Fatalf("need = %+v", need)
		}
		similar := must(s.SimilarNeeds(ctxRes2, tiaoxiu, "老人陪伴", 5))(t)
		if len(similar) != 1 || similar[0].ID != need.ID {
			t.Fatalf("similar = %v", similar)
		}
		got := must(s.SupportNeed(ctxRes2, need.ID))(t)
		if got.Supports != 1 {
			t.Fatalf("supports = %d", got.Supports)
		}
		_, err := s.SupportNeed(ctxRes2, need.ID)
		wantError(t, err, shequ.EConflict, "need.support.duplicate")
		_, err = s.SupportNeed(ctxRes1, need.ID)
		wantError(t, err, shequ.EConflict, "need.support.own")
		mustDo(t, func() error {
			_, err := s.TransitionNeed(userContext(fx.worker), need.ID, shequ.NeedTransition{To: shequ.NeedAccepted})
			return err
		}())

		p := fx.aProject(need.ID)
		mustDo(t, s.CreateProject(userContext(fx.worker), p))
		if n := must(s.FindNeedByID(ctxRes1, need.ID))(t); n.Status != shequ.NeedPlanned || n.ProjectID != p.ID {
			t.Fatalf("need after design = %+v", n)
		}
		// Residents do not see a draft.
		_, err = s.FindProjectByID(ctxRes1, p.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		mustDo(t, fx.move(t, fx.worker, p, shequ.ProjectUnderReview))
		// The designer cannot approve, and a skipped step is a conflict
		// naming the current state and the allowed ones.
		wantError(t, fx.move(t, fx.worker, p, shequ.ProjectApproved), shequ.EForbidden, "error.forbidden")
		err = fx.move(t, fx.off, p, shequ.ProjectOpenForBids)
		wantError(t, err, shequ.EConflict, "transition.illegal")
		if d := shequ.AsError(err).Data; fmt.Sprint(d["From"]) != "under_review" || fmt.Sprint(d["Allowed"]) != "returned, approved, cancelled" {
			t.Errorf("illegal transition data = %v", d)
		}
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectApproved))
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectOpenForBids))
		if pub := must(s.PublicProject(context.Background(), p.ID))(t); pub.Title != p.Title || len(pub.Milestones) != 1 ||
			!pub.Milestones[0].Due.Equal(p.Milestones[0].Due) || pub.Milestones[0].Name != "中期" {
			t.Fatalf("public = %+v", pub)
		}

		if ns := must(s.ProjectNeeds(context.Background(), p.ID))(t); len(ns) != 1 || ns[0].ID != need.ID || ns[0].AuthorID != "" {
			t.Errorf("public needs of the project = %+v", ns)
		}
		b1 := aBid(p.ID, fx.org1, fx.w1, 4_800_000)
		mustDo(t, s.SubmitBid(userContext(fx.om1), b1))
		b2 := aBid(p.ID, fx.org2, fx.w2, 4_500_000)
		mustDo(t, s.SubmitBid(userContext(fx.om2), b2))
		// Not the keeper of org1; a price above the budget.
		wantError(t, s.SubmitBid(userContext(fx.om2), aBid(p.ID, fx.org1, fx.w1, 100)), shequ.EInvalid, "error.invalid_fields")
		over := aBid(p.ID, fx.org2, fx.w2, p.BudgetFen+1)
		if f, k := fieldOf(s.SubmitBid(userContext(fx.om2), over)); f != "price" || k != "bid.price.invalid" {
			t.Errorf("over budget: %s %s", f, k)
		}
		// An org_member sees their own bid only.
		if bids := must(s.FindBids(userContext(fx.om1), p.ID))(t); len(bids) != 1 || bids[0].ID != b1.ID {
			t.Errorf("own bids = %v", bids)
		}
		reviewers := []string{fx.rev[0].ID, fx.rev[1].ID, fx.sw1.ID}
		p = must(s.AppointReviewers(userContext(fx.off), p.ID, reviewers))(t)

		wantError(t, fx.move(t, fx.off, p, shequ.ProjectBidReview), shequ.EConflict, "project.deadline.not_passed")
		fx.clock.Add(8 * 24 * time.Hour)
		wantError(t, s.SubmitBid(userContext(fx.om1), aBid(p.ID, fx.org1, fx.w1, 1)), shequ.EConflict, "bid.closed")
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))

		// sw1 works for org1: a conflict of interest, refused and recorded.
		err = s.SubmitReview(userContext(fx.sw1), &shequ.Review{ProjectID: p.ID, BidID: b1.ID, Scores: scores(90)})
		wantError(t, err, shequ.EConflict, "review.conflict")
		if ev := must(s.Timeline(cliContext(), objBid, b1.ID))(t); ev[len(ev)-1].Action != "review.conflict_of_interest" {
			t.Errorf("conflict not on the timeline: %+v", ev[len(ev)-1])
		}
		for i, r := range fx.rev[:2] {
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b1.ID, Scores: scores(90 - i)}))
			mustDo(t, s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(70)}))
		}
		mustDo(t, s.SubmitReview(userContext(fx.sw1), &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: scores(75)}))
		bad := &shequ.Review{ProjectID: p.ID, BidID: b2.ID, Scores: map[string]int{"plan": 41}}
		if f, k := fieldOf(s.SubmitReview(userContext(fx.rev[0]), bad)); f != "scores.plan" || k != "review.score.invalid" {
			t.Errorf("bad score: %s %s", f, k)
		}
		ranking := must(s.Ranking(userContext(fx.off), p.ID))(t)
		if len(ranking) != 2 || ranking[0].BidID != b1.ID {
			t.Fatalf("ranking = %+v", ranking)
		}

		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		if p.WinnerBidID != b1.ID || p.ObjectionEnds == nil {
			t.Fatalf("awarded = %+v", p)
		}
		wantError(t, fx.move(t, fx.off, p, shequ.ProjectInProgress), shequ.EConflict, "project.objection_period.running")
		obj := must(s.LodgeObjection(ctxRes2, p.ID, "中标机构人员不足，请核实"))(t)
		fx.clock.Add(10 * 24 * time.Hour)
		wantError(t, fx.move(t, fx.off, p, shequ.ProjectInProgress), shequ.EConflict, "project.objections_open")
		_, err = s.LodgeObjection(ctxRes2, p.ID, "公示期已过的异议")
		wantError(t, err, shequ.EConflict, "objection.closed")
		must(s.AnswerObjection(userContext(fx.off), obj.ID, "经核实，团队配置符合要求"))(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectInProgress))

		// res1 takes part (through their register entry), res2 does not.
		act := &shequ.Activity{ProjectID: p.ID, Date: *dayOf(ptr(fx.clock.Now())), Place: "苕秀社区活动室",
			Content: "健康讲座", Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 20,
			ResidentIDs: []string{fx.residentOf(t, fx.res1, 1).ID}}
		mustDo(t, s.RecordActivity(userContext(fx.sw1), act))
		wantError(t, s.RecordActivity(userContext(fx.om2), &shequ.Activity{ProjectID: p.ID}), shequ.EForbidden, "activity.not_team")
		act2 := *act
		act2.Participants = 15
		mustDo(t, s.RecordActivity(userContext(fx.om1), &act2))
		// Photos of the activity: the winning team adds them, others may not.
		png := []byte("\x89PNG\r\n\x1a\nfake image body")
		mustDo(t, s.AddPhoto(userContext(fx.sw1), &shequ.LinkagePhoto{ObjectType: objActivity, ObjectID: act.ID, Data: png}))
		wantError(t, s.AddPhoto(userContext(fx.om2), &shequ.LinkagePhoto{ObjectType: objActivity, ObjectID: act.ID, Data: png}),
			shequ.EForbidden, "activity.not_team")
		if ph := must(s.FindPhotos(ctxRes1, objActivity, act.ID))(t); len(ph) != 1 || ph[0].ContentType != "image/png" || string(ph[0].Data) != string(png) {
			t.Errorf("activity photos = %v", ph)
		}
		acts := must(s.FindActivities(ctxRes1, p.ID))(t)
		prog := shequ.ComputeProgress(p, acts)
		if prog[0].Achieved != 35 || !prog[0].Met() || prog[1].Achieved != 2 {
			t.Errorf("progress = %+v", prog)
		}

		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectFinalEvaluation))
		wantError(t, fx.move(t, fx.off, p, shequ.ProjectClosed), shequ.EConflict, "project.evaluation.incomplete")
		wantError(t, s.SubmitEvaluation(ctxRes2, &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5}),
			shequ.EForbidden, "evaluation.not_participant")
		mustDo(t, s.SubmitEvaluation(ctxRes1, &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5, Comment: "很满意"}))
		wantError(t, s.SubmitEvaluation(ctxRes1, &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 4}),
			shequ.EConflict, "evaluation.duplicate")
		mustDo(t, s.SubmitEvaluation(userContext(fx.worker), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalCommunity, Score: 90}))
		mustDo(t, s.SubmitEvaluation(userContext(fx.off), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalThirdParty, Score: 85, Assessor: "湖州社会工作评估中心"}))
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectClosed))

		n := must(s.FindNeedByID(ctxRes1, need.ID))(t)
		if n.Status != shequ.NeedFulfilled {
			t.Fatalf("need = %s", n.Status)
		}
		for _, u := range []*shequ.User{fx.res1, fx.res2} {
			notes, unread := must2(t)(s.FindNotifications(userContext(u), 50))
			if unread == 0 || notes[0].Kind != "need_fulfilled" {
				t.Errorf("%s notifications = %d unread, first %+v", u.Username, unread, notes[0])
			}
		}
		var outbox int
		mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM notification_outbox`).Scan(&outbox))
		if outbox == 0 {
			t.Error("no outbox rows")
		}
		tl := must(s.Timeline(ctxRes1, objProject, p.ID))(t)
		if len(tl) < 10 || tl[0].Action != auditProjectCreate {
			t.Errorf("project timeline has %d events, first %+v", len(tl), tl[0])
		}
		if n := auditCount(t, db, auditProjectTransition, shequ.AuditAllowed, p.ID); n != 8 {
			t.Errorf("project transitions audited = %d, want 8", n)
		}

		// The indicator module sums the chain: one need raised, accepted,
		// supported once and fulfilled; one project of 50,000.00 yuan made
		// the same day (median in the first bucket, ≤ 7 days); one rating
		// of 5.
		src := NewIndicatorSource(db)
		eng := indicator.New(src, NewTargetService(db), indicator.LinkageModule(src))
		mustDo(t, eng.Load(t.Context()))
		official := asActor(shequ.RoleOfficial, "330523")
		f := must(eng.IndicatorReport(official, "330523"))(t).Stats.Linkage
		if f.NeedsRaised != 1 || f.NeedsAccepted != 1 || f.NeedsFulfilled != 1 || f.Supports != 1 || f.FulfilmentRate() != 1 ||
			f.Projects != 1 || f.BudgetFen != 5_000_000 || f.Ratings != 1 || f.Satisfaction() != 1 || f.MeanRating() != 5 ||
			f.NeedsToProject != 1 || f.MedianDays() != 7 || f.ProjectsByCategory[shequ.NeedElderly] != 1 ||
			f.NeedsByCategory[shequ.NeedElderly] != 1 || f.BudgetByCategory[shequ.NeedElderly] != 5_000_000 {
			t.Errorf("linkage figures = %+v", f)
		}
		// A new need in another community refreshes that community alone.
		mustDo(t, s.CreateNeed(userContext(fx.worker), &shequ.Need{Community: tiaoxiu, Category: shequ.NeedHealth, Title: "社区义诊"}))
		mustDo(t, eng.Refresh(t.Context(), tiaoxiu))
		f = must(eng.IndicatorReport(official, "330523"))(t).Stats.Linkage
		if f.NeedsRaised != 2 || f.NeedsByCategory[shequ.NeedHealth] != 1 || f.FulfilmentRate() != 1 {
			t.Errorf("after refresh = %+v", f)
		}
	})
}

// must2 is must for a pair of results.
func must2(t *testing.T) func([]*shequ.Notification, int, error) ([]*shequ.Notification, int) {
	return func(n []*shequ.Notification, c int, err error) ([]*shequ.Notification, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n, c
	}
}

// TestNeedWorkflow covers the decisions on a need and their errors.
func TestNeedWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		s, w := fx.s, userContext(fx.worker)
		bad := &shequ.Need{Community: "3305", Category: "food", Title: "x"}
		err := s.CreateNeed(userContext(fx.res1), bad)
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		if n := len(shequ.AsError(err).Fields); n != 3 {
			t.Errorf("field errors = %v", shequ.AsError(err).Fields)
		}
		// A resident cannot raise a need for another community.
		err = s.CreateNeed(userContext(fx.res1), &shequ.Need{Community: kangshan, Category: shequ.NeedHealth, Title: "义诊"})
		wantError(t, err, shequ.ENotFound, "error.not_found")

		a := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedEnvironment, Title: "垃圾分类亭太少"}
		b := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedEnvironment, Title: "增加垃圾分类亭"}
		mustDo(t, s.CreateNeed(userContext(fx.res1), a))
		mustDo(t, s.CreateNeed(userContext(fx.res2), b))
		_, err = s.TransitionNeed(w, a.ID, shequ.NeedTransition{To: shequ.NeedRejected})
		if f, k := fieldOf(err); f != "reason" || k != "need.reason.required" {
			t.Errorf("reject without reason: %s %s", f, k)
		}
		_, err = s.TransitionNeed(w, a.ID, shequ.NeedTransition{To: shequ.NeedFulfilled})
		if f, k := fieldOf(err); f != "to" || k != "need.to.invalid" {
			t.Errorf("to fulfilled: %s %s", f, k)
		}
		_, err = s.TransitionNeed(userContext(fx.res1), a.ID, shequ.NeedTransition{To: shequ.NeedAccepted})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		_, err = s.TransitionNeed(w, a.ID, shequ.NeedTransition{To: shequ.NeedMerged, Into: a.ID})
		if f, k := fieldOf(err); f != "into" || k != "need.into.invalid" {
			t.Errorf("merge into itself: %s %s", f, k)
		}
		// Merge a into b: a's author becomes a supporter of b.
		must(s.TransitionNeed(w, a.ID, shequ.NeedTransition{To: shequ.NeedMerged, Into: b.ID}))(t)
		if got := must(s.FindNeedByID(w, b.ID))(t); got.Supports != 1 {
			t.Errorf("supports after merge = %d", got.Supports)
		}
		_, err = s.TransitionNeed(w, a.ID, shequ.NeedTransition{To: shequ.NeedAccepted})
		wantError(t, err, shequ.EConflict, "transition.illegal")
		_, err = s.SupportNeed(userContext(fx.res2), a.ID)
		wantError(t, err, shequ.EConflict, "need.support.closed")
		rej := must(s.TransitionNeed(w, b.ID, shequ.NeedTransition{To: shequ.NeedRejected, Reason: "已列入市政计划"}))(t)
		if rej.Reason != "已列入市政计划" {
			t.Errorf("reason = %q", rej.Reason)
		}
		notes, _ := must2(t)(s.FindNotifications(userContext(fx.res2), 10))
		if len(notes) != 1 || notes[0].Kind != "need_rejected" {
			t.Errorf("author notifications = %+v", notes)
		}
		// Photos of a need: its author and the workers; images only.
		png := []byte("\x89PNG\r\n\x1a\nfake image body")
		mustDo(t, s.AddPhoto(userContext(fx.res2), &shequ.LinkagePhoto{ObjectType: objNeed, ObjectID: b.ID, Data: png}))
		mustDo(t, s.AddPhoto(w, &shequ.LinkagePhoto{ObjectType: objNeed, ObjectID: b.ID, Data: png}))
		wantError(t, s.AddPhoto(userContext(fx.res1), &shequ.LinkagePhoto{ObjectType: objNeed, ObjectID: b.ID, Data: png}),
			shequ.EForbidden, "error.forbidden")
		if f, k := fieldOf(s.AddPhoto(w, &shequ.LinkagePhoto{ObjectType: objNeed, ObjectID: b.ID, Data: []byte("GIF89a")})); f != "photo" || k != "facility.photo.type" {
			t.Errorf("not an image: %s %s", f, k)
		}
		if ph := must(s.FindPhotos(userContext(fx.res1), objNeed, b.ID))(t); len(ph) != 2 {
			t.Errorf("need photos = %d", len(ph))
		}
		heat := must(s.NeedHeat(w, tiaoxiu))(t)
		if len(heat) != len(shequ.NeedCategories) {
			t.Errorf("heat = %+v", heat)
		}
		list, total := must2n(t)(s.FindNeeds(w, shequ.NeedFilter{Community: tiaoxiu}))
		if total != 2 || len(list) != 2 {
			t.Errorf("list = %d of %d", len(list), total)
		}
	})
}

func must2n(t *testing.T) func([]*shequ.Need, int, error) ([]*shequ.Need, int) {
	return func(n []*shequ.Need, c int, err error) ([]*shequ.Need, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n, c
	}
}

// TestConcurrentSupports: 50 residents support one need at once; all count.
func TestConcurrentSupports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		n := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedHealth, Title: "社区需要义诊"}
		mustDo(t, fx.s.CreateNeed(userContext(fx.res1), n))
		var users []*shequ.User
		for i := range 50 {
			users = append(users, mustCreateUser(t, db, fmt.Sprintf("fan%02d", i), shequ.RoleResident, tiaoxiu))
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(users))
		for _, u := range users {
			wg.Go(func() {
				_, err := fx.s.SupportNeed(userContext(u), n.ID)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		got := must(fx.s.FindNeedByID(userContext(fx.worker), n.ID))(t)
		var rows int
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM need_supports WHERE need_id = ?`), n.ID).Scan(&rows))
		if got.Supports != 50 || rows != 50 {
			t.Errorf("supports = %d, rows = %d, want 50", got.Supports, rows)
		}
	})
}

// TestBidsRacingDeadline: organizations bid while the clock crosses the
// deadline; each bid is stored whole before it or refused after it.
func TestBidsRacingDeadline(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		p := fx.openProject(t)
		const n = 16
		type bidder struct {
			org *shequ.SocialOrg
			w   *shequ.SocialWorker
			u   *shequ.User
		}
		var bs []bidder
		for i := range n {
			u := mustCreateUser(t, db, fmt.Sprintf("bidder%02d", i), shequ.RoleOrgMember, "330523")
			o := anOrg(fmt.Sprintf("竞标机构%02d", i), tiaoxiu)
			o.OwnerUserIDs = []string{u.ID}
			mustCreateOrg(t, fx.orgs, o)
			bs = append(bs, bidder{o, fx.orgWorker(t, fmt.Sprintf("社工%02d", i), o, 700+i, shequ.QualSocial), u})
		}
		// Every reading of the clock moves it a minute on; the deadline
		// falls about halfway through the bids.
		base := p.BidDeadline.Add(-n / 2 * time.Minute)
		var ticks atomic.Int64
		fx.s.Now = func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Minute) }
		var wg sync.WaitGroup
		results := make([]error, n)
		for i, b := range bs {
			wg.Go(func() { results[i] = fx.s.SubmitBid(userContext(b.u), aBid(p.ID, b.org, b.w, 1_000_000)) })
		}
		wg.Wait()
		stored, refused := 0, 0
		for i, b := range bs {
			var bids, team, audits int
			mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM bids WHERE project_id = ? AND org_id = ?`), p.ID, b.org.ID).Scan(&bids))
			mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM bid_team t JOIN bids x ON x.id = t.bid_id
				WHERE x.project_id = ? AND x.org_id = ?`), p.ID, b.org.ID).Scan(&team))
			mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ? AND result = 'allowed'`),
				auditBidSubmit, b.u.ID).Scan(&audits))
			switch err := results[i]; {
			case err == nil:
				stored++
				if bids != 1 || team != 1 || audits != 1 {
					t.Errorf("bid %d stored half: bids %d team %d audit %d", i, bids, team, audits)
				}
			case shequ.AsError(err).Key == "bid.closed":
				refused++
				if bids != 0 || team != 0 || audits != 0 {
					t.Errorf("bid %d refused but left bids %d team %d audit %d", i, bids, team, audits)
				}
			default:
				t.Errorf("bid %d: %v", i, err)
			}
		}
		var late int
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM bids WHERE project_id = ? AND submitted_at >= ?`),
			p.ID, db.dialect.timeArg(p.BidDeadline)).Scan(&late))
		t.Logf("%d bids stored before the deadline, %d refused after it", stored, refused)
		if late != 0 || stored == 0 || refused == 0 || stored+refused != n {
			t.Errorf("stored %d, refused %d, late %d", stored, refused, late)
		}
	})
}

// TestConcurrentReviews: two reviewers scoring at once both count.
func TestConcurrentReviews(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		p := fx.openProject(t)
		b := aBid(p.ID, fx.org2, fx.w2, 1_000_000)
		mustDo(t, fx.s.SubmitBid(userContext(fx.om2), b))
		must(fx.s.AppointReviewers(userContext(fx.off), p.ID, []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}))(t)
		fx.clock.Add(8 * 24 * time.Hour)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				errs[i] = fx.s.SubmitReview(userContext(fx.rev[i]), &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores(80)})
			})
		}
		wg.Wait()
		for _, err := range errs {
			mustDo(t, err)
		}
		rank := must(fx.s.Ranking(userContext(fx.off), p.ID))(t)
		if len(rank) != 1 || rank[0].Reviewers != 2 {
			t.Errorf("ranking = %+v", rank)
		}
	})
}

package sqlstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"shequ"
)

// The 三社联动 rows of the authorization matrix (issue 5): residents raise,
// support and rate; community workers manage needs, design projects, score
// when appointed and give the community's score; officials approve, run the
// call and record the third party's score; organizations bid and, when they
// win, record activities. Out of scope is not found for everyone.
func init() { authzOps = append(authzOps, authzLinkageOps...) }

// linkAuthz is the linkage part of an authorization fixture.
type linkAuthz struct {
	s               *LinkageService
	clock           *testClock
	needIn, needOut *shequ.Need
	projIn, projOut *shequ.Project
	wOwn, wOut      *shequ.SocialWorker // workers of the org_member's organization and of the out one
	outRevs         []string            // reviewers of out-of-scope projects
	reviewers       map[string][]string // community → reviewer ids
	orgs            map[string]*shequ.SocialOrg
	workers         map[string]*shequ.SocialWorker
	participants    map[string][]string // community → residents recorded on the activity of each project
}

var (
	linkAuthzMu sync.Mutex
	linkAuthzOf = map[*authzFixture]*linkAuthz{}
)

// link returns the linkage fixture, seeding it on first use.
func (fx *authzFixture) link(t *testing.T) *linkAuthz {
	t.Helper()
	linkAuthzMu.Lock()
	defer linkAuthzMu.Unlock()
	if l := linkAuthzOf[fx]; l != nil {
		return l
	}
	l := &linkAuthz{s: NewLinkageService(fx.db), clock: newTestClock(testNow)}
	l.s.Now = l.clock.Now
	t.Cleanup(func() { linkAuthzMu.Lock(); delete(linkAuthzOf, fx); linkAuthzMu.Unlock() })
	workerOf := func(o *shequ.SocialOrg) *shequ.SocialWorker {
		w := fx.freshWorker(o.Community)
		w.EmployerKind, w.EmployerOrgID = shequ.EmployerOrg, o.ID
		return mustCreateWorker(t, fx.workers, w)
	}
	l.wOwn, l.wOut = workerOf(fx.orgOwn), workerOf(fx.orgOut)
	for i := range 3 {
		u := mustCreateUser(t, fx.db, fmt.Sprintf("outrev%d", i), shequ.RoleCommunityWorker, "33")
		l.outRevs = append(l.outRevs, u.ID)
	}
	l.reviewers = map[string][]string{
		authzInCommunity:    {fx.actors[shequ.RoleCommunityWorker].ID, fx.actors[shequ.RoleOfficial].ID, fx.actors[shequ.RoleSocialWorker].ID},
		authzOtherCommunity: l.outRevs,
	}
	l.orgs = map[string]*shequ.SocialOrg{authzInCommunity: fx.orgOwn, authzOtherCommunity: fx.orgOut}
	l.workers = map[string]*shequ.SocialWorker{authzInCommunity: l.wOwn, authzOtherCommunity: l.wOut}
	// The resident actor (linked to fx.own) takes part in the activities
	// of in-scope projects, so that they may rate them.
	l.participants = map[string][]string{authzInCommunity: {fx.own.ID}}
	linkAuthzOf[fx] = l
	l.needIn, l.needOut = l.need(t, authzInCommunity, false), l.need(t, authzOtherCommunity, false)
	l.projIn, l.projOut = l.project(t, authzInCommunity, shequ.ProjectOpenForBids), l.project(t, authzOtherCommunity, shequ.ProjectOpenForBids)
	return l
}

// need records a need from the console, accepted when asked.
func (l *linkAuthz) need(t *testing.T, community string, accepted bool) *shequ.Need {
	t.Helper()
	n := &shequ.Need{Community: community, Category: shequ.NeedHealth, Title: "社区义诊服务", Channel: shequ.NeedVisit}
	mustDo(t, l.s.CreateNeed(cliContext(), n))
	if accepted {
		n = must(l.s.TransitionNeed(cliContext(), n.ID, shequ.NeedTransition{To: shequ.NeedAccepted}))(t)
	}
	return n
}

// design is a valid project of community from an accepted need, its call
// closing in an hour.
func (l *linkAuthz) design(t *testing.T, community string) *shequ.Project {
	t.Helper()
	now := l.clock.Now()
	start := *dayOf(ptr(now.AddDate(0, 0, 1)))
	return &shequ.Project{Community: community, Title: "健康义诊", TargetGroup: "老人", Objectives: "每月义诊",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureActivities, Target: 3}}, BudgetFen: 1_000_000,
		PeriodStart: start, PeriodEnd: start.AddDate(0, 6, 0), BidDeadline: now.Add(time.Hour),
		NeedIDs: []string{l.need(t, community, true).ID}}
}

// project drives a fresh project of community to status from the console.
func (l *linkAuthz) project(t *testing.T, community string, status shequ.ProjectStatus) *shequ.Project {
	t.Helper()
	cli := cliContext()
	p := l.design(t, community)
	mustDo(t, l.s.CreateProject(cli, p))
	step := func(to shequ.ProjectStatus) {
		t.Helper()
		p = must(l.s.TransitionProject(cli, p.ID, shequ.ProjectTransition{To: to}))(t)
	}
	for _, to := range []shequ.ProjectStatus{shequ.ProjectUnderReview, shequ.ProjectApproved, shequ.ProjectOpenForBids,
		shequ.ProjectBidReview, shequ.ProjectAwarded, shequ.ProjectInProgress, shequ.ProjectFinalEvaluation} {
		switch to {
		case shequ.ProjectBidReview:
			mustDo(t, l.s.SubmitBid(cli, aBid(p.ID, l.orgs[community], l.workers[community], 500_000)))
			must(l.s.AppointReviewers(cli, p.ID, l.reviewers[community]))(t)
			l.clock.Add(2 * time.Hour)
		case shequ.ProjectAwarded:
			b := must(l.s.FindBids(cli, p.ID))(t)[0]
			mustDo(t, l.s.SubmitReview(cli, &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores(80)}))
		case shequ.ProjectInProgress:
			l.clock.Add(10 * 24 * time.Hour)
		case shequ.ProjectFinalEvaluation:
			mustDo(t, l.s.RecordActivity(cli, &shequ.Activity{ProjectID: p.ID, Date: *dayOf(ptr(l.clock.Now())), Place: "活动室",
				Content: "义诊活动", Functions: []shequ.ServiceFunction{shequ.FuncResources}, Participants: 12,
				ResidentIDs: l.participants[community]}))
		}
		if p.Status == status {
			break
		}
		step(to)
		if to == status {
			break
		}
	}
	return p
}

// projectFor picks the community of a column and drives a fresh project.
func (c *authzCase) project(status shequ.ProjectStatus) *shequ.Project {
	return c.fx.link(c.t).project(c.t, communityFor(c.col), status)
}

var authzLinkageOps = []authzOp{
	{
		name: "need.read", action: shequ.ActionNeedRead, cols: inOut,
		want: perRole{"AN", "AN", "AN", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			want := l.needIn
			if c.col == colOut {
				want = l.needOut
			}
			_, err := l.s.FindNeedByID(c.ctx, want.ID)
			return err
		},
	},
	{
		name: "need.raise", action: shequ.ActionNeedRaise, write: true, cols: inOut,
		want: perRole{"AN", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.link(c.t).s.CreateNeed(c.ctx, &shequ.Need{Community: communityFor(c.col), Category: shequ.NeedOther,
				Title: fmt.Sprintf("需求%d", c.fx.next()), Channel: shequ.NeedFrontDesk})
		},
	},
	{
		name: "need.manage", action: shequ.ActionNeedManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			n := l.need(c.t, communityFor(c.col), false)
			_, err := l.s.TransitionNeed(c.ctx, n.ID, shequ.NeedTransition{To: shequ.NeedAccepted})
			return err
		},
	},
	{
		name: "project.read", action: shequ.ActionProjectRead, cols: inOut,
		want: perRole{"AN", "AN", "AN", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := l.projIn
			if c.col == colOut {
				p = l.projOut
			}
			_, err := l.s.FindProjectByID(c.ctx, p.ID)
			return err
		},
	},
	{
		name: "project.design", action: shequ.ActionProjectDesign, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			return l.s.CreateProject(c.ctx, l.design(c.t, communityFor(c.col)))
		},
	},
	{
		// Editing a draft is design work of the community.
		name: "project.update", action: shequ.ActionProjectDesign, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := c.project(shequ.ProjectDraft)
			edit := l.design(c.t, p.Community)
			edit.ID, edit.NeedIDs, edit.Title = p.ID, nil, "健康义诊（修订）"
			return l.s.UpdateProject(c.ctx, edit)
		},
	},
	{
		name: "project.approve", action: shequ.ActionProjectApprove, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.project(shequ.ProjectUnderReview)
			_, err := c.fx.link(c.t).s.TransitionProject(c.ctx, p.ID, shequ.ProjectTransition{To: shequ.ProjectApproved})
			return err
		},
	},
	{
		// The org_member bids for the organization they keep.
		name: "bid.submit", action: shequ.ActionBidSubmit, write: true, cols: inOut,
		want: perRole{"FF", "FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := c.project(shequ.ProjectOpenForBids)
			return l.s.SubmitBid(c.ctx, aBid(p.ID, c.fx.orgOwn, l.wOwn, 400_000))
		},
	},
	{
		// The worker, official and social worker actors are the appointed
		// reviewers of in-scope calls.
		name: "review.score", action: shequ.ActionReviewScore, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := c.project(shequ.ProjectBidReview)
			b := must(l.s.FindBids(cliContext(), p.ID))(c.t)[0]
			return l.s.SubmitReview(c.ctx, &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores(60)})
		},
	},
	{
		// The org_member keeps the winning organization; the social worker
		// actor is not on its team (refused as not the team's).
		name: "activity.record", action: shequ.ActionActivityRecord, write: true, cols: inOut,
		want: perRole{"FF", "FF", "AN", "FN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := c.project(shequ.ProjectInProgress)
			return l.s.RecordActivity(c.ctx, &shequ.Activity{ProjectID: p.ID, Date: *dayOf(ptr(l.clock.Now())), Place: "活动室",
				Content: "义诊活动", Functions: []shequ.ServiceFunction{shequ.FuncResources}, Participants: 12})
		},
	},
	{
		name: "evaluate", action: shequ.ActionEvaluate, write: true, cols: inOut,
		want: perRole{"AN", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			l := c.fx.link(c.t)
			p := c.project(shequ.ProjectFinalEvaluation)
			e := &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 4}
			switch c.actor.Role {
			case shequ.RoleCommunityWorker:
				e.Kind, e.Score = shequ.EvalCommunity, 88
			case shequ.RoleOfficial:
				e.Kind, e.Score, e.Assessor = shequ.EvalThirdParty, 85, "评估中心"
			}
			return l.s.SubmitEvaluation(c.ctx, e)
		},
	},
}

package sqlstore

import (
	"fmt"
	"sync"
	"testing"

	"shequ"
)

// The care rows of the authorization matrix (issue 16). Role permissions
// are only the first gate: the community_worker actor is 儿童主任 of
// 苕秀社区 (the in column), the official actor 儿童督导员 of 递铺街道 above
// it; the social_worker actor holds no duty, so the register, alerts and
// cases it is not assigned to answer not found. Reports are open to every
// role but the three administrators, wherever the child lives.
func init() { authzOps = append(authzOps, authzCareOps...) }

// careAuthz is the care part of an authorization fixture.
type careAuthz struct {
	s                *CareService
	personIn, person *shequ.CarePerson
	persons          map[string]*shequ.CarePerson
	cases            map[string]*shequ.Case
	workers          map[string]*shequ.User // the assigned worker per community
	n                int
}

var (
	careAuthzMu sync.Mutex
	careAuthzOf = map[*authzFixture]*careAuthz{}
)

// care returns the care fixture, seeding it on first use.
func (fx *authzFixture) care(t *testing.T) *careAuthz {
	t.Helper()
	careAuthzMu.Lock()
	defer careAuthzMu.Unlock()
	if c := careAuthzOf[fx]; c != nil {
		return c
	}
	c := &careAuthz{s: NewCareService(fx.db, testSealer(t)), persons: map[string]*shequ.CarePerson{},
		cases: map[string]*shequ.Case{}, workers: map[string]*shequ.User{}}
	careAuthzOf[fx] = c
	t.Cleanup(func() { careAuthzMu.Lock(); delete(careAuthzOf, fx); careAuthzMu.Unlock() })
	cli := cliContext()
	// Referrals to a service item file requests (MZ-030, taken at the
	// window everywhere, a bank required).
	items := NewServiceItemService(fx.db)
	mustDo(t, items.SaveItems(cli, []*shequ.ServiceItem{testItem("MZ-030", 5)}))
	c.s.LinkRequests(NewRequestService(fx.db, items, testSealer(t)))
	must(c.s.AssignDuty(cli, fx.actors[shequ.RoleCommunityWorker].ID, shequ.DutyChildDirector, authzInCommunity))(t)
	must(c.s.AssignDuty(cli, fx.actors[shequ.RoleOfficial].ID, shequ.DutyChildSupervisor, authzInTownship))(t)
	c.workers[authzInCommunity] = fx.actors[shequ.RoleCommunityWorker]
	c.workers[authzOtherCommunity] = mustCreateUser(t, fx.db, "careworker-out", shequ.RoleCommunityWorker, authzOtherCommunity)
	for _, comm := range []string{authzInCommunity, authzOtherCommunity} {
		p := c.childOf(t, fx, comm)
		c.persons[comm] = p
		k := &shequ.Case{ResidentID: p.ResidentID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "关爱个案",
			WorkerID: c.workers[comm].ID}
		mustDo(t, c.s.OpenCase(cli, k))
		c.cases[comm] = k
	}
	return c
}

// childOf registers a fresh child of community in the care register from
// the console.
func (c *careAuthz) childOf(t *testing.T, fx *authzFixture, community string) *shequ.CarePerson {
	t.Helper()
	n := fx.next()
	r := mustCreateResident(t, fx.res, &shequ.Resident{Name: fmt.Sprintf("儿童%d", n), Community: community,
		IDNumber: shequ.IDNumber(idNumber(community[:6], fmt.Sprintf("2015%02d%02d", 1+n%12, 1+n%28), fmt.Sprintf("%03d", n%1000)))})
	p := &shequ.CarePerson{ResidentID: r.ID, Kind: shequ.CareChild, Reason: shequ.ReasonBothParentsAway, Risk: shequ.RiskLow,
		Guardian: shequ.Guardian{Name: "祖母", Relation: "祖母"}}
	mustDo(t, c.s.RegisterCarePerson(cliContext(), p))
	return p
}

// freshCase opens a case of community from the console, with an
// assessment approval waiting when pending is set.
func (c *careAuthz) freshCase(t *testing.T, fx *authzFixture, community string, pending bool) *shequ.Case {
	t.Helper()
	cli := cliContext()
	k := &shequ.Case{ResidentID: c.persons[community].ResidentID, Area: shequ.AreaCare, Origin: shequ.OriginCare,
		Summary: "新个案", WorkerID: c.workers[community].ID}
	mustDo(t, c.s.OpenCase(cli, k))
	if pending {
		must(c.s.MoveCase(cli, k.ID, shequ.CaseAssessment, ""))(t)
		must(c.s.RequestApproval(cli, k.ID, shequ.ApproveAssessment, "请审核"))(t)
	}
	return k
}

// freshAlert raises a fresh alert in community through a console report.
func (c *careAuthz) freshAlert(t *testing.T, community string) string {
	t.Helper()
	r := &shequ.CareReport{Community: community, ReporterKind: shequ.ReporterVillager, Where: "村口", Concern: shequ.ConcernNeglect,
		Details: "孩子无人照看"}
	mustDo(t, c.s.SubmitReport(cliContext(), r))
	return r.AlertID
}

// report is a valid report about a child of community.
func report(community string) *shequ.CareReport {
	return &shequ.CareReport{Community: community, ReporterKind: shequ.ReporterTeacher, Where: "学校门口",
		Concern: shequ.ConcernLivingAlone, Details: "孩子独自在家一周"}
}

var authzCareOps = []authzOp{
	{
		name: "care.read", action: shequ.ActionCareRead, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.care(c.t).persons[communityFor(c.col)]
			got, err := c.fx.care(c.t).s.FindCarePersonByID(c.ctx, p.ID)
			if err == nil && (got.ID != p.ID || got.Guardian.Name != "祖母") {
				return fmt.Errorf("read %+v", got)
			}
			return err
		},
	},
	{
		name: "care.write", action: shequ.ActionCareWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := *c.fx.care(c.t).persons[communityFor(c.col)]
			p.School = "递铺小学"
			_, err := c.fx.care(c.t).s.UpdateCarePerson(c.ctx, &p)
			return err
		},
	},
	{
		name: "care.visit", action: shequ.ActionCareVisit, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.care(c.t).persons[communityFor(c.col)]
			return c.fx.care(c.t).s.RecordVisit(c.ctx, &shequ.Visit{PersonID: p.ID, Date: testNow, Mode: shequ.VisitPhone,
				GuardianPresent: true, GuardianAble: true, AttendingSchool: true})
		},
	},
	{
		// Anyone may report a child in danger, wherever the child lives;
		// the administrators' accounts are not for this.
		name: "care.report", action: shequ.ActionCareReport, write: true, cols: inOut,
		want: perRole{"AA", "AA", "AA", "AA", "AA", "AA", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.care(c.t).s.SubmitReport(c.ctx, report(communityFor(c.col)))
		},
	},
	{
		name: "care.alert", action: shequ.ActionCareAlert, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			ca := c.fx.care(c.t)
			_, err := ca.s.AcknowledgeAlert(c.ctx, ca.freshAlert(c.t, communityFor(c.col)))
			return err
		},
	},
	{
		name: "care.duty", action: shequ.ActionCareDuty, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			comm := communityFor(c.col)
			u := mustCreateUser(c.t, c.fx.db, fmt.Sprintf("dutyholder%d", c.fx.next()), shequ.RoleCommunityWorker, comm)
			_, err := c.fx.care(c.t).s.AssignDuty(c.ctx, u.ID, shequ.DutyChildDirector, comm)
			return err
		},
	},
	{
		// A county's visit policy: the official over the county.
		name: "care.duty policy", action: shequ.ActionCareDuty, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.care(c.t).s.SetVisitPolicy(c.ctx, &shequ.VisitPolicy{County: communityFor(c.col)[:6],
				Low: 60, Medium: 30, High: 7, GraceDays: 5})
		},
	},
	{
		// The suggestions for care: the duty holders over the community.
		name: "care.write candidates", action: shequ.ActionCareWrite, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			_, err := c.fx.care(c.t).s.CareCandidates(c.ctx, communityFor(c.col))
			return err
		},
	},
	{
		// Need-to-know: the assigned worker and the township's supervisor;
		// a social worker not assigned answers not found.
		name: "case.read", action: shequ.ActionCaseRead, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			k := c.fx.care(c.t).cases[communityFor(c.col)]
			f, err := c.fx.care(c.t).s.FindCaseByID(c.ctx, k.ID)
			if err == nil && f.Case.Summary != "关爱个案" {
				return fmt.Errorf("read %+v", f.Case)
			}
			return err
		},
	},
	{
		name: "case.write", action: shequ.ActionCaseWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			k := c.fx.care(c.t).cases[communityFor(c.col)]
			_, err := c.fx.care(c.t).s.ScheduleAssessment(c.ctx, k.ID, testNow.AddDate(0, 1, 0))
			return err
		},
	},
	{
		// A referral to a catalogue service item files a request for the
		// person: the case's assigned worker only, who need not hold
		// request.submit (issue 16).
		name: "case.write referral to a service item", action: shequ.ActionCaseWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "NN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			k := c.fx.care(c.t).cases[communityFor(c.col)]
			r := &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: "MZ-030", Note: "请申请",
				Values: map[string][]string{"bank": {"农业银行"}}}
			err := c.fx.care(c.t).s.ReferCase(c.ctx, k.ID, r)
			if err == nil && r.RequestID == "" {
				return fmt.Errorf("no request filed: %+v", r)
			}
			return err
		},
	},
	{
		// An import names people by ID number: matched through the blind
		// index without the right to reveal, for those who may import the
		// care register and read the residents, in their area (issue 16).
		name: "resident.match for the care import", action: shequ.ActionResidentRead, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFF", "FFF", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.residentFor(c.t, c.col, false)
			got, err := c.fx.res.MatchResidentForImport(c.ctx, string(want.IDNumber), shequ.ActionCareWrite)
			if err == nil && (got.ID != want.ID || got.IDNumber == want.IDNumber) {
				return fmt.Errorf("match %+v", got)
			}
			return err
		},
	},
	{
		// The assigned worker may read the case but not approve its
		// requests: forbidden.
		name: "case.approve", action: shequ.ActionCaseApprove, write: true, cols: inOut,
		want: perRole{"FF", "FN", "FF", "NN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			ca := c.fx.care(c.t)
			k := ca.freshCase(c.t, c.fx, communityFor(c.col), true)
			got, err := ca.s.DecideApproval(c.ctx, k.ID, shequ.ApprovalDecision{Approve: true})
			if err == nil && got.Status != shequ.CasePlan {
				return fmt.Errorf("approved case in %s", got.Status)
			}
			return err
		},
	},
	{
		name: "case.break_glass", action: shequ.ActionCaseBreakGlass, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			k := c.fx.care(c.t).cases[communityFor(c.col)]
			_, err := c.fx.care(c.t).s.BreakGlassCase(c.ctx, k.ID, "核查投诉线索，需要查看个案记录")
			return err
		},
	},
	{
		// The receiving organization's keeper answers; the community
		// worker and the social worker are not the receiver.
		name: "referral.answer", action: shequ.ActionReferralAnswer, write: true, cols: inOut,
		want: perRole{"FF", "NN", "AN", "NN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			ca := c.fx.care(c.t)
			comm := communityFor(c.col)
			org := c.fx.orgOwn
			if c.col == colOut {
				org = c.fx.orgOut
			}
			k := ca.freshCase(c.t, c.fx, comm, false)
			r := &shequ.Referral{Target: shequ.ReferToOrg, OrgID: org.ID, Note: "请安排课后托管"}
			mustDo(c.t, ca.s.ReferCase(cliContext(), k.ID, r))
			_, err := ca.s.AnswerReferral(c.ctx, r.ID, shequ.ReferralAnswer{Accept: true})
			return err
		},
	},
	{
		name: "worklog.write", action: shequ.ActionWorkLog, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "AN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.care(c.t).s.RecordWorkLog(c.ctx, &shequ.WorkLog{Community: communityFor(c.col), Date: testNow,
				Method: shequ.MethodCommunity, Area: shequ.AreaParticipation, Function: shequ.FuncIntegration, Minutes: 60,
				Beneficiary: shequ.ForCommunity, Beneficiaries: 30})
		},
	},
	{
		// A person served without a case, by the whole name: the social
		// worker, in their area.
		name: "worklog.write people", action: shequ.ActionWorkLog, cols: inOut,
		want: perRole{"FF", "FF", "FF", "AN", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			_, err := c.fx.care(c.t).s.ServedPeople(c.ctx, communityFor(c.col), "王小明")
			return err
		},
	},
	{
		name: "worklog.supervise", action: shequ.ActionWorkSupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			comm := communityFor(c.col)
			u := mustCreateUser(c.t, c.fx.db, fmt.Sprintf("supervised%d", c.fx.next()), shequ.RoleSocialWorker, comm)
			return c.fx.care(c.t).s.RecordSupervision(c.ctx, &shequ.Supervision{WorkerUserID: u.ID, Date: testNow,
				Minutes: 60, Topic: "个案督导"})
		},
	},
}

package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

// careFx is the cast of the care tests in 递铺街道, 安吉县: the 儿童主任 of
// 康山村, the 儿童督导员 of 递铺街道, the 儿童主任 of 安城村 (another
// community), a county official, an auditor, an organization and its
// keeper, a social worker; residents: a child with a guardian.
type careFx struct {
	db                        *DB
	s                         *CareService
	res                       *ResidentService
	clock                     *testClock
	director, supervisor      *shequ.User
	otherDirector, official   *shequ.User
	auditor, keeper, socialWk *shequ.User
	org                       *shequ.SocialOrg
	child, grandma, teen      *shequ.Resident
	n                         int
}

const ancheng = "330523001248" // 安城村委会, another village of 递铺街道

func newCareFx(t *testing.T, db *DB) *careFx {
	t.Helper()
	mustImport(t, db, divisionsOf(fixture...))
	fx := &careFx{db: db, s: NewCareService(db, testSealer(t)), res: NewResidentService(db, testSealer(t)),
		clock: newTestClock(testNow)}
	fx.s.Now = fx.clock.Now
	fx.director = mustCreateUser(t, db, "director1", shequ.RoleCommunityWorker, kangshan)
	fx.supervisor = mustCreateUser(t, db, "supervisor1", shequ.RoleOfficial, dipu)
	fx.otherDirector = mustCreateUser(t, db, "director2", shequ.RoleCommunityWorker, ancheng)
	fx.official = mustCreateUser(t, db, "county1", shequ.RoleOfficial, "330523")
	fx.auditor = mustCreateUser(t, db, "auditor1", shequ.RoleAuditor, "330523")
	fx.keeper = mustCreateUser(t, db, "keeper1", shequ.RoleOrgMember, kangshan)
	fx.socialWk = mustCreateUser(t, db, "sw1", shequ.RoleSocialWorker, kangshan)
	cli := cliContext()
	for _, d := range []struct {
		u    *shequ.User
		kind shequ.CareDutyKind
		div  string
	}{{fx.director, shequ.DutyChildDirector, kangshan}, {fx.supervisor, shequ.DutyChildSupervisor, dipu},
		{fx.otherDirector, shequ.DutyChildDirector, ancheng}} {
		if _, err := fx.s.AssignDuty(cli, d.u.ID, d.kind, d.div); err != nil {
			t.Fatalf("assign %s: %v", d.kind, err)
		}
	}
	org := anOrg("康山儿童之家服务社", kangshan)
	org.OwnerUserIDs = []string{fx.keeper.ID}
	fx.org = mustCreateOrg(t, NewOrgService(db, testSealer(t)), org)
	fx.child = fx.resident(t, "小明", "20150301")
	fx.grandma = fx.resident(t, "王奶奶", "19520101")
	fx.teen = fx.resident(t, "小红", "20101201") // 16 on 2026-12-01
	return fx
}

// resident stores a resident of 康山村 born on birth.
func (fx *careFx) resident(t *testing.T, name, birth string) *shequ.Resident {
	t.Helper()
	fx.n++
	return mustCreateResident(t, fx.res, &shequ.Resident{Name: name, Community: kangshan,
		IDNumber: shequ.IDNumber(idNumber("330523", birth, fmt.Sprintf("%03d", 100+fx.n)))})
}

// childPerson is a care record of r as a left-behind child at risk.
func (fx *careFx) childPerson(r *shequ.Resident, risk shequ.RiskLevel) *shequ.CarePerson {
	on := testNow.AddDate(0, 0, -10)
	return &shequ.CarePerson{ResidentID: r.ID, Kind: shequ.CareChild, Reason: shequ.ReasonBothParentsAway, Risk: risk,
		RiskReason: "父母均在外地务工，祖母年迈", Guardian: shequ.Guardian{ResidentID: fx.grandma.ID, Relation: "祖母",
			Phone: "13900001111", Capacity: shequ.CapacityPartial, AssessedOn: &on, AssessedBy: "李主任"},
		Parents: "父亲在杭州打工 13800001234", School: "康山小学三年级"}
}

// notified reports whether u has a notification of kind.
func (fx *careFx) notified(t *testing.T, u *shequ.User, kind string) bool {
	t.Helper()
	var n int
	if err := fx.db.db.QueryRow(fx.db.rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`), u.ID, kind).
		Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestCareJourney is the journey on the store: a teacher without an
// account reports a child living alone; the 儿童主任 is alerted,
// acknowledges, visits and opens a case; the supervisor approves the
// assessment and the plan; a referral to an organization is accepted; the
// case closes with approval; an unacknowledged second alert escalates to the
// county after 24 hours.
func TestCareJourney(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		anon := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.30", RequestID: "public"})
		r := &shequ.CareReport{Community: kangshan, ReporterKind: shequ.ReporterTeacher, ReporterName: "陈老师",
			ReporterOrg: "康山小学", ChildName: "小明", ChildAge: 11, Where: "康山村5组12号",
			Concern: shequ.ConcernLivingAlone, Details: "孩子连续一周独自在家，晚上无人照看。"}
		mustDo(t, fx.s.SubmitReport(anon, r))
		if r.Token == "" || r.AlertID == "" || r.Number == "" {
			t.Fatalf("report %+v", r)
		}
		for _, u := range []*shequ.User{fx.director, fx.supervisor} {
			if !fx.notified(t, u, "care_alert_raised") {
				t.Errorf("%s not alerted", u.Username)
			}
		}
		if fx.notified(t, fx.otherDirector, "care_alert_raised") {
			t.Error("the director of another village was alerted")
		}
		// The reporter tracks the report without an account.
		st := must(fx.s.TrackReport(anon, normalizeToken(r.Token)))(t)
		if st.Status != shequ.AlertOpen || st.Number != r.Number {
			t.Errorf("track %+v", st)
		}
		if _, err := fx.s.TrackReport(anon, "AAAA-BBBB-CCCC-DDDD"); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("unknown token: %v", err)
		}
		// The report is sealed at rest.
		var details string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT details_enc FROM care_reports WHERE id = ?`), r.ID).Scan(&details))
		if details == r.Details || len(details) < 20 {
			t.Errorf("details stored as %q", details)
		}

		dir, sup := actorOf(fx.director), actorOf(fx.supervisor)
		file := must(fx.s.FindAlertByID(dir, r.AlertID))(t)
		if file.Report == nil || file.Report.Details != r.Details || file.Report.ChildName != "小明" {
			t.Fatalf("alert file %+v", file.Report)
		}
		if _, err := fx.s.FindAlertByID(actorOf(fx.otherDirector), r.AlertID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("another village's director reads the alert: %v", err)
		}
		if _, err := fx.s.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepVisit, Note: "x"}); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("step before acknowledgement: %v", err)
		}
		fx.clock.Add(2 * time.Hour)
		a := must(fx.s.AcknowledgeAlert(dir, r.AlertID))(t)
		if a.Status != shequ.AlertAcknowledged || a.ResponseTime() != 2*time.Hour {
			t.Errorf("acknowledged %+v", a)
		}
		st = must(fx.s.TrackReport(anon, r.Token))(t)
		if st.AcknowledgedAt == nil {
			t.Error("the reporter does not see the acknowledgement")
		}
		// The visit: the child is taken into care and visited.
		p := fx.childPerson(fx.child, shequ.RiskHigh)
		mustDo(t, fx.s.RegisterCarePerson(dir, p))
		visit := &shequ.Visit{PersonID: p.ID, Date: fx.clock.Now(), Mode: shequ.VisitHome,
			LivingAlone: true, Needs: []shequ.CareNeedKind{shequ.NeedAfterSchool}, Notes: "冰箱空，孩子说奶奶住院"}
		mustDo(t, fx.s.RecordVisit(dir, visit))
		// The visit found the child alone: its own alert, acknowledged at
		// once; a second such visit while it is open raises no other.
		must(fx.s.AcknowledgeAlert(dir, visit.AlertID))(t)
		again := &shequ.Visit{PersonID: p.ID, Date: fx.clock.Now(), Mode: shequ.VisitPhone, LivingAlone: true}
		mustDo(t, fx.s.RecordVisit(dir, again))
		if visit.AlertID == "" || again.AlertID != "" {
			t.Errorf("visit alerts %q then %q", visit.AlertID, again.AlertID)
		}
		must(fx.s.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepVisit, Note: "已上门"}))(t)
		must(fx.s.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepPlacement, Note: "临时托付给邻居"}))(t)
		// The case.
		k := &shequ.Case{ResidentID: fx.child.ID, Area: shequ.AreaCare, Origin: shequ.OriginAlert, AlertID: r.AlertID,
			Summary: "留守儿童独居，监护缺失"}
		mustDo(t, fx.s.OpenCase(dir, k))
		if k.WorkerID != fx.director.ID || k.PersonID != p.ID || k.Number == "" {
			t.Fatalf("case %+v", k)
		}
		mustDo(t, fx.s.AddCaseNote(dir, k.ID, &shequ.CaseNote{Kind: shequ.NoteIntake, Body: "接案：孩子独居一周"}))
		must(fx.s.MoveCase(dir, k.ID, shequ.CaseAssessment, ""))(t)
		if _, err := fx.s.MoveCase(dir, k.ID, shequ.CasePlan, ""); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("plan without approval: %v", err)
		}
		mustDo(t, fx.s.AddCaseNote(dir, k.ID, &shequ.CaseNote{Kind: shequ.NoteAssessment, Body: "祖母住院，无人监护"}))
		must(fx.s.RequestApproval(dir, k.ID, shequ.ApproveAssessment, "请审核预估"))(t)
		if !fx.notified(t, fx.supervisor, "case_approval_requested") {
			t.Error("the supervisor is not told of the request")
		}
		if _, err := fx.s.DecideApproval(dir, k.ID, shequ.ApprovalDecision{Approve: true}); err == nil {
			t.Error("the worker approved their own assessment")
		}
		got := must(fx.s.DecideApproval(sup, k.ID, shequ.ApprovalDecision{Reason: "补充学校情况"}))(t)
		if got.Status != shequ.CaseAssessment || !fx.notified(t, fx.director, "case_approval_returned") {
			t.Errorf("returned: %+v", got)
		}
		must(fx.s.RequestApproval(dir, k.ID, shequ.ApproveAssessment, "已补充"))(t)
		got = must(fx.s.DecideApproval(sup, k.ID, shequ.ApprovalDecision{Approve: true}))(t)
		if got.Status != shequ.CasePlan {
			t.Fatalf("after assessment approval: %s", got.Status)
		}
		mustDo(t, fx.s.AddCaseNote(dir, k.ID, &shequ.CaseNote{Kind: shequ.NotePlan, Body: "安排课后托管与心理关爱"}))
		must(fx.s.RequestApproval(dir, k.ID, shequ.ApprovePlan, "请审核计划"))(t)
		got = must(fx.s.DecideApproval(sup, k.ID, shequ.ApprovalDecision{Approve: true}))(t)
		if got.Status != shequ.CaseServices {
			t.Fatalf("after plan approval: %s", got.Status)
		}
		// The referral to the organization, accepted by its keeper.
		ref := &shequ.Referral{Target: shequ.ReferToOrg, OrgID: fx.org.ID, Note: "请为该儿童安排每日课后托管"}
		mustDo(t, fx.s.ReferCase(dir, k.ID, ref))
		keeper := actorOf(fx.keeper)
		refs := must(fx.s.FindReferrals(keeper, ""))(t)
		if len(refs) != 1 || refs[0].Note != ref.Note || refs[0].OrgName != fx.org.Name {
			t.Fatalf("keeper's referrals %+v", refs)
		}
		if _, err := fx.s.AnswerReferral(actorOf(fx.socialWk), ref.ID, shequ.ReferralAnswer{Accept: true}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("someone else accepts the referral: %v", err)
		}
		acc := must(fx.s.AnswerReferral(keeper, ref.ID, shequ.ReferralAnswer{Accept: true}))(t)
		if acc.Status != shequ.ReferralAccepted || !fx.notified(t, fx.director, "referral_accepted") {
			t.Errorf("referral %+v", acc)
		}
		mustDo(t, fx.s.AddCaseNote(dir, k.ID, &shequ.CaseNote{Kind: shequ.NoteService, Function: shequ.FuncResources,
			Minutes: 60, Body: "对接托管机构"}))
		must(fx.s.MoveCase(dir, k.ID, shequ.CaseReview, ""))(t)
		must(fx.s.ScheduleAssessment(dir, k.ID, fx.clock.Now().AddDate(0, 1, 0)))(t)
		must(fx.s.RequestApproval(dir, k.ID, shequ.ApproveClosure, "目标达成"))(t)
		got = must(fx.s.DecideApproval(sup, k.ID, shequ.ApprovalDecision{Approve: true}))(t)
		if got.Status != shequ.CaseClosed || got.ClosedAt == nil {
			t.Fatalf("after closure approval: %+v", got)
		}
		cf := must(fx.s.FindCaseByID(dir, k.ID))(t)
		if len(cf.Notes) != 4 || len(cf.Approvals) != 4 || len(cf.Referrals) != 1 || len(cf.Timeline) < 8 {
			t.Errorf("case file: %d notes, %d approvals, %d referrals, %d events", len(cf.Notes), len(cf.Approvals),
				len(cf.Referrals), len(cf.Timeline))
		}
		must(fx.s.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepClose, Note: "已立案跟进"}))(t)

		// The second alert is left unacknowledged: 24 hours later the
		// sweep escalates it to the county, once.
		r2 := &shequ.CareReport{Community: kangshan, ReporterKind: shequ.ReporterVillager, Where: "康山村2组",
			Concern: shequ.ConcernNeglect, Details: "邻居家孩子经常没饭吃。"}
		mustDo(t, fx.s.SubmitReport(anon, r2))
		fx.clock.Add(23 * time.Hour)
		res := must(fx.s.Sweep(context.Background()))(t)
		if res.AlertsEscalated != 0 {
			t.Errorf("escalated before 24 h: %+v", res)
		}
		if _, err := fx.s.FindAlertByID(actorOf(fx.official), r2.AlertID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("the county reads an alert not escalated: %v", err)
		}
		fx.clock.Add(time.Hour + time.Minute)
		res = must(fx.s.Sweep(context.Background()))(t)
		if res.AlertsEscalated != 1 || !fx.notified(t, fx.official, "care_alert_escalated") {
			t.Errorf("escalation %+v", res)
		}
		if res = must(fx.s.Sweep(context.Background()))(t); res.AlertsEscalated != 0 {
			t.Errorf("escalated twice: %+v", res)
		}
		county := actorOf(fx.official)
		list, _ := mustList(fx.s.FindAlerts(county, shequ.AlertFilter{}))(t)
		if len(list) != 1 || list[0].ID != r2.AlertID {
			t.Errorf("the county sees %d alerts", len(list))
		}
		a2 := must(fx.s.AcknowledgeAlert(county, r2.AlertID))(t)
		if a2.Status != shequ.AlertAcknowledged || a2.EscalatedAt == nil {
			t.Errorf("county acknowledgement %+v", a2)
		}
		if v := mustVerify(t, NewAuditService(db)); v.BadSeq != 0 {
			t.Errorf("audit chain %+v", v)
		}
	})
}

// mustList is must for a list and its total.
func mustList[T any](v T, n int, err error) func(t *testing.T) (T, int) {
	return func(t *testing.T) (T, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v, n
	}
}

// TestCaseNeedToKnow: a worker of another community, an official without
// a recorded reason and the organization the case was referred to cannot
// read the case notes; a break-the-glass read is audited and reported to
// the auditor.
func TestCaseNeedToKnow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		dir := actorOf(fx.director)
		k := &shequ.Case{ResidentID: fx.child.ID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "留守儿童情绪低落"}
		mustDo(t, fx.s.OpenCase(dir, k))
		mustDo(t, fx.s.AddCaseNote(dir, k.ID, &shequ.CaseNote{Kind: shequ.NoteIntake, Body: "秘密：孩子提到被打"}))
		mustDo(t, fx.s.ReferCase(dir, k.ID, &shequ.Referral{Target: shequ.ReferToOrg, OrgID: fx.org.ID, Note: "请安排心理辅导"}))
		// The store keeps the note sealed.
		var body string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT body_enc FROM care_case_notes WHERE case_id = ?`), k.ID).Scan(&body))
		if body == "秘密：孩子提到被打" {
			t.Error("case note stored in clear")
		}
		for _, u := range []*shequ.User{fx.otherDirector, fx.official, fx.keeper, fx.socialWk, fx.auditor} {
			ctx := actorOf(u)
			_, err := fx.s.FindCaseByID(ctx, k.ID)
			if c := shequ.ErrorCode(err); c != shequ.ENotFound && c != shequ.EForbidden {
				t.Errorf("%s reads the case notes: %v", u.Username, err)
			}
			cases, _, _ := fx.s.FindCases(ctx, shequ.CaseFilter{})
			if len(cases) != 0 {
				t.Errorf("%s lists %d cases", u.Username, len(cases))
			}
		}
		if n := auditCount(t, db, auditCaseRead, shequ.AuditDenied, k.ID); n < 3 {
			t.Errorf("%d denied case reads recorded, want at least 3", n)
		}
		// The worker and the supervisor read it.
		for _, u := range []*shequ.User{fx.director, fx.supervisor} {
			f := must(fx.s.FindCaseByID(actorOf(u), k.ID))(t)
			if len(f.Notes) != 1 || f.Notes[0].Body != "秘密：孩子提到被打" {
				t.Errorf("%s reads %+v", u.Username, f.Notes)
			}
		}
		// Break-the-glass: a reason is required; the read is audited,
		// registered and reported to the auditor.
		off := actorOf(fx.official)
		if _, err := fx.s.BreakGlassCase(off, k.ID, "看看"); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("short reason: %v", err)
		}
		if _, err := fx.s.BreakGlassCase(dir, k.ID, "核查举报线索需要查看"); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a worker breaks the glass: %v", err)
		}
		f := must(fx.s.BreakGlassCase(off, k.ID, "县级核查虐待线索，需要查看个案记录"))(t)
		if len(f.Notes) != 1 {
			t.Errorf("break-the-glass file %+v", f.Notes)
		}
		if auditCount(t, db, auditCaseBreakGlass, shequ.AuditAllowed, k.ID) != 1 {
			t.Error("break-the-glass read not audited")
		}
		if !fx.notified(t, fx.auditor, "case_break_glass") {
			t.Error("the auditor is not told")
		}
		bg := must(fx.s.FindBreakGlass(actorOf(fx.auditor), "", 10))(t)
		if len(bg) != 1 || bg[0].UserID != fx.official.ID || bg[0].Number != k.Number {
			t.Errorf("auditor's break-the-glass list %+v", bg)
		}
		if _, err := fx.s.FindBreakGlass(off, "", 10); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("the official reads the break-the-glass register: %v", err)
		}
		// Still no ordinary read for the official afterwards.
		if _, err := fx.s.FindCaseByID(off, k.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("official reads without a reason after breaking the glass: %v", err)
		}
	})
}

// TestCareVisitsAndSweep: due dates by risk level, overdue escalation to
// the supervisor after the grace period, the exit proposal at 16, and the
// register's need-to-know.
func TestCareVisitsAndSweep(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		dir := actorOf(fx.director)
		high := fx.childPerson(fx.child, shequ.RiskHigh)
		mustDo(t, fx.s.RegisterCarePerson(dir, high))
		wantDue := shequ.Day(testNow).AddDate(0, 0, 7)
		if !high.NextVisitDue.Equal(wantDue) || high.VisitEveryDays != 7 {
			t.Errorf("high risk: due %v every %d", high.NextVisitDue, high.VisitEveryDays)
		}
		if err := fx.s.RegisterCarePerson(dir, fx.childPerson(fx.child, shequ.RiskLow)); !hasFieldErr(err, "resident_id") {
			t.Errorf("registered twice: %v", err)
		}
		teen := fx.childPerson(fx.teen, shequ.RiskLow)
		mustDo(t, fx.s.RegisterCarePerson(dir, teen))
		if teen.VisitEveryDays != 90 || !teen.NextVisitDue.Equal(shequ.Day(testNow).AddDate(0, 0, 90)) {
			t.Errorf("low risk: due %v every %d", teen.NextVisitDue, teen.VisitEveryDays)
		}
		// Medium risk monthly: the risk change moves the plan.
		teen.Risk = shequ.RiskMedium
		up := must(fx.s.UpdateCarePerson(dir, teen))(t)
		if up.VisitEveryDays != 30 {
			t.Errorf("medium risk every %d", up.VisitEveryDays)
		}
		// The sweep on 2026-12-01 proposes the teen (16 that day) for exit.
		fx.clock.Add(2 * 24 * time.Hour)
		res := must(fx.s.Sweep(context.Background()))(t)
		if res.ExitsProposed != 1 || !fx.notified(t, fx.director, "care_exit_proposed") {
			t.Errorf("exit proposal %+v", res)
		}
		got := must(fx.s.FindCarePersonByID(dir, teen.ID))(t)
		if got.Status != shequ.CareExitProposed || got.ExitProposedAt == nil {
			t.Errorf("teen %+v", got.Status)
		}
		must(fx.s.ExitCarePerson(dir, teen.ID, shequ.CareExit{Cause: shequ.ExitAge16, On: fx.clock.Now()}))(t)
		// The high-risk child's visit is due on 12-06; overdue from 12-07,
		// escalated after the 7-day grace, on 12-14.
		fx.clock.Add(11 * 24 * time.Hour) // 12-11
		if res = must(fx.s.Sweep(context.Background()))(t); res.VisitsEscalated != 0 {
			t.Errorf("escalated within grace: %+v", res)
		}
		overdue, _ := mustList(fx.s.FindCarePersons(dir, shequ.CareFilter{Overdue: true}))(t)
		if len(overdue) != 1 || overdue[0].ID != high.ID {
			t.Errorf("overdue list %d", len(overdue))
		}
		fx.clock.Add(3 * 24 * time.Hour) // 12-14
		if res = must(fx.s.Sweep(context.Background()))(t); res.VisitsEscalated != 1 ||
			!fx.notified(t, fx.supervisor, "care_visit_overdue") {
			t.Errorf("overdue escalation %+v", res)
		}
		if res = must(fx.s.Sweep(context.Background()))(t); res.VisitsEscalated != 0 {
			t.Errorf("escalated twice %+v", res)
		}
		// A visit clears it and plans the next one a week later.
		mustDo(t, fx.s.RecordVisit(dir, &shequ.Visit{PersonID: high.ID, Date: fx.clock.Now(), Mode: shequ.VisitPhone,
			GuardianPresent: true, GuardianAble: true, AttendingSchool: true}))
		got = must(fx.s.FindCarePersonByID(dir, high.ID))(t)
		if got.OverdueEscalatedAt != nil || !got.NextVisitDue.Equal(shequ.Day(fx.clock.Now()).AddDate(0, 0, 7)) {
			t.Errorf("after the visit: due %v escalated %v", got.NextVisitDue, got.OverdueEscalatedAt)
		}
		if got.Parents != "父亲在杭州打工 13800001234" || got.Guardian.Name != "王奶奶" || got.IDMasked[6:14] != "********" {
			t.Errorf("opened %+v", got)
		}
		// Need-to-know on the register: another village's director, the
		// county official without a duty, the social worker see nothing.
		for _, u := range []*shequ.User{fx.otherDirector, fx.official, fx.socialWk} {
			if _, err := fx.s.FindCarePersonByID(actorOf(u), high.ID); shequ.ErrorCode(err) != shequ.ENotFound {
				t.Errorf("%s reads the care record: %v", u.Username, err)
			}
			list, _, err := fx.s.FindCarePersons(actorOf(u), shequ.CareFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("%s lists %d (%v)", u.Username, len(list), err)
			}
		}
		if _, _, err := fx.s.FindCarePersons(actorOf(fx.keeper), shequ.CareFilter{}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("an org member lists the register: %v", err)
		}
		if n := auditCount(t, db, auditCareRead, shequ.AuditAllowed, high.ID); n < 2 {
			t.Errorf("%d audited reads of the record", n)
		}
		// The supervisor sees the township's register.
		list, _ := mustList(fx.s.FindCarePersons(actorOf(fx.supervisor), shequ.CareFilter{}))(t)
		if len(list) != 1 {
			t.Errorf("supervisor lists %d", len(list))
		}
	})
}

// hasFieldErr reports whether err has a field error on field.
func hasFieldErr(err error, field string) bool {
	e := shequ.AsError(err)
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// TestCareVisitAlertAndNeed: a child under 16 found living alone on a
// visit raises an alert; a need found on visits goes to the needs pool
// with counts and no names.
func TestCareVisitAlertAndNeed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		dir := actorOf(fx.director)
		p := fx.childPerson(fx.child, shequ.RiskMedium)
		mustDo(t, fx.s.RegisterCarePerson(dir, p))
		v := &shequ.Visit{PersonID: p.ID, Date: fx.clock.Now(), Mode: shequ.VisitHome, LivingAlone: true,
			Needs: []shequ.CareNeedKind{shequ.NeedAfterSchool}}
		mustDo(t, fx.s.RecordVisit(dir, v))
		if v.AlertID == "" || !fx.notified(t, fx.supervisor, "care_alert_raised") {
			t.Fatalf("no alert from the visit %+v", v)
		}
		vs := must(fx.s.FindVisits(dir, p.ID))(t)
		if len(vs) != 1 || !vs[0].LivingAlone || vs[0].AlertID != v.AlertID {
			t.Errorf("visits %+v", vs)
		}
		n := must(fx.s.RaiseCareNeed(dir, kangshan, shequ.NeedAfterSchool))(t)
		if n.Category != shequ.NeedChildren || n.ResidentID != "" {
			t.Errorf("need %+v", n)
		}
		for _, name := range []string{fx.child.Name, fx.grandma.Name, string(fx.child.IDNumber)} {
			if contains(n.Title+n.Description, name) {
				t.Errorf("the need names %q: %s %s", name, n.Title, n.Description)
			}
		}
		if !contains(n.Description, "留守儿童 不足5 人") || !contains(n.Title, "（不足5人）") || contains(n.Title+n.Description, " 1 人") {
			t.Errorf("need without the count: %s", n.Description)
		}
		if _, err := fx.s.RaiseCareNeed(dir, kangshan, shequ.NeedFinancial); !hasFieldErr(err, "kind") {
			t.Errorf("need no visit found: %v", err)
		}
		if _, err := fx.s.RaiseCareNeed(actorOf(fx.otherDirector), kangshan, shequ.NeedAfterSchool); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("another village raises the need: %v", err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestWorkLogs: a social worker logs service; the supervision record; a
// worker's notes are theirs.
func TestWorkLogs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		sw := actorOf(fx.socialWk)
		l := &shequ.WorkLog{Community: kangshan, Date: fx.clock.Now(), Method: shequ.MethodGroup, Area: shequ.AreaCare,
			Function: shequ.FuncCapacity, Minutes: 90, Beneficiary: shequ.ForGroup, Beneficiaries: 12, Notes: "四点半课堂"}
		mustDo(t, fx.s.RecordWorkLog(sw, l))
		bad := &shequ.WorkLog{Community: tiaoxiu, Date: fx.clock.Now(), Method: shequ.MethodGroup, Area: shequ.AreaCare,
			Function: shequ.FuncCapacity, Minutes: 90, Beneficiary: shequ.ForGroup, Beneficiaries: 2}
		if err := fx.s.RecordWorkLog(sw, bad); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("log outside the worker's scope: %v", err)
		}
		if err := fx.s.RecordWorkLog(dir(fx), l); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a community worker logs social work: %v", err)
		}
		logs, _ := mustList(fx.s.FindWorkLogs(sw, shequ.WorkLogFilter{}))(t)
		if len(logs) != 1 || logs[0].Notes != "四点半课堂" {
			t.Errorf("own logs %+v", logs)
		}
		off := actorOf(fx.official)
		logs, _ = mustList(fx.s.FindWorkLogs(off, shequ.WorkLogFilter{}))(t)
		if len(logs) != 1 || logs[0].Notes != "" {
			t.Errorf("official sees %+v", logs)
		}
		mustDo(t, fx.s.RecordSupervision(off, &shequ.Supervision{WorkerUserID: fx.socialWk.ID, Date: fx.clock.Now(),
			Minutes: 60, Topic: "小组工作督导", Notes: "建议加强家长参与"}))
		if !fx.notified(t, fx.socialWk, "supervision_recorded") {
			t.Error("the social worker is not told of the supervision")
		}
		svs, _ := mustList(fx.s.FindSupervisions(sw, shequ.WorkLogFilter{}))(t)
		if len(svs) != 1 || svs[0].Notes != "建议加强家长参与" {
			t.Errorf("supervisions %+v", svs)
		}
	})
}

func dir(fx *careFx) context.Context { return actorOf(fx.director) }

// TestCareIndicators: the module "care" counts people by kind and risk,
// assessed guardians, plans on time and overdue, alerts and their response,
// communities with a 儿童主任, cases, referrals and service, on both
// engines; and counts under 5 are marked for suppression on exports.
func TestCareIndicators(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		db.Now = fx.clock.Now
		dir := actorOf(fx.director)
		p := fx.childPerson(fx.child, shequ.RiskHigh)
		mustDo(t, fx.s.RegisterCarePerson(dir, p))
		w := &shequ.CarePerson{ResidentID: fx.grandma.ID, Kind: shequ.CareElderly, Reason: shequ.ReasonChildrenAway, Risk: shequ.RiskLow}
		mustDo(t, fx.s.RegisterCarePerson(dir, w))
		mustDo(t, fx.s.RecordVisit(dir, &shequ.Visit{PersonID: w.ID, Date: fx.clock.Now(), Mode: shequ.VisitHome}))
		r := report(kangshan)
		mustDo(t, fx.s.SubmitReport(cliContext(), r))
		fx.clock.Add(3 * time.Hour)
		must(fx.s.AcknowledgeAlert(dir, r.AlertID))(t)
		k := &shequ.Case{ResidentID: fx.child.ID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "个案"}
		mustDo(t, fx.s.OpenCase(dir, k))
		mustDo(t, fx.s.ReferCase(dir, k.ID, &shequ.Referral{Target: shequ.ReferToOrg, OrgID: fx.org.ID, Note: "请托管"}))
		mustDo(t, fx.s.RecordWorkLog(actorOf(fx.socialWk), &shequ.WorkLog{Community: kangshan, Date: fx.clock.Now(),
			Method: shequ.MethodGroup, Area: shequ.AreaCare, Function: shequ.FuncCapacity, Minutes: 90,
			Beneficiary: shequ.ForGroup, Beneficiaries: 8}))
		fx.clock.Add(8 * 24 * time.Hour) // the child's first visit (due in 7 days) is now overdue
		src := NewIndicatorSource(db)
		eng := indicator.New(src, NewTargetService(db), indicator.CareModule(src))
		eng.Now = fx.clock.Now
		mustDo(t, eng.Load(t.Context()))
		rep := must(eng.IndicatorReport(asActor(shequ.RoleOfficial, "330523"), "330523"))(t)
		f := rep.Stats.Care
		if f.UnderCare() != 2 || f.ByKindRisk[shequ.CareChild][shequ.RiskHigh] != 1 || f.OfKind(shequ.CareElderly) != 1 ||
			f.Children != 1 || f.ChildrenAssessed != 1 || f.PlansOnTime != 1 || f.PlansOverdue != 1 || f.Visits90 != 1 ||
			f.Visits90OnTime != 1 || f.Alerts != 1 || f.AlertsAckIn24h != 1 || f.MedianResponse() != 4 ||
			f.CasesOpened != 1 || f.CasesOpen != 1 || f.Referrals != 1 || f.ServedBySocialWorker != 1 ||
			f.MinutesByArea[shequ.AreaCare] != 90 || f.MinutesByFunction[shequ.FuncCapacity] != 90 {
			t.Errorf("care figures = %+v", f)
		}
		// Two villages of the fixture's county have a 儿童主任.
		without := 0
		for _, d := range shequ.IndicatorDefs {
			if d.Key == "care_without_director" {
				without = d.Count(&rep.Stats)
			}
			if d.Key == "care_under_care" && (!d.Sensitive || !shequ.SuppressSmall(d.Count(&rep.Stats))) {
				t.Errorf("2 people under care are not suppressed on exports")
			}
		}
		if f.WithDirector != 2 || without != rep.Stats.Communities-2 {
			t.Errorf("with director %d, without %d of %d", f.WithDirector, without, rep.Stats.Communities)
		}
	})
}

// TestCareDutyCandidates checks the accounts an official may name to a
// duty: active accounts of the duty roles within the official's area only.
func TestCareDutyCandidates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		gone := mustCreateUser(t, db, "gone1", shequ.RoleCommunityWorker, kangshan)
		if _, err := NewUserService(db).UpdateUser(cliContext(), gone.ID, shequ.UserUpdate{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		mustCreateUser(t, db, "elsewhere1", shequ.RoleCommunityWorker, "330522001001")
		names := func(ctx context.Context) []string {
			t.Helper()
			list, err := fx.s.DutyCandidates(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range list {
				out = append(out, u.Username)
			}
			return out
		}
		// The supervisor (official of 递铺街道) sees the workers and social
		// workers of the township and themself; not the auditor, the keeper,
		// the disabled account, the county official or another county.
		got := fmt.Sprint(names(actorOf(fx.supervisor)))
		if want := "[supervisor1 director1 sw1 director2]"; got != want {
			t.Errorf("supervisor's candidates %s, want %s", got, want)
		}
		if got := fmt.Sprint(names(actorOf(fx.official))); got != "[county1 supervisor1 director1 sw1 director2]" {
			t.Errorf("county's candidates %s", got)
		}
		if _, err := fx.s.DutyCandidates(actorOf(fx.director)); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a worker lists candidates: %v", err)
		}
		// The account named is told the place by its name, not its code.
		var subject string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT subject FROM notifications WHERE user_id = ? AND kind = ?`),
			fx.director.ID, "care_duty_assigned").Scan(&subject))
		if subject != "康山村委会" {
			t.Errorf("duty notification names %q", subject)
		}
	})
}

// TestCareServedPeople: a social worker names a person served without a
// case by the whole name within one community of their area; a part of a
// name, another area or another role finds nothing, and the read is
// audited.
func TestCareServedPeople(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		sw := actorOf(fx.socialWk)
		got, err := fx.s.ServedPeople(sw, kangshan, " 王奶奶 ")
		if err != nil || len(got) != 1 || got[0].ResidentID != fx.grandma.ID || got[0].Name != "王奶奶" ||
			contains(got[0].IDMasked, string(fx.grandma.IDNumber)[6:14]) || got[0].Age < 70 {
			t.Fatalf("whole name: %+v %v", got, err)
		}
		if got, err := fx.s.ServedPeople(sw, kangshan, "王奶"); err != nil || len(got) != 0 {
			t.Errorf("part of a name found %+v %v", got, err)
		}
		if _, err := fx.s.ServedPeople(sw, kangshan, string(fx.grandma.IDNumber)); err != nil {
			t.Errorf("an ID number as a name: %v", err)
		} else if got, _ := fx.s.ServedPeople(sw, kangshan, string(fx.grandma.IDNumber)); len(got) != 0 {
			t.Errorf("an ID number found %+v", got)
		}
		if _, err := fx.s.ServedPeople(sw, ancheng, "王奶奶"); err == nil {
			t.Error("a village outside the worker's area answered")
		}
		if _, err := fx.s.ServedPeople(actorOf(fx.keeper), kangshan, "王奶奶"); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("an organization's keeper: %v", err)
		}
		if _, err := fx.s.ServedPeople(sw, kangshan, "王"); !hasFieldErr(err, "person") {
			t.Errorf("one character: %v", err)
		}
		if n := auditCount(t, db, auditServedPeople, shequ.AuditAllowed, fx.grandma.ID); n != 1 {
			t.Errorf("audited reads of the person: %d", n)
		}
	})
}

// TestCareImport: an import file is taken into care all or nothing — a row
// of a village the importer holds no duty over refuses the whole file and
// names its row; a good file writes every person with their event and
// audit record.
func TestCareImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		dir := actorOf(fx.director)
		other := mustCreateResident(t, fx.res, &shequ.Resident{Name: "安城老人", Community: ancheng,
			IDNumber: shequ.IDNumber(idNumber("330523", "19450101", "901"))})
		elder := func(r *shequ.Resident) *shequ.CarePerson {
			return &shequ.CarePerson{ResidentID: r.ID, Kind: shequ.CareElderly, Reason: shequ.ReasonChildrenAway, Risk: shequ.RiskLow}
		}
		err := fx.s.ImportCarePersons(dir, []*shequ.CarePerson{elder(fx.grandma), elder(other)})
		if e := shequ.AsError(err); err == nil || e.Data["Row"] != 2 {
			t.Fatalf("a row of another village: %v %+v", err, e)
		}
		if _, n, err := fx.s.FindCarePersons(dir, shequ.CareFilter{}); err != nil || n != 0 {
			t.Fatalf("half-written: %d %v", n, err)
		}
		if n := auditCount(t, db, auditCareRegister, shequ.AuditDenied, other.ID); n != 1 {
			t.Errorf("refusal audited %d times", n)
		}
		bad := elder(fx.child) // a child is not elderly
		bad.Kind = shequ.CareWoman
		bad.Reason = shequ.ReasonSpouseAway
		if err := fx.s.ImportCarePersons(dir, []*shequ.CarePerson{elder(fx.grandma), bad}); shequ.AsError(err).Data["Row"] != 2 ||
			!hasFieldErr(err, "kind") {
			t.Errorf("a child as a woman: %v", err)
		}
		ps := []*shequ.CarePerson{elder(fx.grandma), fx.childPerson(fx.child, shequ.RiskMedium)}
		if err := fx.s.ImportCarePersons(dir, ps); err != nil {
			t.Fatal(err)
		}
		list, n, err := fx.s.FindCarePersons(dir, shequ.CareFilter{})
		if err != nil || n != 2 || len(list) != 2 {
			t.Fatalf("imported: %d %v", n, err)
		}
		for _, p := range ps {
			if p.ID == "" || p.VisitEveryDays == 0 || auditCount(t, db, auditCareImport, shequ.AuditAllowed, p.ID) != 1 {
				t.Errorf("imported person %+v", p)
			}
		}
		var events int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM timeline_events WHERE object_id = ?`), ps[1].ID).Scan(&events); err != nil || events != 1 {
			t.Errorf("events of the imported child: %d %v", events, err)
		}
		if err := fx.s.ImportCarePersons(dir, []*shequ.CarePerson{elder(fx.grandma)}); !hasFieldErr(err, "resident_id") {
			t.Errorf("already under care: %v", err)
		}
		if err := fx.s.ImportCarePersons(actorOf(fx.socialWk), []*shequ.CarePerson{elder(fx.teen)}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a social worker imports: %v", err)
		}
	})
}

package demo

import (
	"context"
	"fmt"
	"time"

	"shequ"
)

// The 三留守 care demo (issue 16), in villages of 递铺街道: left-behind
// children, women and elderly people at different risk levels, visits on
// time and overdue, a child about to turn 16, a mandatory report handled
// and one left unacknowledged, an open case and a closed one, social
// workers' service records. Every person is synthetic.

// Care demo villages.
const (
	Kangshan = "330523001205" // 康山村
	Lujia    = "330523001211" // 鲁家村
)

// CareAccounts are the care duty holders of the demo.
var CareAccounts = []Account{
	{"demo-childdir", shequ.RoleCommunityWorker, Kangshan},   // 儿童主任 of 康山村
	{"demo-childdir2", shequ.RoleCommunityWorker, Lujia},     // 儿童主任 of 鲁家村
	{"demo-supervisor", shequ.RoleOfficial, "330523001"},     // 儿童督导员 of 递铺街道
	{"demo-caseworker", shequ.RoleSocialWorker, "330523001"}, // social worker of 递铺街道
}

// careSeeds are the people under care: a synthetic resident each, with
// the kind, risk, and the days since their last visit (-1: never).
var careSeeds = []struct {
	name, birth, seq, village string
	kind                      shequ.CareKind
	risk                      shequ.RiskLevel
	lastVisit                 int
}{
	{"陈小雨", "20160412", "131", Kangshan, shequ.CareChild, shequ.RiskHigh, 3},
	{"陈小磊", "20180920", "151", Kangshan, shequ.CareChild, shequ.RiskHigh, 12}, // overdue (weekly)
	{"沈佳怡", "20130105", "162", Kangshan, shequ.CareChild, shequ.RiskMedium, 20},
	{"沈浩然", "20110304", "171", Kangshan, shequ.CareChild, shequ.RiskLow, 40},
	{"许诺", "20101120", "181", Kangshan, shequ.CareChild, shequ.RiskLow, 60},       // 16 since November: proposed for exit
	{"钱桂英", "19480616", "202", Kangshan, shequ.CareElderly, shequ.RiskMedium, 45}, // overdue (monthly)
	{"孙美华", "19880808", "222", Kangshan, shequ.CareWoman, shequ.RiskLow, 30},
	{"朱子轩", "20140721", "191", Lujia, shequ.CareChild, shequ.RiskMedium, 10},
	{"朱子涵", "20170303", "211", Lujia, shequ.CareChild, shequ.RiskHigh, 2},
	{"马秀兰", "19420211", "242", Lujia, shequ.CareElderly, shequ.RiskHigh, 9}, // overdue (weekly)
	{"马德福", "19400929", "251", Lujia, shequ.CareElderly, shequ.RiskLow, 95}, // overdue (quarterly)
	{"郑丽娟", "19910517", "262", Lujia, shequ.CareWoman, shequ.RiskMedium, 15},
	// 苕秀社区, the demo community, kept by demo-worker.
	{"方一诺", "20140909", "271", Community, shequ.CareChild, shequ.RiskMedium, 8},
	{"方桂芳", "19450303", "282", Community, shequ.CareElderly, shequ.RiskLow, 50},
}

// careDemo replays the care history through the service.
type careDemo struct {
	s     Services
	users map[string]*shequ.User
	now   time.Time
}

// as is ctx signed in as a demo account.
func (d *careDemo) as(ctx context.Context, name string) context.Context {
	return shequ.WithActor(ctx, d.users[name].Actor())
}

// at sets the care clock to days before now.
func (d *careDemo) at(days int) time.Time {
	t := d.now.AddDate(0, 0, -days)
	d.s.CareClock(func() time.Time { return t })
	return t
}

// loadCare seeds the care demo; it needs Care and CareClock.
func loadCare(ctx context.Context, s Services) error {
	if s.Care == nil || s.CareClock == nil || s.Residents == nil {
		return nil
	}
	defer s.CareClock(nil)
	d := &careDemo{s: s, users: map[string]*shequ.User{}, now: time.Now()}
	if s.Now != nil {
		d.now = s.Now()
	}
	hash, err := s.Hasher.Hash(Password)
	if err != nil {
		return err
	}
	for _, a := range CareAccounts {
		u := &shequ.User{Username: a.Username, Role: a.Role, Scope: a.Scope, Name: a.Username}
		if err := s.Users.CreateUser(ctx, u, hash); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
	}
	for _, name := range []string{"demo-childdir", "demo-childdir2", "demo-supervisor", "demo-caseworker", "demo-worker",
		"demo-official", "demo-org"} {
		u, err := s.Users.FindUserByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", name, err)
		}
		d.users[name] = u
	}
	d.at(120)
	for _, duty := range []struct {
		user string
		kind shequ.CareDutyKind
		div  string
	}{{"demo-childdir", shequ.DutyChildDirector, Kangshan}, {"demo-childdir2", shequ.DutyChildDirector, Lujia},
		{"demo-worker", shequ.DutyChildDirector, Community}, {"demo-supervisor", shequ.DutyChildSupervisor, "330523001"}} {
		if _, err := s.Care.AssignDuty(ctx, d.users[duty.user].ID, duty.kind, duty.div); err != nil {
			return fmt.Errorf("demo duty %s: %w", duty.user, err)
		}
	}
	people, err := d.register(ctx)
	if err != nil {
		return err
	}
	if err := d.alertsAndCases(ctx, people); err != nil {
		return err
	}
	if err := d.service(ctx); err != nil {
		return err
	}
	// The periodic rules on today: overdue visits escalated, the child
	// turning 16 proposed for exit, the unacknowledged alert escalated.
	d.at(0)
	if _, err := s.Care.Sweep(ctx); err != nil {
		return fmt.Errorf("demo care sweep: %w", err)
	}
	return nil
}

// director is the demo 儿童主任 account of a village.
func director(village string) string {
	switch village {
	case Lujia:
		return "demo-childdir2"
	case Community:
		return "demo-worker"
	}
	return "demo-childdir"
}

// register registers the people and replays their visits.
func (d *careDemo) register(ctx context.Context) ([]*shequ.CarePerson, error) {
	var out []*shequ.CarePerson
	for _, seed := range careSeeds {
		first17 := "330523" + seed.birth + seed.seq
		id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), d.now)
		if err != nil {
			return nil, fmt.Errorf("demo care person %s: %w", seed.name, err)
		}
		r := &shequ.Resident{Name: seed.name, IDNumber: id, Community: seed.village}
		switch seed.kind {
		case shequ.CareChild:
			r.Tags = []shequ.Tag{shequ.TagLeftBehindChild}
		case shequ.CareWoman:
			r.Tags = []shequ.Tag{shequ.TagLeftBehindWoman}
		default:
			r.Tags = []shequ.Tag{shequ.TagLeftBehindElderly}
		}
		if err := d.s.Residents.CreateResident(ctx, r); err != nil {
			return nil, fmt.Errorf("demo care resident %s: %w", seed.name, err)
		}
		as := d.as(ctx, director(seed.village))
		reg := 110
		if seed.lastVisit >= 0 {
			reg = max(seed.lastVisit+5, 100)
		}
		assessed := d.at(reg)
		p := &shequ.CarePerson{ResidentID: r.ID, Kind: seed.kind, Risk: seed.risk}
		switch seed.kind {
		case shequ.CareChild:
			p.Reason, p.Parents, p.School = shequ.ReasonBothParentsAway, "父母在上海务工，每月通话两次", "递铺小学"
			p.Guardian = shequ.Guardian{Name: "祖父母", Relation: "祖父母", Capacity: shequ.CapacityPartial,
				AssessedOn: &assessed, AssessedBy: "村儿童主任"}
			if seed.risk == shequ.RiskLow {
				p.Guardian.Capacity = shequ.CapacityAble
			}
		case shequ.CareWoman:
			p.Reason = shequ.ReasonSpouseAway
		default:
			p.Reason = shequ.ReasonChildrenAway
		}
		if seed.risk >= shequ.RiskMedium {
			p.RiskReason = "监护人年迈、家中经济困难"
		}
		if err := d.s.Care.RegisterCarePerson(as, p); err != nil {
			return nil, fmt.Errorf("demo care register %s: %w", seed.name, err)
		}
		// Visits at the person's interval up to the last one.
		step := shequ.DefaultVisitPolicy.Interval(seed.risk)
		for ago := reg - min(step, 7); ago >= seed.lastVisit && seed.lastVisit >= 0; ago -= step {
			day := d.at(ago)
			if ago-step < seed.lastVisit {
				day = d.at(seed.lastVisit)
			}
			v := &shequ.Visit{PersonID: p.ID, Date: day, Mode: shequ.VisitHome, GuardianPresent: true, GuardianAble: true,
				AttendingSchool: seed.kind == shequ.CareChild, Notes: "家中整洁，生活正常"}
			if seed.kind == shequ.CareChild && seed.risk == shequ.RiskHigh {
				v.Needs = []shequ.CareNeedKind{shequ.NeedAfterSchool}
			}
			if seed.kind == shequ.CareElderly {
				v.Needs = []shequ.CareNeedKind{shequ.NeedDailyCare}
			}
			if err := d.s.Care.RecordVisit(as, v); err != nil {
				return nil, fmt.Errorf("demo care visit %s: %w", seed.name, err)
			}
			if ago-step < seed.lastVisit {
				break
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// alertsAndCases replays a handled report with a case that closed, an open
// case in services, and a report left unacknowledged.
func (d *careDemo) alertsAndCases(ctx context.Context, people []*shequ.CarePerson) error {
	c := d.s.Care
	dir := d.as(ctx, "demo-childdir")
	anon := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "demo", RequestID: "demo-report"})
	// A report 60 days ago, handled, with a case that closed.
	d.at(60)
	r := &shequ.CareReport{Community: Kangshan, ReporterKind: shequ.ReporterTeacher, ReporterOrg: "递铺小学",
		ChildName: "陈小雨", ChildAge: 10, Where: "康山村3组", Concern: shequ.ConcernLivingAlone,
		Details: "孩子近一周放学后独自在家，祖母住院。"}
	if err := c.SubmitReport(anon, r); err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	d.s.CareClock(func() time.Time { return d.now.AddDate(0, 0, -60).Add(3 * time.Hour) })
	steps := []func() error{
		func() error { _, err := c.AcknowledgeAlert(dir, r.AlertID); return err },
		func() error {
			_, err := c.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepVisit, Note: "当天上门核查"})
			return err
		},
		func() error {
			_, err := c.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepGuardian, Note: "已联系父母"})
			return err
		},
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return fmt.Errorf("demo alert: %w", err)
		}
	}
	closed := &shequ.Case{ResidentID: people[0].ResidentID, Area: shequ.AreaCare, Origin: shequ.OriginAlert,
		AlertID: r.AlertID, Summary: "祖母住院期间无人照料，需临时照护与课后托管"}
	if err := d.caseFlow(ctx, closed, 58, true); err != nil {
		return err
	}
	if _, err := c.RecordAlertStep(dir, r.AlertID, shequ.AlertStepInput{Kind: shequ.StepClose, Note: "已开案跟进，孩子由亲属照看"}); err != nil {
		return fmt.Errorf("demo alert close: %w", err)
	}
	// An open case in services.
	open := &shequ.Case{ResidentID: people[2].ResidentID, Area: shequ.AreaCare, Origin: shequ.OriginCare,
		Summary: "学习困难、情绪低落，需学业辅导与心理关爱"}
	if err := d.caseFlow(ctx, open, 30, false); err != nil {
		return err
	}
	// A case of the demo community, kept by demo-worker, at intake.
	d.at(5)
	mine := &shequ.Case{ResidentID: people[12].ResidentID, Area: shequ.AreaCare, Origin: shequ.OriginCare,
		Summary: "父母离异后随祖母生活，近期成绩下滑、不愿上学"}
	if err := c.OpenCase(d.as(ctx, "demo-worker"), mine); err != nil {
		return fmt.Errorf("demo case of the demo community: %w", err)
	}
	if err := c.AddCaseNote(d.as(ctx, "demo-worker"), mine.ID, &shequ.CaseNote{Kind: shequ.NoteIntake,
		Body: "接案：与祖母面谈，了解孩子学习与情绪情况"}); err != nil {
		return fmt.Errorf("demo case note: %w", err)
	}
	// A report two days ago that nobody acknowledged: the sweep escalates it.
	d.at(2)
	r2 := &shequ.CareReport{Community: Lujia, ReporterKind: shequ.ReporterVillager, Where: "鲁家村5组",
		Concern: shequ.ConcernNeglect, Details: "邻居家老人和孙子经常没饭吃，孩子衣服单薄。"}
	if err := c.SubmitReport(anon, r2); err != nil {
		return fmt.Errorf("demo report 2: %w", err)
	}
	return nil
}

// caseFlow opens a case days ago and takes it through the approvals,
// to closure when close is set.
func (d *careDemo) caseFlow(ctx context.Context, k *shequ.Case, days int, close bool) error {
	c := d.s.Care
	dir, sup := d.as(ctx, "demo-childdir"), d.as(ctx, "demo-supervisor")
	d.at(days)
	if err := c.OpenCase(dir, k); err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	var org []*shequ.SocialOrg
	if d.s.Orgs != nil {
		var err error
		if org, _, err = d.s.Orgs.FindOrgs(d.as(ctx, "demo-supervisor"), shequ.OrgFilter{Community: "330523001",
			Status: shequ.OrgActive, Limit: 1}); err != nil {
			return err
		}
	}
	type step func() error
	note := func(kind shequ.CaseNoteKind, body string) step {
		return func() error {
			n := &shequ.CaseNote{Kind: kind, Body: body}
			if kind == shequ.NoteService {
				n.Function, n.Minutes = shequ.FuncComfort, 60
			}
			return c.AddCaseNote(dir, k.ID, n)
		}
	}
	move := func(to shequ.CaseStatus) step {
		return func() error { _, err := c.MoveCase(dir, k.ID, to, ""); return err }
	}
	ask := func(stage shequ.ApprovalStage) step {
		return func() error { _, err := c.RequestApproval(dir, k.ID, stage, "请审核"); return err }
	}
	approve := func() step {
		return func() error { _, err := c.DecideApproval(sup, k.ID, shequ.ApprovalDecision{Approve: true}); return err }
	}
	steps := []step{note(shequ.NoteIntake, "接案，了解家庭情况"), move(shequ.CaseAssessment),
		note(shequ.NoteAssessment, "监护能力不足，存在照料缺口"), ask(shequ.ApproveAssessment), approve(),
		note(shequ.NotePlan, "每周走访一次，链接课后托管服务"), ask(shequ.ApprovePlan), approve()}
	if len(org) > 0 {
		steps = append(steps, func() error {
			return c.ReferCase(dir, k.ID, &shequ.Referral{Target: shequ.ReferToOrg, OrgID: org[0].ID, Note: "请安排课后托管"})
		})
	}
	steps = append(steps, note(shequ.NoteService, "陪伴谈心，孩子情绪好转"))
	if close {
		steps = append(steps, move(shequ.CaseReview), note(shequ.NoteReview, "目标基本达成"), ask(shequ.ApproveClosure), approve())
	}
	for i, f := range steps {
		d.at(days - i)
		if err := f(); err != nil {
			return fmt.Errorf("demo case step %d: %w", i, err)
		}
	}
	return nil
}

// service records social workers' service and a supervision session.
func (d *careDemo) service(ctx context.Context) error {
	sw := d.as(ctx, "demo-caseworker")
	for i, l := range []shequ.WorkLog{
		{Community: Kangshan, Method: shequ.MethodGroup, Area: shequ.AreaCare, Function: shequ.FuncCapacity, Minutes: 90,
			Beneficiary: shequ.ForGroup, Beneficiaries: 12, Notes: "留守儿童“四点半课堂”"},
		{Community: Lujia, Method: shequ.MethodCommunity, Area: shequ.AreaParticipation, Function: shequ.FuncIntegration,
			Minutes: 120, Beneficiary: shequ.ForCommunity, Beneficiaries: 40, Notes: "留守妇女互助小组启动"},
		{Community: Kangshan, Method: shequ.MethodGroup, Area: shequ.AreaCare, Function: shequ.FuncComfort, Minutes: 60,
			Beneficiary: shequ.ForGroup, Beneficiaries: 8, Notes: "留守老人生日会"},
	} {
		l.Date = d.at(20 - 5*i)
		if err := d.s.Care.RecordWorkLog(sw, &l); err != nil {
			return fmt.Errorf("demo service record: %w", err)
		}
	}
	d.at(3)
	return d.s.Care.RecordSupervision(d.as(ctx, "demo-supervisor"), &shequ.Supervision{WorkerUserID: d.users["demo-caseworker"].ID,
		Date: d.now.AddDate(0, 0, -3), Minutes: 60, Topic: "留守儿童小组工作督导", Notes: "建议增加家长远程参与环节"})
}

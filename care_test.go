package shequ

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Shanghai) }

func TestVisitFrequencyByRisk(t *testing.T) {
	last := day(2026, 11, 1)
	for _, tc := range []struct {
		risk RiskLevel
		want time.Time
	}{
		{RiskHigh, day(2026, 11, 8)},   // weekly
		{RiskMedium, day(2026, 12, 1)}, // monthly (30 days)
		{RiskLow, day(2027, 1, 30)},    // quarterly (90 days)
	} {
		got := NextVisitDue(last, DefaultVisitPolicy.Interval(tc.risk))
		if !got.Equal(tc.want) {
			t.Errorf("risk %d: next due %v, want %v", tc.risk, got, tc.want)
		}
	}
	// A custom county policy.
	p := VisitPolicy{County: "330523", Low: 60, Medium: 14, High: 3, GraceDays: 2}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := NextVisitDue(last, p.Interval(RiskHigh)); !got.Equal(day(2026, 11, 4)) {
		t.Errorf("custom high: %v", got)
	}
}

func TestVisitOverdueAndEscalation(t *testing.T) {
	due := day(2026, 11, 10)
	for _, tc := range []struct {
		now               time.Time
		overdue, escalate bool
		days              int
	}{
		{day(2026, 11, 10).Add(23 * time.Hour), false, false, 0}, // the due day itself is on time
		{day(2026, 11, 11), true, false, 1},
		{day(2026, 11, 17), true, false, 7}, // the last day of the 7-day grace
		{day(2026, 11, 18), true, true, 8},
	} {
		if got := VisitOverdue(due, tc.now); got != tc.overdue {
			t.Errorf("%v: overdue %v, want %v", tc.now, got, tc.overdue)
		}
		if got := VisitEscalationDue(due, DefaultVisitPolicy.GraceDays, tc.now); got != tc.escalate {
			t.Errorf("%v: escalate %v, want %v", tc.now, got, tc.escalate)
		}
		if got := DaysOverdue(due, tc.now); got != tc.days {
			t.Errorf("%v: %d days overdue, want %d", tc.now, got, tc.days)
		}
	}
}

func TestVisitPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		p  VisitPolicy
		ok bool
	}{
		{DefaultVisitPolicy, true},
		{VisitPolicy{Low: 30, Medium: 60, High: 7}, false}, // medium less often than low
		{VisitPolicy{Low: 90, Medium: 30, High: 0}, false},
		{VisitPolicy{Low: 400, Medium: 30, High: 7}, false},
		{VisitPolicy{Low: 90, Medium: 30, High: 7, GraceDays: 61}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.p, err)
		}
	}
}

// TestExitAt16 derives the exit proposal from the ID number's birth date.
func TestExitAt16(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	id, err := ParseIDNumber(idWithCheck("33052320101206001"), now)
	if err != nil {
		t.Fatal(err)
	}
	p := &CarePerson{Kind: CareChild, Status: CareActive, BirthDate: id.BirthDate()}
	if !p.ExitAgeDate().Equal(day(2026, 12, 6)) {
		t.Errorf("exit age date %v", p.ExitAgeDate())
	}
	if !p.ShouldProposeExit(now) {
		t.Error("a child turning 16 today is not proposed for exit")
	}
	if p.ShouldProposeExit(day(2026, 12, 5)) {
		t.Error("proposed the day before the 16th birthday")
	}
	p.Status = CareExitProposed
	if p.ShouldProposeExit(now) {
		t.Error("proposed twice")
	}
	adult := &CarePerson{Kind: CareElderly, Status: CareActive, BirthDate: day(1950, 1, 1)}
	if adult.ShouldProposeExit(now) {
		t.Error("an elderly person is proposed for the children's exit")
	}
	// The exit for age is refused before 16.
	e := CareExit{Cause: ExitAge16, On: day(2026, 12, 5)}
	if err := e.Validate(&CarePerson{Kind: CareChild, BirthDate: id.BirthDate()}, now); err == nil {
		t.Error("exit for age accepted before 16")
	}
	e.On = now
	if err := e.Validate(&CarePerson{Kind: CareChild, BirthDate: id.BirthDate()}, now); err != nil {
		t.Errorf("exit at 16: %v", err)
	}
}

// idWithCheck appends the check character to 17 digits.
func idWithCheck(first17 string) string { return first17 + string(IDCheckChar(first17)) }

func TestCarePersonValidate(t *testing.T) {
	assessed := day(2026, 10, 1)
	good := func() *CarePerson {
		return &CarePerson{ResidentID: "r", Kind: CareChild, Reason: ReasonBothParentsAway, Risk: RiskMedium,
			RiskReason: "祖父年迈", Guardian: Guardian{Name: "王奶奶", Relation: "祖母", Capacity: CapacityPartial,
				AssessedOn: &assessed, AssessedBy: "李主任"}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(p *CarePerson)
		field string
	}{
		{"ok", func(*CarePerson) {}, ""},
		{"no resident", func(p *CarePerson) { p.ResidentID = "" }, "resident_id"},
		{"reason of another kind", func(p *CarePerson) { p.Reason = ReasonChildrenAway }, "reason"},
		{"risk 4", func(p *CarePerson) { p.Risk = 4 }, "risk"},
		{"medium without reason", func(p *CarePerson) { p.RiskReason = " " }, "risk_reason"},
		{"no guardian", func(p *CarePerson) { p.Guardian.Name = "" }, "guardian_name"},
		{"no relation", func(p *CarePerson) { p.Guardian.Relation = "" }, "guardian_relation"},
		{"result without date", func(p *CarePerson) { p.Guardian.AssessedOn = nil }, "guardian_assessed_on"},
		{"unknown capacity", func(p *CarePerson) { p.Guardian.Capacity = "so-so" }, "guardian_capacity"},
		{"no assessor", func(p *CarePerson) { p.Guardian.AssessedBy = "" }, "guardian_assessed_by"},
		{"long school", func(p *CarePerson) { p.School = string(make([]rune, 501)) }, "school"},
	} {
		p := good()
		tc.edit(p)
		err := p.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !hasField(err, tc.field) {
			t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
		}
	}
	// An adult needs no guardian.
	w := &CarePerson{ResidentID: "r", Kind: CareWoman, Reason: ReasonSpouseAway, Risk: RiskLow}
	if err := w.Validate(); err != nil {
		t.Errorf("woman: %v", err)
	}
}

// hasField reports whether err has a field error on field.
func hasField(err error, field string) bool {
	e := AsError(err)
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

func TestVisitRaisesAlert(t *testing.T) {
	child := &CarePerson{Kind: CareChild, BirthDate: day(2015, 3, 1), CreatedAt: day(2026, 1, 1)}
	v := &Visit{Mode: VisitHome, Date: day(2026, 11, 1), LivingAlone: true, Needs: []CareNeedKind{NeedTutoring, NeedAfterSchool, NeedTutoring}}
	if err := v.Validate(child, day(2026, 11, 2)); err != nil {
		t.Fatal(err)
	}
	if len(v.Needs) != 2 || v.Needs[0] != NeedAfterSchool {
		t.Errorf("needs not sorted and deduplicated: %v", v.Needs)
	}
	if !v.RaisesAlert(child) {
		t.Error("a child living alone raises no alert")
	}
	v.LivingAlone = false
	if v.RaisesAlert(child) {
		t.Error("alert without living alone")
	}
	old := &CarePerson{Kind: CareElderly, BirthDate: day(1940, 1, 1)}
	v.LivingAlone = true
	if v.RaisesAlert(old) {
		t.Error("an elderly person living alone raises the children's alert")
	}
	future := &Visit{Mode: VisitHome, Date: day(2026, 11, 3)}
	if err := future.Validate(child, day(2026, 11, 2)); !hasField(err, "date") {
		t.Errorf("visit in the future: %v", err)
	}
	if err := (&Visit{Mode: "drone", Date: day(2026, 11, 1)}).Validate(child, day(2026, 11, 2)); !hasField(err, "mode") {
		t.Errorf("unknown mode: %v", err)
	}
}

func TestAlertWorkflow(t *testing.T) {
	raised := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := &CareAlert{Status: AlertOpen, RaisedAt: raised, AckDue: raised.Add(AlertAckWindow)}
	if a.AckOverdue(raised.Add(23 * time.Hour)) {
		t.Error("overdue within 24 h")
	}
	if !a.AckOverdue(raised.Add(24*time.Hour + time.Second)) {
		t.Error("not overdue after 24 h")
	}
	if err := a.CanTransition(AlertClosed); ErrorCode(err) != EConflict {
		t.Errorf("closed before acknowledgement: %v", err)
	}
	if err := a.CanTransition(AlertAcknowledged); err != nil {
		t.Error(err)
	}
	ack := raised.Add(90 * time.Minute)
	a.Status, a.AcknowledgedAt = AlertAcknowledged, &ack
	if a.ResponseTime() != 90*time.Minute || a.AckOverdue(raised.Add(48*time.Hour)) {
		t.Errorf("response %v", a.ResponseTime())
	}
	if err := a.CanTransition(AlertClosed); err != nil {
		t.Error(err)
	}
	for _, in := range []AlertStepInput{{Kind: StepClose}, {Kind: StepAcknowledge, Note: "x"}, {Kind: "lunch"}} {
		if err := in.Validate(); err == nil {
			t.Errorf("step %+v accepted", in)
		}
	}
	if err := (&AlertStepInput{Kind: StepPolice, Note: "已报警"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestReportValidate(t *testing.T) {
	r := &CareReport{Community: "330523001205", ReporterKind: ReporterTeacher, Concern: ConcernLivingAlone,
		Where: "康山村5组", Details: "孩子连续一周独自在家，无人做饭。"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit  func(r *CareReport)
		field string
	}{
		{func(r *CareReport) { r.Community = "330523" }, "community"},
		{func(r *CareReport) { r.Concern = "" }, "concern"},
		{func(r *CareReport) { r.Details = "有事" }, "details"},
		{func(r *CareReport) { r.Where = "" }, "where"},
		{func(r *CareReport) { r.ChildAge = 18 }, "child_age"},
		{func(r *CareReport) { r.ReporterKind = "spy" }, "reporter_kind"},
	} {
		c := *r
		tc.edit(&c)
		if err := c.Validate(); !hasField(err, tc.field) {
			t.Errorf("want error on %s, got %v", tc.field, err)
		}
	}
}

// TestCaseWorkflow walks the table: the worker's moves, the approvals that
// move the case, and the refusals.
func TestCaseWorkflow(t *testing.T) {
	k := &Case{Status: CaseIntake}
	if err := k.CanRequest(ApproveAssessment); ErrorCode(err) != EConflict {
		t.Errorf("assessment approval requested at intake: %v", err)
	}
	if err := k.CanTransition(CaseAssessment); err != nil {
		t.Fatal(err)
	}
	k.Status = CaseAssessment
	for _, step := range []struct {
		stage ApprovalStage
		from  CaseStatus
		to    CaseStatus
	}{
		{ApproveAssessment, CaseAssessment, CasePlan},
		{ApprovePlan, CasePlan, CaseServices},
	} {
		k.Status = step.from
		if err := k.CanRequest(step.stage); err != nil {
			t.Fatalf("%s: %v", step.stage, err)
		}
		if step.stage.Target() != step.to || !NeedsApproval(step.to) {
			t.Errorf("%s targets %s", step.stage, step.stage.Target())
		}
	}
	k.Status = CaseServices
	if err := k.CanRequest(ApprovePlan); ErrorCode(err) != EConflict {
		t.Errorf("plan approval in services: %v", err)
	}
	if err := k.CanTransition(CaseReview); err != nil {
		t.Fatal(err)
	}
	k.Status = CaseReview
	if NeedsApproval(CaseReview) {
		t.Error("review needs approval")
	}
	if err := k.CanRequest(ApproveClosure); err != nil {
		t.Fatal(err)
	}
	k.Pending = &Approval{Stage: ApproveClosure, Status: ApprovalRequested}
	if err := k.CanRequest(ApproveClosure); ErrorCode(err) != EConflict {
		t.Errorf("second request while one waits: %v", err)
	}
	k.Pending, k.Status = nil, CaseClosed
	if err := k.CanRequest(ApproveClosure); ErrorCode(err) != EConflict {
		t.Errorf("closure of a closed case: %v", err)
	}
	for _, to := range CaseStatuses {
		if err := k.CanTransition(to); err == nil {
			t.Errorf("closed → %s allowed", to)
		}
	}
	if err := (&ApprovalDecision{Approve: false}).Validate(); !hasField(err, "reason") {
		t.Errorf("return without reason: %v", err)
	}
	if err := (&ApprovalDecision{Approve: true}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestCaseValidate(t *testing.T) {
	k := &Case{ResidentID: "r", Area: AreaCorrection, Origin: OriginJustice, Summary: "社区矫正对象，需就业支持"}
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	k.Area = AreaCare
	if err := k.Validate(); !hasField(err, "area") {
		t.Errorf("justice referral outside 社区矫正: %v", err)
	}
	k = &Case{ResidentID: "r", Area: AreaDrugRehab, Origin: OriginPolice, Summary: "x"}
	if err := k.Validate(); !hasField(err, "summary") {
		t.Errorf("short summary: %v", err)
	}
}

func TestReferralAndNotes(t *testing.T) {
	r := &Referral{Target: ReferToOrg, Note: "请提供课后托管"}
	if err := r.Validate(); !hasField(err, "org_id") {
		t.Errorf("org referral without org: %v", err)
	}
	r.OrgID = "o"
	if err := r.Validate(); err != nil {
		t.Error(err)
	}
	r.Status = ReferralPending
	if err := r.CanTransition(ReferralAccepted); err != nil {
		t.Error(err)
	}
	r.Status = ReferralAccepted
	if err := r.CanTransition(ReferralRefused); ErrorCode(err) != EConflict {
		t.Errorf("answered twice: %v", err)
	}
	if err := (&ReferralAnswer{}).Validate(); !hasField(err, "reason") {
		t.Errorf("refusal without reason: %v", err)
	}
	n := &CaseNote{Kind: NoteService, Body: "陪同就医"}
	if err := n.Validate(); !hasField(err, "function") {
		t.Errorf("service note without function: %v", err)
	}
	n = &CaseNote{Kind: NoteConference, Body: "讨论安置方案"}
	if err := n.Validate(); !hasField(err, "attendees") {
		t.Errorf("conference without attendees: %v", err)
	}
	if _, err := ValidateBreakGlassReason("看看"); !hasField(err, "reason") {
		t.Errorf("short break-the-glass reason: %v", err)
	}
}

func TestDutyValidate(t *testing.T) {
	worker := &User{Role: RoleCommunityWorker, Scope: "330523001"}
	for _, tc := range []struct {
		kind CareDutyKind
		div  string
		u    *User
		ok   bool
	}{
		{DutyChildDirector, "330523001205", worker, true},
		{DutyChildSupervisor, "330523001", worker, true},
		{DutyChildDirector, "330523001", worker, false},      // a director is of a community
		{DutyChildSupervisor, "330523001205", worker, false}, // a supervisor of a township
		{DutyChildDirector, "330523002201", worker, false},   // outside the account's scope
		{DutyChildDirector, "330523001205", &User{Role: RoleResident, Scope: "330523001205"}, false},
		{DutyChildDirector, "330523001205", nil, false},
	} {
		if err := ValidateDuty(tc.kind, tc.div, tc.u); (err == nil) != tc.ok {
			t.Errorf("%s %s %+v: %v", tc.kind, tc.div, tc.u, err)
		}
	}
	acc := CareAccess{Director: []string{"330523001205"}, Supervisor: []string{"330523002"}}
	for code, want := range map[string]bool{"330523001205": true, "330523001206": false, "330523002201": true} {
		if acc.Covers(code) != want {
			t.Errorf("covers %s: %v", code, !want)
		}
	}
}

func TestWorkLogValidate(t *testing.T) {
	today := day(2026, 12, 6)
	l := &WorkLog{Method: MethodGroup, Area: AreaCare, Function: FuncCapacity, Minutes: 90, Date: today,
		Beneficiary: ForGroup, Beneficiaries: 12}
	if err := l.Validate(today); err != nil {
		t.Fatal(err)
	}
	p := &WorkLog{Method: MethodIndividual, Area: AreaCare, Function: FuncComfort, Minutes: 3, Date: today.AddDate(0, 0, 1),
		Beneficiary: ForPerson}
	err := p.Validate(today)
	for _, f := range []string{"minutes", "date", "resident_id"} {
		if !hasField(err, f) {
			t.Errorf("want error on %s: %v", f, err)
		}
	}
}

func FuzzReportValidate(f *testing.F) {
	f.Add("330523001205", "teacher", "living_alone", "康山村", "孩子独自在家", "张三", 8)
	f.Fuzz(func(t *testing.T, community, kind, concern, where, details, name string, age int) {
		r := &CareReport{Community: community, ReporterKind: ReporterKind(kind), Concern: Concern(concern), Where: where,
			Details: details, ChildName: name, ChildAge: age}
		if err := r.Validate(); err == nil {
			if len(r.Community) != 12 || r.ChildAge < 0 || r.ChildAge > 17 || !oneOf(r.Concern, Concerns) {
				t.Errorf("accepted %+v", r)
			}
		}
	})
}

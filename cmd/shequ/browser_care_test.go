//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ"
	"shequ/internal/config"
)

// TestBrowserCareJourney is the journey (issue 16) in the browser:
// a teacher without an account reports a child living alone; the 儿童主任
// is alerted, acknowledges, takes the child into care, visits and opens a
// case; the 儿童督导员 approves the assessment and the plan; a referral to
// an organization is accepted by its keeper; the case closes with the
// supervisor's approval; a second report left unacknowledged escalates to
// the county after 24 hours (the care clock moves), where the official
// sees it and reads the case only by giving a reason. Each role's pages
// are captured at 1366 and 390 pixels (on SQLite; the pages are the same
// on PostgreSQL, where the journey runs again without captures).
func TestBrowserCareJourney(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { careJourney(t, engine) })
	}
}

// careJourney is TestBrowserCareJourney on one engine.
func careJourney(t *testing.T, engine string) {
	dsn := browserDB(t, engine)
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const pass = "correct horse battery staple"
	const village = "330523001205" // 康山村
	for _, u := range [][3]string{{"director", "community_worker", village}, {"supervisor", "official", "330523001"},
		{"county", "official", "330523"}, {"keeper", "org_member", "330523001"}, {"socialwk", "social_worker", "330523001"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1], "-scope", u[2],
			"-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	clock := &movableClock{}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard, CareNow: clock.Now}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()

	// Duties, the child and the grandmother, the organization.
	cctx := cliContext(context.Background())
	user := func(name string) *shequ.User {
		u, err := m.svc.users.FindUserByUsername(cctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if _, err := m.svc.care.AssignDuty(cctx, user("supervisor").ID, shequ.DutyChildSupervisor, "330523001"); err != nil {
		t.Fatal(err)
	}
	child := &shequ.Resident{Name: "陈小雨", IDNumber: shequ.IDNumber(idFor("33052320160412131")), Community: village}
	grandma := &shequ.Resident{Name: "陈奶奶", IDNumber: shequ.IDNumber(idFor("33052319500101202")), Community: village}
	for _, r := range []*shequ.Resident{child, grandma} {
		if err := m.svc.residents.CreateResident(cctx, r); err != nil {
			t.Fatal(err)
		}
	}
	org := &shequ.SocialOrg{Name: "康山儿童之家服务社", Kind: shequ.OrgCharity, Community: village, LegalStatus: shequ.LegalFiled,
		FiledWith: "330523001", Status: shequ.OrgActive, Members: 12, OwnerUserIDs: []string{user("keeper").ID}}
	if err := m.svc.orgs.CreateOrg(cctx, org); err != nil {
		t.Fatal(err)
	}
	// The social worker is in the register with their account, so that the
	// supervisor can pick them.
	sw := &shequ.SocialWorker{Name: "林社工", Community: village, Qualification: shequ.QualSocial, CertNumber: "S0000016",
		CertYear: 2021, EmployerKind: shequ.EmployerOrg, EmployerOrgID: org.ID, IDNumber: shequ.IDNumber(idFor("33052319900101123")),
		UserID: user("socialwk").ID}
	if err := m.svc.workers.CreateWorker(cctx, sw); err != nil {
		t.Fatal(err)
	}

	// Every change of account signs out on the page; the pages are
	// captured on SQLite alone.
	ui := newJourney(t, base, pass, 7*time.Minute)
	ui.switchSignsOut, ui.noShots = signOutEvery, engine != "sqlite"
	ctx := ui.ctx
	do, text, submit, shot, as := ui.do, ui.text, ui.submit, ui.shots, ui.as
	report := func(details string) string {
		t.Helper()
		do("report form", chromedp.Navigate(base+"/care/report"), chromedp.WaitVisible(chromedp.ID("care-q")),
			chromedp.SendKeys(chromedp.ID("care-q"), "康山"), chromedp.Click(chromedp.ID("care-q-submit")),
			chromedp.WaitVisible(chromedp.ID("care-place-"+village)), chromedp.Click(chromedp.ID("care-place-"+village)),
			chromedp.SetValue(chromedp.ID("care-concern"), "living_alone"),
			chromedp.SendKeys(chromedp.ID("care-where"), "康山村3组12号"),
			chromedp.SendKeys(chromedp.ID("care-details"), details),
			chromedp.SendKeys(chromedp.ID("care-child"), "小雨"),
			chromedp.SetValue(chromedp.ID("care-kind"), "teacher"),
			chromedp.SendKeys(chromedp.ID("care-org"), "康山小学"))
		return ""
	}

	// 0. The county official names the 儿童主任 of 康山村 on the duties
	// page: the village shows without one; a township is refused for the
	// duty of a village, with the error beside the field.
	as("county")
	do("duties", chromedp.Navigate(base+"/care/duties"), chromedp.WaitVisible(chromedp.ID("care-duty-form")))
	if row := text("#care-duties-row-" + village); !strings.Contains(row, "未配备") {
		t.Errorf("康山村 before naming: %q", row)
	}
	do("duty: a township for a village's duty", chromedp.SetValue(chromedp.ID("care-duty-user"), user("director").ID),
		chromedp.SetValue(chromedp.ID("care-duty-kind"), string(shequ.DutyChildDirector)),
		chromedp.SetValue(chromedp.ID("care-duty-division"), "330523001"),
		chromedp.Click(chromedp.ID("care-duty-submit")), chromedp.WaitVisible(chromedp.ID("care-duty-division-error")))
	do("duty: the village", chromedp.SetValue(chromedp.ID("care-duty-division"), village))
	submit("name the director", chromedp.Click(chromedp.ID("care-duty-submit")), "notice")
	if row := text("#care-duties-row-" + village); !strings.Contains(row, "director") || strings.Contains(row, "未配备") {
		t.Errorf("康山村 after naming: %q", row)
	}
	shot("care-duties-official")
	ui.logout()

	// 1. The teacher, without an account, reports.
	report("孩子连续一周放学后独自在家，晚上无人照看。")
	shot("care-report-anonymous")
	submit("send report", chromedp.Click(chromedp.ID("care-report-submit")), "care-report-token")
	token := text("#care-report-token")
	number := text("#care-report-number")
	shot("care-receipt-anonymous")
	do("track", chromedp.Navigate(base+"/care/track"), chromedp.SendKeys(chromedp.ID("care-token"), token))
	submit("track", chromedp.Click(chromedp.ID("care-track-submit")), "care-track-state")
	if st := text("#care-track-number"); st != number {
		t.Errorf("tracking shows %q, want %q", st, number)
	}
	shot("care-track-anonymous")

	// 2. The 儿童主任 is alerted, acknowledges, registers and visits.
	as("director")
	do("alerts", chromedp.Navigate(base+"/care/alerts"), chromedp.WaitVisible(chromedp.ID("care-alerts-table")))
	shot("care-alerts-director")
	// The director was told of the duty and of the alert; the
	// notification leads to the alert.
	do("notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if n := text(`#notifications li[data-kind="care_duty_assigned"]`); !strings.Contains(n, "儿童主任") {
		t.Errorf("duty notification %q", n)
	}
	shot("care-notifications-director")
	submit("open alert", chromedp.Click(chromedp.CSS(`#notifications li[data-kind="care_alert_raised"] a`)), "care-alert-ack")
	if d := text("#care-alert-details"); !strings.Contains(d, "独自在家") {
		t.Errorf("alert details %q", d)
	}
	submit("acknowledge", chromedp.Click(chromedp.ID("care-alert-ack")), "care-step-form")
	alertURL, _ := chromedp.Run(ctx, chromedp.Location())
	alertURL, _, _ = strings.Cut(alertURL, "?")
	do("step: home check", chromedp.SetValue(chromedp.ID("care-step-kind"), "visit"),
		chromedp.SendKeys(chromedp.ID("care-step-note"), "当天上门核查，孩子由邻居临时照看"))
	submit("step: home check", chromedp.Click(chromedp.ID("care-step-submit")), "notice")
	shot("care-alert-director")
	do("register the child", chromedp.Navigate(base+"/care/people/new"), chromedp.WaitVisible(chromedp.ID("care_person-form")),
		chromedp.SendKeys(chromedp.ID("care_person-resident-id"), child.Name),
		chromedp.SetValue(chromedp.ID("care_person-risk"), "3"),
		chromedp.SendKeys(chromedp.ID("care_person-risk-reason"), "祖母住院，孩子独居"),
		chromedp.SendKeys(chromedp.ID("care_person-guardian-resident-id"), grandma.Name),
		chromedp.SendKeys(chromedp.ID("care_person-guardian-relation"), "祖母"),
		chromedp.SendKeys(chromedp.ID("care_person-parents"), "父母在上海务工"))
	shot("care-person-form-director")
	submit("save the child", chromedp.Click(chromedp.ID("care_person-submit")), "care-visit-form")
	do("visit", chromedp.Click(chromedp.ID("care-need-after_school")),
		chromedp.SendKeys(chromedp.ID("care-visit-notes"), "冰箱空，已联系亲属"))
	submit("visit", chromedp.Click(chromedp.ID("care-visit-submit")), "care-visits")
	shot("care-person-director")

	// 3. The case, opened from the alert.
	do("open case", chromedp.Navigate(alertURL), chromedp.Click(chromedp.ID("care-alert-open-case")),
		chromedp.WaitVisible(chromedp.ID("care-case-form")),
		chromedp.SetValue(chromedp.ID("care-case-resident"), child.ID),
		chromedp.SendKeys(chromedp.ID("care-case-summary"), "祖母住院期间孩子独居，监护缺失"))
	submit("open case", chromedp.Click(chromedp.ID("care-case-submit")), "care-case-attrs")
	caseURL, _ := chromedp.Run(ctx, chromedp.Location())
	caseURL, _, _ = strings.Cut(caseURL, "?")
	note := func(kind, body string) {
		t.Helper()
		// The page before has a notice too: submit waits for the new page
		// (waiting for #notice alone raced the navigation).
		do("note "+kind, chromedp.SetValue(chromedp.ID("care-note-kind"), kind),
			chromedp.SendKeys(chromedp.ID("care-note-body"), body))
		submit("note "+kind, chromedp.Click(chromedp.ID("care-note-submit")), "notice")
	}
	request := func(stage string) {
		t.Helper()
		do("request "+stage, chromedp.SetValue(chromedp.ID("care-request-stage"), stage))
		submit("request "+stage, chromedp.Click(chromedp.ID("care-request-submit")), "care-case-pending")
	}
	approve := func(want string) {
		t.Helper()
		as("supervisor")
		do("queue", chromedp.Navigate(base+"/care/cases?pending=1"), chromedp.WaitVisible(chromedp.ID("care-cases-table")))
		do("approve", chromedp.Navigate(caseURL))
		submit("approve", chromedp.Click(chromedp.ID("care-approve")), "notice")
		if st := text("#care-case-status"); !strings.Contains(st, want) {
			t.Errorf("after approval the case is %q, want %s", st, want)
		}
		as("director")
		do("back to the case", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("care-case-attrs")))
	}
	note("intake", "接案：孩子独居一周，祖母住院")
	submit("to assessment", chromedp.Click(chromedp.ID("care-move-assessment")), "notice")
	note("assessment", "监护缺失，需临时照护与课后托管")
	request("assessment")
	shot("care-case-director")
	as("supervisor")
	do("supervisor's queue", chromedp.Navigate(base+"/care/cases?pending=1"), chromedp.WaitVisible(chromedp.ID("care-cases-table")))
	shot("care-queue-supervisor")
	do("supervisor's case", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("care-approve")))
	shot("care-case-supervisor")
	as("director")
	approve("计划")
	note("plan", "每周走访一次；链接课后托管")
	request("plan")
	approve("服务")
	do("refer", chromedp.SetValue(chromedp.ID("care-refer-org"), org.ID),
		chromedp.SendKeys(chromedp.ID("care-refer-note"), "请为孩子安排每日课后托管"))
	submit("refer", chromedp.Click(chromedp.ID("care-refer-submit")), "notice")

	// 4. The organization accepts; it sees what is asked, not the notes.
	as("keeper")
	do("referrals", chromedp.Navigate(base+"/care/referrals"), chromedp.WaitVisible(chromedp.ID("care-referrals")))
	shot("care-referrals-keeper")
	submit("accept", chromedp.Click(chromedp.Search(`//button[starts-with(@id, "care-referral-accept-")]`)), "notice")
	do("keeper cannot read the case", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("page-title")))
	if body := text("main"); strings.Contains(body, "祖母住院") {
		t.Error("the organization reads the case notes")
	}

	// 5. Services, review, closure with approval.
	as("director")
	do("case again", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("care-case-referrals")))
	if refs := text("#care-case-referrals"); !strings.Contains(refs, "已接收") {
		t.Errorf("referral not accepted: %q", refs)
	}
	note("review", "孩子由姑姑照看，参加课后托管")
	submit("to review", chromedp.Click(chromedp.ID("care-move-review")), "notice")
	request("closure")
	approve("结案")
	shot("care-case-closed-director")

	// 6. The social worker is not assigned: no case is listed, the file is
	// not found.
	as("socialwk")
	do("social worker's cases", chromedp.Navigate(base+"/care/cases"), chromedp.WaitVisible(chromedp.ID("care-cases-none")))
	shot("care-cases-socialworker")
	do("social worker and the case", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("page-title")))
	if body := text("main"); strings.Contains(body, "祖母住院") {
		t.Error("a social worker not assigned reads the case")
	}
	// The social worker records a group session in 康山村: too few minutes
	// come back beside the field; then it is saved and listed. The
	// supervisor records a supervision; the worker is told, and the
	// notification leads to the records.
	do("worklog: too short", chromedp.Navigate(base+"/care/worklogs"), chromedp.WaitVisible(chromedp.ID("care-log-form")),
		chromedp.SetValue(chromedp.ID("care-log-community"), village),
		chromedp.SetValue(chromedp.ID("care-log-method"), string(shequ.MethodGroup)),
		chromedp.SetValue(chromedp.ID("care-log-function"), string(shequ.FuncCapacity)),
		chromedp.SendKeys(chromedp.ID("care-log-minutes"), "2"),
		chromedp.SetValue(chromedp.ID("care-log-beneficiary"), string(shequ.ForGroup)),
		chromedp.SendKeys(chromedp.ID("care-log-beneficiaries"), "12"),
		chromedp.SendKeys(chromedp.ID("care-log-notes"), "课后托管小组：作业辅导与安全教育"),
		chromedp.Click(chromedp.ID("care-log-submit")), chromedp.WaitVisible(chromedp.ID("care-log-minutes-error")))
	do("worklog: minutes", chromedp.SetValue(chromedp.ID("care-log-minutes"), "90"))
	submit("save the service", chromedp.Click(chromedp.ID("care-log-submit")), "notice")
	if logs := text("#care-logs"); !strings.Contains(logs, "小组工作") || !strings.Contains(logs, "90") {
		t.Errorf("service records %q", logs)
	}
	// Social workers are supervised, not supervisors: no supervision form.
	if none, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("care-sup-form") === null`)); err != nil || !none {
		t.Errorf("the social worker sees the supervision form (%v)", err)
	}
	shot("care-worklogs-socialworker")
	as("supervisor")
	do("supervision", chromedp.Navigate(base+"/care/worklogs"), chromedp.WaitVisible(chromedp.ID("care-sup-form")),
		chromedp.SetValue(chromedp.ID("care-sup-worker"), user("socialwk").ID),
		chromedp.SendKeys(chromedp.ID("care-sup-topic"), "课后托管小组的设计"))
	submit("save the supervision", chromedp.Click(chromedp.ID("care-sup-submit")), "notice")
	shot("care-worklogs-supervisor")
	as("socialwk")
	do("the worker's notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	submit("open the supervision", chromedp.Click(chromedp.CSS(`#notifications li[data-kind="supervision_recorded"] a`)), "care-sups")
	if sups := text("#care-sups"); !strings.Contains(sups, "课后托管小组的设计") {
		t.Errorf("supervision records %q", sups)
	}

	// 7. A second report nobody acknowledges: 24 hours later the sweep
	// escalates it to the county.
	ui.signOut()
	report("邻居家孩子经常没饭吃，衣服单薄。")
	submit("send report 2", chromedp.Click(chromedp.ID("care-report-submit")), "care-report-token")
	clock.Add(25 * time.Hour)
	res, err := m.svc.care.Sweep(context.Background())
	if err != nil || res.AlertsEscalated != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	as("county")
	do("county alerts", chromedp.Navigate(base+"/care/alerts"), chromedp.WaitVisible(chromedp.ID("care-alerts-table")))
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#care-alerts-table tbody tr")))
	if err != nil || len(rows) != 1 || !strings.Contains(text("#care-alerts-table"), "已上报县级") {
		t.Errorf("the county sees %d alerts (%v), want the escalated one alone", len(rows), err)
	}
	shot("care-alerts-official")
	do("county official and the case", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.ID("page-title")))
	if body := text("main"); strings.Contains(body, "祖母住院") {
		t.Error("the official reads the case without a reason")
	}
	do("break the glass", chromedp.Navigate(caseURL+"/break-glass"), chromedp.WaitVisible(chromedp.ID("care-glass-form")),
		chromedp.SendKeys(chromedp.ID("care-glass-reason"), "县级核查监护缺失线索，需要查看个案记录"))
	submit("break the glass", chromedp.Click(chromedp.ID("care-glass-submit")), "care-glass-recorded")
	if notes := text("#care-case-notes"); !strings.Contains(notes, "祖母住院") {
		t.Errorf("break-the-glass shows %q", notes)
	}
	shot("care-glass-official")
	bg, err := m.svc.care.FindBreakGlass(shequ.WithActor(context.Background(), &shequ.Actor{UserID: "a", Role: shequ.RoleAuditor}), "", 10)
	if err != nil || len(bg) != 1 || bg[0].UserName != "county" {
		t.Errorf("break-the-glass register %+v %v", bg, err)
	}
}

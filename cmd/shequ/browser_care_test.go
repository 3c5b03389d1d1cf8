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
	ctx := browserFor(t, 5*time.Minute)
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
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, t.TempDir()
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
	if _, err := m.svc.care.AssignDuty(cctx, user("director").ID, shequ.DutyChildDirector, village); err != nil {
		t.Fatal(err)
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

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Logf("%s: %v", what, err)
			t.Logf("screenshot: %s", screenshot(t, ctx, "care-failed.png"))
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\n%s", what, err, html)
		}
	}
	// text reads an element's text; a node replaced between the lookup and
	// the read (a loaded machine finishing the page's load) is read again.
	text := func(sel string) string {
		t.Helper()
		var err error
		for range 5 {
			var s string
			if s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
				return strings.TrimSpace(s)
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("text of %s: %v", sel, err)
		return ""
	}
	// submit clicks (a form's button, a link) and waits for the next page:
	// a document loaded after the click (the one before is marked, so that
	// a node both pages have, like the notice, is not taken from the old
	// one) with the node want, or the form back with its errors, which
	// fails at once with them rather than waiting for a node that never
	// comes.
	submit := func(what string, click chromedp.Action[chromedp.Void], want string) {
		t.Helper()
		do(what+" (mark the page)", chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = "1"`), click)
		probe := `(() => {
			const d = document.documentElement;
			if (d.dataset.stale || document.readyState === "loading") return "";
			if (document.querySelector("#` + want + `")) return "ok";
			const e = document.getElementById("form-error");
			if (!e) return "";
			return [e, ...document.querySelectorAll(".field-error")].map(x => x.innerText).join(" | ");
		})()`
		var got string
		for deadline := time.Now().Add(2 * time.Minute); got == ""; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Logf("screenshot: %s", screenshot(t, ctx, "care-failed.png"))
				t.Fatalf("%s: no new page with #%s within 2 minutes", what, want)
			}
			got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](probe)) // fails while the page changes: try again
		}
		if got != "ok" {
			t.Logf("screenshot: %s", screenshot(t, ctx, "care-failed.png"))
			t.Fatalf("%s: the form came back: %s", what, got)
		}
		do(what+": "+want, chromedp.WaitVisible(chromedp.ID(want)))
	}
	// shot captures the page at 1366 and at 390 pixels.
	shot := func(name string) {
		t.Helper()
		if engine != "sqlite" {
			return
		}
		do("wide", chromedp.EmulateViewport(1366, 900))
		t.Logf("screenshot: %s", screenshot(t, ctx, name+"-1366.png"))
		do("narrow", chromedp.EmulateViewport(390, 844))
		t.Logf("screenshot: %s", screenshot(t, ctx, name+"-390.png"))
		do("wide again", chromedp.EmulateViewport(1366, 900))
	}
	signedIn := false
	as := func(name string) {
		t.Helper()
		if signedIn {
			do("sign out", chromedp.Navigate(base+"/"))
			submit("sign out", chromedp.Click(chromedp.ID("logout")), "nav-login")
		}
		do("sign in as "+name, append(signIn(base, name, pass), chromedp.WaitVisible(chromedp.ID("logout")))...)
		signedIn = true
	}
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
	submit("open alert", chromedp.Click(chromedp.Search(`//table[@id="care-alerts-table"]//a`)), "care-alert-ack")
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
		do("note "+kind, chromedp.SetValue(chromedp.ID("care-note-kind"), kind),
			chromedp.SendKeys(chromedp.ID("care-note-body"), body),
			chromedp.Click(chromedp.ID("care-note-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	}
	request := func(stage string) {
		t.Helper()
		do("request "+stage, chromedp.SetValue(chromedp.ID("care-request-stage"), stage),
			chromedp.Click(chromedp.ID("care-request-submit")), chromedp.WaitVisible(chromedp.ID("care-case-pending")))
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

	// 7. A second report nobody acknowledges: 24 hours later the sweep
	// escalates it to the county.
	if signedIn {
		do("sign out", chromedp.Navigate(base+"/"))
		submit("sign out", chromedp.Click(chromedp.ID("logout")), "nav-login")
		signedIn = false
	}
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

// idFor appends the check character to 17 digits of an ID number.
func idFor(first17 string) string { return first17 + string(shequ.IDCheckChar(first17)) }

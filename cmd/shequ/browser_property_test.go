//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/demo"
)

// TestBrowserPropertyJourney is the journey of issue 15 in the browser, on
// the demo of 安吉县 with the property clock movable: the demo resident
// finds their estate on /property and complains about 苕溪花园 (a
// blank description first: the field error); the community worker
// forwards it to 绿城物业 and inspects the estate, failing its fire lanes
// (a rectification order to the company); twenty days later the company
// answers in its own account, late; the property time rules (the periodic
// job's work) put the rectification overdue; the resident disputes the
// answer, which escalates the complaint to the street; the official is
// told (递铺街道's, the nearest) and upholds it. 绿城's score drops by exactly the configured points
// of the three bad records (complaint upheld, inspection failed,
// rectification overdue), its grade follows the score, and the public
// grade page names the records and no person. The company appeals the
// inspection record and the official upholds the appeal: the record stops
// counting and the score rises by its points. Each role's pages are
// captured at 1366 and 390 pixels.
func TestBrowserPropertyJourney(t *testing.T) {
	clock := &movableClock{}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", browserDB(t, "sqlite"), dataDir(t), true
	cfg.Security.LoginsPerMinute = 1000
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		DemoPrefix: demo.County, PropertyNow: clock.Now}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()
	p := m.svc.property
	// The browser's time runs from here: the demo took its own. Each
	// account signs in once; coming back to it puts its session back
	// (browserAccounts), the first change of account signs out on the page.
	j := newJourney(t, base, demo.Password, 8*time.Minute)
	j.switchSignsOut = signOutFirst
	ctx, do, text, attr, shot, as := j.ctx, j.do, j.text, j.attr, j.shots, j.as

	// 绿城 and 苕溪花园 as the street sees them, and the points the rules
	// give (the demo keeps the county's default settings).
	official := shequ.WithActor(cliContext(context.Background()),
		&shequ.Actor{UserID: "u-official", Username: "official", Role: shequ.RoleOfficial, Scope: demo.County})
	companies, _, err := p.FindCompanies(official, shequ.CompanyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var greens *shequ.PropertyCompany
	for _, c := range companies {
		if c.Name == "安吉绿城物业服务有限公司" {
			greens = c
		}
	}
	estates, _, err := p.FindEstates(official, shequ.EstateFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var estate *shequ.Estate
	for _, e := range estates {
		if e.Name == "苕溪花园" {
			estate = e
		}
	}
	if greens == nil || estate == nil {
		t.Fatalf("demo lacks 绿城 or 苕溪花园: %v %v", greens, estate)
	}
	before, err := p.CompanyCredit(context.Background(), greens.ID)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := p.Settings(official, estate.Community)
	if err != nil {
		t.Fatal(err)
	}
	lost := settings.Points[shequ.CreditComplaintUpheld] + settings.Points[shequ.CreditInspectionFailed] +
		settings.Points[shequ.CreditRectificationLate]
	if lost == 0 {
		t.Fatalf("no points configured: %v", settings.Points)
	}

	state := func(want shequ.ComplaintState) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(`#complaint-state[data-state="` + string(want) + `"]`))
	}

	// 1. The resident: their estate on the module's page, then the
	// complaint (a blank description is refused with a field error).
	as("demo-resident")
	do("overview", chromedp.Navigate(base+"/property"), chromedp.WaitVisible(chromedp.ID("my-estate")))
	if got := text("#my-estate"); got != "苕溪花园" {
		t.Errorf("resident's estate %q", got)
	}
	shot("property-resident")
	do("complaint form", chromedp.Click(chromedp.ID("property-complain")), chromedp.WaitVisible(chromedp.ID("complaint-form")),
		chromedp.SetValue(chromedp.ID("complaint-estate"), estate.ID),
		chromedp.SetValue(chromedp.ID("complaint-category"), string(shequ.ComplainSecurity)),
		chromedp.SendKeys(chromedp.ID("complaint-description"), "   "),
		chromedp.Click(chromedp.ID("complaint-submit")),
		chromedp.WaitVisible(chromedp.ID("complaint-description-error")))
	if v := attr("#complaint-estate option[selected]", "value"); v != estate.ID {
		t.Errorf("the refused form lost the estate: %q", v)
	}
	shot("complaint-form-error")
	const complaintText = "3幢楼道的声控灯坏了两个星期，晚上上下楼看不见，报修三次没人来。"
	do("file", chromedp.SendKeys(chromedp.ID("complaint-description"), complaintText),
		chromedp.Click(chromedp.ID("complaint-submit")), state(shequ.ComplaintAccepted))
	complaintURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	complaintURL, _, _ = strings.Cut(complaintURL, "?") // without the filing's notice
	number := text("#page-title")
	shot("complaint-resident")

	// 2. The community worker forwards it to the company and inspects the
	// estate: the fire lanes fail.
	as("demo-worker")
	do("forward", chromedp.Navigate(complaintURL), chromedp.WaitVisible(chromedp.ID("complaint-do-forwarded")))
	shot("complaint-worker")
	do("forwarded", chromedp.Click(chromedp.ID("complaint-do-forwarded")), state(shequ.ComplaintForwarded))
	do("inspection form", chromedp.Navigate(base+"/estates/"+estate.ID), chromedp.Click(chromedp.ID("inspection-new")),
		chromedp.WaitVisible(chromedp.ID("inspection-form")))
	fill := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.ID("inspection-inspectors"), "王芳、李明")}
	for _, item := range settings.Checklist {
		score := item.Max
		if item.Key == "fire_lanes" {
			score = item.Pass - 2
		}
		fill = append(fill, chromedp.SendKeys(chromedp.ID("inspection-"+item.Key), strconv.Itoa(score)))
	}
	fill = append(fill, chromedp.SendKeys(chromedp.ID("inspection-note-fire_lanes"), "东门消防通道停放私家车三辆，未设禁停标识。"))
	do("inspect", fill...)
	shot("inspection-form-worker")
	do("record inspection", chromedp.Click(chromedp.ID("inspection-submit")), chromedp.WaitVisible(chromedp.ID("inspection-result")),
		chromedp.WaitVisible(chromedp.CSS(`article.rectification[data-status="open"]`)))
	if got := text("#inspection-result"); !strings.Contains(got, "不合格") {
		t.Errorf("inspection result %q", got)
	}
	shot("inspection-worker")

	// 3. Twenty days on, the company answers in its own account: late.
	clock.Add(20 * 24 * time.Hour)
	as("demo-property2")
	do("staff overview", chromedp.Navigate(base+"/property"), chromedp.WaitVisible(chromedp.ID("my-company")))
	shot("property-staff")
	do("answer", chromedp.Navigate(complaintURL), chromedp.WaitVisible(chromedp.ID("complaint-text-answered")),
		chromedp.SendKeys(chromedp.ID("complaint-text-answered"), "已安排电工更换3幢声控灯，今后报修两日内上门。"),
		chromedp.Click(chromedp.ID("complaint-do-answered")), state(shequ.ComplaintAnswered),
		chromedp.WaitVisible(chromedp.ID("complaint-answer-late")))
	shot("complaint-staff")

	// 4. The time rules run (the periodic job's work): the rectification,
	// due 15 days after the inspection, is overdue.
	run, err := p.RunDeadlines(cliContext(context.Background()))
	if err != nil || run.RectificationsLate != 1 {
		t.Fatalf("deadlines: %+v (%v)", run, err)
	}

	// 5. The resident disputes the answer: escalated to the street.
	as("demo-resident")
	do("dispute", chromedp.Navigate(complaintURL), chromedp.WaitVisible(chromedp.ID("complaint-text-escalated_street")),
		chromedp.SendKeys(chromedp.ID("complaint-text-escalated_street"), "灯换了一个，另一个还是坏的。"),
		chromedp.Click(chromedp.ID("complaint-do-escalated_street")), state(shequ.ComplaintEscalatedStreet))

	// 6. The street's official (递铺街道's) is told, and upholds it.
	as("demo-supervisor")
	do("notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	fields := strings.Fields(number)
	if got := text("#notifications"); len(fields) == 0 || !strings.Contains(got, fields[len(fields)-1]+" 已提请街道处理") {
		t.Errorf("the street was not told of %s: %q", number, got)
	}
	shot("notifications-street")
	do("decide", chromedp.Navigate(complaintURL), chromedp.WaitVisible(chromedp.ID("complaint-verdict-upheld")),
		chromedp.Click(chromedp.ID("complaint-verdict-upheld")),
		chromedp.SendKeys(chromedp.ID("complaint-text-closed"), "经街道核实，物业答复超期且未全部修复，投诉成立。"))
	shot("complaint-official")
	do("upheld", chromedp.Click(chromedp.ID("complaint-do-closed")), state(shequ.ComplaintClosed),
		chromedp.WaitVisible(chromedp.CSS(`#complaint-verdict[data-verdict="upheld"]`)))

	// 7. The company's score and grade, on its page (the county's
	// official) and the public one.
	as("demo-official")
	want := before.Score - lost
	do("company page", chromedp.Navigate(base+"/property/companies/"+greens.ID), chromedp.WaitVisible(chromedp.ID("credit-score")))
	if got := attr("#credit-score", "data-score"); got != strconv.Itoa(want) {
		t.Errorf("score %s, want %d (%d − %d)", got, want, before.Score, lost)
	}
	if got := attr("#credit-grade", "data-grade"); got != string(shequ.GradeOf(want)) {
		t.Errorf("grade %s, want %s", got, shequ.GradeOf(want))
	}
	shot("company-official")
	j.logout()
	do("public page", chromedp.Navigate(base+"/public/property/"+greens.ID), chromedp.WaitVisible(chromedp.ID("credit-records")))
	for _, kind := range []shequ.CreditKind{shequ.CreditComplaintUpheld, shequ.CreditInspectionFailed, shequ.CreditRectificationLate} {
		if n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#credit-records tr[data-kind="`+string(kind)+`"][data-counts="true"]`))); err != nil || len(n) != 1 {
			t.Errorf("public page: %d counting records of %s (%v)", len(n), kind, err)
		}
	}
	if got := attr("#credit-score", "data-score"); got != strconv.Itoa(want) {
		t.Errorf("public score %s, want %d", got, want)
	}
	page := text("main")
	for _, private := range []string{complaintText, "王芳", "demo-resident", "13857"} {
		if strings.Contains(page, private) {
			t.Errorf("the public page shows %q", private)
		}
	}
	shot("public-company")

	// 8. The company appeals the inspection record; the official upholds
	// the appeal and the record stops counting.
	after, err := p.CompanyCredit(context.Background(), greens.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rec *shequ.CreditRecord
	for _, r := range after.Records {
		if r.Kind == shequ.CreditInspectionFailed && r.Counts(after.Day) {
			rec = r
		}
	}
	if rec == nil {
		t.Fatal("no inspection record")
	}
	as("demo-property2")
	do("appeal", chromedp.Navigate(base+"/property/companies/"+greens.ID), chromedp.Click(chromedp.ID("appeal-open-"+rec.ID)),
		chromedp.SendKeys(chromedp.ID("appeal-reason-"+rec.ID), "检查当日东门为临时施工车辆，已出具施工许可，非长期占用。"))
	shot("company-staff")
	do("appealed", chromedp.Click(chromedp.ID("appeal-submit-"+rec.ID)), chromedp.WaitVisible(chromedp.ID("notice")))
	appeals, err := p.FindAppeals(official, shequ.AppealSubmitted)
	if err != nil {
		t.Fatal(err)
	}
	var appealID string
	for _, ap := range appeals {
		if ap.RecordID == rec.ID {
			appealID = ap.ID
		}
	}
	if appealID == "" {
		t.Fatalf("no appeal of %s in %v", rec.ID, appeals)
	}
	as("demo-official")
	do("appeals", chromedp.Navigate(base+"/property/appeals"), chromedp.WaitVisible(chromedp.ID("appeal-"+appealID)),
		chromedp.SendKeys(chromedp.ID("appeal-text-"+appealID), "经复核施工许可属实，撤销该条检查记录。"))
	shot("appeals-official")
	do("answer appeal", chromedp.Click(chromedp.ID("appeal-uphold-"+appealID)), chromedp.WaitVisible(chromedp.ID("notice")),
		chromedp.Navigate(base+"/property/companies/"+greens.ID), chromedp.WaitVisible(chromedp.ID("credit-score")))
	if got := attr("#credit-score", "data-score"); got != strconv.Itoa(want+settings.Points[shequ.CreditInspectionFailed]) {
		t.Errorf("score after the appeal %s, want %d", got, want+settings.Points[shequ.CreditInspectionFailed])
	}

	// The community worker records a joint meeting: the community is the
	// worker's own (no code to type), the parties are ticked.
	as("demo-worker")
	do("meeting form", chromedp.Navigate(base+"/meetings/new"), chromedp.WaitVisible(chromedp.ID("meeting-form")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#meeting-form input[name="community_code"]:not([type="hidden"])').length`)); err != nil || n != 0 {
		t.Errorf("the meeting form asks for a community code (%d, %v)", n, err)
	}
	shot("meeting-form-worker")
}

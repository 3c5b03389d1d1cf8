//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ"
	"shequ/internal/config"
)

// TestBrowserCarePages walks the care pages beside the journey
// (issue 16), as each role that uses them: the county official sets the
// county's visit frequency (refused first with the error beside the field)
// and the 儿童主任 sees it without the form; the 儿童主任 confirms a
// suggested person into the care register from the suggestions page, the
// register's form opening with the person already picked (nobody types an
// id); a visit's finding goes into the needs pool from the person's page,
// with counts and no name; the county official imports the register
// without the right to reveal (people found by the blind index, numbers
// masked on the page); the 儿童主任 refers a case to a catalogue service
// item, which files a request the community's handler accepts. Pages are
// captured at 1366 and 390 pixels on SQLite.
func TestBrowserCarePages(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { carePages(t, engine) })
	}
}

// carePages is TestBrowserCarePages on one engine.
func carePages(t *testing.T, engine string) {
	dsn := browserDB(t, engine)
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const pass = "correct horse battery staple"
	const village = "330523001205" // 康山村
	for _, u := range [][3]string{{"director", "community_worker", village}, {"county", "official", "330523"},
		{"socialwk", "social_worker", "330523001"}, {"handler", "community_worker", village}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1], "-scope", u[2],
			"-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()
	cctx := cliContext(context.Background())
	director, err := m.svc.users.FindUserByUsername(cctx, "director")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.care.AssignDuty(cctx, director.ID, shequ.DutyChildDirector, village); err != nil {
		t.Fatal(err)
	}
	elder := &shequ.Resident{Name: "王秀英", IDNumber: shequ.IDNumber(idFor("33052319460305202")), Community: village,
		Tags: []shequ.Tag{shequ.TagLeftBehindElderly}}
	// Another 王秀英 of the village, not left behind: the service record's
	// person picker offers both.
	namesake := &shequ.Resident{Name: "王秀英", IDNumber: shequ.IDNumber(idFor("33052319800712202")), Community: village}
	for _, r := range []*shequ.Resident{elder, namesake} {
		if err := m.svc.residents.CreateResident(cctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Every change of account signs out on the page; the pages are
	// captured on SQLite alone.
	ui := newJourney(t, base, pass, 5*time.Minute)
	ui.switchSignsOut, ui.noShots = signOutEvery, engine != "sqlite"
	ctx := ui.ctx
	present := ui.present

	// 1. The county's visit frequency: an order that makes high risk
	// visited less often than medium is refused beside the field; the
	// frequency saved shows as the county's own.
	ui.as("county")
	ui.do("policy", chromedp.Navigate(base+"/care/policy"), chromedp.WaitVisible(chromedp.ID("care-policy-form")))
	if src := ui.text("#care-policy-source"); !strings.Contains(src, "默认") {
		t.Errorf("policy before: %q", src)
	}
	ui.shots("care-policy-official")
	ui.do("policy: wrong order", chromedp.SetValue(chromedp.ID("care-policy-high"), "40"),
		chromedp.SetValue(chromedp.ID("care-policy-medium"), "30"))
	ui.submit("policy: wrong order", chromedp.Click(chromedp.ID("care-policy-submit")), "care-policy-high-error")
	ui.shots("care-policy-error-official")
	ui.do("policy: right", chromedp.SetValue(chromedp.ID("care-policy-high"), "5"),
		chromedp.SetValue(chromedp.ID("care-policy-grace"), "3"))
	ui.submit("policy: save", chromedp.Click(chromedp.ID("care-policy-submit")), "notice")
	if src, tab := ui.text("#care-policy-source"), ui.text("#care-policy-table"); !strings.Contains(src, "已设定") ||
		!strings.Contains(tab, "5 天") || !strings.Contains(tab, "3 天") {
		t.Errorf("policy after: %q %q", src, tab)
	}
	if p, err := m.svc.care.VisitPolicyFor(cctx, village); err != nil || p.High != 5 || p.GraceDays != 3 || p.Medium != 30 {
		t.Errorf("stored policy %+v %v", p, err)
	}

	// 2. The 儿童主任 reads the frequency without the form, and confirms
	// the suggested elderly woman into the care register.
	ui.as("director")
	ui.do("policy as director", chromedp.Navigate(base+"/care/policy"), chromedp.WaitVisible(chromedp.ID("care-policy-table")))
	if present("#care-policy-form") {
		t.Error("the director sees the policy form")
	}
	ui.do("suggestions", chromedp.Navigate(base+"/care/candidates"), chromedp.WaitVisible(chromedp.ID("care-candidates")))
	card := ui.text("#care-candidate-" + elder.ID)
	if !strings.Contains(card, "王秀英") || !strings.Contains(card, "留守老人") || strings.Contains(card, "19460305") {
		t.Errorf("suggestion card %q", card)
	}
	ui.shots("care-candidates-director")
	ui.submit("confirm", chromedp.Click(chromedp.ID("care-candidate-confirm-"+elder.ID)), "care_person-form")
	picked := present(`input[name="resident_id__pick"][value="` + elder.ID + `"]:checked`)
	if !picked {
		t.Error("the suggested person is not picked on the form")
	}
	ui.shots("care-candidate-form-director")
	ui.submit("save", chromedp.Click(chromedp.ID("care_person-submit")), "care-visit-form")
	if h := ui.text("h1"); !strings.Contains(h, "王秀英") {
		t.Errorf("saved person page %q", h)
	}
	personURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	personURL, _, _ = strings.Cut(personURL, "?")
	ui.do("suggestions after", chromedp.Navigate(base+"/care/candidates"), chromedp.WaitVisible(chromedp.ID("care-candidates-none")))

	// 3. A visit finds a need; the 儿童主任 puts it into the needs pool from
	// the person's page: the need carries counts, never the name.
	ui.do("visit", chromedp.Navigate(personURL), chromedp.WaitVisible(chromedp.ID("care-visit-form")),
		chromedp.Click(chromedp.ID("care-need-daily_care")))
	ui.submit("visit", chromedp.Click(chromedp.ID("care-visit-submit")), "care-need-form")
	ui.shots("care-person-need-director")
	ui.submit("raise the need", chromedp.Click(chromedp.ID("care-need-submit")), "need-description")
	if title, desc := ui.text("h1"), ui.text("#need-description"); !strings.Contains(title, "生活照料（不足5人）") ||
		!strings.Contains(desc, "留守老人 不足5 人") || strings.Contains(title+desc, "王秀英") {
		t.Errorf("need from visits: %q %q", title, desc)
	}
	ui.shots("care-need-director")

	// 4. The social worker records a service to the elderly woman without a
	// case: her whole name finds two residents, the form comes back to pick
	// one, and the record is saved. The page has no supervision form.
	ui.as("socialwk")
	ui.do("service record", chromedp.Navigate(base+"/care/worklogs"), chromedp.WaitVisible(chromedp.ID("care-log-form")),
		chromedp.SetValue(chromedp.ID("care-log-community"), village),
		chromedp.SetValue(chromedp.ID("care-log-function"), string(shequ.FuncComfort)),
		chromedp.SendKeys(chromedp.ID("care-log-minutes"), "45"),
		chromedp.SendKeys(chromedp.ID("care-log-person"), "王秀英"),
		chromedp.Click(chromedp.ID("care-log-submit")), chromedp.WaitVisible(chromedp.ID("care-log-person-"+elder.ID)))
	if e := ui.text("#care-log-person-error"); !strings.Contains(e, "同名") {
		t.Errorf("namesakes: %q", e)
	}
	if present("#care-sup-form") {
		t.Error("the social worker sees the supervision form")
	}
	ui.shots("care-worklog-person-socialworker")
	ui.do("pick", chromedp.Click(chromedp.ID("care-log-person-"+elder.ID)))
	ui.submit("save the service", chromedp.Click(chromedp.ID("care-log-submit")), "notice")
	if logs := ui.text("#care-logs"); !strings.Contains(logs, "个案工作") || !strings.Contains(logs, "45") {
		t.Errorf("service records %q", logs)
	}
	ui.shots("care-worklogs-person-socialworker")

	// 5. The 儿童主任 imports the care register from a file: a row naming
	// nobody of the register refuses the whole file with its line; the
	// good file takes the namesake into care.
	ui.as("director")
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	head := "resident_id,kind,reason,risk,risk_reason\n"
	row := string(namesake.IDNumber) + ",留守妇女,配偶外出务工,1,\n"
	if err := os.WriteFile(bad, []byte(head+row+idFor("33052319700101301")+",留守老人,子女外出务工,2,独居\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(head+row), 0o600); err != nil {
		t.Fatal(err)
	}
	ui.do("import: bad file", chromedp.Navigate(base+"/care/people/import"), chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}))
	ui.submit("import: bad file", chromedp.Click(chromedp.ID("import-submit")), "import-errors")
	if e := ui.text("#import-errors"); !strings.Contains(e, "3") {
		t.Errorf("import errors %q", e)
	}
	ui.shots("care-import-errors-director")
	if _, n, err := m.svc.care.FindCarePersons(cliContext(context.Background()), shequ.CareFilter{}); err != nil || n != 1 {
		t.Errorf("after the refused file: %d people under care (%v)", n, err)
	}
	ui.do("import: good file", chromedp.Navigate(base+"/care/people/import"), chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}))
	ui.submit("import: good file", chromedp.Click(chromedp.ID("import-submit")), "import-report")
	ui.shots("care-import-director")
	if _, n, err := m.svc.care.FindCarePersons(cliContext(context.Background()), shequ.CareFilter{}); err != nil || n != 2 {
		t.Errorf("after the good file: %d people under care (%v)", n, err)
	}

	// 6. The county official, who may not reveal ID numbers and holds no
	// care duty, imports the register: the people are found by the blind
	// index; a number nobody of the county has refuses the file, its
	// line shown with the number masked; the good file is written.
	girl := &shequ.Resident{Name: "李小花", IDNumber: shequ.IDNumber(idFor("33052320150601202")), Community: village}
	if err := m.svc.residents.CreateResident(cctx, girl); err != nil {
		t.Fatal(err)
	}
	stranger := idFor("33052320140101101")
	childHead := "resident_id,kind,reason,risk,risk_reason,guardian_name,guardian_relation\n"
	girlRow := string(girl.IDNumber) + ",留守儿童,父母双方外出务工,3,父母在外省，祖父卧病,李大爷,祖父\n"
	if err := os.WriteFile(bad, []byte(childHead+girlRow+stranger+",留守儿童,父母双方外出务工,1,,王奶奶,祖母\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(childHead+girlRow), 0o600); err != nil {
		t.Fatal(err)
	}
	ui.as("county")
	ui.do("official import: bad file", chromedp.Navigate(base+"/care/people/import"), chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}))
	ui.submit("official import: bad file", chromedp.Click(chromedp.ID("import-submit")), "import-errors")
	if e := ui.text("#import-errors"); !strings.Contains(e, "3") || strings.Contains(e, stranger) ||
		!strings.Contains(e, shequ.Mask(shequ.PersonalIDNumber, stranger)) {
		t.Errorf("official's import errors %q", e)
	}
	if main := ui.text("main"); strings.Contains(main, string(girl.IDNumber)) {
		t.Errorf("the import page shows an ID number: %q", main)
	}
	ui.shots("care-import-errors-official")
	ui.do("official import: good file", chromedp.Navigate(base+"/care/people/import"), chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}))
	ui.submit("official import: good file", chromedp.Click(chromedp.ID("import-submit")), "import-report")
	ui.shots("care-import-official")
	if _, n, err := m.svc.care.FindCarePersons(cctx, shequ.CareFilter{}); err != nil || n != 3 {
		t.Errorf("after the official's file: %d people under care (%v)", n, err)
	}

	// 7. The 儿童主任 refers a case to a catalogue service item: the item is
	// picked from the list, its form shown and its required field answered;
	// the request is filed for the person and linked from the case; the
	// community's handler accepts it, and the referral reads accepted.
	item := &shequ.ServiceItem{Code: "MZ-101", Name: "困境儿童基本生活保障申请", Department: "县民政局", Category: "民政",
		Audience: "困境儿童", Conditions: "户籍在本县", TimeLimitDays: 10, Active: true,
		Channels:  []shequ.Channel{shequ.ChannelOnline, shequ.ChannelWindow},
		Materials: []shequ.Material{{Name: "户口簿", Form: shequ.MaterialCopy, Copies: 1, Required: true}},
		Form: []shequ.FormField{{Code: "guardian_phone", Label: "监护人联系电话", Type: shequ.FieldPhone, Required: true, Order: 1},
			{Code: "situation", Label: "家庭困难情况", Type: shequ.FieldText, Order: 2}}}
	if err := m.svc.items.SaveItems(cctx, []*shequ.ServiceItem{item}); err != nil {
		t.Fatal(err)
	}
	k := &shequ.Case{ResidentID: girl.ID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "父母外出，监护不足",
		WorkerID: director.ID}
	if err := m.svc.care.OpenCase(cctx, k); err != nil {
		t.Fatal(err)
	}
	ui.as("director")
	// The high-risk girl's first visit falls due within days: she heads
	// the 儿童主任's visits due.
	ui.do("visits due", chromedp.Navigate(base+"/care/visits"), chromedp.WaitVisible(chromedp.ID("care-visits-table")))
	if row := ui.text("#care-visits-table tbody tr"); !strings.Contains(row, "李小花") || !strings.Contains(row, "高风险") {
		t.Errorf("visits due: %q", row)
	}
	ui.shots("care-visits-director")
	ui.do("case", chromedp.Navigate(base+"/care/cases/"+k.ID), chromedp.WaitVisible(chromedp.ID("care-refer-form")),
		chromedp.Click(chromedp.ID("care-refer-item-target")),
		chromedp.SetValue(chromedp.ID("care-refer-item"), item.Code),
		chromedp.SendKeys(chromedp.ID("care-refer-note"), "请为孩子申请基本生活保障"))
	ui.submit("show the item's form", chromedp.Click(chromedp.ID("care-refer-item-form")), "care-refer-item-fields")
	if note := ui.text("#care-refer-item-fields"); !strings.Contains(note, "监护人联系电话") {
		t.Errorf("item form %q", note)
	}
	ui.shots("care-referral-item-form-director")
	// The required phone left empty: the form comes back with the error.
	ui.do("refer without the phone", chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = "1"`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("attr-guardian_phone").removeAttribute("required")`),
		chromedp.Click(chromedp.ID("care-refer-submit")), chromedp.WaitVisible(chromedp.ID("attr-guardian_phone-error")))
	ui.shots("care-referral-item-error-director")
	ui.do("phone", chromedp.SendKeys(chromedp.ID("attr-guardian_phone"), "13905720011"))
	ui.submit("refer", chromedp.Click(chromedp.ID("care-refer-submit")), "notice")
	link := ui.text("#care-case-referrals .care-referral-request-link")
	refs, err := m.svc.care.FindCaseByID(cctx, k.ID)
	if err != nil || len(refs.Referrals) != 1 || refs.Referrals[0].RequestID == "" || link != refs.Referrals[0].RequestNumber {
		t.Fatalf("referral %+v %v (link %q)", refs, err, link)
	}
	ui.shots("care-referral-request-director")
	ui.as("handler")
	ui.do("the request", chromedp.Navigate(base+"/requests/"+refs.Referrals[0].RequestID), chromedp.WaitVisible(chromedp.ID("move-accepted")))
	if tl := ui.text("#timeline"); !strings.Contains(tl, k.Number) || !strings.Contains(tl, "director") {
		t.Errorf("request timeline %q", tl)
	}
	ui.submit("accept", chromedp.Click(chromedp.ID("move-accepted-submit")), "notice")
	ui.as("director")
	ui.do("case after", chromedp.Navigate(base+"/care/cases/"+k.ID), chromedp.WaitVisible(chromedp.ID("care-case-referrals")))
	if li := ui.text("#care-case-referrals"); !strings.Contains(li, "已接收") || !strings.Contains(li, "已受理") {
		t.Errorf("referral after acceptance %q", li)
	}
	ui.shots("care-referral-accepted-director")
}

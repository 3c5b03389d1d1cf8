//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"

	"shequ"
	"shequ/internal/config"
)

// TestBrowserVolunteerJourney is issue 17's journey on both engines: from
// the page of a project in progress the community worker publishes an
// opportunity linked to it (the form opens with the project picked) and
// shows its QR code; a resident registers as a volunteer, signs up, scans
// the code to check in and again to check out; the worker confirms the
// hours; the project's activity of that day shows the volunteer and the
// hours derived from the record; the volunteer's record and time-bank
// balance show them, the volunteer downloads the certificate (a PDF) and
// its code verifies on the public page while a tampered code does not.
// Every page at 1366 and 390 px (captured on SQLite; the pages are the
// same on PostgreSQL).
func TestBrowserVolunteerJourney(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { volunteerJourney(t, engine) })
	}
}

// volunteerJourney is TestBrowserVolunteerJourney on one engine.
func volunteerJourney(t *testing.T, engine string) {
	dsn := browserDB(t, engine)
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const pass = "correct horse battery staple"
	const community = "330523001002" // 苕秀社区
	if code, out, errs := cli(t, nil, "user", "add", "-username", "worker", "-password", pass, "-role", "community_worker",
		"-scope", community, "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	if code, out, errs := cli(t, nil, "user", "add", "-username", "county", "-password", pass, "-role", "official",
		"-scope", community[:6], "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	cfg := config.Default()
	// The test's data folder, whose key file the commands above used.
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	// The 三社联动 workflow clock starts forty days ago: the project runs
	// its call and 公示期 then, and is in progress today.
	lclock := &movableClock{}
	lclock.Add(-40 * 24 * time.Hour)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard, LinkageNow: lclock.Now}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()
	// The rules' clock at 10:00 today in 安吉.
	clock := &movableClock{}
	now := time.Now().In(shequ.Shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai)
	clock.Add(today.Add(10 * time.Hour).Sub(time.Now()))
	m.svc.volunteers.Now = clock.Now

	cctx := cliContext(context.Background())
	project := projectInProgress(t, m, dsn, lclock, community)
	lclock.Add(time.Since(lclock.Now()))

	// The resident and their account.
	r := &shequ.Resident{Name: "李志愿", IDNumber: shequ.IDNumber(idFor("33052319900101201")), Phone: "13800138021",
		Community: community}
	if err := m.svc.residents.CreateResident(cctx, r); err != nil {
		t.Fatal(err)
	}
	// The volunteer's mother, registered as family at the counter later.
	mother := &shequ.Resident{Name: "李母", IDNumber: shequ.IDNumber(idFor("33052319600101202")), Phone: "13800138022",
		Community: community}
	if err := m.svc.residents.CreateResident(cctx, mother); err != nil {
		t.Fatal(err)
	}
	hash, err := m.svc.hasher.Hash(pass)
	if err != nil {
		t.Fatal(err)
	}
	registerLinked(t, m.svc.residents, r, &shequ.User{Username: "lizhiyuan"}, hash)

	// Every account signs in again on each change, after signing out on
	// the page; the pages are captured on SQLite alone.
	j := newJourney(t, base, pass, 6*time.Minute)
	j.switchSignsOut, j.noShots = signOutEvery, engine != "sqlite"
	ctx, do, text, shot, as := j.ctx, j.do, j.text, j.shots, j.as

	// 1. From the project's page the worker publishes an opportunity for
	// it; a bad form first (no place) keeps what was typed and picked.
	as("worker")
	do("project", chromedp.Navigate(base+"/projects/"+project.ID), chromedp.WaitVisible(chromedp.ID("project-volunteering")))
	shot("volunteer-project-before-worker")
	do("opportunities", chromedp.Click(chromedp.ID("project-publish-opportunity")), chromedp.WaitVisible(chromedp.ID("opp-form")))
	picked := func(when string) {
		t.Helper()
		kind, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("opp-link-kind")))
		id, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("opp-project")))
		if kind != "project" || id != project.ID {
			t.Errorf("%s: the form links %q %q, want the project %s", when, kind, id, project.ID)
		}
	}
	picked("from the project page")
	do("fill",
		chromedp.SendKeys(chromedp.ID("opp-title"), "陪伴独居老人"),
		chromedp.SetValue(chromedp.ID("opp-day"), today.Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("opp-start"), "09:00"), chromedp.SetValue(chromedp.ID("opp-end"), "12:00"),
		chromedp.Click(chromedp.ID("opp-skill-elderly_care")), chromedp.Click(chromedp.ID("opp-submit")),
		chromedp.WaitVisible(chromedp.ID("form-error")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("opp-title"))); v != "陪伴独居老人" {
		t.Errorf("the refused form lost the title: %q", v)
	}
	picked("after a refusal")
	shot("volunteer-opportunity-form-worker")
	do("publish", chromedp.SendKeys(chromedp.ID("opp-place"), "苕秀社区日间照料中心"), chromedp.Click(chromedp.ID("opp-submit")),
		chromedp.WaitVisible(chromedp.ID("opp-qr-image")))
	shot("volunteer-opportunity-worker")
	if got := text("#opp-link"); !strings.Contains(got, project.Title) {
		t.Errorf("the opportunity names %q, want the project %s", got, project.Title)
	}
	// The test scans the code: the image is the QR code of the URL it names.
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("opp-qr-image"), "data-url"))
	if err != nil {
		t.Fatal(err)
	}
	scanURL := attr.Value
	// The PNG the page shows, as base64.
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("opp-qr-image").src)
		.then(r => r.arrayBuffer()).then(b => btoa(String.fromCharCode(...new Uint8Array(b))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	want, err := qrcode.Encode(scanURL, qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	if src != base64.StdEncoding.EncodeToString(want) || !strings.Contains(scanURL, "/volunteer/scan?t=") {
		t.Fatalf("the QR image does not encode %q", scanURL)
	}
	oppURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// 2. The resident registers as a volunteer from their account page.
	as("lizhiyuan")
	do("hub", chromedp.Navigate(base+"/account"), chromedp.Click(chromedp.ID("account-volunteer")),
		chromedp.WaitVisible(chromedp.ID("vol-join-form")), chromedp.Click(chromedp.ID("vol-join-submit")),
		chromedp.WaitVisible(chromedp.ID("vol-skills-error")))
	shot("volunteer-join-errors-resident")
	do("join", chromedp.Click(chromedp.ID("vol-skill-elderly_care")), chromedp.Click(chromedp.ID("vol-avail-weekend")),
		chromedp.SendKeys(chromedp.ID("vol-emergency-name"), "李父"), chromedp.SendKeys(chromedp.ID("vol-emergency-phone"), "13900001234"),
		chromedp.Click(chromedp.ID("vol-join-submit")), chromedp.WaitVisible(chromedp.ID("vol-me")))
	do("sign up", chromedp.Click(chromedp.CSS("#vol-opportunities button.primary")), chromedp.WaitVisible(chromedp.CSS(`.signup-state[data-state="signed"]`)))
	shot("volunteer-hub-resident")

	// 3. Scan in, and 90 minutes later out.
	do("scan in", chromedp.Navigate(scanURL), chromedp.WaitVisible(chromedp.ID("vol-scan-submit")))
	shot("volunteer-scan-resident")
	do("check in", chromedp.Click(chromedp.ID("vol-scan-submit")), chromedp.WaitVisible(chromedp.CSS(`.signup-state[data-state="checked_in"]`)))
	clock.Add(90 * time.Minute)
	do("scan out", chromedp.Navigate(scanURL), chromedp.Click(chromedp.ID("vol-scan-submit")),
		chromedp.WaitVisible(chromedp.CSS(`.signup-state[data-state="checked_out"]`)))

	// 4. The worker confirms the scanned 90 minutes.
	as("worker")
	do("confirm", chromedp.Navigate(oppURL), chromedp.WaitVisible(chromedp.CSS(".confirm-form")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(".confirm-form input[name=minutes]"))); v != "90" {
		t.Errorf("scanned minutes %q, want 90", v)
	}
	shot("volunteer-confirm-worker")
	do("confirm hours", chromedp.Click(chromedp.CSS(".confirm-form button")), chromedp.WaitVisible(chromedp.CSS(`.signup-state[data-state="confirmed"]`)))
	shot("volunteer-confirmed-worker")

	// The winning organization records the day's activity (no volunteer
	// figures typed); the project page derives them from the record.
	mustOK(t, m.svc.linkage.RecordActivity(cctx, &shequ.Activity{ProjectID: project.ID, Date: today, Place: "苕秀社区日间照料中心",
		Content: "陪伴独居老人", Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 8}))
	do("project after", chromedp.Navigate(base+"/projects/"+project.ID), chromedp.WaitVisible(chromedp.ID("activities-table")))
	if v, h := text("#activities-table .activity-volunteers"), text("#activities-table .activity-volunteer-hours"); v != "1" || h != "1.5" {
		t.Errorf("the activity shows %q volunteers, %q hours; want 1 and 1.5 from the confirmed record", v, h)
	}
	if got := text("#project-volunteering-total"); !strings.Contains(got, "1.5") {
		t.Errorf("project volunteer service %q", got)
	}
	shot("volunteer-project-worker")

	// 5. The volunteer sees the hours, the deposit, and takes the certificate.
	as("lizhiyuan")
	do("records", chromedp.Navigate(base+"/volunteer"), chromedp.WaitVisible(chromedp.ID("vol-records")))
	if h := text("#vol-hours"); !strings.HasPrefix(h, "1.5") {
		t.Errorf("hours served %q, want 1.5", h)
	}
	if b := text(".timebank-balance"); !strings.HasPrefix(b, "1.5") {
		t.Errorf("time-bank balance %q, want 1.5 (elderly care deposits 1:1)", b)
	}
	do("certificate", chromedp.Click(chromedp.ID("vol-cert-submit")), chromedp.WaitVisible(chromedp.CSS(".cert-code")))
	shot("volunteer-certificate-resident")
	code := text(".cert-code")
	hrefAttr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#vol-certificates a"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	href := hrefAttr.Value
	pdf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+"`"+href+"`"+`).then(r => r.headers.get('content-type') + ' ' + r.status + ' ')
		.then(h => h)`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(pdf, "application/pdf 200") {
		t.Errorf("certificate download: %q %v", pdf, err)
	}
	head, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+"`"+href+"`"+`).then(r => r.arrayBuffer())
		.then(b => String.fromCharCode(...new Uint8Array(b.slice(0, 5))))`, chromedp.EvalAwaitPromise))
	if err != nil || head != "%PDF-" {
		t.Errorf("certificate body starts %q %v", head, err)
	}

	// 6. Anyone checks the code; a tampered code does not verify.
	j.logout()
	do("verify", chromedp.Navigate(base+"/verify"), chromedp.SendKeys(chromedp.ID("verify-code"), code),
		chromedp.Click(chromedp.ID("verify-submit")), chromedp.WaitVisible(chromedp.ID("verify-result")))
	if h := text("#verify-hours"); !strings.HasPrefix(h, "1.5") {
		t.Errorf("verified hours %q", h)
	}
	shot("volunteer-verify-anonymous")
	tampered := []byte(code)
	if tampered[0] == 'A' {
		tampered[0] = 'B'
	} else {
		tampered[0] = 'A'
	}
	do("verify tampered", chromedp.Navigate(base+"/verify?code="+string(tampered)), chromedp.WaitVisible(chromedp.ID("verify-failed")))
	shot("volunteer-verify-tampered")

	// 7. The time bank at the counter: the worker registers the mother as
	// family, a redemption beyond the balance is refused and keeps what
	// was typed, half an hour for the mother is redeemed.
	as("worker")
	do("time bank", chromedp.Navigate(base+"/timebank"), chromedp.WaitVisible(chromedp.ID("tb-accounts-table")))
	shot("timebank-worker")
	do("account", chromedp.Click(chromedp.CSS("#tb-accounts-table a")), chromedp.WaitVisible(chromedp.ID("tb-account")))
	do("family", chromedp.SendKeys(chromedp.ID("tb-family-resident-q"), "李母"), chromedp.WaitVisible(chromedp.ID("resident_id-pick-0")),
		chromedp.Click(chromedp.ID("resident_id-pick-0")), chromedp.SendKeys(chromedp.ID("tb-relation"), "母亲"),
		chromedp.Click(chromedp.ID("tb-family-submit")), chromedp.WaitVisible(chromedp.ID("tb-family-list")))
	do("too much", chromedp.SetValue(chromedp.ID("tb-beneficiary"), mother.ID), chromedp.SendKeys(chromedp.ID("tb-hours"), "5"),
		chromedp.SendKeys(chromedp.ID("tb-service"), "上门助浴"), chromedp.Click(chromedp.ID("tb-withdraw-submit")),
		chromedp.WaitVisible(chromedp.ID("form-error")))
	if got := text("#form-error"); !strings.Contains(got, "账户时长不足") {
		t.Errorf("a redemption beyond the balance: %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("tb-service"))); v != "上门助浴" {
		t.Errorf("the refused redemption lost the service: %q", v)
	}
	shot("timebank-refused-worker")
	do("redeem", chromedp.SetValue(chromedp.ID("tb-hours"), "0.5"), chromedp.Click(chromedp.ID("tb-withdraw-submit")),
		chromedp.WaitVisible(chromedp.CSS(`.ledger-entry[data-kind="withdrawal"]`)))
	if b := text("#tb-balance"); !strings.HasPrefix(b, "1 ") {
		t.Errorf("balance after redeeming 0.5 of 1.5 h: %q", b)
	}
	shot("timebank-account-worker")

	// 8. The county official sees the book and changes the rules.
	as("county")
	do("county book", chromedp.Navigate(base+"/timebank"), chromedp.WaitVisible(chromedp.ID("timebank-book")))
	if got := text("#tb-owed"); !strings.HasPrefix(got, "1") {
		t.Errorf("hours owed %q, want 1", got)
	}
	do("policy", chromedp.Click(chromedp.ID("tb-cat-children")), chromedp.SetValue(chromedp.ID("tb-cap"), "200"),
		chromedp.Click(chromedp.ID("tb-policy-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	if pol, err := m.svc.volunteers.TimeBankPolicyFor(cctx, community[:6]); err != nil || pol.YearlyCapMinutes != 200*60 ||
		len(pol.Eligible) != 2 {
		t.Errorf("policy after the form: %+v %v", pol, err)
	}
	shot("timebank-county-official")

	// 9. The volunteer sees the redemption in their ledger.
	as("lizhiyuan")
	do("my account", chromedp.Navigate(base+"/volunteer"), chromedp.Click(chromedp.CSS(".timebank-link")),
		chromedp.WaitVisible(chromedp.CSS(`.ledger-entry[data-kind="withdrawal"]`)))
	if got := text(`.ledger-entry[data-kind="withdrawal"]`); !strings.Contains(got, "李母") || !strings.Contains(got, "0.5") {
		t.Errorf("the holder's ledger shows %q", got)
	}
	shot("timebank-account-resident")
}

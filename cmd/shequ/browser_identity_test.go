//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLoginAndResidents signs in as a community worker, is refused a
// resident with an invalid ID number (the error shown beside the field),
// creates a valid one and sees the numbers masked. Then a wrong password,
// five times over, locks the account, and the page says so.
func TestBrowserLoginAndResidents(t *testing.T) {
	dsn := browserDB(t, "postgres")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const user, pass = "worker", "correct horse battery staple"
	if code, out, errs := cli(t, nil, "user", "add", "-username", user, "-password", pass, "-role", "community_worker",
		"-scope", "330523001002", "-name", "王社工", "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, pass, 90*time.Second)
	do, text := j.do, j.text

	j.login(user, pass)
	do("signed in: 居民 in the navigation", chromedp.WaitReady(chromedp.ID("nav-residents")))

	// An invalid ID number: the form comes back with the error beside the field.
	j.open("/residents/new", "resident-form")
	do("an invalid ID number", chromedp.SendKeys(chromedp.ID("resident-name"), "测试居民"),
		chromedp.SendKeys(chromedp.ID("resident-id-number"), "110105194912310021"),
		chromedp.SetValue(chromedp.ID("resident-community"), "330523001002"))
	j.submit("save the invalid ID number", chromedp.Click(chromedp.ID("resident-submit")), "resident-id-number-error")
	if msg := text("#resident-id-number-error"); !strings.Contains(msg, "身份证号") {
		t.Errorf("field error = %q", msg)
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "invalid-id.png"))

	// A valid one: created, and shown masked.
	id := validID("33052319800115003")
	do("a valid ID number", chromedp.Clear(chromedp.ID("resident-id-number")),
		chromedp.SendKeys(chromedp.ID("resident-id-number"), id),
		chromedp.SendKeys(chromedp.ID("resident-phone"), "13812345678"))
	// The resident's page, not the form: its attributes, the values <dd>s.
	j.submit("create the resident", chromedp.Click(chromedp.ID("resident-submit")), "resident-attrs")
	if shown := text("dd#resident-id-number"); shown != id[:1]+strings.Repeat("*", 16)+id[17:] {
		t.Errorf("ID number shown as %q, want it masked", shown)
	}
	if phone := text("dd#resident-phone"); phone != "138****5678" {
		t.Errorf("phone shown as %q", phone)
	}
	html, err := chromedp.Run(j.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil || strings.Contains(html, id) {
		t.Errorf("the page source holds the ID number in clear (%v)", err)
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "resident.png"))

	// Sign out, then five wrong passwords lock the account.
	j.submit("logout", chromedp.Click(chromedp.ID("logout")), "nav-login")
	// login signs in through the form (signIn waits for the page it
	// answers) and waits for the form's error.
	login := func(what, password string) {
		t.Helper()
		do(what, append(signIn(base, user, password), chromedp.WaitVisible(chromedp.ID("form-error")))...)
	}
	for i := range 5 {
		login(fmt.Sprintf("wrong password %d: an error shown", i+1), "not the password at all")
	}
	login("the right password, refused now", pass) // even the right password is refused now
	// The answer does not tell a locked account from a wrong password or
	// an unknown name (issue 14); it mentions the lock for its owner.
	if locked := text("#form-error"); !strings.Contains(locked, "用户名或密码错误，或账户因连续登录失败已被临时锁定") {
		t.Errorf("lock message = %q", locked)
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "locked.png"))
}

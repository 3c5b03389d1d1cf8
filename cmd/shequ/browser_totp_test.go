//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTwoFactor (issue 14 item 5): an official signs in for the
// first time and must set two-factor sign-in up (QR code, the key as text,
// a wrong code refused beside the field), gets ten recovery codes once,
// signs out, signs in again with the password and a code; a wrong code is
// refused and audited. Screenshots of every page at 1366 and 390 px.
func TestBrowserTwoFactor(t *testing.T) {
	dsn := browserDB(t, "sqlite")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const user, pass = "guanyuan", "correct horse battery staple"
	if code, out, errs := cli(t, nil, "user", "add", "-username", user, "-password", pass, "-role", "official",
		"-scope", "330523", "-name", "李官员", "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	auditor := apiClient{t: t, token: token(t, dsn, "shenji", "auditor", "")}
	base := startServer(t, dsn, "")
	auditor.base = base

	j := newJourney(t, base, pass, 90*time.Second)
	ctx, do, text, shots := j.ctx, j.do, j.text, j.shots

	// First sign-in: the password is right, the set-up comes first.
	do("password", chromedp.Navigate(base+"/login?return="+url.QueryEscape("/residents")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("login-username"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), pass),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-qr")))
	if s := text("#totp-required"); !strings.Contains(s, "两步验证") {
		t.Errorf("the set-up page does not say it is required: %q", s)
	}
	secret := strings.ReplaceAll(strings.TrimSpace(text("#totp-secret")), " ", "")
	if len(secret) != 32 {
		t.Fatalf("secret shown %q", secret)
	}
	testTOTP.remember(base, user, secret)
	// Nothing else is reachable before the set-up.
	do("residents before set-up", chromedp.Navigate(base+"/residents"), chromedp.WaitVisible(chromedp.ID("login-form")))
	do("back to set-up", chromedp.Navigate(base+"/account/two-factor?return="+url.QueryEscape("/residents")),
		chromedp.WaitVisible(chromedp.ID("totp-qr")))
	if s := strings.ReplaceAll(strings.TrimSpace(text("#totp-secret")), " ", ""); s != secret {
		t.Errorf("the set-up in progress changed its secret: %s → %s", secret, s)
	}
	shots("totp-enrol")

	// A wrong code: refused beside the field.
	do("wrong set-up code", chromedp.SendKeys(chromedp.ID("totp-code"), "000000"),
		chromedp.Click(chromedp.ID("totp-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-code-error")))
	if s := text("#totp-code-error"); !strings.Contains(s, "验证码不正确") {
		t.Errorf("set-up code error %q", s)
	}
	shots("totp-enrol-wrong")

	// The right one: ten recovery codes, shown once.
	do("set-up code", chromedp.SendKeys(chromedp.ID("totp-code"), testTOTP.code(t, base, user)),
		chromedp.Click(chromedp.ID("totp-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")))
	codes := strings.Fields(text("#recovery-codes"))
	if len(codes) != 10 || len(codes[0]) != 11 || codes[0][5] != '-' {
		t.Fatalf("recovery codes %q", codes)
	}
	shots("totp-recovery-codes")
	do("continue", chromedp.Click(chromedp.ID("totp-continue")), chromedp.WaitVisible(chromedp.ID("logout")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/residents") {
		t.Errorf("after the set-up: %s, want the page asked for", loc)
	}

	// Sign out, and in again: password, then the code page.
	do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	do("password again", chromedp.SendKeys(chromedp.ID("login-username"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), pass),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-code")))
	shots("totp-code")
	// A wrong code is refused.
	do("wrong code", chromedp.SendKeys(chromedp.ID("login-code"), wrongCode(t, base, user)),
		chromedp.Click(chromedp.ID("code-submit")),
		chromedp.WaitVisible(chromedp.CSS(".alert-error")))
	if s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert-error"))); !strings.Contains(s, "验证码错误") {
		t.Errorf("wrong code answer %q", s)
	}
	shots("totp-code-wrong")
	do("right code", chromedp.SendKeys(chromedp.ID("login-code"), testTOTP.code(t, base, user)),
		chromedp.Click(chromedp.ID("code-submit")),
		chromedp.WaitVisible(chromedp.ID("logout")))
	do("account", chromedp.Navigate(base+"/account/two-factor"), chromedp.WaitVisible(chromedp.ID("totp-status")))
	if s := text("#totp-left"); strings.TrimSpace(s) != "10" {
		t.Errorf("recovery codes left %q", s)
	}
	shots("totp-status")

	// The auditor sees the set-up, the refused code and the accepted one.
	code, got := auditor.do("GET", "/api/v1/audit?actor="+user, nil)
	if code != 200 {
		t.Fatalf("audit: %d %v", code, got)
	}
	var trail []string
	for _, r := range got["items"].([]any) {
		m := r.(map[string]any)
		trail = append(trail, m["action"].(string)+" "+m["result"].(string)+" "+m["detail"].(string))
	}
	joined := strings.Join(trail, "\n")
	for _, want := range []string{"totp.enrol failed wrong code", "totp.enrol allowed recovery_codes=10",
		"login.totp failed wrong code", "login.totp allowed code", "login allowed password; code due"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit trail lacks %q:\n%s", want, joined)
		}
	}
}

// wrongCode returns a six-digit code that is none of the account's codes
// near now.
func wrongCode(t *testing.T, base, user string) string {
	t.Helper()
	secret := testTOTP.secret(base, user)
	for _, c := range []string{"000000", "111111", "222222"} {
		if !codeNearNow(secret, c) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"shequ/internal/testenv"
)

// browser starts a headless Chromium with the flags this closed network needs
// and returns a tab context that ends at cleanup.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 90*time.Second)
}

// browserFor is browser with a time limit for long walks through the pages.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	exe := testenv.Chromium(t)
	// Chromium's own defaults for automation (chromedp's list, after
	// Puppeteer's): among them the basic password store (without it the
	// password manager may wait on a desktop keyring after each sign-in
	// form), no hang monitor and no backgrounding of a busy renderer. Two
	// CI runs had a browser test wait its whole limit, once after a sign-in
	// and once at a screenshot, with the hand-picked flags used before.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return ctx
}

// browserDB returns the database of a browser test on engine ("sqlite" or
// "postgres"). Each browser test takes a minute or more of Chromium, so
// they are split between the engines rather than each run on both: every
// page they open is opened on both engines by the route crawl, and the
// journeys are divided so that each engine carries some (DrillDown,
// Coverage, FrontDeskAndDelegation on SQLite; LoginAndResidents,
// IndicatorDashboard, LinkageChain on PostgreSQL). A PostgreSQL test
// without a server is skipped, or fails in strict mode, as the store tests.
func browserDB(t *testing.T, engine string) string {
	t.Helper()
	if engine == "postgres" {
		return postgresSchemaDSN(t)
	}
	return filepath.Join(t.TempDir(), "shequ.db")
}

// screenshot saves the page under the test's temp dir, or in the folder
// SHEQU_TEST_SCREENSHOTS names (to look at them afterwards), as PNG (quality
// 100 makes chromedp capture PNG), and returns the
// path.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	// A capture has half a minute of its own, so that a stalled compositor
	// is reported as such, with the picture's name, rather than as the end
	// of the whole test's time.
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("screenshot %s at %s: %v", name, loc, err)
	}
	dir := os.Getenv("SHEQU_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrowserDrillDown opens the home page and drills down 全国 → 浙江省 →
// 湖州市 → 安吉县 → 递铺街道 by clicking links, as a person would.
func TestBrowserDrillDown(t *testing.T) {
	ctx := browser(t)
	base := startServer(t, browserDB(t, "sqlite"), "330523")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("nav-divisions")),
	); err != nil {
		t.Fatalf("home: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.Contains(title, "社区公共服务综合信息平台") {
		t.Errorf("home title = %q, %v", title, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("nav-divisions"))); err != nil {
		t.Fatalf("open division browser: %v", err)
	}
	for _, name := range []string{"浙江省", "湖州市", "安吉县", "递铺街道"} {
		link := chromedp.Search(`//table//a[text()="` + name + `"]`)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(link), chromedp.Click(link)); err != nil {
			t.Fatalf("click %s: %v", name, err)
		}
		// The click navigates: wait for the new page's heading.
		heading := chromedp.Search(`//h1[normalize-space()="` + name + `"]`)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(heading)); err != nil {
			t.Fatalf("after clicking %s no heading %s: %v", name, name, err)
		}
	}
	crumbs, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`nav[aria-label="breadcrumb"]`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"全国", "浙江省", "湖州市", "安吉县"} {
		if !strings.Contains(crumbs, want) {
			t.Errorf("breadcrumbs %q lack %s", crumbs, want)
		}
	}
	table, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table")))
	if err != nil {
		t.Fatal(err)
	}
	// 递铺街道's communities, in Chinese, with their kind.
	for _, want := range []string{"社区", "居委会"} {
		if !strings.Contains(table, want) {
			t.Errorf("community table lacks %q:\n%s", want, table)
		}
	}
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table tbody tr")))
	if err != nil || len(rows) < 10 {
		t.Errorf("community rows: %d (%v)", len(rows), err)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "dipu.png"))
}

// signIn is the actions that sign user in through the login page of base
// (up to the click on 登录, and the second step when the server asks for
// it: the code of the authenticator app, or the set-up at the first sign-in
// of a role that needs it — see totp_helper_test.go); callers wait for
// what the next page shows.
func signIn(base, user, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("login-username"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Marks this document, to tell when the next one has loaded.
			_, err := chromedp.Evaluate[bool](`window.__signingIn = true`)(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			return secondStep(ctx, t, base, user)
		}),
	}
}

// secondStep waits for the page after the login form and, when it asks for
// a code or the set-up, gives it as a person with an authenticator app would.
func secondStep(ctx context.Context, t *chromedp.Target, base, user string) error {
	path := ""
	for deadline := time.Now().Add(15 * time.Second); path == "" && time.Now().Before(deadline); {
		// Errors while the next document loads are expected: try again.
		p, err := chromedp.Evaluate[string](`window.__signingIn ? "" : location.pathname`)(ctx, t)
		if err == nil && p != "" {
			path = p
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	run := func(steps ...chromedp.Action[chromedp.Void]) error {
		_, err := chromedp.Steps(steps...)(ctx, t)
		return err
	}
	switch path {
	case "/login/code":
		code, err := testTOTP.codeErr(base, user)
		if err != nil {
			return err
		}
		return run(chromedp.WaitVisible(chromedp.ID("login-code")),
			chromedp.SendKeys(chromedp.ID("login-code"), code),
			chromedp.Click(chromedp.ID("code-submit")))
	case "/account/two-factor":
		if err := run(chromedp.WaitVisible(chromedp.ID("totp-secret"))); err != nil {
			return err
		}
		secret, err := chromedp.Text(chromedp.ID("totp-secret"))(ctx, t)
		if err != nil {
			return err
		}
		testTOTP.remember(base, user, strings.ReplaceAll(strings.TrimSpace(secret), " ", ""))
		code, err := testTOTP.codeErr(base, user)
		if err != nil {
			return err
		}
		return run(chromedp.SendKeys(chromedp.ID("totp-code"), code),
			chromedp.Click(chromedp.ID("totp-submit")),
			chromedp.WaitVisible(chromedp.ID("totp-continue")),
			chromedp.Click(chromedp.ID("totp-continue")))
	}
	return nil
}

// browserAccounts switches one browser between accounts, as a test walking
// a journey through several people does. It keeps the session cookies of
// the account it leaves and puts them back when the test comes back to
// it, so an account that signs in with a second-step code does so once per
// test: a code is accepted once per 30-second step, and signing the same
// official in again and again waited for fresh steps (minutes of a
// journey's time limit).
type browserAccounts struct {
	base    string
	current string
	jars    map[string][]*network.Cookie
}

// leave keeps the current account's cookies and clears the browser's.
func (b *browserAccounts) leave(ctx context.Context) error {
	if b.current == "" {
		return nil
	}
	got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base}})
	if err != nil {
		return err
	}
	if b.jars == nil {
		b.jars = map[string][]*network.Cookie{}
	}
	b.jars[b.current], b.current = got.Cookies, ""
	_, err = chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	return err
}

// resume puts user's kept cookies back and reports whether there were any
// (else the caller signs user in).
func (b *browserAccounts) resume(ctx context.Context, user string) (bool, error) {
	jar, ok := b.jars[user]
	if !ok {
		return false, nil
	}
	params := make([]*network.CookieParam, 0, len(jar))
	for _, c := range jar {
		params = append(params, &network.CookieParam{Name: c.Name, Value: c.Value, URL: b.base, Path: c.Path,
			HTTPOnly: c.HTTPOnly, Secure: c.Secure, SameSite: c.SameSite})
	}
	if _, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
		return false, err
	}
	b.current = user
	return true, nil
}

// signedOut forgets the current account's session: the test signed out
// through the page, which ends it on the server.
func (b *browserAccounts) signedOut() {
	delete(b.jars, b.current)
	b.current = ""
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
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
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
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
// (up to the click on 登录); callers wait for what the next page shows.
func signIn(base, user, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("login-username"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	}
}

//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// careUI drives the care pages in a browser for the care browser tests:
// actions that fail the test with a screenshot and the page, clicks that
// wait for the next page (or fail at once with the form's errors),
// captures at 1366 and 390 pixels (on SQLite only), signing in and out.
type careUI struct {
	t        *testing.T
	ctx      context.Context
	engine   string
	base     string
	pass     string
	signedIn bool
}

// do runs actions, failing the test with a screenshot and the page.
func (u *careUI) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	t := u.t
	t.Helper()
	if err := chromedp.Do(u.ctx, actions...); err != nil {
		t.Logf("%s: %v", what, err)
		t.Logf("screenshot: %s", screenshot(t, u.ctx, "care-failed.png"))
		html, _ := chromedp.Run(u.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\n%s", what, err, html)
	}
}

// text reads an element's text; a node replaced between the lookup and
// the read (a loaded machine finishing the page's load) is read again.
func (u *careUI) text(sel string) string {
	t := u.t
	t.Helper()
	var err error
	for range 5 {
		var s string
		if s, err = chromedp.Run(u.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return strings.TrimSpace(s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("text of %s: %v", sel, err)
	return ""
}

// submit clicks (a form's button, a link) and waits for the next page: a
// document loaded after the click (the one before is marked, so that a
// node both pages have, like the notice, is not taken from the old one)
// with the node want, or the form back with its errors, which fails at
// once with them rather than waiting for a node that never comes.
func (u *careUI) submit(what string, click chromedp.Action[chromedp.Void], want string) {
	t := u.t
	t.Helper()
	u.do(what+" (mark the page)", chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = "1"`), click)
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
			t.Logf("screenshot: %s", screenshot(t, u.ctx, "care-failed.png"))
			t.Fatalf("%s: no new page with #%s within 2 minutes", what, want)
		}
		got, _ = chromedp.Run(u.ctx, chromedp.Evaluate[string](probe)) // fails while the page changes: try again
	}
	if got != "ok" {
		t.Logf("screenshot: %s", screenshot(t, u.ctx, "care-failed.png"))
		t.Fatalf("%s: the form came back: %s", what, got)
	}
	u.do(what+": "+want, chromedp.WaitVisible(chromedp.ID(want)))
}

// shot captures the page at 1366 and at 390 pixels (on SQLite; the pages
// are the same on PostgreSQL).
func (u *careUI) shot(name string) {
	t := u.t
	t.Helper()
	if u.engine != "sqlite" {
		return
	}
	u.do("wide", chromedp.EmulateViewport(1366, 900))
	t.Logf("screenshot: %s", screenshot(t, u.ctx, name+"-1366.png"))
	u.do("narrow", chromedp.EmulateViewport(390, 844))
	t.Logf("screenshot: %s", screenshot(t, u.ctx, name+"-390.png"))
	u.do("wide again", chromedp.EmulateViewport(1366, 900))
}

// as signs in as name (signing out first).
func (u *careUI) as(name string) {
	u.t.Helper()
	u.signOut()
	u.do("sign in as "+name, append(signIn(u.base, name, u.pass), chromedp.WaitVisible(chromedp.ID("logout")))...)
	u.signedIn = true
}

// signOut signs out when signed in.
func (u *careUI) signOut() {
	u.t.Helper()
	if u.signedIn {
		u.do("sign out", chromedp.Navigate(u.base+"/"))
		u.submit("sign out", chromedp.Click(chromedp.ID("logout")), "nav-login")
		u.signedIn = false
	}
}

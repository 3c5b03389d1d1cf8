//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPagesAudit walks what an audit of the pages as their people
// use them found wrong, each step failing on the page as it was: a front
// desk search that finds nobody leads on to registering the resident; a
// transfer offers the departments to pick from; the queue's state tabs
// keep each label with its count on a phone; the worker's delegations show
// their state on a phone and lead to the front desk; a register shows a
// community's code small beside its name; the lists of volunteer
// opportunities and a time-bank account's ledger fit the screen; the home
// page of a property company's staff, a social organization's member and
// a social worker counts their work.
func TestBrowserPagesAudit(t *testing.T) {
	base, _ := startDemo(t, demoCopy(t, "sqlite"))
	j := newJourney(t, base, "anji-demo-2026", 8*time.Minute)
	j.shotPrefix = "audit-"

	_, body := openSession(t, base, "demo-worker").get("/timebank")
	account := regexp.MustCompile(`href="(/timebank/accounts/[0-9a-f-]{36})"`).FindStringSubmatch(body)
	if account == nil {
		t.Fatal("no time-bank account on /timebank")
	}

	j.as("demo-worker")

	// The front desk: the search says what to do, and finding nobody is
	// no dead end.
	j.open("/desk", "desk-q")
	if got := j.attr("#desk-q", "placeholder"); got == "" {
		t.Error("the front desk's search has no placeholder")
	}
	j.do("search for nobody", chromedp.SendKeys(chromedp.ID("desk-q"), "查无此人"))
	j.submit("search", chromedp.Click(chromedp.ID("desk-search-submit")), "desk-none")
	j.shots("desk-none")
	j.submit("register the resident", chromedp.Click(chromedp.ID("desk-register")), "resident-form")

	// A transfer picks the department: the items' departments are offered.
	j.open("/requests", "request-list")
	if got := j.eval(`[...document.querySelectorAll("#request-departments option")].map(o => o.value).join("|")`); !strings.Contains(got, "县卫生健康局") {
		t.Errorf("the bulk transfer offers the departments %q, want 县卫生健康局 among them", got)
	}
	if got := j.attr("#bulk-department", "list"); got != "request-departments" {
		t.Errorf("the bulk transfer's department lists %q", got)
	}
	j.do("narrow", chromedp.EmulateViewport(390, 844))
	if got := j.eval(`[...document.querySelectorAll("#queue-tabs > a")].filter(a => a.getClientRects().length > 1).map(a => a.innerText).join("|")`); got != "" {
		t.Errorf("the queue's state tabs break within a tab on a phone: %q", got)
	}
	j.shots("queue")
	j.open("/requests?state=accepted", "request-list")
	link := j.eval(`(document.querySelector("#request-list a[href^='/requests/']") || {}).pathname || ""`)
	if link == "" {
		t.Fatal("no accepted request in the worker's queue")
	}
	j.open(link, "page-title")
	if !j.present("#move-transferred") {
		t.Fatalf("%s offers no transfer", link)
	}
	if got := j.eval(`[...document.querySelectorAll("#move-transferred #request-departments option")].length + ""`); got == "0" {
		t.Error("the request's transfer offers no department")
	}

	// The worker's delegations show their state on the phone's first
	// screen, and lead to the front desk where a new one is recorded.
	j.do("narrow", chromedp.EmulateViewport(390, 844))
	j.open("/delegations", "delegation-list")
	if got := j.eval(`(() => { const c = document.querySelector("#delegation-list td.delegation-state");
		return c && c.getBoundingClientRect().right <= window.innerWidth ? "seen" : "hidden"; })()`); got != "seen" {
		t.Errorf("a delegation's state is %s on a phone", got)
	}
	j.shots("delegations")
	j.submit("to the front desk", chromedp.Click(chromedp.ID("delegation-desk")), "desk-q")

	// A register's community is its name, with the code small beside it
	// (it was as large as the name, in a monospace face, and pushed the
	// column off a phone's screen).
	j.open("/workforce", "page-title")
	if got := j.eval(`(() => { const c = document.querySelector("main td small.code");
		return c ? (parseFloat(getComputedStyle(c).fontSize) < parseFloat(getComputedStyle(c.parentElement).fontSize) ? "small" : "large") : "none"; })()`); got != "small" {
		t.Errorf("the workforce register's community code is %s", got)
	}
	j.shots("workforce")

	// Lists that were wider than the screen.
	for _, page := range []string{"/opportunities", account[1]} {
		for _, w := range []int64{1366, 390} {
			j.do(fmt.Sprintf("%s at %d", page, w), chromedp.EmulateViewport(w, 844), chromedp.Navigate(base+page),
				chromedp.WaitReady(chromedp.CSS("main")))
			lay, err := chromedp.Run(j.ctx, chromedp.Evaluate[pageLayout](measureJS))
			if err != nil {
				t.Fatal(err)
			}
			if lay.ScrollWidth > lay.Width+1 {
				t.Errorf("%s: the page is %d px wide on a %d px screen (%s)", page, lay.ScrollWidth, lay.Width,
					screenshot(t, j.ctx, fmt.Sprintf("audit-wide-%d.png", w)))
			}
		}
	}
	j.do("wide again", chromedp.EmulateViewport(1366, 900))

	// The roles whose work is in other modules' lists start at it: their
	// home page is a workbench of counts, not the visitors' introduction.
	// (The demo's social worker has no open case: the count says 0.)
	for _, c := range []struct {
		user, count, list string
		some              bool
	}{
		{"demo-property", "count-complaints-waiting", "complaints-table", true},
		{"demo-org", "count-calls", "project-tabs", true},
		{"demo-caseworker", "count-cases", "page-title", false},
	} {
		j.as(c.user)
		j.open("/", c.count)
		if n := j.text("#" + c.count + " .count-n"); n == "" || c.some && n == "0" {
			t.Errorf("%s's home counts %q at %s", c.user, n, c.count)
		}
		j.shots("home-" + c.user)
		j.submit(c.user+" follows "+c.count, chromedp.Click(chromedp.ID(c.count)), c.list)
	}
}

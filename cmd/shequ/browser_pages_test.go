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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// screenMode is a screen a page is checked on: a desktop, a phone, a
// phone in large-text mode (适老化).
type screenMode struct {
	name   string
	width  int64
	height int64
	large  bool
}

var screenModes = []screenMode{{"1366", 1366, 900, false}, {"390", 390, 844, false}, {"390-large", 390, 844, true}}

// pageLayout is what a page's layout measures in the browser.
type pageLayout struct {
	ScrollWidth int     `json:"scrollWidth"` // of the document
	Width       int     `json:"width"`       // of the viewport
	H1Top       float64 `json:"h1Top"`       // the page's heading, from the top
	H1          string  `json:"h1"`
	Error       bool    `json:"error"` // an error page
	Narrow      []string
}

// measureJS measures the layout, and the table cells narrower than two
// characters that wrap (the one-character-a-line columns).
const measureJS = `(() => {
	const h1 = document.querySelector("main h1");
	const narrow = [];
	for (const td of document.querySelectorAll("main td, main th")) {
		const fs = parseFloat(getComputedStyle(td).fontSize);
		const lines = td.getBoundingClientRect().height / (fs * 1.3);
		if (td.innerText.trim().length > 2 && td.clientWidth < fs * 2.2 && lines > 2) { narrow.push(td.innerText.trim().slice(0, 12)); }
	}
	return {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
		h1Top: h1 ? h1.getBoundingClientRect().top + window.scrollY : -1, h1: h1 ? h1.innerText : "", error: !!document.getElementById("error-message"), Narrow: narrow};
})()`

// TestBrowserPagesPerRole opens the pages each role works on, on a desktop
// (1366 px), a phone (390 px) and, for visitors and residents, a phone in
// large-text mode, and checks
// each: nothing wider than the screen, no table column one character
// wide, and the page's heading on the first screen (on the phone in large
// text, in its upper third: the header no longer fills it). It saves a
// screenshot of each (SHEQU_TEST_SCREENSHOTS names the folder to keep
// them in).
func TestBrowserPagesPerRole(t *testing.T) {
	base, _ := startDemo(t, demoCopy(t, "sqlite"))
	// Each step has a minute (journey.do): a step that hangs (a CI run once
	// waited the whole twelve minutes for the worker's sign-in) fails at
	// once, with where the browser was and what the page said.
	j := newJourney(t, base, "anji-demo-2026", 12*time.Minute)
	ctx, do := j.ctx, j.do

	// Objects of the demo, found as each role finds them.
	first := func(user, page, pattern string) string {
		t.Helper()
		_, body := openSession(t, base, user).get(page)
		m := regexp.MustCompile(pattern).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s %s: nothing matches %s", user, page, pattern)
		}
		return m[1]
	}
	request := first("demo-resident", "/requests", `href="(/requests/[0-9a-f-]{36})"`)
	consent := first("demo-resident", "/", `href="(/delegations/[0-9a-f-]{36})"`)
	need := first("demo-worker", "/", `href="(/needs/[0-9a-f-]{36})"`)
	review := first("demo-official", "/", `href="(/projects/[0-9a-f-]{36})"`)
	call := first("demo-org", "/projects?status=open_for_bids", `href="(/projects/[0-9a-f-]{36})"`)
	public := first("", "/public/projects", `href="(/public/projects/[0-9a-f-]{36})"`)
	org := first("demo-worker", "/orgs", `href="(/orgs/[0-9a-f-]{36})"`)
	worker := first("demo-worker", "/social-workers", `href="(/social-workers/[0-9a-f-]{36})"`)
	facility := first("demo-worker", "/facilities", `href="(/facilities/[0-9a-f-]{36})"`)
	track := first("demo-resident", request+"/receipt", `href="http://[^"]+(/track/[0-9a-f]{40})"`)

	roles := []struct {
		user  string
		pages []string
	}{
		{"", []string{"/", "/track", "/services", "/services/MZ-005", "/public/projects", public, track}},
		{"demo-resident", []string{"/", "/requests", request, request + "/receipt", consent, "/needs", need}},
		{"demo-worker", []string{"/", "/requests", request, "/desk", need, "/projects", consent, "/residents", org, worker, facility,
			"/indicators/330523001002"}},
		{"demo-official", []string{"/", "/projects?status=under_review", review, "/indicators/330523", "/coverage/330523", "/targets",
			"/indicators/330523?group=volunteer", "/indicators/330523?group=workforce", "/indicators/330523?group=workforce_quals"}},
		{"demo-org", []string{"/", "/projects?status=open_for_bids", call, org}},
		{"demo-social", []string{"/", "/projects?status=in_progress", worker}},
		{"demo-auditor", []string{"/", "/audit"}},
		{"demo-sysadmin", []string{"/", "/users"}},
		{"demo-secadmin", []string{"/", "/users"}},
		{"demo-property", []string{"/"}},
	}
	do("viewport", chromedp.EmulateViewport(1366, 900))
	shot := strings.NewReplacer("/", "_", "?", "_", "=", "_")
	for _, role := range roles {
		who := role.user
		if who == "" {
			who = "anonymous"
		}
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		do("viewport", chromedp.EmulateViewport(1366, 900))
		if role.user != "" {
			do("sign in "+who, append(signIn(base, role.user, "anji-demo-2026"), chromedp.WaitVisible(chromedp.ID("logout")))...)
		}
		for _, mode := range screenModes {
			if mode.large && role.user != "" && role.user != "demo-resident" {
				continue // large text (适老化) is the residents' mode
			}
			do("viewport", chromedp.EmulateViewport(mode.width, mode.height))
			if mode.large {
				do("large text", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.ID("text-switch")),
					chromedp.WaitReady(chromedp.CSS("html.large-text")))
			}
			for _, page := range role.pages {
				do(who+" "+page, chromedp.Navigate(base+page), chromedp.WaitReady(chromedp.CSS("main")))
				lay, err := chromedp.Run(ctx, chromedp.Evaluate[pageLayout](measureJS))
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("page-%s-%s%s.png", who, mode.name, shot.Replace(page))
				path := screenshot(t, ctx, name)
				where := fmt.Sprintf("%s %s at %s (%s)", who, page, mode.name, path)
				switch {
				case lay.H1 == "" || lay.Error:
					t.Errorf("%s: heading %q", where, lay.H1)
				case lay.ScrollWidth > lay.Width+1:
					t.Errorf("%s: the page is %d px wide on a %d px screen", where, lay.ScrollWidth, lay.Width)
				case len(lay.Narrow) > 0:
					t.Errorf("%s: table cells one character wide: %q", where, lay.Narrow)
				case mode.large && lay.H1Top > float64(mode.height)/3:
					t.Errorf("%s: the heading starts %.0f px down: the header fills the first screen", where, lay.H1Top)
				}
			}
			if mode.large {
				// The switch posts a form: wait for the page it answers, or
				// the next navigation aborts the post (a CI run failed so).
				do("normal text", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.ID("text-switch")),
					chromedp.WaitReady(chromedp.CSS("html:not(.large-text) #text-switch")))
			}
		}
	}
}

//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// journey walks one browser through a server's pages as people would, for
// a browser test: steps with a time limit of their own and the page in hand
// when one fails, form submits that wait for the page they lead to (or
// fail at once with the form's errors), accounts switched (each signs in
// once, see browserAccounts), pages captured at 1366 and 390 pixels.
type journey struct {
	t    *testing.T
	ctx  context.Context
	base string
	// password is every account's (the demo's, or the test's own).
	password string
	// shotPrefix starts the names of the screenshots.
	shotPrefix string
	// noShots skips the screenshots (a journey run again on the other
	// engine: the pages are the same).
	noShots bool
	// switchSignsOut is when a change of account signs out through the
	// page first: never, at the first change, or at every change (then
	// every account signs in again each time).
	switchSignsOut signOutWhen
	accounts       *browserAccounts
	signedIn       bool
}

// signOutWhen says when a journey's change of account signs out on the page.
type signOutWhen int

const (
	signOutNever signOutWhen = iota
	signOutFirst
	signOutEvery
)

// journeyStepLimit bounds one step: a page that never shows what is
// awaited fails at once, with the page in hand, rather than at the end of
// the journey's time.
const journeyStepLimit = time.Minute

// newJourney starts Chromium for a journey through base of at most limit.
func newJourney(t *testing.T, base, password string, limit time.Duration) *journey {
	t.Helper()
	ctx := browserFor(t, limit)
	// The first action starts Chromium, bound to the context it runs on:
	// the journey's, not a step's.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	return &journey{t: t, ctx: ctx, base: base, password: password, accounts: &browserAccounts{base: base}}
}

// do runs a step's actions (logged by what). A step that ends with a click
// on a form's submit must end waiting for something on the page the form
// leads to (or use submit): a Navigate right after the click may run
// before the post is answered.
func (j *journey) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	j.t.Logf("%s", what)
	step, cancel := context.WithTimeout(j.ctx, journeyStepLimit)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		j.failed(what, err)
	}
}

// failed ends the test at a step that failed, with where the browser is,
// a screenshot and the page's text (its main part, else the body). Said
// first: the rest fails too once the journey's time is up.
func (j *journey) failed(what string, err error) {
	j.t.Helper()
	j.t.Logf("%s: %v", what, err)
	ctx, cancel := context.WithTimeout(j.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body || {}).innerText || ""`))
	j.t.Logf("at %s, page:\n%s", loc, page)
	j.t.Logf("screenshot: %s", screenshot(j.t, j.ctx, strings.ReplaceAll(j.t.Name(), "/", "-")+"-failed.png"))
	j.t.Fatalf("%s: %v (at %s)", what, err, loc)
}

// submit clicks (a form's button, a link) and waits for the next page: a
// document loaded after the click (the one before is marked, so that a
// node both pages have, like the notice, is not taken from the old one)
// with the node of id want, or the form back with its errors, which fails
// at once with them rather than waiting for a node that never comes. The
// next step never starts while the post is unanswered.
func (j *journey) submit(what string, click chromedp.Action[chromedp.Void], want string) {
	j.t.Helper()
	j.do(what+" (mark the page)", chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = "1"`), click)
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
			j.failed(what, fmt.Errorf("no new page with #%s within 2 minutes", want))
		}
		got, _ = chromedp.Run(j.ctx, chromedp.Evaluate[string](probe)) // fails while the page changes: try again
	}
	if got != "ok" {
		j.failed(what, fmt.Errorf("the form came back: %s", got))
	}
	j.do(what+": "+want, chromedp.WaitVisible(chromedp.ID(want)))
}

// open navigates to path and waits for the element with id wait.
func (j *journey) open(path, wait string) {
	j.t.Helper()
	j.do("open "+path, chromedp.Navigate(j.base+path), chromedp.WaitVisible(chromedp.ID(wait)))
}

// text reads an element's text, trimmed, again when the node was replaced
// between the lookup and the read.
func (j *journey) text(sel string) string {
	j.t.Helper()
	var err error
	for range 5 {
		var s string
		if s, err = chromedp.Run(j.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return strings.TrimSpace(s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	j.t.Fatalf("text of %s: %v", sel, err)
	return ""
}

// eval runs a script that gives a string.
func (j *journey) eval(js string, opts ...chromedp.EvaluateOption) string {
	j.t.Helper()
	v, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](js, opts...))
	if err != nil {
		j.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// present reports whether the page has an element matching sel.
func (j *journey) present(sel string) bool {
	j.t.Helper()
	got, err := chromedp.Run(j.ctx, chromedp.Evaluate[bool](`document.querySelector(`+"`"+sel+"`"+`) !== null`))
	if err != nil {
		j.t.Fatalf("query %s: %v", sel, err)
	}
	return got
}

// attr reads an attribute of the element sel.
func (j *journey) attr(sel, name string) string {
	j.t.Helper()
	v, err := chromedp.Run(j.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		j.t.Fatalf("%s[%s]: %v", sel, name, err)
	}
	return v.Value
}

// location is the page's address.
func (j *journey) location() string {
	j.t.Helper()
	loc, err := chromedp.Run(j.ctx, chromedp.Location())
	if err != nil {
		j.t.Fatalf("location: %v", err)
	}
	return loc
}

// as goes on as user: signed out on the page first when signOut says so,
// back to user's session when the journey had one, else signed in (with
// the second step when the role needs it); it waits for the signed-in page.
func (j *journey) as(user string) {
	j.t.Helper()
	if j.signedIn && j.switchSignsOut != signOutNever {
		j.logout()
		if j.switchSignsOut == signOutFirst {
			j.switchSignsOut = signOutNever
		}
	}
	if err := j.accounts.leave(j.ctx); err != nil {
		j.t.Fatalf("leave the account: %v", err)
	}
	if resumed, err := j.accounts.resume(j.ctx, user); err != nil {
		j.t.Fatalf("resume %s: %v", user, err)
	} else if resumed {
		j.do("back as "+user, chromedp.Navigate(j.base+"/"), chromedp.WaitVisible(chromedp.ID("logout")))
		return
	}
	j.login(user, j.password)
	j.accounts.current = user
}

// login signs user in with password through the login page (see signIn)
// and waits for the signed-in page.
func (j *journey) login(user, password string) {
	j.t.Helper()
	j.do("sign in as "+user, append(signIn(j.base, user, password), chromedp.WaitVisible(chromedp.ID("logout")))...)
	j.signedIn = true
}

// logout signs the current account out on the page, which ends its
// session on the server.
func (j *journey) logout() {
	j.t.Helper()
	j.do("sign out", chromedp.Navigate(j.base+"/"))
	j.submit("sign out", chromedp.Click(chromedp.ID("logout")), "nav-login")
	j.accounts.signedOut()
	j.signedIn = false
}

// signOut signs out on the page when signed in.
func (j *journey) signOut() {
	j.t.Helper()
	if j.signedIn {
		j.logout()
	}
}

// shots captures the page at 1366 and at 390 pixels (and goes back to the
// wide screen): <shotPrefix><name>-1366.png and -390.png.
func (j *journey) shots(name string) {
	j.t.Helper()
	if j.noShots {
		return
	}
	j.do("wide", chromedp.EmulateViewport(1366, 900))
	j.t.Logf("screenshot: %s", screenshot(j.t, j.ctx, fmt.Sprintf("%s%s-1366.png", j.shotPrefix, name)))
	j.do("narrow", chromedp.EmulateViewport(390, 844))
	j.t.Logf("screenshot: %s", screenshot(j.t, j.ctx, fmt.Sprintf("%s%s-390.png", j.shotPrefix, name)))
	j.do("wide again", chromedp.EmulateViewport(1366, 900))
}

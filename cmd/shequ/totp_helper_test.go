package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ/internal/auth"
	"shequ/internal/demo"
)

// Test clients sign in as a person would: password, then the code of the
// authenticator app when the account has two-factor sign-in (the demo
// accounts of the official and the administrators, with their published
// secrets), or the set-up at the first sign-in of a role that needs it
// (the secret read off the page). A code is accepted once per time step
// (RFC 6238 §5.2), so the book below gives each sign-in of an account on
// a server a step not used before, waiting for the next step when the
// usable ones (the steps either side of now, for clock drift) are spent.

// totpBook remembers, per server and account, the secret and the last step
// used.
type totpBook struct {
	mu      sync.Mutex
	secrets map[string]string
	last    map[string]int64
}

var testTOTP = &totpBook{secrets: map[string]string{}, last: map[string]int64{}}

func (b *totpBook) key(base, user string) string { return base + "\x00" + user }

// secret returns the secret of user on base: one set up by a helper, or
// the demo's; "" when unknown.
func (b *totpBook) secret(base, user string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s := b.secrets[b.key(base, user)]; s != "" {
		return s
	}
	if demo.RequiresCode(user) {
		return demo.TOTPSecret(user)
	}
	return ""
}

// remember records the secret a helper set up for user on base.
func (b *totpBook) remember(base, user, secret string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.secrets[b.key(base, user)] = secret
}

// code returns a code of user on base at a step not used before.
func (b *totpBook) code(t testing.TB, base, user string) string {
	t.Helper()
	c, err := b.codeErr(base, user)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *totpBook) codeErr(base, user string) (string, error) {
	secret := b.secret(base, user)
	if secret == "" {
		return "", fmt.Errorf("no two-factor secret known for %s", user)
	}
	k := b.key(base, user)
	for {
		now := time.Now()
		step := auth.Step(now)
		// The step before now is accepted too (clock drift), but only
		// early in the current step, so that it is still within the
		// window when the server checks it.
		first := step
		if now.Unix()%30 < 15 {
			first = step - 1
		}
		b.mu.Lock()
		s := max(first, b.last[k]+1)
		if s <= step+1 {
			b.last[k] = s
			b.mu.Unlock()
			return auth.TOTP{}.Code(secret, time.Unix(s*30, 0))
		}
		b.mu.Unlock()
		time.Sleep(time.Unix((step+1)*30, 0).Sub(now) + 20*time.Millisecond)
	}
}

// reSecret finds the set-up secret on the two-factor page.
var reSecret = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// reContinue finds where the recovery-codes page goes next.
var reContinue = regexp.MustCompile(`href="([^"]*)" id="totp-continue"`)

// signInForm signs user in through the login form with client c (a cookie
// jar, redirects not followed) and, when the server asks, the second step.
// It returns the status and Location of the last answer: 303 and the page
// to go to when signed in.
func signInForm(t testing.TB, c *http.Client, base, user, password string) (int, string) {
	t.Helper()
	resp, err := c.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther {
		return resp.StatusCode, loc
	}
	path, query, _ := strings.Cut(loc, "?")
	ret := "/"
	if q, err := url.ParseQuery(query); err == nil && q.Get("return") != "" {
		ret = q.Get("return")
	}
	switch path {
	case "/login/code":
		resp, err := c.PostForm(base+"/login/code", url.Values{"code": {testTOTP.code(t, base, user)}, "return": {ret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	case "/account/two-factor":
		return enrolForm(t, c, base, user, ret)
	}
	return resp.StatusCode, loc
}

// enrolForm sets two-factor sign-in up on the set-up page, as a person
// with an authenticator app would, and returns 303 and where the
// recovery-codes page continues to.
func enrolForm(t testing.TB, c *http.Client, base, user, ret string) (int, string) {
	t.Helper()
	resp, err := c.Get(base + "/account/two-factor")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := reSecret.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("set-up page of %s: %d\n%s", user, resp.StatusCode, page)
	}
	testTOTP.remember(base, user, strings.ReplaceAll(string(m[1]), " ", ""))
	resp, err = c.PostForm(base+"/account/two-factor", url.Values{"code": {testTOTP.code(t, base, user)}, "return": {ret}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	n := reContinue.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || n == nil {
		t.Fatalf("set-up of %s: %d\n%s", user, resp.StatusCode, page)
	}
	return http.StatusSeeOther, html.UnescapeString(string(n[1]))
}

// apiSignInBody is the JSON body of POST /api/v1/session for user, with
// the code when the account has a known second factor.
func apiSignInBody(t testing.TB, base, user, password string) *bytes.Reader {
	t.Helper()
	body := map[string]string{"username": user, "password": password}
	if testTOTP.secret(base, user) != "" {
		body["code"] = testTOTP.code(t, base, user)
	}
	b, _ := json.Marshal(body)
	return bytes.NewReader(b)
}

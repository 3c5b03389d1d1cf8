package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"shequ/internal/config"
	"shequ/internal/demo"
)

// startDemo runs `serve -demo` on dsn with the demo county's part of the
// division tree only (the whole country takes a quarter of a minute): the
// demo accounts, residents, registers, needs, projects and facilities.
func startDemo(t *testing.T, dsn string) (string, *Main) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", dsn, dataDir(t), true
	// Every test signs in all the demo accounts from one address.
	cfg.Security.LoginsPerMinute = 1000
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		DemoPrefix: demo.County}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + m.Addr(), m
}

// browserSession is a cookie session of one account (anonymous when
// signed in as nobody), reading pages as a browser does.
type browserSession struct {
	t    *testing.T
	base string
	c    *http.Client
}

// openSession opens a session for username with the demo password ("" stays
// anonymous).
func openSession(t *testing.T, base, username string) *browserSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &browserSession{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if username == "" {
		return s
	}
	body, _ := json.Marshal(map[string]string{"username": username, "password": demo.Password})
	resp, err := s.c.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: %d", username, resp.StatusCode)
	}
	return s
}

// get reads a page and returns its status and body; redirects are not
// followed.
func (s *browserSession) get(path string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// open reads a page as a person following a link does: redirects
// followed (at most five), the final status and body.
func (s *browserSession) open(path string) (int, string) {
	s.t.Helper()
	for range 5 {
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := s.c.Do(req)
		if err != nil {
			s.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && strings.HasPrefix(loc, "/") {
			path = loc
			continue
		}
		return resp.StatusCode, string(b)
	}
	s.t.Fatalf("%s: too many redirects", path)
	return 0, ""
}

// post submits a form as the page would (same origin) and returns the
// status, the redirect target and the body.
func (s *browserSession) post(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Origin", s.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// hrefRE finds the links of a page.
var hrefRE = regexp.MustCompile(`<a [^>]*href="([^"]+)"`)

// links returns the local links of part of a page, entities unescaped.
func links(part string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(part, -1) {
		h := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "//") {
			out = append(out, h)
		}
	}
	return out
}

// section returns the part of page from the first from to the next to
// after it ("" when absent).
func section(page, from, to string) string {
	i := strings.Index(page, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], to)
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

// demoRoles are the demo accounts by role, and "" for anonymous.
func demoRoles() []string {
	out := []string{""}
	for _, a := range demo.Accounts {
		out = append(out, a.Username)
	}
	return out
}

// navTo is the actions that open the navigation entry id as a person does:
// a role with many pages finds it in a group, whose drop-down opens first
// (a click on its summary).
func navTo(id string) []chromedp.Action[chromedp.Void] {
	open := chromedp.Evaluate[bool](`(() => {
		const d = document.getElementById(` + strconv.Quote(id) + `).closest("details");
		if (d && !d.open) { d.querySelector("summary").click(); }
		return true;
	})()`)
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitReady(chromedp.ID(id)),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := open(ctx, t)
			return chromedp.Void{}, err
		},
		chromedp.Click(chromedp.ID(id)),
	}
}

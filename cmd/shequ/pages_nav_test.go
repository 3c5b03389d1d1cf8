package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestNavigationPerRole signs in as every demo account (and as nobody) on
// both engines and follows every link of the header: each opens (no 403,
// no 404), no role faces more than eight top entries, and the pages each
// role works on are among them (the public accountability list, bid
// discovery, the approval queue and activity recording were unreachable;
// the resident's 居民 opened a staff register search and the official's
// 前台受理 a 403).
func TestNavigationPerRole(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _ := startDemo(t, dsn)
		want := map[string][]string{
			"":              {"nav-public", "nav-services"},
			"demo-resident": {"nav-public", "nav-services", "nav-requests", "nav-delegations", "nav-needs"},
			"demo-worker":   {"nav-desk", "nav-requests", "nav-residents", "nav-needs", "nav-projects", "nav-public"},
			"demo-org":      {"nav-calls", "nav-activities", "nav-public"},
			"demo-social":   {"nav-activities", "nav-public"},
			"demo-official": {"nav-approvals", "nav-indicators", "nav-targets", "nav-public"},
			"demo-auditor":  {"nav-audit"},
			"demo-sysadmin": {"nav-users"},
			"demo-secadmin": {"nav-users"},
			"demo-property": {"nav-home"},
		}
		never := map[string][]string{
			"":              {"nav-residents", "nav-requests", "nav-desk"},
			"demo-resident": {"nav-residents", "nav-desk", "nav-projects", "nav-indicators"},
			"demo-official": {"nav-desk"},
			"demo-auditor":  {"nav-users", "nav-residents"},
		}
		checked := map[string]bool{}
		for _, user := range demoRoles() {
			s := openSession(t, base, user)
			code, home := s.get("/")
			if code != http.StatusOK {
				t.Fatalf("%q: home %d", user, code)
			}
			header := section(home, "<header", "</header>")
			for _, id := range want[user] {
				if !strings.Contains(header, `id="`+id+`"`) {
					t.Errorf("%q: no %s in the navigation", user, id)
				}
			}
			for _, id := range never[user] {
				if strings.Contains(header, `id="`+id+`"`) {
					t.Errorf("%q: %s shown", user, id)
				}
			}
			bar := section(header, `<nav class="site-nav"`, "</nav>")
			if top := strings.Count(bar, "\n<li"); top > 8 || top == 0 {
				t.Errorf("%q: %d top entries in the navigation", user, top)
			}
			for _, h := range links(header) {
				if checked[user+" "+h] {
					continue
				}
				checked[user+" "+h] = true
				if code, _ := s.open(h); code != http.StatusOK {
					t.Errorf("%q: the header's link %s answers %d", user, h, code)
				}
			}
		}
	})
}

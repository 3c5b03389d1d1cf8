package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shequ"
)

// A privileged account's right password gives a staged session, not a
// signed-in one: it reaches no page but the set-up (or the code page), and
// without a two-factor store the set-up fails closed.
func TestStagedSessionIsNotSignedIn(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	w := s.form(t, "/login", url.Values{"username": {"official"}, "password": {"official-secret-password"},
		"return": {"/residents"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/two-factor?return=%2Fresidents" {
		t.Fatalf("status %d, Location %q", w.Code, w.Header().Get("Location"))
	}
	c := cookieNamed(w, cookieSession)
	if c == nil || id.stages[c.Value] != shequ.SessionEnrolDue {
		t.Fatalf("want a staged session, got %v (stages %v)", c, id.stages)
	}
	cookie := cookieSession + "=" + c.Value
	for _, p := range []string{"/account", "/residents", "/users"} {
		if w := s.get(t, p, "Cookie", cookie); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
			t.Errorf("GET %s with a staged session: %d %q", p, w.Code, w.Header().Get("Location"))
		}
	}
	if w := s.do(t, http.MethodGet, "/api/v1/session", nil, "Cookie", cookie, "Accept", "application/json"); w.Code == http.StatusOK {
		t.Errorf("API with a staged session: %d", w.Code)
	}
	// No two-factor store: the set-up cannot be done, so nobody gets in.
	if w := s.get(t, "/account/two-factor", "Cookie", cookie); w.Code != http.StatusServiceUnavailable {
		t.Errorf("set-up without a store: %d", w.Code)
	}
	// The code page without a code stage sends back to the login page.
	if w := s.get(t, "/login/code", "Cookie", cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
		t.Errorf("code page at the set-up stage: %d %q", w.Code, w.Header().Get("Location"))
	}
	// The audit says the password was right and the set-up is due.
	last := id.audits[0]
	if last.Action != "login" || last.Result != shequ.AuditAllowed || last.Detail != "password; two-factor set-up due" {
		t.Errorf("audit: %+v", last)
	}
	// Through the API the account is told to set it up in a browser.
	w = s.do(t, http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"official","password":"official-secret-password"}`),
		"Content-Type", "application/json")
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "须先设置两步验证") {
		t.Errorf("API sign-in of an account without its second factor: %d %s", w.Code, w.Body)
	}
	// A worker (not required) signs in at once.
	if w := s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"worker-secret-password"}}); w.Code != http.StatusSeeOther ||
		w.Header().Get("Location") != "/" || id.stages[cookieNamed(w, cookieSession).Value] != "" {
		t.Errorf("worker: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// The rule: the official and the three administrators must use two-factor
// sign-in; the other roles may.
func TestTwoFactorRequired(t *testing.T) {
	want := map[shequ.Role]bool{shequ.RoleOfficial: true, shequ.RoleAuditor: true, shequ.RoleSysadmin: true, shequ.RoleSecadmin: true}
	for _, r := range shequ.Roles {
		if got := shequ.TwoFactorRequired(r); got != want[r] {
			t.Errorf("TwoFactorRequired(%s) = %v", r, got)
		}
	}
}

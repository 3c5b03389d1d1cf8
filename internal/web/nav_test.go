package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"shequ"
)

// TestNavTable checks the declared navigation: unique ids, known groups,
// and for every role (and anonymous) at most navFlatMax top entries.
func TestNavTable(t *testing.T) {
	groups := map[string]bool{navTop: true}
	for _, g := range navGroups {
		if groups[g.ID] {
			t.Errorf("group %q declared twice", g.ID)
		}
		groups[g.ID] = true
	}
	ids := map[string]bool{}
	for _, e := range navEntries {
		if ids[e.ID] || !strings.HasPrefix(e.ID, "nav-") {
			t.Errorf("entry id %q repeated or without the nav- prefix", e.ID)
		}
		ids[e.ID] = true
		if !groups[e.Group] {
			t.Errorf("%s: group %q is not declared", e.ID, e.Group)
		}
		if !strings.HasPrefix(e.Href, "/") {
			t.Errorf("%s: href %q is not a local path", e.ID, e.Href)
		}
	}
	if len(navEntries) > 64 {
		t.Fatalf("%d entries: navKey's bit sets hold 64", len(navEntries))
	}
	actors := []*shequ.Actor{nil}
	for _, r := range shequ.Roles {
		actors = append(actors, &shequ.Actor{UserID: "u", Role: r, Scope: "330523"})
	}
	for _, a := range actors {
		key := navFor("zh-CN", a, httptest.NewRequest("GET", "/", nil))
		if n := navTopCount(key); n == 0 || n > navFlatMax {
			t.Errorf("%v: %d top entries", a, n)
		}
	}
}

// TestNavShown: who sees which entry, and under which label.
func TestNavShown(t *testing.T) {
	s := newTestServer(t, nil)
	l := s.cat.Localizer("zh-CN")
	for _, tt := range []struct {
		role       shequ.Role
		want, hide []string
	}{
		{"", []string{"nav-public", "nav-services", "nav-divisions"}, []string{"nav-requests", "nav-residents", "nav-group-"}},
		{shequ.RoleResident, []string{">我的办件<", "nav-delegations", "nav-needs", "nav-public"},
			[]string{"nav-residents", "nav-desk", "nav-projects", "nav-group-"}},
		{shequ.RoleCommunityWorker, []string{"nav-desk", ">办件<", "nav-residents", `id="nav-group-services"`}, []string{"nav-approvals", "nav-users"}},
		{shequ.RoleOfficial, []string{"nav-approvals", "nav-targets", "nav-indicators"}, []string{"nav-desk", "nav-calls"}},
		{shequ.RoleOrgMember, []string{"nav-calls", "nav-activities"}, []string{"nav-approvals", "nav-residents"}},
		{shequ.RoleSocialWorker, []string{"nav-activities"}, []string{"nav-calls", "nav-desk"}},
		{shequ.RoleAuditor, []string{"nav-audit"}, []string{"nav-users", "nav-residents"}},
		{shequ.RoleSysadmin, []string{"nav-users"}, []string{"nav-audit"}},
	} {
		var a *shequ.Actor
		if tt.role != "" {
			a = &shequ.Actor{UserID: "u", Role: tt.role, Scope: "330523"}
		}
		m := navRender(l, navFor("zh-CN", a, httptest.NewRequest("GET", "/", nil)))
		for _, w := range tt.want {
			if !strings.Contains(string(m.Bar), w) || (!strings.HasPrefix(w, `id="nav-group`) && !strings.Contains(string(m.Menu), strings.Replace(w, "nav-", "m-nav-", 1))) {
				t.Errorf("%s: %q missing:\n%s", tt.role, w, m.Bar)
			}
		}
		for _, h := range tt.hide {
			if strings.Contains(string(m.Bar), h) {
				t.Errorf("%s: %q shown:\n%s", tt.role, h, m.Bar)
			}
		}
	}
}

// TestNavCurrent: the entry of the page is marked, the filtered list's
// own entry winning over the list's.
func TestNavCurrent(t *testing.T) {
	official := &shequ.Actor{UserID: "u", Role: shequ.RoleOfficial, Scope: "330523"}
	for target, want := range map[string]string{
		"/projects?status=under_review": "nav-approvals",
		"/projects?status=closed":       "nav-projects",
		"/projects/abc":                 "nav-projects",
		"/public/projects/abc":          "nav-public",
		"/":                             "nav-home",
		"/indicators/330523":            "nav-indicators",
	} {
		key := navFor("zh-CN", official, httptest.NewRequest("GET", target, nil))
		if key.current < 0 || navEntries[key.current].ID != want {
			t.Errorf("%s: current %d, want %s", target, key.current, want)
		}
	}
	key := navFor("zh-CN", official, httptest.NewRequest("GET", "/account", nil))
	if key.current != -1 {
		t.Errorf("/account marks %s", navEntries[key.current].ID)
	}
}

package web

import (
	"strings"
	"testing"
)

// TestHomePropertyTile: the property tile leads a reader of the module to
// its own page (a resident's estate is there, since their navigation has no
// room for it) and everyone else to the public grade pages.
func TestHomePropertyTile(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	for _, tt := range []struct{ user, href string }{
		{"worker", `href="/property"`},
		{"", `href="/public/property"`},
		{"sysadmin", `href="/public/property"`},
	} {
		var h []string
		if tt.user != "" {
			h = []string{"Cookie", id.session(tt.user)}
		}
		body := s.get(t, "/", h...).Body.String()
		i := strings.Index(body, `id="modules"`)
		if i < 0 || !strings.Contains(body[i:], tt.href) {
			t.Errorf("%q: tile lacks %s", tt.user, tt.href)
		}
	}
}

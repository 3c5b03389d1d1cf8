package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"shequ"
)

// TestStaleReadRoutes: every stale-tolerant route is a GET of the route
// table, and only those routes' handlers see a context allowing stale
// reads.
func TestStaleReadRoutes(t *testing.T) {
	s := newTestServer(t, nil)
	routes := map[string]bool{}
	for _, rt := range s.routes {
		routes[rt.pattern()] = true
	}
	for p := range staleReadRoutes {
		if !routes[p] || p[:4] != "GET " {
			t.Errorf("stale-tolerant %q is not a GET route of the table", p)
		}
	}
	var stale bool
	h := func(w http.ResponseWriter, r *http.Request) { stale = shequ.StaleReadsOK(r.Context()) }
	for _, c := range []struct {
		rt   route
		want bool
	}{
		{route{http.MethodGet, "/public/projects", h}, true},
		{route{http.MethodGet, "/public/property/{id}", h}, true},
		{route{http.MethodGet, "/requests/{id}", h}, false},
		{route{http.MethodPost, "/public/projects", h}, false},
	} {
		stale = !c.want
		staleReads(c.rt, c.rt.Handler).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.rt.Method, "/x", nil))
		if stale != c.want {
			t.Errorf("%s: stale reads %v, want %v", c.rt.pattern(), stale, c.want)
		}
	}
}

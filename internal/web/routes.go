package web

import (
	"net/http"
	"strings"
)

// route is one entry of the route table. The table is the single list of
// what the server answers: NewServer registers it on the mux, and tests
// iterate it (for example to check the OpenAPI document against it).
type route struct {
	Method  string
	Path    string // a ServeMux path pattern
	Handler http.HandlerFunc
}

// pattern is the ServeMux pattern, "METHOD /path".
func (rt route) pattern() string { return rt.Method + " " + rt.Path }

// unmatchedRoute labels requests that matched no route in logs and metrics.
const unmatchedRoute = "unmatched"

// routeTable lists every route. "/divisions/search" sits beside
// "/divisions/{code}": ServeMux prefers the more specific literal segment,
// so search is never taken for a code (tested).
func (s *Server) routeTable() []route {
	return []route{
		// HTML pages.
		{http.MethodGet, "/{$}", s.handleHome},
		{http.MethodPost, "/prefs", s.handlePrefs},
		{http.MethodGet, "/divisions", s.handleDivisionIndex},
		{http.MethodGet, "/divisions/search", s.handleDivisionSearch},
		{http.MethodGet, "/divisions/{code}", s.handleDivisionShow},
		{http.MethodGet, "/static/{hash}/{file...}", s.handleStatic},

		// Operations.
		{http.MethodGet, "/healthz", s.handleHealthz},
		{http.MethodGet, "/readyz", s.handleReadyz},
		{http.MethodGet, "/metrics", s.handleMetrics},

		// JSON API.
		{http.MethodGet, "/api/v1/openapi.json", s.handleOpenAPI},
		{http.MethodGet, "/api/v1/divisions", s.handleAPIDivisionList},
		{http.MethodGet, "/api/v1/divisions/search", s.handleAPIDivisionSearch},
		{http.MethodGet, "/api/v1/divisions/{code}", s.handleAPIDivisionGet},
		{http.MethodGet, "/api/v1/divisions/{code}/children", s.handleAPIDivisionChildren},
	}
}

// handleNotFound answers requests no route matched. When the path exists
// for another method it is a 405 with Allow, as the mux would say.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		l := s.localizer(r)
		s.writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", l.T("error.method"), nil, "")
		return
	}
	s.error(w, r, errNotFound)
}

// allowedMethods lists the methods that some route serves for r's path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method || (m == http.MethodGet && r.Method == http.MethodHead) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}

package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// /metrics tells an outsider how busy the platform is, which routes exist
// and how the database pool fares: it is not for the public. It is served
// in one of two ways, and not at all by default:
//
//   - Config.MetricsToken set: on the main address, to requests that send
//     "Authorization: Bearer <token>" (Prometheus' bearer_token_file);
//   - Config.MetricsElsewhere set (shequ serve -metrics-addr): on a
//     listener of its own through MetricsHandler, which the monitoring
//     network reaches and the public does not (with the token too, when one
//     is set); the main address then answers 404.
//
// Any other request to /metrics answers 404, as a path that does not exist.

// handleMetrics serves GET /metrics on the main address.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsElsewhere || s.cfg.MetricsToken == "" {
		s.error(w, r, errNotFound)
		return
	}
	s.serveMetrics(w, r)
}

// MetricsHandler serves /metrics alone, for the listener of
// -metrics-addr; everything else there answers 404.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		s.serveMetrics(w, r)
	})
}

// serveMetrics checks the token when one is configured.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if want := s.cfg.MetricsToken; want != "" {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(want)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	s.writeMetrics(w, r)
}

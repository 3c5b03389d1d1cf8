package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"shequ"
)

// readyTimeout bounds a readiness check so a hung database makes /readyz
// answer 503 quickly instead of hanging the prober.
const readyTimeout = 2 * time.Second

// statusJSON is the body of /healthz and /readyz.
type statusJSON struct {
	Status string     `json:"status"`
	Error  *errorJSON `json:"error,omitempty"`
}

// handleHealthz reports that the process is up. It checks nothing else, so
// that a database outage does not get the process restarted.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, statusJSON{Status: "ok"})
}

// handleReadyz reports whether the platform can serve: 200 when
// cfg.Readiness says so, 503 with the reason otherwise.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.Readiness == nil {
		writeJSON(w, http.StatusOK, statusJSON{Status: "ready"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := s.cfg.Readiness.Ready(ctx)
	if err == nil {
		writeJSON(w, http.StatusOK, statusJSON{Status: "ready"})
		return
	}
	// Probes repeat every few seconds; a warning per failed probe is the
	// signal operators want, and the body says why in words.
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready",
		slog.String("request_id", requestID(r.Context())), slog.String("err", err.Error()))
	l := s.localizer(r)
	e := shequ.AsError(err)
	msg := l.T("error.unavailable")
	if e.Code != shequ.EInternal {
		msg = l.Error(e)
	}
	writeJSON(w, http.StatusServiceUnavailable, statusJSON{
		Status: "unavailable",
		Error:  &errorJSON{Code: shequ.EUnavailable, Message: msg},
	})
}

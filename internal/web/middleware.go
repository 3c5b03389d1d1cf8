package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"shequ"
)

// ctxKey keys the values the middleware puts in a request's context.
type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxInfo
)

// requestInfo is filled in while a request travels down the chain and read
// by the access log on the way back. It is a pointer in the context because
// handlers see a copy of the *http.Request, not the one the log holds.
type requestInfo struct {
	route string
}

// middleware wraps the mux, outermost first: request id, access log and
// metrics, panic recovery, security headers, cross-origin protection, then
// authentication, so that even a refused or panicking request is logged
// with its id and no state-changing request from another site reaches a
// handler (or the session store).
func (s *Server) middleware(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, errCrossOrigin)
	}))
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.checkURLText(h)
	h = securityHeaders(h, contentSecurityPolicy(s.cfg.MapTilesOrigin), s.cfg.SecureCookies)
	h = s.recoverPanics(h)
	h = withRetryAfter(h)
	h = s.observe(h)
	return withRequestID(h)
}

// errCrossOrigin is what a refused cross-origin form post gets.
var errCrossOrigin = shequ.Errorf(shequ.EForbidden, "error.cross_origin", "Cross-site requests are refused.")

// errNotFound is the generic 404 for paths no route serves.
var errNotFound = shequ.Errorf(shequ.ENotFound, "error.not_found", "The page you asked for does not exist.")

// withRequestID gives every request an id, echoed in X-Request-Id and in
// every log line about it. An incoming id (from a proxy) is kept when it is
// short and plain, so one id can follow a request across services.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// requestID returns the id withRequestID stored, "" outside a request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush,
// deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes one access log line per request and records its metrics.
// The route label is the mux pattern set by instrument, never the raw path,
// which would give every division code its own time series.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{route: unmatchedRoute}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxInfo, info)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(r.Method, info.route, rec.status, d)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", info.route),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.String("remote_addr", r.RemoteAddr),
		)
	})
}

// instrument labels a route's requests with its pattern for observe.
func (s *Server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(ctxInfo).(*requestInfo); ok {
			info.route = route
		}
		h.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged internal error so
// one bad request cannot take the process down. http.ErrAbortHandler is
// re-panicked: it is the documented way to abort a response.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if e, ok := v.(error); ok {
				err = fmt.Errorf("panic: %w\n%s", e, debug.Stack())
			}
			s.error(w, r, shequ.Wrap(err, "serve "+r.URL.Path))
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only the platform's own origin: no inline
// script or style, no framing. htmx is told not to inject its indicator
// style (see the htmx-config meta tag) so it lives with style-src 'self'.
// Map tiles, when configured, are the one image source allowed besides.
func contentSecurityPolicy(tileOrigin string) string {
	img := "img-src 'self' data:"
	if tileOrigin != "" {
		img += " " + tileOrigin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; " + img + "; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// hsts is the Strict-Transport-Security of a platform served over TLS (the
// secure cookies say so): browsers then refuse plain HTTP to it for a year,
// so that nobody on the network can strip TLS off a later visit. Without
// includeSubDomains: other services under the same domain may not have TLS.
const hsts = "max-age=31536000"

// securityHeaders sets the headers every response carries, and HSTS when
// the platform is behind TLS.
func securityHeaders(next http.Handler, csp string, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if tls {
			h.Set("Strict-Transport-Security", hsts)
		}
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY") // for browsers that predate frame-ancestors
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// isAbort reports whether err is the client going away, which is not worth
// an error log.
func isAbort(err error) bool {
	return errors.Is(err, context.Canceled)
}

package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"shequ"
)

// Every 429 and 503 answer tells clients when to try again (RFC 9110
// §10.2.3): the throttle's own wait when it knows it, otherwise these
// defaults. A 503 comes from a database that is unreachable, read-only or
// out of space, or from a module not wired in; either way a few seconds is
// what a client should wait before retrying, and the platform recovers by
// itself when the cause goes.
const (
	retryUnavailable = 5 * time.Second
	retryThrottled   = time.Minute
)

// retryAfterKey names the seconds to wait in an error's Data (throttled).
const retryAfterKey = "RetryAfter"

// setRetryAfter sets Retry-After from an error that knows its wait; the
// others get withRetryAfter's defaults.
func setRetryAfter(w http.ResponseWriter, err error) {
	if v, ok := shequ.AsError(err).Data[retryAfterKey]; ok {
		w.Header().Set("Retry-After", fmt.Sprint(v))
	}
}

// withRetryAfter sets Retry-After on 429 and 503 answers that do not carry
// one yet, whichever handler or page wrote them.
func withRetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&retryWriter{ResponseWriter: w}, r)
	})
}

// retryWriter adds the header as the status is written.
type retryWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *retryWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		if h.Get("Retry-After") == "" {
			switch code {
			case http.StatusServiceUnavailable:
				h.Set("Retry-After", seconds(retryUnavailable))
			case http.StatusTooManyRequests:
				h.Set("Retry-After", seconds(retryThrottled))
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryWriter) Write(b []byte) (int, error) {
	w.wrote = true // an implicit 200
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *retryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// seconds formats a wait as Retry-After's delay-seconds, at least 1.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"shequ"
)

// statusByCode is the one map from application error codes to HTTP status.
var statusByCode = map[string]int{
	shequ.EInvalid:      http.StatusBadRequest,
	shequ.ENotFound:     http.StatusNotFound,
	shequ.EConflict:     http.StatusConflict,
	shequ.EUnauthorized: http.StatusUnauthorized,
	shequ.EForbidden:    http.StatusForbidden,
	shequ.EUnavailable:  http.StatusServiceUnavailable,
	shequ.EInternal:     http.StatusInternalServerError,
	codeTooManyRequests: http.StatusTooManyRequests,
	shequ.EPending:      http.StatusForbidden,
}

// codeTooManyRequests is the web layer's own error code for throttled
// requests (login and registration attempts per client address).
const codeTooManyRequests = shequ.ETooManyRequests

// error answers a request that failed with err: JSON for the API (or a
// client asking for JSON), an HTML page otherwise, with the message in the
// user's language. Internal errors are logged here, once, with the request
// id, and the client sees only a generic message and that id: their text
// may hold SQL, paths or personal data.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	if s.replayTaken(w, r, err) {
		return
	}
	if shequ.ErrorCode(err) == shequ.EUnauthorized && !wantsJSON(r) {
		// A page that needs an account: go and sign in first.
		loginRedirect(w, r)
		return
	}
	setRetryAfter(w, err)
	status, code, msg, fields, rid := s.describeError(r, err)
	if cur, allowed, ok := shequ.TransitionDetail(err); ok && wantsJSON(r) {
		// An illegal transition: the message names the states by their
		// labels, the body keeps their identifiers for programs.
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, errorBody{errorJSON{Code: code, Message: msg, Current: cur, Allowed: allowed}})
		return
	}
	s.writeError(w, r, status, code, msg, fields, rid)
}

// describeError logs err when it is internal (once, with the request id)
// and returns what a client may see of it: the HTTP status, the error code,
// the message and field messages in the user's language, and the request
// id for internal errors only.
func (s *Server) describeError(r *http.Request, err error) (status int, code, msg string, fields map[string]string, rid string) {
	e := shequ.AsError(err)
	code = e.Code
	status, ok := statusByCode[code]
	if !ok {
		code, status = shequ.EInternal, http.StatusInternalServerError
	}
	rid = requestID(r.Context())
	l := s.localizer(r)
	switch {
	case code == shequ.EInternal && isAbort(err):
		// The client went away; nobody reads the answer and nothing broke.
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "request canceled", slog.String("request_id", rid))
	case code == shequ.EInternal:
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", rid),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("err", err.Error()))
	case code == shequ.EUnavailable && e.Err != nil:
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "unavailable",
			slog.String("request_id", rid), slog.String("err", err.Error()))
	}

	if code == shequ.EInternal {
		msg = l.T("error.internal")
	} else {
		msg = l.Error(e)
		for _, f := range e.Fields {
			if fields == nil {
				fields = map[string]string{}
			}
			// One message per field is enough for a form; the first wins
			// because validators check the most basic rule first.
			if _, dup := fields[f.Field]; !dup {
				fields[f.Field] = l.FieldError(f)
			}
		}
		rid = ""
	}
	return status, code, msg, fields, rid
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// Current and Allowed name the states of an illegal transition by
	// their identifiers (Allowed left out when there is none).
	Current string   `json:"current,omitempty"`
	Allowed []string `json:"allowed,omitempty"`
}

// errorView is what templates/error.html shows.
type errorView struct {
	Status    int
	Code      string
	Message   string
	Fields    map[string]string
	RequestID string
}

// writeError renders an already localized error as JSON or HTML.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string, fields map[string]string, rid string) {
	// An error must never be cached as if it were the page.
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		writeJSON(w, status, errorBody{errorJSON{Code: code, Message: msg, Fields: fields, RequestID: rid}})
		return
	}
	l := s.localizer(r)
	title := l.T("error.code." + code)
	if title == "error.code."+code {
		title = http.StatusText(status)
	}
	s.render(w, r, status, "error", title, errorView{Status: status, Code: code, Message: msg, Fields: fields, RequestID: rid})
}

// wantsJSON reports whether the client gets JSON: everything under /api/,
// and any request that asks for JSON and not for HTML.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// writeJSON writes v as JSON with status. Encoding our own response types
// cannot fail short of a programming error, which the tests would catch.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<" in names readable; the content type forbids sniffing as HTML
	_ = enc.Encode(v)
}

// pageJSON is the answer of the register and gap list endpoints: one page
// of items and the total that matches the filters.
type pageJSON[J any] struct {
	Items []J `json:"items"`
	Total int `json:"total"`
}

// writeList answers a list request with the page converted by conv; an empty
// page is [] rather than null. Lists depend on who asks: never cached.
func writeList[T, J any](w http.ResponseWriter, items []T, total int, conv func(T) J) {
	out := pageJSON[J]{Items: make([]J, 0, len(items)), Total: total}
	for _, it := range items {
		out.Items = append(out.Items, conv(it))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

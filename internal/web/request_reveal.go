package web

import (
	"context"
	"net/http"

	"shequ"
)

// The personal values of a request's form (phone, ID number, address)
// come masked from every read; a community worker may show them in clear
// with 显示完整信息 (POST /requests/{id}/reveal, GET
// /api/v1/requests/{id}?reveal=1), which the service checks and audits.

// ctxRevealRequest marks a request whose page shows the values in clear.
const ctxRevealRequest ctxKey = iota + 200

// findRequest reads the request of the path, revealed when the handler
// asked for it, and says whether it is.
func (s *Server) findRequest(r *http.Request) (*shequ.ServiceRequest, bool, error) {
	id := r.PathValue("id")
	if reveal, _ := r.Context().Value(ctxRevealRequest).(bool); reveal {
		q, err := s.cfg.Requests.RevealRequest(r.Context(), id)
		return q, err == nil, err
	}
	q, err := s.cfg.Requests.Get(r.Context(), id)
	return q, false, err
}

// hasPersonalValues reports whether the form has a personal field with a
// value.
func hasPersonalValues(form []shequ.FormField, values map[string][]string) bool {
	for _, f := range form {
		if f.PersonalKind() != "" && len(values[f.Code]) > 0 {
			return true
		}
	}
	return false
}

// handleRequestReveal serves POST /requests/{id}/reveal: the request page
// with the personal values of its form in clear.
func (s *Server) handleRequestReveal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionResidentReveal, s.cfg.Requests != nil); !ok {
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxRevealRequest, true))
	s.handleRequestShow(w, r)
}

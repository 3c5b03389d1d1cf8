package web

import (
	"net/http"

	"shequ"
)

// Guards shared by the pages and endpoints of the modules: the central
// check (guard, auth.go) plus whether the module's service is wired, and
// the scope check of a record being written.

// errNoService answers when cmd/shequ did not wire the service a page
// needs (a build without that module).
var errNoService = shequ.Errorf(shequ.EUnavailable, "error.unavailable", "The service is not available.")

// guardService is guard for pages and endpoints of a module whose service
// may be missing from the configuration (503 then).
func (s *Server) guardService(w http.ResponseWriter, r *http.Request, act shequ.Action, wired bool) (*shequ.Actor, bool) {
	a, ok := s.guard(w, r, act)
	if !ok {
		return nil, false
	}
	if !wired {
		s.error(w, r, errNoService)
		return nil, false
	}
	return a, true
}

// guardJSON is guardService for an endpoint with a JSON body: it also
// decodes the body into v (decodeJSON's limits), answering the error when
// it cannot.
func (s *Server) guardJSON(w http.ResponseWriter, r *http.Request, act shequ.Action, wired bool, v any) (*shequ.Actor, bool) {
	a, ok := s.guardService(w, r, act, wired)
	if !ok {
		return nil, false
	}
	if err := decodeJSON(w, r, v); err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return a, true
}

// outOfScope answers ErrNotFound, naming the field, when code is outside
// the actor's scope: a record there is not the actor's to see or write.
func outOfScope(a *shequ.Actor, field, code string) error {
	if a == nil || shequ.IsAncestorOrSelf(a.Scope, code) {
		return nil
	}
	e := *shequ.ErrNotFound
	e.Fields = []shequ.FieldError{{Field: field, Key: "scope.outside", Message: "This division is outside your area."}}
	return &e
}

package web

import "net/http"

// The end most JSON endpoints share: after the guard (guard.go) and the
// store call, the call's result converted to its JSON form, or its error.

// answerJSON answers a store call's result converted by conv with status,
// or its error.
func answerJSON[T, J any](s *Server, w http.ResponseWriter, r *http.Request, status int, v T, err error, conv func(T) J) {
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, status, conv(v))
}

// answerList answers a store call's page of items (and the total of the
// filter) converted by conv, or its error.
func answerList[T, J any](s *Server, w http.ResponseWriter, r *http.Request, items []T, total int, err error, conv func(T) J) {
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, items, total, conv)
}

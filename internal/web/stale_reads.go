package web

import (
	"net/http"

	"shequ"
)

// staleReadRoutes are the pages whose reads may come from a standby a
// little behind the primary (serve -db-read, sqlstore/replica.go): public
// lists that nobody watches change after a write of their own. A page that
// shows what its reader just did (a receipt, a request's state, a tracking
// answer) is never here. The indicator and coverage pages are served from
// memory and need no replica.
var staleReadRoutes = map[string]bool{
	"GET /public/projects":      true,
	"GET /public/property":      true,
	"GET /public/property/{id}": true,
}

// staleReads marks the context of a stale-tolerant route's requests.
func staleReads(rt route, h http.HandlerFunc) http.Handler {
	if !staleReadRoutes[rt.pattern()] {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(shequ.WithStaleReads(r.Context())))
	})
}

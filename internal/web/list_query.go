package web

import (
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// listQuery reads the query string of a list endpoint: paging (limit and
// offset), the community scope, free text, identifiers, flags and enum
// filters. Every problem is kept as a field error; Err returns those seen
// so far, so that a handler answers the paging problems first (before it
// reads its filters) or all of them together, as it always has.
type listQuery struct {
	q  url.Values
	fe shequ.FieldErrors
}

// readListQuery starts reading r's query string.
func readListQuery(r *http.Request) *listQuery {
	return &listQuery{q: r.URL.Query()}
}

// Page reads limit and offset: an absent or empty one takes its default
// (def, 0); anything else must be a whole number in range, limit in
// 1..max, offset in 0..maxOffset.
func (l *listQuery) Page(def, max int) (limit, offset int) {
	limit = intParam(&l.fe, l.q, "limit", def, 1, max)
	offset = intParam(&l.fe, l.q, "offset", 0, 0, maxOffset)
	return limit, offset
}

// Get is the parameter as given.
func (l *listQuery) Get(name string) string { return l.q.Get(name) }

// Trim is the parameter without surrounding white space.
func (l *listQuery) Trim(name string) string { return strings.TrimSpace(l.q.Get(name)) }

// Community checks v, a community (division code) filter, and returns it.
func (l *listQuery) Community(v string) string {
	checkCommunityFilter(&l.fe, v)
	return v
}

// Text checks v, a free-text filter, and returns it.
func (l *listQuery) Text(v string) string {
	checkQueryText(&l.fe, v)
	return v
}

// ID is an identifier parameter as given, refused when longer than any ID.
func (l *listQuery) ID(name string) string {
	v := l.q.Get(name)
	if len(v) > maxIDLen {
		l.fe.Add(name, "param.too_long", "The value is too long.", nil)
	}
	return v
}

// Flag reports whether the parameter is "1" (anything else is off).
func (l *listQuery) Flag(name string) bool { return l.q.Get(name) == "1" }

// Bool reads a strict yes/no parameter: absent, "0" or "false" is no,
// "1" or "true" yes, anything else a field error.
func (l *listQuery) Bool(name string) bool {
	switch l.q.Get(name) {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	l.fe.Add(name, "param.boolean", "must be 1 or 0.", nil)
	return false
}

// Err is the field errors seen so far (nil when none).
func (l *listQuery) Err() error { return l.fe.Err() }

// listOneOf reads an optional enum parameter: absent is "", a value not
// in set is the field error key (msg in English).
func listOneOf[T ~string](l *listQuery, name string, set []T, key, msg string) T {
	v := l.q.Get(name)
	if v != "" && !oneOfStr(v, set) {
		l.fe.Add(name, key, msg, nil)
	}
	return T(v)
}

// listAllOf reads a repeatable enum parameter; the first value not in set
// is the field error key and ends the reading.
func listAllOf[T ~string](l *listQuery, name string, set []T, key, msg string) []T {
	var out []T
	for _, v := range l.q[name] {
		if !oneOfStr(v, set) {
			l.fe.Add(name, key, msg, nil)
			break
		}
		out = append(out, T(v))
	}
	return out
}

// parseLimitOffset reads the paging parameters of q alone (see Page); all
// problems are reported together, per field.
func parseLimitOffset(q url.Values, def, max int) (limit, offset int, err error) {
	l := &listQuery{q: q}
	limit, offset = l.Page(def, max)
	if err := l.Err(); err != nil {
		return 0, 0, err
	}
	return limit, offset, nil
}

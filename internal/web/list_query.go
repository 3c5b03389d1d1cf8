package web

import (
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// listQuery reads the query string of a list endpoint or page: paging
// (limit and offset, or a page number), the community scope, free text,
// identifiers, flags and enum filters. Every problem is kept as a field error; Err returns those seen
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
	limit = l.Limit(def, max)
	offset = intParam(&l.fe, l.q, "offset", 0, 0, maxOffset)
	return limit, offset
}

// Limit reads limit alone: absent or empty is def, else 1..max.
func (l *listQuery) Limit(def, max int) int { return intParam(&l.fe, l.q, "limit", def, 1, max) }

// PageNo reads the 1-based page number of an HTML list: absent or empty
// is 1, else 1..maxPage.
func (l *listQuery) PageNo() int { return intParam(&l.fe, l.q, "page", 1, 1, maxPage) }

// Get is the parameter as given.
func (l *listQuery) Get(name string) string { return l.q.Get(name) }

// Trim is the parameter without surrounding white space.
func (l *listQuery) Trim(name string) string { return strings.TrimSpace(l.q.Get(name)) }

// Clean is the parameter without invalid UTF-8 and surrounding white space.
func (l *listQuery) Clean(name string) string {
	return strings.TrimSpace(strings.ToValidUTF8(l.q.Get(name), ""))
}

// Values are every value of a repeatable parameter, as given.
func (l *listQuery) Values(name string) []string { return l.q[name] }

// Add records a problem of parameter name that only its endpoint knows
// (a malformed cursor, a rule between parameters).
func (l *listQuery) Add(name, key, msg string, data map[string]any) { l.fe.Add(name, key, msg, data) }

// Community checks v, a community (division code) filter, and returns it;
// a problem is named on "community".
func (l *listQuery) Community(v string) string { return l.CommunityAs("community", v) }

// CommunityAs checks v, a community (division code) filter, with a
// problem named on parameter name, and returns it.
func (l *listQuery) CommunityAs(name, v string) string {
	checkDivisionParam(&l.fe, name, v)
	return v
}

// Text checks v, a free-text filter, and returns it; a problem is named on
// "q".
func (l *listQuery) Text(v string) string { return l.TextAs("q", v) }

// TextAs checks v, a free-text filter, with a problem named on parameter
// name, and returns it.
func (l *listQuery) TextAs(name, v string) string {
	checkTextParam(&l.fe, name, v)
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
	return listChoice(l, name, l.q.Get(name), set, key, msg, nil)
}

// listChoice checks v, the value of enum parameter name as its endpoint
// read it: "" or one of set, else the field error key (msg in English,
// data for the message).
func listChoice[T ~string](l *listQuery, name, v string, set []T, key, msg string, data map[string]any) T {
	if v != "" && !oneOfStr(v, set) {
		l.fe.Add(name, key, msg, data)
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

// parsePage reads the page number of q alone (see PageNo), for the HTML
// lists whose other filters have readers of their own.
func parsePage(q url.Values) (int, error) {
	l := &listQuery{q: q}
	page := l.PageNo()
	return page, l.Err()
}

// refused answers the problems seen so far, if any (the error page, or the
// error as JSON), and reports whether it did.
func (l *listQuery) refused(s *Server, w http.ResponseWriter, r *http.Request) bool {
	err := l.Err()
	if err != nil {
		s.error(w, r, err)
	}
	return err != nil
}

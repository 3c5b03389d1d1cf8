package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
)

// Paging bounds shared by the API and the pages.
const (
	defaultListLimit   = 50
	maxListLimit       = 500
	defaultSearchLimit = 20
	maxSearchLimit     = 100
	// maxOffset keeps offsets inside a 32-bit SQL integer on both engines;
	// the whole tree has well under a million rows.
	maxOffset = 1<<31 - 1
	// maxQueryRunes bounds search text: the longest division names are
	// about 20 characters.
	maxQueryRunes = 50
)

// divisionJSON is the API shape of a division. Optional attributes are
// pointers so that "unknown" is null rather than a misleading zero.
type divisionJSON struct {
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Level         string     `json:"level"`
	ParentCode    *string    `json:"parent_code"`
	Kind          *string    `json:"kind"`
	TownshipKind  *string    `json:"township_kind"`
	Region        *string    `json:"region"`
	UrbanRural    *string    `json:"urban_rural"`
	Terrain       *string    `json:"terrain"`
	Population    *int64     `json:"population"`
	Households    *int64     `json:"households"`
	Lat           *float64   `json:"lat"`
	Lng           *float64   `json:"lng"`
	Path          *[]refJSON `json:"path,omitempty"` // nil: omitted (lists); empty: [] (a province)
	ChildrenCount int        `json:"children_count"`
}

type refJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// listJSON is the API shape of one page of divisions.
type listJSON struct {
	Items  []divisionJSON `json:"items"`
	Total  int            `json:"total"`
	Limit  int            `json:"limit"`
	Offset int            `json:"offset"`
}

// searchJSON is the API shape of search results.
type searchJSON struct {
	Items []divisionJSON `json:"items"`
}

func strPtr[T ~string](v T) *string {
	if v == "" {
		return nil
	}
	s := string(v)
	return &s
}

// derive fills the attributes that follow from the code when a service
// left them empty, so that pages and API never show a blank level or kind.
func derive(ds ...*shequ.Division) {
	for _, d := range ds {
		if d.Level == "" && shequ.ValidateDivisionCode(d.Code) == nil {
			d.Derive()
		}
	}
}

// newDivisionJSON converts d; withPath adds its ancestors.
func newDivisionJSON(d *shequ.Division, withPath bool) divisionJSON {
	derive(d)
	level, kind := d.Level, d.Kind
	out := divisionJSON{
		Code:          d.Code,
		Name:          d.Name,
		Level:         string(level),
		ParentCode:    strPtr(d.ParentCode),
		Region:        strPtr(d.Region),
		Population:    d.Population,
		Households:    d.Households,
		Lat:           d.Lat,
		Lng:           d.Lng,
		ChildrenCount: d.ChildrenCount,
	}
	// One Kind field in the domain, two in the API: the kind of a
	// community (urban/rural) and of a township (街道/镇/乡) answer different
	// questions, and clients should not have to look at the level first.
	switch level {
	case shequ.LevelCommunity:
		out.Kind = strPtr(kind)
	case shequ.LevelTownship:
		out.TownshipKind = strPtr(kind)
	}
	if d.UrbanRural != nil {
		out.UrbanRural = strPtr(*d.UrbanRural)
	}
	if d.Terrain != nil {
		out.Terrain = strPtr(*d.Terrain)
	}
	if withPath {
		path := make([]refJSON, 0, len(d.Path))
		for _, p := range d.Path {
			path = append(path, refJSON{p.Code, p.Name})
		}
		out.Path = &path
	}
	return out
}

func newDivisionList(ds []*shequ.Division, withPath bool) []divisionJSON {
	out := make([]divisionJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, newDivisionJSON(d, withPath))
	}
	return out
}

// handleAPIDivisionGet serves GET /api/v1/divisions/{code}.
func (s *Server) handleAPIDivisionGet(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if err := shequ.ValidateDivisionCode(code); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := s.cfg.Divisions.FindDivisionByCode(r.Context(), code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newDivisionJSON(d, true))
}

// handleAPIDivisionList serves GET /api/v1/divisions: the provinces.
func (s *Server) handleAPIDivisionList(w http.ResponseWriter, r *http.Request) {
	s.apiChildren(w, r, "")
}

// handleAPIDivisionChildren serves GET /api/v1/divisions/{code}/children.
func (s *Server) handleAPIDivisionChildren(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if err := shequ.ValidateDivisionCode(code); err != nil {
		s.error(w, r, err)
		return
	}
	s.apiChildren(w, r, code)
}

func (s *Server) apiChildren(w http.ResponseWriter, r *http.Request, code string) {
	limit, offset, err := parseLimitOffset(r.URL.Query(), defaultListLimit, maxListLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items, total, err := s.cfg.Divisions.FindDivisionChildren(r.Context(), code, offset, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if total == 0 && code != "" {
		// No children: a leaf, or no such division. Only the second is a
		// 404, and only a lookup tells them apart.
		if _, err := s.cfg.Divisions.FindDivisionByCode(r.Context(), code); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, listJSON{Items: newDivisionList(items, false), Total: total, Limit: limit, Offset: offset})
}

// handleAPIDivisionSearch serves GET /api/v1/divisions/search?q=&limit=.
func (s *Server) handleAPIDivisionSearch(w http.ResponseWriter, r *http.Request) {
	q, limit, err := parseSearch(r.URL.Query(), defaultSearchLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items, err := s.cfg.Divisions.SearchDivisions(r.Context(), q, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, searchJSON{Items: newDivisionList(items, true)})
}

// parseSearch reads q (trimmed, required, bounded) and limit.
func parseSearch(q url.Values, defLimit int) (text string, limit int, err error) {
	var fe shequ.FieldErrors
	// Invalid UTF-8 cannot match a name; drop it rather than pass it on.
	text = strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), ""))
	switch {
	case text == "":
		fe.Add("q", "division.search.empty", "Enter a name to search for.", nil)
	case utf8.RuneCountInString(text) > maxQueryRunes:
		fe.Add("q", "search.too_long", fmt.Sprintf("The search text can have at most %d characters.", maxQueryRunes),
			map[string]any{"Max": maxQueryRunes})
	}
	limit = intParam(&fe, q, "limit", defLimit, 1, maxSearchLimit)
	if err := fe.Err(); err != nil {
		return "", 0, err
	}
	return text, limit, nil
}

// intParam parses one integer query parameter, recording a field error and
// returning def when it is bad.
func intParam(fe *shequ.FieldErrors, q url.Values, name string, def, min, max int) int {
	raw := q.Get(name)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		fe.Add(name, "param.integer", "must be a whole number.", nil)
	case n < 0:
		fe.Add(name, "param.negative", "must not be negative.", nil)
	case n < min || n > max:
		fe.Add(name, "param.range", fmt.Sprintf("must be between %d and %d.", min, max),
			map[string]any{"Min": min, "Max": max})
	default:
		return n
	}
	return def
}

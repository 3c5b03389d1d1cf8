package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shequ"
)

// divisionPageSize is the number of children per page of the browser.
const divisionPageSize = 50

// maxPage bounds the page parameter so that page*size cannot overflow.
const maxPage = maxOffset / divisionPageSize

// divisionPage is the data of templates/divisions.html: one division (nil
// for the whole country) with a page of its children.
type divisionPage struct {
	Division *shequ.Division
	Attrs    []attr
	Children []*shequ.Division
	Total    int
	Pager    pager
}

// attr is one row of the definitions list, already translated.
type attr struct {
	Label string
	Value string
	Code  bool // shown in a monospace face
}

// pager links the pages of a list. Its URLs keep the page's path.
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
}

func newPager(path string, page, total int) pager {
	p := pager{Page: page, Pages: (total + divisionPageSize - 1) / divisionPageSize}
	if p.Pages == 0 {
		p.Pages = 1
	}
	link := func(n int) string {
		if n == 1 {
			return path
		}
		return path + "?page=" + strconv.Itoa(n)
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// handleDivisionIndex serves /divisions: the whole country and its
// provinces.
func (s *Server) handleDivisionIndex(w http.ResponseWriter, r *http.Request) {
	s.divisionPage(w, r, nil)
}

// handleDivisionShow serves /divisions/{code}.
func (s *Server) handleDivisionShow(w http.ResponseWriter, r *http.Request) {
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
	derive(d)
	s.divisionPage(w, r, d)
}

// divisionPage renders d (nil: the country) with one page of children. An
// htmx request aimed at the children table gets only that table.
func (s *Server) divisionPage(w http.ResponseWriter, r *http.Request, d *shequ.Division) {
	page, err := parsePage(r.URL.Query())
	if err != nil {
		s.error(w, r, err)
		return
	}
	code := ""
	if d != nil {
		code = d.Code
	}
	children, total, err := s.cfg.Divisions.FindDivisionChildren(r.Context(), code, (page-1)*divisionPageSize, divisionPageSize)
	if err != nil {
		s.error(w, r, err)
		return
	}
	derive(children...)
	l := s.localizer(r)
	data := &divisionPage{Division: d, Children: children, Total: total, Pager: newPager(r.URL.Path, page, total)}
	title := l.T("divisions.country")
	if d != nil {
		title = d.Name
		data.Attrs = s.divisionAttrs(r, d)
	}
	if isFragment(r, "children") {
		s.renderFragment(w, r, "divisions", "children", data)
		return
	}
	s.render(w, r, http.StatusOK, "divisions", title, data)
}

// isFragment reports whether r is an htmx request that will swap only the
// element with the given id. History restores ask for the whole page.
func isFragment(r *http.Request, target string) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == target &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}

// divisionAttrs lists a division's attributes in display order. Unknown
// optional values read 未知 / unknown rather than being left out, so that
// readers see what is missing from the data.
func (s *Server) divisionAttrs(r *http.Request, d *shequ.Division) []attr {
	l := s.localizer(r)
	unknown := l.T("value.unknown")
	enum := func(prefix, v string) string {
		if v == "" {
			return unknown
		}
		return l.T(prefix + v)
	}
	level := d.Level
	out := []attr{
		{Label: l.T("attr.code"), Value: d.Code, Code: true},
		{Label: l.T("attr.level"), Value: enum("level.", string(level))},
	}
	if level == shequ.LevelTownship || level == shequ.LevelCommunity {
		out = append(out, attr{Label: l.T("attr.kind"), Value: enum("kind.", string(d.Kind))})
	}
	out = append(out, attr{Label: l.T("attr.region"), Value: enum("region.", string(d.Region))})
	ur, terrain := unknown, unknown
	if d.UrbanRural != nil {
		ur = fmt.Sprintf("%s %s", *d.UrbanRural, enum("urban_rural.", string(*d.UrbanRural)))
	}
	if d.Terrain != nil {
		terrain = enum("terrain.", string(*d.Terrain))
	}
	pop, hh, coords := unknown, unknown, unknown
	if d.Population != nil {
		pop = l.T("value.people", map[string]any{"N": formatNumber(*d.Population)})
	}
	if d.Households != nil {
		hh = l.T("value.households", map[string]any{"N": formatNumber(*d.Households)})
	}
	if d.Lat != nil && d.Lng != nil {
		coords = l.T("value.coords", map[string]any{
			"Lat": strconv.FormatFloat(*d.Lat, 'f', -1, 64),
			"Lng": strconv.FormatFloat(*d.Lng, 'f', -1, 64),
		})
	}
	return append(out,
		attr{Label: l.T("attr.urban_rural"), Value: ur},
		attr{Label: l.T("attr.terrain"), Value: terrain},
		attr{Label: l.T("attr.population"), Value: pop},
		attr{Label: l.T("attr.households"), Value: hh},
		attr{Label: l.T("attr.coords"), Value: coords},
	)
}

// searchPage is the data of templates/search.html.
type searchPage struct {
	Q        string
	Searched bool
	Results  []*shequ.Division
}

// query puts the search text back into the search box of the layout.
func (p *searchPage) query() string { return p.Q }

// searchPageLimit is the number of results on the search page.
const searchPageLimit = 50

// handleDivisionSearch serves /divisions/search?q=. Without q it shows the
// form and a hint rather than an error: that is what a user who pressed
// search on an empty box expects. As-you-type htmx requests get only the
// results.
func (s *Server) handleDivisionSearch(w http.ResponseWriter, r *http.Request) {
	data := &searchPage{}
	fragment := isFragment(r, "search-results")
	if strings.TrimSpace(r.URL.Query().Get("q")) != "" {
		q, _, err := parseSearch(url.Values{"q": {r.URL.Query().Get("q")}}, searchPageLimit)
		if err != nil {
			s.error(w, r, err)
			return
		}
		res, err := s.cfg.Divisions.SearchDivisions(r.Context(), q, searchPageLimit)
		if err != nil {
			s.error(w, r, err)
			return
		}
		derive(res...)
		data.Q, data.Searched, data.Results = q, true, res
	}
	if fragment {
		s.renderFragment(w, r, "search", "search_results", data)
		return
	}
	s.render(w, r, http.StatusOK, "search", s.localizer(r).T("search.title"), data)
}

package web

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"shequ"
)

// The division picker: wherever a form asks for a community or a scope,
// people pick it by name from the divisions of their own scope (grouped by
// township), instead of typing a 12-digit code. A scope too large to list
// (a national or provincial account) gets a text field whose suggestions
// come from a search by name (/divisions/pick).

// pickerLevel is what a picker offers: communities only (the 12-digit
// codes a record belongs to), or any division (a scope, a filter).
const (
	pickCommunity = "community"
	pickTownship  = "township" // a 街道/乡镇 (9 digits)
	pickAny       = "any"
)

// maxPickerOptions bounds a picker's list; beyond it the picker searches.
const maxPickerOptions = 800

// pickerOption is one division a picker offers.
type pickerOption struct {
	Code, Label string
}

// pickerGroup is the options under one heading (a township).
type pickerGroup struct {
	Label   string
	Options []pickerOption
}

// pickerCache keeps the lists by scope and level for a while: reference
// data, read by every form that asks for a community.
type pickerCache struct {
	mu      sync.Mutex
	entries map[string]pickerEntry
}

type pickerEntry struct {
	groups  []pickerGroup
	ok      bool // false: too many to list
	expires time.Time
}

// divisionGroups lists the divisions a picker of level offers within
// scope, and false when there are too many to list.
func (s *Server) divisionGroups(scope, level string) ([]pickerGroup, bool) {
	key := scope + "|" + level
	now := time.Now()
	s.pickers.mu.Lock()
	if e, ok := s.pickers.entries[key]; ok && now.Before(e.expires) {
		s.pickers.mu.Unlock()
		return e.groups, e.ok
	}
	s.pickers.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	groups, ok := s.loadDivisionGroups(ctx, scope, level)
	s.pickers.mu.Lock()
	if len(s.pickers.entries) > 10_000 {
		clear(s.pickers.entries)
	}
	s.pickers.entries[key] = pickerEntry{groups: groups, ok: ok, expires: now.Add(placeTTL)}
	s.pickers.mu.Unlock()
	return groups, ok
}

func (s *Server) loadDivisionGroups(ctx context.Context, scope, level string) ([]pickerGroup, bool) {
	if len(scope) < 6 {
		return nil, false // a city or more: hundreds of townships, thousands of communities
	}
	self, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope)
	if err != nil {
		return nil, false
	}
	children := func(code string) []*shequ.Division {
		list, _, err := s.cfg.Divisions.FindDivisionChildren(ctx, code, 0, maxPickerOptions)
		if err != nil {
			return nil
		}
		return list
	}
	label := func(d *shequ.Division) pickerOption { return pickerOption{Code: d.Code, Label: d.Name} }
	n := 0
	if level == pickTownship {
		switch len(scope) {
		case 12, 9:
			t, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope[:9])
			if err != nil {
				return nil, false
			}
			return []pickerGroup{{Options: []pickerOption{label(t)}}}, true
		}
		g := pickerGroup{}
		for _, t := range children(scope) {
			g.Options = append(g.Options, label(t))
		}
		return []pickerGroup{g}, true
	}
	switch len(scope) {
	case 12:
		return []pickerGroup{{Options: []pickerOption{label(self)}}}, true
	case 9:
		g := pickerGroup{Label: self.Name}
		if level == pickAny {
			g.Options = append(g.Options, label(self))
		}
		for _, c := range children(scope) {
			g.Options = append(g.Options, label(c))
		}
		return []pickerGroup{g}, true
	}
	// A county: its townships, each with its communities.
	var out []pickerGroup
	if level == pickAny {
		out = append(out, pickerGroup{Options: []pickerOption{label(self)}})
		n++
	}
	for _, t := range children(scope) {
		g := pickerGroup{Label: t.Name}
		if level == pickAny {
			g.Options = append(g.Options, label(t))
		}
		for _, c := range children(t.Code) {
			g.Options = append(g.Options, label(c))
		}
		n += len(g.Options)
		if n > maxPickerOptions {
			return nil, false
		}
		out = append(out, g)
	}
	return out, true
}

// pickerHTML renders the control of a division field: a select of the
// scope's divisions (the current value selected, a blank first option
// when blank is set), or a text field with search suggestions.
func (s *Server) pickerHTML(id, name, value, scope, level, blank string, invalid bool, describedBy string) template.HTML {
	e := html.EscapeString
	aria := ""
	if invalid {
		aria += ` aria-invalid="true"`
	}
	if describedBy != "" {
		aria += ` aria-describedby="` + e(describedBy) + `"`
	}
	groups, ok := s.divisionGroups(scope, level)
	var b strings.Builder
	if !ok {
		// Too many to list: the code, with suggestions by name.
		b.WriteString(`<input type="text" id="` + e(id) + `" name="` + e(name) + `" value="` + e(value) + `" inputmode="numeric" maxlength="12" autocomplete="off" list="` +
			e(id) + `-list"` + aria + `>`)
		b.WriteString(`<input type="search" class="picker-search" id="` + e(id) + `-q" name="q" placeholder="` + e(blank) + `" autocomplete="off" form="" hx-get="/divisions/pick?level=` +
			e(level) + `&amp;within=` + e(scope) + `" hx-trigger="input changed delay:300ms" hx-target="#` + e(id) + `-list" hx-swap="innerHTML">`)
		b.WriteString(`<datalist id="` + e(id) + `-list"></datalist>`)
		return template.HTML(b.String())
	}
	b.WriteString(`<select id="` + e(id) + `" name="` + e(name) + `"` + aria + `>`)
	found := value == ""
	if blank != "" || value == "" {
		b.WriteString(`<option value="">` + e(blank) + `</option>`)
	}
	opt := func(o pickerOption) {
		b.WriteString(`<option value="` + e(o.Code) + `"`)
		if o.Code == value {
			b.WriteString(" selected")
			found = true
		}
		b.WriteString(">" + e(o.Label) + "</option>")
	}
	for _, g := range groups {
		if g.Label != "" && len(groups) > 1 {
			b.WriteString(`<optgroup label="` + e(g.Label) + `">`)
		}
		for _, o := range g.Options {
			opt(o)
		}
		if g.Label != "" && len(groups) > 1 {
			b.WriteString("</optgroup>")
		}
	}
	if !found {
		// A value outside the list (typed in a link, or out of scope):
		// kept, so that the form does not silently change it.
		opt(pickerOption{Code: value, Label: value})
	}
	b.WriteString("</select>")
	return template.HTML(b.String())
}

// pickerFromDict is the "picker" template function: the control of the
// "division_field" partial, from its arguments.
func (s *Server) pickerFromDict(d map[string]any) template.HTML {
	str := func(k string) string {
		v, _ := d[k].(string)
		return v
	}
	id, errMsg, hint := str("ID"), str("Err"), str("Hint")
	var described []string
	if errMsg != "" {
		described = append(described, id+"-error")
	}
	if hint != "" {
		described = append(described, id+"-hint")
	}
	level := str("Level")
	if level == "" {
		level = pickCommunity
	}
	return s.pickerHTML(id, str("Name"), str("Value"), str("Scope"), level, str("Blank"), errMsg != "", strings.Join(described, " "))
}

// handleDivisionPick serves GET /divisions/pick?q=&level=&within=: the
// divisions whose name holds q, as <option> elements for a picker's
// suggestions (communities only with level=community, within a scope).
func (s *Server) handleDivisionPick(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	level, within := r.URL.Query().Get("level"), r.URL.Query().Get("within")
	var b strings.Builder
	if q != "" && len([]rune(q)) <= 20 {
		list, err := s.cfg.Divisions.SearchDivisions(r.Context(), q, 50)
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, d := range list {
			if (level == pickCommunity && len(d.Code) != 12) || !strings.HasPrefix(d.Code, within) {
				continue
			}
			label := d.Name
			if len(d.Path) > 0 {
				label += " · " + d.Path[len(d.Path)-1].Name
			}
			b.WriteString(`<option value="` + html.EscapeString(d.Code) + `">` + html.EscapeString(label) + "</option>")
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(b.String()))
}

package web

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// The division picker: wherever a form asks for a community or a scope,
// people pick it by name from the divisions of their own scope (grouped by
// township: the register mechanism's communityPicker), instead of typing a
// 12-digit code. A scope too large to list (a city, a province, the
// country) gets a text field whose suggestions come from a search by name
// (/divisions/pick).

// pickerLevel is what a picker offers: communities only (the 12-digit
// codes a record belongs to), or any division (a scope, a filter).
const (
	pickCommunity = "community"
	pickTownship  = "township" // a 街道/乡镇 (9 digits)
	pickAny       = "any"
)

// divisionGroups lists the divisions a picker of level offers within
// scope, grouped by township (the register mechanism's community picker,
// with the scope and townships themselves for the other levels), and
// false when there are too many to list.
func (s *Server) divisionGroups(scope, level string) ([]pickerGroup, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	groups, ok := s.communityPicker(ctx, scope)
	if !ok {
		return nil, false
	}
	opt := func(code, name string) registerOption { return registerOption{Value: code, Label: name} }
	switch level {
	case pickTownship:
		g := pickerGroup{}
		for _, t := range groups {
			if t.Code != "" {
				g.Options = append(g.Options, opt(t.Code, t.Name))
			}
		}
		if len(scope) == 12 { // a community's own township
			if t, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope[:9]); err == nil {
				g.Options = []registerOption{opt(t.Code, t.Name)}
			}
		}
		return []pickerGroup{g}, true
	case pickAny:
		var out []pickerGroup
		if len(scope) == 6 {
			if d, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope); err == nil {
				out = append(out, pickerGroup{Options: []registerOption{opt(d.Code, d.Name)}})
			}
		}
		for _, g := range groups {
			if g.Code != "" {
				g.Options = append([]registerOption{opt(g.Code, g.Name)}, g.Options...)
			}
			out = append(out, g)
		}
		return out, true
	}
	return groups, true
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
	opt := func(o registerOption) {
		b.WriteString(`<option value="` + e(o.Value) + `"`)
		if o.Value == value {
			b.WriteString(" selected")
			found = true
		}
		b.WriteString(">" + e(o.Label) + "</option>")
	}
	for _, g := range groups {
		if g.Name != "" && len(groups) > 1 {
			b.WriteString(`<optgroup label="` + e(g.Name) + `">`)
		}
		for _, o := range g.Options {
			opt(o)
		}
		if g.Name != "" && len(groups) > 1 {
			b.WriteString("</optgroup>")
		}
	}
	if !found {
		// A value outside the list (typed in a link, or out of scope):
		// kept, so that the form does not silently change it.
		opt(registerOption{Value: value, Label: value})
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

package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// Page sizes of the register lists in the API.
const (
	registerAPIDefaultLimit = 50
	registerAPIMaxLimit     = 200
)

// parseQuery reads a list request's filters from a page's (api false) or
// the API's query string, all problems at once, per parameter. The
// community defaults to the actor's scope; one outside it is not found
// (404, named on its parameter). kept holds the filters set, for the paging
// links and the filter form.
func (m *registerMount[T]) parseQuery(q url.Values, a *shequ.Actor, api bool) (register.Query, url.Values, error) {
	l := &listQuery{q: q}
	rq := register.Query{Choice: map[string]string{}, From: map[string]*time.Time{}, To: map[string]*time.Time{}}
	kept := url.Values{}
	var community, communityParam string
	for _, f := range m.schema.Filters {
		p := f.Param(api)
		v := l.Clean(p)
		switch f.Kind {
		case register.FilterCommunity:
			communityParam = p
			if v == "" && a != nil {
				v = a.Scope
			}
			community, rq.Community = v, l.CommunityAs(p, v)
		case register.FilterChoice:
			field := m.schema.Field(f.Name)
			key, msg := field.InvalidKey, field.InvalidMessage
			if key == "" {
				key, msg = field.Labels+".invalid", "Unknown value."
			}
			if listChoice(l, p, v, field.Values, key, msg, map[string]any{"Value": v}) != "" {
				rq.Choice[f.Name] = v
			}
		case register.FilterText:
			rq.Text = l.TextAs(p, v)
		case register.FilterDateRange:
			for _, end := range []struct {
				suffix string
				dst    map[string]*time.Time
			}{{"_from", rq.From}, {"_to", rq.To}} {
				s := l.Trim(p + end.suffix)
				if s == "" {
					continue
				}
				d, err := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
				if err != nil {
					l.Add(p+end.suffix, "date.invalid", "Give a date as YYYY-MM-DD.", nil)
					continue
				}
				end.dst[f.Name] = &d
				kept.Set(p+end.suffix, s)
			}
			continue
		}
		if v != "" {
			kept.Set(p, v)
		}
	}
	if s := l.Trim("sort"); s != "" {
		listChoice(l, "sort", s, m.schema.Sorts, "register.sort.invalid", "Unknown order.", map[string]any{"Value": s})
		rq.Sort = s
		kept.Set("sort", s)
	}
	if err := l.Err(); err != nil {
		return rq, kept, err
	}
	if communityParam != "" {
		if err := outOfScope(a, communityParam, community); err != nil {
			return rq, kept, err
		}
	}
	return rq, kept, nil
}

// registerListPage is the data of templates/register_list.html.
type registerListPage struct {
	Name, Plural, Path string
	Filters            []registerInput
	Errors             map[string]string
	Total              int
	Columns            []registerColumn
	Rows               []registerRow
	Pager              pager
	CanWrite           bool
	CanImport          bool
	Query              register.Query
	Links              []registerLink
}

// registerLink is a link beside the list's actions.
type registerLink struct {
	ID, Href, Label string
}

// registerColumn is a heading of the list.
type registerColumn struct {
	Label string
	Num   bool
}

// registerRow is one record of the list: its link and its cells.
type registerRow struct {
	ID, Href string
	Cells    []template.HTML
}

// handleList serves GET <path>: the list page with its filters.
func (m *registerMount[T]) handleList(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Read)
	if !ok {
		return
	}
	s := m.s
	l := s.localizer(r)
	p := &registerListPage{Name: m.schema.Name, Plural: m.schema.Plural, Path: m.path,
		CanWrite: a.Can(m.schema.Write), CanImport: m.importable() && a.Can(m.schema.Bulk)}
	for _, c := range m.schema.Columns {
		f := m.schema.Field(c)
		p.Columns = append(p.Columns, registerColumn{Label: l.T(f.Label), Num: numeric(f)})
	}
	page, err := parsePage(r.URL.Query())
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, kept, err := m.parseQuery(r.URL.Query(), a, false)
	p.Query = q
	if m.links != nil {
		p.Links = m.links(l, q)
	}
	p.Filters = m.filterInputs(l, r.URL.Query(), q)
	groups, _ := s.communityPicker(r.Context(), a.Scope)
	names := pickerNames(groups)
	for i := range p.Filters {
		if in := &p.Filters[i]; in.Name != "" && m.isCommunityFilter(in.Name) {
			if in.Value == a.Scope {
				in.Value = "" // the default: the whole area
			}
			in.Townships = len(a.Scope) < 9
			m.picker(l, in, groups, "filter.any")
		}
	}
	if err != nil {
		e := shequ.AsError(err)
		if len(e.Fields) == 0 {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		m.setFilterErrors(p)
		s.render(w, r, statusByCode[e.Code], "register_list", l.T(m.key("list.title")), p)
		return
	}
	q.Offset, q.Limit = (page-1)*m.schema.PageSize, m.schema.PageSize
	list, total, err := m.store.List(r.Context(), q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Total = total
	for _, x := range list {
		row := registerRow{ID: m.schema.ID(x), Href: m.recordPath(x)}
		for _, c := range m.schema.Columns {
			if f := m.schema.Field(c); f.Kind == register.KindPerson && m.cells[c] == nil {
				row.Cells = append(row.Cells, m.personHTML(r.Context(), l, f.FormText(x)[0]))
			} else {
				row.Cells = append(row.Cells, m.cell(l, f, x, names))
			}
		}
		p.Rows = append(p.Rows, row)
	}
	p.Pager = queryPager(r.URL.Path, kept, page, total, m.schema.PageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "register_list", l.T(m.key("list.title")), p)
}

// pageName is the register's own page template, else the generic one.
func (m *registerMount[T]) pageName(own, generic string) string {
	if own != "" {
		return own
	}
	return generic
}

// filterInputs are the inputs of the list's filter form, showing q again.
func (m *registerMount[T]) filterInputs(l *i18n.Localizer, q url.Values, rq register.Query) []registerInput {
	var out []registerInput
	for _, f := range m.schema.Filters {
		in := registerInput{Name: f.Name, ID: "filter-" + strings.ReplaceAll(f.Name, "_", "-")}
		label := f.Label
		switch f.Kind {
		case register.FilterText:
			in.Kind, in.Type, in.Max, in.Value = "text", "search", maxQueryRunes, rq.Text
			if label == "" {
				label = "register.filter.q"
			}
		case register.FilterCommunity:
			in.Kind, in.Mode, in.Max, in.Value = "text", "numeric", 12, rq.Community
			if label == "" {
				label = "register.filter.community"
			}
		case register.FilterChoice:
			field := m.schema.Field(f.Name)
			in.Kind, in.Value, in.Blank = "select", strings.TrimSpace(q.Get(f.Name)), l.T("filter.any")
			in.Options = m.options(l, field, in.Value)
			if label == "" {
				label = field.Label
			}
		case register.FilterDateRange:
			field := m.schema.Field(f.Name)
			in.Kind = "range"
			in.From, in.To = q.Get(f.Name+"_from"), q.Get(f.Name+"_to")
			if label == "" {
				label = field.Label
			}
		}
		in.Label = l.T(label)
		out = append(out, in)
	}
	return out
}

// isCommunityFilter reports whether the filter named name is the community.
func (m *registerMount[T]) isCommunityFilter(name string) bool {
	for _, f := range m.schema.Filters {
		if f.Name == name {
			return f.Kind == register.FilterCommunity
		}
	}
	return false
}

// setFilterErrors puts the field errors of the list's query beside their
// filters.
func (m *registerMount[T]) setFilterErrors(p *registerListPage) {
	for i := range p.Filters {
		in := &p.Filters[i]
		in.Err = p.Errors[in.Name]
		if in.Kind == "range" && in.Err == "" {
			in.Err = p.Errors[in.Name+"_from"] + p.Errors[in.Name+"_to"]
		}
	}
}

// numeric reports whether a field's column is aligned as a number.
func numeric[T any](f *register.Field[T]) bool {
	return (f.Kind == register.KindInt || f.Kind == register.KindDecimal || f.Kind == register.KindMoney) && len(f.Values) == 0
}

// cell is a field's value for the list and the show page: the register's
// own rendering if it has one, else the kind's.
func (m *registerMount[T]) cell(l *i18n.Localizer, f *register.Field[T], x *T, names map[string]string) template.HTML {
	if fn := m.cells[f.Name]; fn != nil {
		return fn(l, x)
	}
	if fn := m.shows[f.Name]; fn != nil {
		return fn(l, x)
	}
	return shownHTML(l, f.Show(x, false), names)
}

// shownHTML prints a field's value: labels of an enumeration's values
// (、 between them), codes in a monospace face, a date in the reader's
// form, text as it is; "—" when there is none.
func shownHTML(l *i18n.Localizer, v register.Shown, names map[string]string) template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	switch {
	case v.Date != nil:
		b.WriteString(esc(formatDate(l, *v.Date)))
	case len(v.Values) > 0:
		for i, x := range v.Values {
			if i > 0 {
				b.WriteString("、")
			}
			switch {
			case v.Labels != "":
				b.WriteString(esc(l.T(v.Labels + "." + x)))
			case v.Code:
				b.WriteString(`<span class="code">` + esc(x) + `</span>`)
			default:
				b.WriteString(esc(x))
			}
		}
	case v.Division != "" && names[v.Division] != "":
		// The community by its name, its code beside it for those who
		// work with codes.
		b.WriteString(`<a href="` + esc(v.Link+v.Division) + `">` + esc(names[v.Division]) + `</a> <small class="code">` +
			esc(v.Division) + `</small>`)
	case v.Division != "":
		b.WriteString(`<a class="code" href="` + esc(v.Link+v.Division) + `">` + esc(v.Division) + `</a>`)
	case v.Text != "":
		b.WriteString(esc(v.Text))
		if v.Unit != "" {
			b.WriteString(" " + esc(l.T(v.Unit)))
		}
	default:
		return "—"
	}
	return template.HTML(b.String())
}

package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// registerInput is one input of a register's form or filter form, as the
// partial register_input renders it by Kind: "text" (with Type and Mode),
// "textarea", "select", "checks", "range" (two dates) or "location".
type registerInput struct {
	Kind, ID, Name, Label, Hint, Err string
	Type, Mode                       string
	Value                            string
	Required                         bool
	Max                              int
	Blank                            string // a select's empty option, "" none
	Options                          []registerOption
	From, To                         string // range
	Lat, Lng, GCJ02                  string // location
	// Groups are a community picker's choices ("community"); empty: the
	// code is typed. Townships lets a filter pick a whole township.
	Groups    []pickerGroup
	Townships bool
	// Pick names the radio of a person picker's choices (Options).
	Pick string
	// Picked counts the boxes ticked of a searchable list ("picks").
	Picked int
}

// registerOption is one choice of a select or a box of a set.
type registerOption struct {
	ID, Value, Label string
	Selected         bool
}

// registerFormPage is the data of templates/register_form.html.
type registerFormPage struct {
	Name, Action, Cancel string
	Edit                 bool
	Inputs               []registerInput
	Error                string
	// Picks is set when an input is a searchable list (its script loads).
	Picks bool
}

// registerShowPage is the data of templates/register_show.html.
type registerShowPage struct {
	Name, Path, ID, Heading string
	Attrs                   []registerAttr
	Notice                  string
	CanWrite                bool
	CanReveal               bool
	Revealed                bool
	Record                  any
	Extra                   any
	Errors                  map[string]string
	Error                   string
}

// registerAttr is one label and value of the show page.
type registerAttr struct {
	ID, Label string
	Value     template.HTML
	Class     string
}

// handleShow serves GET <path>/{id}, sealed fields masked.
func (m *registerMount[T]) handleShow(w http.ResponseWriter, r *http.Request) { m.show(w, r, false) }

// handleReveal serves POST <path>/{id}/reveal: the same page with the
// sealed fields in clear (a POST, so that no prefetch or shared link
// reveals them; the store audits the read).
func (m *registerMount[T]) handleReveal(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Read)
	if !ok {
		return
	}
	if !m.canReveal(a) {
		m.s.error(w, r, shequ.ErrForbidden)
		return
	}
	m.show(w, r, true)
}

func (m *registerMount[T]) show(w http.ResponseWriter, r *http.Request, reveal bool) {
	a, ok := m.guard(w, r, m.schema.Read)
	if !ok {
		return
	}
	x, err := m.find(r, a, reveal)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	p, err := m.showPageData(r, a, x, reveal)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	l := m.s.localizer(r)
	switch n := r.URL.Query().Get("notice"); n {
	case "created", "saved":
		p.Notice = l.T(m.key(n))
	default:
		if k, ok := m.notices[n]; ok {
			p.Notice = l.T(k)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.render(w, r, http.StatusOK, m.pageName(m.showPage, "register_show"), m.schema.Title(x), p)
}

// showPageData is the show page of x without notice.
func (m *registerMount[T]) showPageData(r *http.Request, a *shequ.Actor, x *T, reveal bool) (*registerShowPage, error) {
	l := m.s.localizer(r)
	p := &registerShowPage{Name: m.schema.Name, Path: m.path, ID: m.schema.ID(x), Heading: m.schema.Title(x),
		Record: x, CanWrite: a.Can(m.schema.Write) && (m.writable == nil || m.writable(r, a, x)),
		CanReveal: m.canReveal(a) && !reveal, Revealed: reveal}
	for _, f := range m.schema.Fields {
		if f.Name == "name" {
			continue // the heading
		}
		at := registerAttr{ID: m.domID(f.Name), Label: l.T(f.Label)}
		if fn := m.shows[f.Name]; fn != nil {
			at.Value = fn(l, x)
		} else if f.Kind == register.KindPerson {
			at.Value = m.personHTML(r.Context(), l, f.FormText(x)[0])
		} else if pk := m.picks[f.Name]; pk != nil {
			at.Value = m.picksHTML(r, pk, splitValues(f.FormText(x)[0]))
		} else {
			v := f.Show(x, reveal)
			names := map[string]string{}
			if v.Division != "" && m.s.cfg.Divisions != nil {
				if d, err := m.s.cfg.Divisions.FindDivisionByCode(r.Context(), v.Division); err == nil {
					names[d.Code] = d.Name
				}
			}
			at.Value = shownHTML(l, v, names)
			if v.Code && v.Division == "" {
				at.Class = "code"
			}
			if v.Masked {
				at.Class += " masked"
			}
		}
		p.Attrs = append(p.Attrs, at)
	}
	if m.showExtra != nil {
		var err error
		if p.Extra, err = m.showExtra(r, a, x); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// handleNew serves GET <path>/new: the form of a new record with the
// schema's defaults, the community preset to the actor's when it is one.
func (m *registerMount[T]) handleNew(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Write)
	if !ok {
		return
	}
	x := m.schema.New()
	values := m.schema.FormText(x)
	if c := r.URL.Query().Get("community"); len(c) == 12 && shequ.ValidateDivisionCode(c) == nil {
		m.presetCommunity(values, c)
	} else if len(a.Scope) == 12 {
		m.presetCommunity(values, a.Scope)
	}
	m.renderForm(w, r, http.StatusOK, false, x, values, nil, "", m.presetQuery(r, a, values))
}

// presetQuery fills a new form from its query, as a suggestion links to it
// (the care register's candidates): a choice field by its value, a Person
// field by the resident's id, shown picked by name when the actor may read
// them (a person they may not read is left unpicked). Saving checks all.
func (m *registerMount[T]) presetQuery(r *http.Request, a *shequ.Actor, values map[string]string) map[string][]registerOption {
	q := r.URL.Query()
	var choices map[string][]registerOption
	for _, f := range m.schema.Fields {
		v := q.Get(f.Name)
		if v == "" || len(v) > 64 {
			continue
		}
		switch f.Kind {
		case register.KindChoice:
			values[f.Name] = v
		case register.KindPerson:
			p, err := m.person(r.Context(), a, v)
			if err != nil {
				continue
			}
			if choices == nil {
				choices = map[string][]registerOption{}
			}
			values[f.Name] = p.ID
			choices[f.Name] = []registerOption{{Value: p.ID, Label: personLabel(p) + " " + p.Community, Selected: true}}
		}
	}
	return choices
}

// presetCommunity fills the community inputs of a new form.
func (m *registerMount[T]) presetCommunity(values map[string]string, code string) {
	for _, f := range m.schema.Fields {
		if f.Kind == register.KindCommunity {
			values[f.Name] = code
		}
	}
}

// handleCreate serves POST <path>.
func (m *registerMount[T]) handleCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Write)
	if !ok {
		return
	}
	if !m.s.readForm(w, r) {
		return
	}
	x := m.schema.New()
	c := m.readContext(false)
	sent := cloneValues(r.PostForm)
	choices := m.readForm(r, a, x, c)
	err := m.check(a, x, c)
	if err == nil {
		err = m.store.Create(r.Context(), x)
	}
	if err != nil {
		m.formFailed(w, r, false, x, sent, choices, err)
		return
	}
	http.Redirect(w, r, m.path+"/"+url.PathEscape(m.schema.ID(x))+"?notice=created", http.StatusSeeOther)
}

// handleEdit serves GET <path>/{id}/edit.
func (m *registerMount[T]) handleEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Write)
	if !ok {
		return
	}
	x, err := m.find(r, a, false)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.renderForm(w, r, http.StatusOK, true, x, m.schema.FormText(x), nil, "", nil)
}

// handleUpdate serves POST <path>/{id}/edit: the form is read onto the
// stored record (a blank sealed input keeps its value), which is saved
// whole.
func (m *registerMount[T]) handleUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Write)
	if !ok {
		return
	}
	if !m.s.readForm(w, r) {
		return
	}
	x, err := m.find(r, a, false)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	c := m.readContext(true)
	sent := cloneValues(r.PostForm)
	choices := m.readForm(r, a, x, c)
	err = m.check(a, x, c)
	if err == nil {
		err = m.store.Update(r.Context(), x)
	}
	if err != nil {
		m.formFailed(w, r, true, x, sent, choices, err)
		return
	}
	http.Redirect(w, r, m.path+"/"+url.PathEscape(m.schema.ID(x))+"?notice=saved", http.StatusSeeOther)
}

// readForm reads the posted form onto x: the person pickers first (their
// choices come back for a name several residents share), then every field.
func (m *registerMount[T]) readForm(r *http.Request, a *shequ.Actor, x *T, c *register.Context) map[string][]registerOption {
	choices, fe := m.resolvePeople(r.Context(), a, x, r.PostForm)
	m.schema.ReadForm(x, r.PostForm, c)
	for _, e := range fe {
		c.Fail(e.Field, e.Key, e.Message, e.Data)
	}
	return choices
}

// formFailed shows the form again as it was sent, with the errors beside
// their fields: invalid input (400), or a community outside the actor's
// scope (404, named on its field); a conflict (409) in the alert; any
// other error gets the error page.
func (m *registerMount[T]) formFailed(w http.ResponseWriter, r *http.Request, edit bool, x *T, sent url.Values,
	choices map[string][]registerOption, err error) {
	l := m.s.localizer(r)
	e := shequ.AsError(err)
	var errs map[string]string
	alert := ""
	switch {
	case e.Code == shequ.EInvalid || (e.Code == shequ.ENotFound && len(e.Fields) > 0) || (e.Code == shequ.EConflict && len(e.Fields) > 0):
		errs = fieldMessages(l, err)
		alert = l.T("form.has_errors")
		if len(errs) == 0 {
			alert = l.Error(e)
		}
	case e.Code == shequ.EConflict:
		alert = l.Error(e)
	default:
		m.s.error(w, r, err)
		return
	}
	values := map[string]string{}
	for k, vs := range sent {
		values[k] = strings.Join(vs, ",")
	}
	m.renderForm(w, r, statusByCode[e.Code], edit, x, values, errs, alert, choices)
}

// renderForm renders the form of x with the input values (as sent, or of
// the stored record) and the errors beside their inputs; errors that no
// input shows go to the alert, so that none is lost.
func (m *registerMount[T]) renderForm(w http.ResponseWriter, r *http.Request, status int, edit bool, x *T,
	values, errs map[string]string, alert string, choices map[string][]registerOption) {
	l := m.s.localizer(r)
	p := &registerFormPage{Name: m.schema.Name, Edit: edit, Action: m.path, Cancel: m.path, Error: alert}
	if edit {
		p.Action, p.Cancel = m.recordPath(x)+"/edit", m.recordPath(x)
	}
	shown := map[string]bool{}
	a := shequ.ActorFrom(r.Context())
	var groups []pickerGroup
	picked := false
	for _, f := range m.schema.Fields {
		in := m.input(l, f, x, edit, values)
		if f.Kind == register.KindPerson {
			in.Kind, in.Name, in.Options = "person", f.Name+personSuffix, choices[f.Name]
			if q, sent := values[f.Name+personSuffix]; sent {
				in.Value = q
			} else {
				in.Value = m.personText(r.Context(), values[f.Name])
			}
			if in.Hint == "" {
				in.Hint = l.T("register.person.hint")
			}
			in.Pick = f.Name + pickSuffix
		}
		if sel := m.selects[f.Name]; sel != nil {
			m.selectInput(r, l, a, &in, sel)
		}
		if pk := m.picks[f.Name]; pk != nil {
			m.pickInput(r, l, a, &in, f.Kind, pk)
			p.Picks = p.Picks || in.Kind == "picks"
		}
		if f.Kind == register.KindCommunity && a != nil {
			if !picked {
				groups, _ = m.s.communityPicker(r.Context(), a.Scope)
				picked = true
			}
			m.picker(l, &in, groups, "form.choose")
		}
		for _, n := range append([]string{f.Name}, append(f.Shows, f.Inputs()...)...) {
			if e, ok := errs[n]; ok && !shown[n] {
				in.Err = strings.TrimSpace(in.Err + " " + e)
				shown[n] = true
			}
		}
		p.Inputs = append(p.Inputs, in)
	}
	var rest []string
	for n, e := range errs {
		if !shown[n] {
			rest = append(rest, e)
		}
	}
	slices.Sort(rest)
	if len(rest) > 0 {
		p.Error = strings.TrimSpace(p.Error + " " + strings.Join(rest, " "))
	}
	title := m.key("new.title")
	if edit {
		title = m.key("edit.title")
	}
	m.s.render(w, r, status, "register_form", l.T(title), p)
}

// input describes the form input of field f.
func (m *registerMount[T]) input(l *i18n.Localizer, f *register.Field[T], x *T, edit bool, values map[string]string) registerInput {
	in := registerInput{Kind: "text", ID: m.domID(f.Name), Name: f.Name, Label: l.T(f.Label), Value: values[f.Name],
		Required: f.Required, Max: f.Max}
	if f.Hint != "" {
		in.Hint = l.T(f.Hint)
	}
	switch f.Kind {
	case register.KindLongText:
		in.Kind = "textarea"
	case register.KindInt, register.KindMoney:
		in.Mode, in.Max = "numeric", 16
		if f.Kind == register.KindMoney {
			in.Mode = "decimal"
		}
		if len(f.Values) > 0 {
			in.Kind, in.Options = "select", m.options(l, f, in.Value)
		}
	case register.KindDecimal:
		in.Mode, in.Max = "decimal", 16
	case register.KindDate:
		in.Type = "date"
	case register.KindChoice:
		in.Kind, in.Options = "select", m.options(l, f, in.Value)
		if f.Blank != "" {
			in.Blank = l.T(f.Blank)
		}
	case register.KindChoices:
		in.Kind = "checks"
		ticked := splitValues(in.Value)
		for _, v := range f.Values {
			in.Options = append(in.Options, registerOption{ID: strings.ReplaceAll(f.Labels, ".", "-") + "-" + v, Value: v,
				Label: l.T(f.Labels + "." + v), Selected: slices.Contains(ticked, v)})
		}
	case register.KindCommunity:
		in.Mode = "numeric"
	case register.KindPhone:
		in.Type = "tel"
		in.Value = values[f.Name]
		if edit {
			in.Required = false
			in.Hint = l.T("resident.keep_hint", map[string]any{"Current": f.Show(x, false).Text})
		} else if in.Hint == "" {
			in.Hint = l.T("resident.phone.hint")
		}
	case register.KindIDNumber:
		if edit {
			in.Required = false
			in.Hint = l.T("resident.keep_hint", map[string]any{"Current": f.Show(x, false).Text})
		} else if in.Hint == "" {
			in.Hint = l.T("resident.id_number.hint")
		}
	case register.KindLocation:
		in.Kind = "location"
		in.Lat, in.Lng = values["lat"], values["lng"]
		in.GCJ02 = values["coordinate_system"]
	}
	return in
}

// picker turns a community input into a choice among groups when its
// value is one of them (or blank); else the code stays typed.
func (m *registerMount[T]) picker(l *i18n.Localizer, in *registerInput, groups []pickerGroup, blank string) {
	if len(groups) == 0 {
		return
	}
	g, found := pick(groups, in.Value)
	if !found && in.Value != "" && !(in.Townships && slices.ContainsFunc(groups, func(g pickerGroup) bool { return g.Code == in.Value })) {
		return
	}
	in.Kind, in.Groups, in.Hint = "community", g, ""
	if blank != "" {
		in.Blank = l.T(blank)
	}
}

// options are the choices of a select of field f, value selected.
func (m *registerMount[T]) options(l *i18n.Localizer, f *register.Field[T], value string) []registerOption {
	out := make([]registerOption, 0, len(f.Values))
	for _, v := range f.Values {
		out = append(out, registerOption{Value: v, Label: l.T(f.Labels + "." + v), Selected: v == value})
	}
	return out
}

// splitValues splits the values of a set as a form sent them back.
func splitValues(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// refusal says which refused forms recordFailed shows on the record's
// page and how; the zero value shows bad input and conflicts.
type refusal struct {
	codes    []string // the error codes shown on the page; none: bad input and conflicts
	keys     []string // errors of these keys are shown on the page whatever their code
	noStore  bool     // the page is answered with Cache-Control: no-store
	ownError bool     // the error's own message heads the page even when fields have theirs
}

// shows reports whether the page shows e rather than the error page.
func (how refusal) shows(e *shequ.Error) bool {
	codes := how.codes
	if codes == nil {
		codes = []string{shequ.EInvalid, shequ.EConflict}
	}
	return slices.Contains(codes, e.Code) || slices.Contains(how.keys, e.Key)
}

// recordFailed shows the record's page again after a form on it was
// refused (the refusals how says: by default bad input or a conflict), with
// the field messages and the form as posted handed to fill for the page's
// own data, at the error's status; anything else is the error page.
func (m *registerMount[T]) recordFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, err error, how refusal,
	fill func(p *registerShowPage, errs map[string]string)) {
	s := m.s
	e := shequ.AsError(err)
	if !how.shows(e) {
		s.error(w, r, err)
		return
	}
	x, ferr := m.find(r, a, false)
	if ferr != nil {
		s.error(w, r, ferr)
		return
	}
	p, perr := m.showPageData(r, a, x, false)
	if perr != nil {
		s.error(w, r, perr)
		return
	}
	l := s.localizer(r)
	errs := fieldMessages(l, err)
	fill(p, errs)
	p.Error = l.Error(e)
	if len(errs) > 0 && !how.ownError {
		p.Error = l.T("form.has_errors")
	}
	if how.noStore {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, statusByCode[e.Code], m.pageName(m.showPage, "register_show"), m.schema.Title(x), p)
}

package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// The upload page and import endpoint of a register. An import is all or
// nothing: the file is read and checked whole (register.Schema.Parse),
// written in one transaction by the store only when every row is good, and
// otherwise every bad row is listed with its line and reasons, which the
// page also offers as a CSV file to download.

// importOption is a checkbox of the upload page for a schema's option.
type importOption struct {
	Name, Label string
	Checked     bool
}

// importPage returns the upload page of the register for a.
func (m *registerMount[T]) importPage(r *http.Request, a *shequ.Actor) *importPage {
	l := m.s.localizer(r)
	p := &importPage{Enabled: m.wired, Action: m.path + "/import", Intro: m.key("import.intro"),
		AskCommunity: m.schema.Import.DefaultCommunity, CommunityOptional: true}
	if a != nil && len(a.Scope) == 12 {
		p.Community = a.Scope
	}
	if p.AskCommunity && a != nil {
		groups, _ := m.s.communityPicker(r.Context(), a.Scope)
		p.CommunityInput = registerInput{Kind: "text", ID: "import-community", Name: "community_code", Label: l.T("import.community.default"),
			Hint: l.T("import.community.default.hint"), Mode: "numeric", Max: 12}
		m.picker(l, &p.CommunityInput, groups, "import.community.none")
		if p.CommunityInput.Kind == "community" {
			p.CommunityInput.Hint = l.T("import.community.default.hint")
		}
	}
	for _, o := range m.schema.Import.Options {
		p.Options = append(p.Options, importOption{Name: o.Name, Label: l.T(o.Label)})
	}
	return p
}

// handleImportForm serves GET <path>/import.
func (m *registerMount[T]) handleImportForm(w http.ResponseWriter, r *http.Request) {
	a, ok := m.s.guard(w, r, m.schema.Bulk)
	if !ok {
		return
	}
	m.s.render(w, r, http.StatusOK, "resident_import", m.s.localizer(r).T(m.key("import.title")), m.importPage(r, a))
}

// handleImport serves POST <path>/import: a multipart upload (file, and
// community and the options when the schema has them).
func (m *registerMount[T]) handleImport(w http.ResponseWriter, r *http.Request) {
	a, ok := m.s.guard(w, r, m.schema.Bulk)
	if !ok {
		return
	}
	l := m.s.localizer(r)
	title := l.T(m.key("import.title"))
	p := m.importPage(r, a)
	if !p.Enabled {
		m.s.render(w, r, http.StatusServiceUnavailable, "resident_import", title, p)
		return
	}
	release, ok := m.s.importSlot(w, r)
	if !ok {
		return
	}
	defer release()
	if !m.s.readMultipart(w, r, maxImportBytes, errBadForm) {
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	var fe shequ.FieldErrors
	opt := m.importOptions(r.Context(), r.FormValue, &fe, a, "community_code")
	p.Community = opt.Community
	if p.CommunityInput.Kind == "community" {
		p.CommunityInput.Groups, _ = pick(p.CommunityInput.Groups, opt.Community)
	}
	p.CommunityInput.Value = opt.Community
	for i := range p.Options {
		p.Options[i].Checked = opt.Options[p.Options[i].Name]
	}
	var in io.Reader
	name := ""
	if file, hdr, err := formFile(r, "file"); err != nil {
		fe.Add("file", "import.file.missing", "Choose a file to upload.", nil)
	} else {
		defer file.Close()
		in, name = file, hdr.Filename
	}
	rep, err := m.runImport(r, fe, in, name, opt)
	if err != nil {
		switch e := shequ.AsError(err); {
		case len(e.Fields) > 0:
			p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		case e.Code == shequ.EInvalid:
			p.Error = l.Error(e)
		default:
			m.s.error(w, r, err)
			return
		}
		m.s.render(w, r, statusByCode[shequ.ErrorCode(err)], "resident_import", title, p)
		return
	}
	p.Report = &ResidentImportReport{Total: rep.Total, Written: rep.Written}
	for _, e := range rep.Errors {
		p.Report.Errors = append(p.Report.Errors, RowError{Line: e.Line, Message: m.reason(l, e)})
	}
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		var b bytes.Buffer
		_ = rep.WriteCSV(&b, func(e register.RowError) string { return m.reason(l, e) })
		// A data URL: the report is not kept on the server, and the page
		// works without JavaScript. The BOM lets spreadsheets see UTF-8.
		p.ErrorsCSV = template.URL("data:text/csv;charset=utf-8;base64," +
			base64.StdEncoding.EncodeToString(append([]byte("\ufeff"), b.Bytes()...)))
		p.ErrorsName = m.schema.Plural + "-errors.csv"
	}
	m.s.render(w, r, status, "resident_import", title, p)
}

// importOptions reads the community of rows without one and the schema's
// options from form values (the upload page) or query parameters (the
// API); a community must be one of the actor's.
func (m *registerMount[T]) importOptions(ctx context.Context, get func(string) string, fe *shequ.FieldErrors, a *shequ.Actor, communityParam string) register.ImportOptions {
	opt := register.ImportOptions{Now: m.s.now(), Options: map[string]bool{}, Labels: m.s.labels}
	if m.schema.Has(register.KindPerson) {
		opt.Person = m.importPerson(ctx, a)
	}
	if m.schema.Has(register.KindPick) || m.schema.Has(register.KindPicks) {
		opt.Pick = m.importPick(ctx, a)
	}
	if m.schema.Import.DefaultCommunity {
		opt.Community = strings.TrimSpace(get(communityParam))
		if opt.Community != "" {
			if shequ.ValidateDivisionCode(opt.Community) != nil || len(opt.Community) != 12 {
				fe.Add(communityParam, "resident.community.invalid", "Give the 12-digit code of a community.", nil)
			} else if err := outOfScope(a, communityParam, opt.Community); err != nil {
				fe.Add(communityParam, "scope.outside", "This division is outside your area.", nil)
			}
		}
	}
	for _, o := range m.schema.Import.Options {
		switch get(o.Name) {
		case "", "0", "false":
		default:
			opt.Options[o.Name] = true
		}
	}
	return opt
}

// runImport parses the file and writes it all or nothing; fe are the
// errors of the other inputs, reported first.
func (m *registerMount[T]) runImport(r *http.Request, fe shequ.FieldErrors, file io.Reader, name string, opt register.ImportOptions) (*register.Report, error) {
	if err := fe.Err(); err != nil {
		return nil, err
	}
	parsed, err := m.schema.Parse(file, name, opt)
	if err != nil {
		return nil, err
	}
	return register.Write(r.Context(), parsed, m.store.Import)
}

// reason words the errors of one rejected row: "类型：未知的设施类型；…".
func (m *registerMount[T]) reason(l *i18n.Localizer, e register.RowError) string {
	if len(e.Fields) == 0 {
		return l.Error(e.Err)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		label := "field." + f.Field
		if fd := m.schema.Field(f.Field); fd != nil {
			label = fd.Label
		}
		parts[i] = l.T("cli.import.field_error", map[string]any{"Field": l.T(label), "Message": l.FieldError(f)})
	}
	return strings.Join(parts, "; ")
}

// importJSON is the API's answer to an import.
type importJSON struct {
	Total   int             `json:"total"`
	Written int             `json:"written"`
	Errors  []importRowJSON `json:"errors"`
}

// importRowJSON is one rejected row: its line, the message per field and
// the whole reason.
type importRowJSON struct {
	Line   int               `json:"line"`
	Fields map[string]string `json:"fields"`
	Reason string            `json:"reason"`
}

// handleAPIImport serves POST /api/v1/<path>/import: the file as the body
// (its name in ?filename=, or typed by Content-Type: text/csv or the XLSX
// type) or as the part "file" of a multipart body; ?community= and the
// schema's options as parameters. 200 with the report when written, 422
// with every bad row when not.
func (m *registerMount[T]) handleAPIImport(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Bulk)
	if !ok {
		return
	}
	release, ok := m.s.importSlot(w, r)
	if !ok {
		return
	}
	defer release()
	l := m.s.localizer(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	var fe shequ.FieldErrors
	opt := m.importOptions(r.Context(), r.URL.Query().Get, &fe, a, "community")
	var file io.Reader = r.Body
	name := r.URL.Query().Get("filename")
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		if !m.s.readMultipart(w, r, maxImportBytes, errBadForm) {
			return
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		f, hdr, err := formFile(r, "file")
		if err != nil {
			fe.Add("file", "import.file.missing", "Choose a file to upload.", nil)
			break
		}
		defer f.Close()
		file, name = f, hdr.Filename
	case name != "":
	case ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		name = "upload.xlsx"
	default:
		name = "upload.csv"
	}
	rep, err := m.runImport(r, fe, file, name, opt)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	out := importJSON{Total: rep.Total, Written: rep.Written, Errors: []importRowJSON{}}
	for _, e := range rep.Errors {
		row := importRowJSON{Line: e.Line, Fields: map[string]string{}, Reason: m.reason(l, e)}
		for _, f := range e.Fields {
			if _, dup := row.Fields[f.Field]; !dup {
				row.Fields[f.Field] = l.FieldError(f)
			}
		}
		out.Errors = append(out.Errors, row)
	}
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, out)
}

// labels returns a catalogue key's label in every language (import cells
// may be written as labels); a missing key has none.
func (s *Server) labels(key string) []string {
	var out []string
	for _, lang := range s.cat.Languages() {
		if t := s.cat.Localizer(lang).T(key); t != key {
			out = append(out, t)
		}
	}
	return out
}

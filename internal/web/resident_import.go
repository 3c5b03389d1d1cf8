package web

import (
	"html/template"
	"io"
	"net/http"
	"strings"

	"shequ"
)

// ResidentImportReport is what an import of a resident file reports to the
// upload page: rows read, rows written (0 when the file was rejected, since
// an import is all or nothing) and the line-numbered errors.
type ResidentImportReport struct {
	Total   int
	Written int
	Errors  []RowError
}

// RowError is one rejected line of an import file.
type RowError struct {
	Line    int
	Message string
}

// maxImportBytes bounds an uploaded file.
const maxImportBytes = 32 << 20

// maxConcurrentImports bounds the imports one server runs at once: each may
// hold what internal/tabular's limits allow (docs/BENCHMARKS.md, imports),
// so that their number, not only their size, bounds the server's memory.
const maxConcurrentImports = 2

// errImportBusy answers an upload while maxConcurrentImports run.
var errImportBusy = shequ.Errorf(shequ.EUnavailable, "import.busy", "Other imports are running; try again in a minute.")

// importSlot takes one of the maxConcurrentImports slots for the request's
// import, or answers errImportBusy (503 with Retry-After); release gives the
// slot back.
func (s *Server) importSlot(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case s.imports <- struct{}{}:
		return func() { <-s.imports }, true
	default:
		s.error(w, r, errImportBusy)
		return nil, false
	}
}

// importPage is the data of templates/resident_import.html, the upload page
// of the residents and of the registers (register_import.go).
type importPage struct {
	Enabled      bool
	Action       string // where the form posts
	Intro        string // catalogue key of the page's explanation
	Community    string // the community rows are imported into
	AskCommunity bool
	// CommunityOptional: the community is only for rows without one (a
	// register's file may name each row's).
	CommunityOptional bool
	// Community is picked among these groups when there are some.
	CommunityInput registerInput
	Options        []importOption // a register's import options
	Report         *ResidentImportReport
	// ErrorsCSV is a data URL of the rejected rows as CSV, ErrorsName its
	// file name.
	ErrorsCSV  template.URL
	ErrorsName string
	Errors     map[string]string
	Error      string
}

// importKind is one kind of upload: its page and what runs the import.
type importKind struct {
	act      shequ.Action
	titleKey string
	page     func(a *shequ.Actor) *importPage
	// run imports file; fe collects the form's field errors first.
	run func(r *http.Request, p *importPage, fe *shequ.FieldErrors, file io.Reader, name string) (*ResidentImportReport, error)
}

func (s *Server) residentImport() importKind {
	return importKind{act: shequ.ActionResidentImport, titleKey: "import.title",
		page: func(a *shequ.Actor) *importPage {
			p := &importPage{Enabled: s.cfg.ImportResidents != nil, Action: "/residents/import", Intro: "import.intro", AskCommunity: true}
			if a != nil && len(a.Scope) == 12 {
				p.Community = a.Scope
			}
			return p
		},
		run: func(r *http.Request, p *importPage, fe *shequ.FieldErrors, file io.Reader, name string) (*ResidentImportReport, error) {
			p.Community = strings.TrimSpace(r.Form.Get("community_code"))
			if shequ.ValidateDivisionCode(p.Community) != nil || len(p.Community) != 12 {
				fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
			}
			if err := fe.Err(); err != nil {
				return nil, err
			}
			return s.cfg.ImportResidents(r.Context(), p.Community, file, name)
		}}
}

// handleResidentImportForm serves GET /residents/import.
func (s *Server) handleResidentImportForm(w http.ResponseWriter, r *http.Request) {
	s.importForm(w, r, s.residentImport())
}

// handleResidentImport serves POST /residents/import.
func (s *Server) handleResidentImport(w http.ResponseWriter, r *http.Request) {
	s.importUpload(w, r, s.residentImport())
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request, k importKind) {
	a, ok := s.guard(w, r, k.act)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "resident_import", s.localizer(r).T(k.titleKey), k.page(a))
}

// importUpload takes a multipart upload and hands it to the kind's import,
// whose report is shown as it is: an import is all or nothing, so a file
// with a bad line writes nothing and lists every bad line.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, k importKind) {
	a, ok := s.guard(w, r, k.act)
	if !ok {
		return
	}
	l := s.localizer(r)
	title := l.T(k.titleKey)
	p := k.page(a)
	if !p.Enabled {
		s.render(w, r, http.StatusServiceUnavailable, "resident_import", title, p)
		return
	}
	release, ok := s.importSlot(w, r)
	if !ok {
		return
	}
	defer release()
	if !s.readMultipart(w, r, maxImportBytes, errBadForm) {
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	var fe shequ.FieldErrors
	file, hdr, err := formFile(r, "file")
	name := ""
	if err != nil {
		fe.Add("file", "import.file.missing", "Choose a file to upload.", nil)
		file = nil
	} else {
		defer file.Close()
		name = hdr.Filename
	}
	var in io.Reader
	if file != nil {
		in = file
	}
	rep, err := k.run(r, p, &fe, in, name)
	if err != nil && rep == nil {
		switch {
		case len(shequ.AsError(err).Fields) > 0:
			p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		case shequ.ErrorCode(err) == shequ.EInvalid:
			p.Error = l.Error(shequ.AsError(err))
		default:
			s.error(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "resident_import", title, p)
		return
	}
	p.Report = rep
	status := http.StatusOK
	if err != nil || (rep != nil && len(rep.Errors) > 0) {
		status = http.StatusUnprocessableEntity
		if err != nil {
			p.Error = l.Error(shequ.AsError(err))
		}
	}
	s.render(w, r, status, "resident_import", title, p)
}

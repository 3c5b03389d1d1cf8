package web

import (
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

// maxImportBytes bounds an uploaded resident file.
const maxImportBytes = 32 << 20

// importPage is the data of templates/resident_import.html.
type importPage struct {
	Enabled   bool
	Community string
	Report    *ResidentImportReport
	Errors    map[string]string
	Error     string
}

// handleResidentImportForm serves GET /residents/import.
func (s *Server) handleResidentImportForm(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentImport)
	if !ok {
		return
	}
	p := &importPage{Enabled: s.cfg.ImportResidents != nil}
	if len(a.Scope) == 12 {
		p.Community = a.Scope
	}
	s.render(w, r, http.StatusOK, "resident_import", s.localizer(r).T("import.title"), p)
}

// handleResidentImport serves POST /residents/import: a multipart upload
// handed to Config.ImportResidents, whose report is shown as it is.
func (s *Server) handleResidentImport(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentImport); !ok {
		return
	}
	l := s.localizer(r)
	p := &importPage{Enabled: s.cfg.ImportResidents != nil}
	if !p.Enabled {
		s.render(w, r, http.StatusServiceUnavailable, "resident_import", l.T("import.title"), p)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.error(w, r, errBadForm)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	p.Community = strings.TrimSpace(r.FormValue("community_code"))
	var fe shequ.FieldErrors
	if shequ.ValidateDivisionCode(p.Community) != nil || len(p.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fe.Add("file", "import.file.missing", "Choose a file to upload.", nil)
	} else {
		defer file.Close()
	}
	if err := fe.Err(); err != nil {
		p.Errors = fieldMessages(l, err)
		p.Error = l.T("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "resident_import", l.T("import.title"), p)
		return
	}
	rep, err := s.cfg.ImportResidents(r.Context(), p.Community, file, hdr.Filename)
	if err != nil && rep == nil {
		if c := shequ.ErrorCode(err); c == shequ.EInvalid {
			p.Error = l.Error(shequ.AsError(err))
			s.render(w, r, http.StatusBadRequest, "resident_import", l.T("import.title"), p)
			return
		}
		s.error(w, r, err)
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
	s.render(w, r, status, "resident_import", l.T("import.title"), p)
}

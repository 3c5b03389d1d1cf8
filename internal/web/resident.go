package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ"
)

// residentPageSize is the number of residents per page of the list.
const residentPageSize = 20

// maxIDLen bounds object ids taken from paths; longer ones cannot exist.
const maxIDLen = 64

// residentsPage is the data of templates/residents.html.
type residentsPage struct {
	Query     residentQuery
	Errors    map[string]string
	Residents []*residentView
	Total     int
	Pager     pager
	CanWrite  bool
	CanImport bool
	// CanSearchID offers the search by ID number: a match confirms a whole
	// number, so it takes the permission to reveal one.
	CanSearchID bool
	Tags        []shequ.Tag // for the tag filter
}

// handleResidentList serves GET /residents.
func (s *Server) handleResidentList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentRead)
	if !ok {
		return
	}
	l := s.localizer(r)
	now := s.now()
	p := &residentsPage{CanWrite: a.Can(shequ.ActionResidentWrite), CanImport: a.Can(shequ.ActionResidentImport),
		CanSearchID: a.Can(shequ.ActionResidentReveal), Tags: shequ.KnownTags}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rq, err := parseResidentQuery(q, a, now)
	p.Query = rq
	if err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		s.render(w, r, http.StatusBadRequest, "residents", l.T("resident.list.title"), p)
		return
	}
	list, total, err := s.cfg.Residents.FindResidents(r.Context(), rq.filter((page-1)*residentPageSize, residentPageSize))
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, res := range list {
		p.Residents = append(p.Residents, newResidentView(l, res, false, now))
	}
	p.Total = total
	p.Pager = queryPager(r.URL.Path, rq.values(), page, total, residentPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "residents", l.T("resident.list.title"), p)
}

// residentPage is the data of templates/resident.html.
type residentPage struct {
	R         *residentView
	CanWrite  bool
	CanReveal bool
	CanVerify bool
	Notice    string
	// ShowAccounts shows the window's verification of self-registered
	// accounts (account_verify.go): Accounts are those claiming the
	// resident, when no account is linked yet.
	ShowAccounts bool
	Accounts     []*shequ.PendingAccount
	// OwnOnly says the reader sees only their own record (a resident):
	// their household is named, not linked, for its page is staff's.
	OwnOnly bool
}

// HouseholdHref is the page of the resident's household, "" when there is
// none or the reader may not open it.
func (p *residentPage) HouseholdHref() string {
	if p.R == nil || p.R.HouseholdID == "" || p.OwnOnly {
		return ""
	}
	return "/households/" + p.R.HouseholdID
}

// handleResidentShow serves GET /residents/{id}: the record with ID and
// phone numbers masked.
func (s *Server) handleResidentShow(w http.ResponseWriter, r *http.Request) {
	s.residentShow(w, r, false)
}

// handleResidentReveal serves POST /residents/{id}/reveal: the same page
// with the numbers in clear, for actors who may see them. A POST, not a
// link, so that a reveal (which the service audits) never happens by
// prefetching or by following a shared URL.
func (s *Server) handleResidentReveal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentReveal); !ok {
		return
	}
	s.residentShow(w, r, true)
}

func (s *Server) residentShow(w http.ResponseWriter, r *http.Request, reveal bool) {
	a, ok := s.guard(w, r, shequ.ActionResidentRead)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	res, err := s.cfg.Residents.FindResidentByID(r.Context(), id, reveal)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &residentPage{R: newResidentView(l, res, reveal, s.now()), CanWrite: a.Can(shequ.ActionResidentWrite),
		CanReveal: a.Can(shequ.ActionResidentReveal) && !reveal, CanVerify: a.Can(shequ.ActionResidentVerify) && !res.Verified,
		OwnOnly: a.OwnOnly(shequ.ActionResidentRead)}
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = l.T("resident.created")
	case "saved":
		p.Notice = l.T("resident.saved")
	case "verified":
		p.Notice = l.T("resident.verified_notice")
	case "account_verified":
		p.Notice = l.T("verify.window.done")
	}
	if s.cfg.Verifier != nil && a.Can(shequ.ActionResidentVerify) {
		p.ShowAccounts = true
		if res.UserID == "" {
			if p.Accounts, err = s.cfg.Verifier.PendingAccounts(r.Context(), res.ID); err != nil {
				s.error(w, r, err)
				return
			}
		}
	}
	// Personal data: never kept by browser or proxy caches.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "resident", res.Name, p)
}

// handleResidentVerify serves POST /residents/{id}/verify (实名核验).
func (s *Server) handleResidentVerify(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentVerify); !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	if _, err := s.cfg.Residents.VerifyResident(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/residents/"+url.PathEscape(id)+"?notice=verified", http.StatusSeeOther)
}

// residentForm is the data of templates/resident_form.html, for both a new
// resident and an edit.
type residentForm struct {
	Edit      bool
	ID        string // when editing
	Name      string
	IDNumber  string
	Phone     string
	Community string
	Household string
	Relation  string
	Tags      []string // known tags ticked
	OtherTags string   // free tags, comma separated
	// Current masked numbers, shown as hints when editing (the inputs stay
	// empty, which keeps the stored values).
	CurrentID, CurrentPhone string
	Errors                  map[string]string
	Error                   string
	KnownTags               []shequ.Tag
	Relations               []shequ.Relation
}

// hasTag is used by the template to tick a checkbox.
func (f *residentForm) HasTag(t shequ.Tag) bool { return slices.Contains(f.Tags, string(t)) }

// formTags are the tags a form may tick: the known ones except the derived.
func formTags() []shequ.Tag {
	var out []shequ.Tag
	for _, t := range shequ.KnownTags {
		if t != shequ.TagElderly {
			out = append(out, t)
		}
	}
	return out
}

func newResidentForm() *residentForm {
	return &residentForm{KnownTags: formTags(), Relations: shequ.Relations}
}

// readResidentForm reads the posted form into f.
func readResidentForm(r *http.Request, f *residentForm) {
	pf := r.PostForm
	f.Name = strings.TrimSpace(pf.Get("name"))
	f.IDNumber = strings.TrimSpace(pf.Get("id_number"))
	f.Phone = strings.TrimSpace(pf.Get("phone"))
	f.Community = strings.TrimSpace(pf.Get("community_code"))
	f.Household = strings.TrimSpace(pf.Get("household_id"))
	f.Relation = strings.TrimSpace(pf.Get("relation"))
	f.Tags = nil
	for _, t := range pf["tags"] {
		if isKnownTag(shequ.Tag(t)) {
			f.Tags = append(f.Tags, t)
		}
	}
	f.OtherTags = strings.TrimSpace(pf.Get("other_tags"))
}

// allTags returns the ticked and the free tags together.
func (f *residentForm) allTags() []string {
	out := slices.Clone(f.Tags)
	free := strings.FieldsFunc(f.OtherTags, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == '\n'
	})
	return append(out, free...)
}

// input turns the form into a ResidentInput. When editing, an empty ID
// number or phone means "keep the stored one".
func (f *residentForm) input() shequ.ResidentInput {
	tags := f.allTags()
	in := shequ.ResidentInput{Name: &f.Name, Community: &f.Community, HouseholdID: &f.Household,
		Relation: &f.Relation, Tags: &tags}
	if !f.Edit || f.IDNumber != "" {
		in.IDNumber = &f.IDNumber
	}
	if !f.Edit || f.Phone != "" {
		in.Phone = &f.Phone
	}
	return in
}

// handleResidentNew serves GET /residents/new.
func (s *Server) handleResidentNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentWrite)
	if !ok {
		return
	}
	f := newResidentForm()
	if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	if hh := r.URL.Query().Get("household_id"); len(hh) <= maxIDLen {
		f.Household = hh
	}
	s.render(w, r, http.StatusOK, "resident_form", s.localizer(r).T("resident.new.title"), f)
}

// handleResidentCreate serves POST /residents.
func (s *Server) handleResidentCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := newResidentForm()
	readResidentForm(r, f)
	res := &shequ.Resident{}
	err := f.input().Apply(res, s.now())
	if err == nil {
		err = s.cfg.Residents.CreateResident(r.Context(), res)
	}
	if err != nil {
		s.residentFormFailed(w, r, f, err, "resident.new.title")
		return
	}
	http.Redirect(w, r, "/residents/"+url.PathEscape(res.ID)+"?notice=created", http.StatusSeeOther)
}

// residentFormFailed shows the form again with its values and the errors
// next to their fields, or answers with the error page when the error is
// not about the input.
func (s *Server) residentFormFailed(w http.ResponseWriter, r *http.Request, f *residentForm, err error, titleKey string) {
	l := s.localizer(r)
	e := shequ.AsError(err)
	switch e.Code {
	case shequ.EInvalid:
		f.Errors = fieldMessages(l, err)
		f.Error = l.T("form.has_errors")
		if len(f.Errors) == 0 {
			f.Error = l.Error(e)
		}
	case shequ.EConflict:
		// A duplicate ID number: the service's message says where the
		// existing record is, as far as the caller may know.
		f.Errors = map[string]string{"id_number": l.Error(e)}
		f.Error = l.Error(e)
	default:
		s.error(w, r, err)
		return
	}
	status := statusByCode[e.Code]
	s.render(w, r, status, "resident_form", l.T(titleKey), f)
}

// handleResidentEdit serves GET /residents/{id}/edit.
func (s *Server) handleResidentEdit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	res, err := s.cfg.Residents.FindResidentByID(r.Context(), id, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newResidentForm()
	f.Edit, f.ID = true, res.ID
	f.Name, f.Community, f.Household, f.Relation = res.Name, res.Community, res.HouseholdID, string(res.Relation)
	f.CurrentID, f.CurrentPhone = res.IDNumber.Masked(), res.Phone.Masked()
	var other []string
	for _, t := range res.Tags {
		if isKnownTag(t) {
			f.Tags = append(f.Tags, string(t))
		} else {
			other = append(other, string(t))
		}
	}
	f.OtherTags = strings.Join(other, "，")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "resident_form", s.localizer(r).T("resident.edit.title"), f)
}

// handleResidentUpdate serves POST /residents/{id}/edit.
func (s *Server) handleResidentUpdate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := newResidentForm()
	f.Edit, f.ID = true, id
	readResidentForm(r, f)
	f.CurrentID, f.CurrentPhone = strings.TrimSpace(r.PostForm.Get("current_id")), strings.TrimSpace(r.PostForm.Get("current_phone"))
	if _, err := s.cfg.Residents.UpdateResident(r.Context(), id, f.input()); err != nil {
		s.residentFormFailed(w, r, f, err, "resident.edit.title")
		return
	}
	http.Redirect(w, r, "/residents/"+url.PathEscape(id)+"?notice=saved", http.StatusSeeOther)
}

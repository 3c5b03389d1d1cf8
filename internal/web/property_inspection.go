package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// The inspections of the environment and property management committee:
// the form scoring an estate on the county's checklist, the inspection's
// page with its rectification orders (the company reports them done, the
// community verifies or reopens them after the follow-up) and photos, and
// the list of orders.

// inspectionFormPage is the data of templates/inspection_form.html.
type inspectionFormPage struct {
	E         *shequ.Estate
	Checklist []shequ.ChecklistItem
	RectDays  int
	Form      map[string]string
	Errors    map[string]string
	Error     string
}

func (s *Server) inspectionForm(r *http.Request, form map[string]string) (*inspectionFormPage, error) {
	e, err := s.cfg.Property.FindEstateByID(r.Context(), pathID(r, "id"))
	if err != nil {
		return nil, err
	}
	st, err := s.cfg.Property.Settings(r.Context(), e.Community)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = map[string]string{"day": s.now().In(shequ.Shanghai).Format(time.DateOnly)}
	}
	return &inspectionFormPage{E: e, Checklist: st.Checklist, RectDays: st.RectifyDays, Form: form}, nil
}

// handleInspectionNew serves GET /estates/{id}/inspections/new.
func (s *Server) handleInspectionNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionInspectionRecord, s.wiredProperty()); !ok {
		return
	}
	p, err := s.inspectionForm(r, nil)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inspection_form", s.localizer(r).T("inspection.new.title"), p)
}

// inspectionInput reads the form of an inspection: a score and a finding
// per checklist item (score_<key>, note_<key>).
func inspectionInput(estateID string, values url.Values, fe *shequ.FieldErrors) *shequ.InspectionInput {
	in := &shequ.InspectionInput{EstateID: estateID, Inspectors: values.Get("inspectors"), Note: values.Get("note"),
		Scores: map[string]int{}, Notes: map[string]string{}}
	if d := parseDateField(fe, "day", values.Get("day")); d != nil {
		in.Day = *d
	}
	in.DueOn = parseDateField(fe, "due_on", values.Get("due_on"))
	for k, vs := range values {
		key, ok := strings.CutPrefix(k, "score_")
		if !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(vs[0]))
		if err != nil {
			n = -1 // out of every range: the domain says which item
		}
		in.Scores[key] = n
		in.Notes[key] = values.Get("note_" + key)
	}
	return in
}

// handleInspectionCreate serves POST /estates/{id}/inspections.
func (s *Server) handleInspectionCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionInspectionRecord, s.wiredProperty()); !ok {
		return
	}
	var fe shequ.FieldErrors
	in := inspectionInput(pathID(r, "id"), r.PostForm, &fe)
	err := fe.Err()
	var got *shequ.Inspection
	if err == nil {
		got, err = s.cfg.Property.RecordInspection(r.Context(), in)
	}
	if err != nil {
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		p, perr := s.inspectionForm(r, form)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "inspection_form", "inspection.new.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/inspections/"+url.PathEscape(got.ID)+"?notice=created", http.StatusSeeOther)
}

// inspectionPage is the data of templates/inspection.html.
type inspectionPage struct {
	In        *shequ.Inspection
	Photos    []*shequ.LinkagePhoto
	CanPhoto  bool
	CanReport bool // the company's staff report orders
	CanVerify bool // the community verifies or reopens them
	Company   string
	Today     time.Time
	Notice    string
	Error     string
	Errors    map[string]string
	Timeline  []*shequ.TimelineEvent
}

// handleInspectionShow serves GET /inspections/{id}.
func (s *Server) handleInspectionShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	p := &inspectionPage{}
	if n := r.URL.Query().Get("notice"); n == "created" || n == "saved" || n == "photo" {
		p.Notice = s.localizer(r).T("inspection." + n)
	}
	s.renderInspection(w, r, a, pathID(r, "id"), p, http.StatusOK)
}

func (s *Server) renderInspection(w http.ResponseWriter, r *http.Request, a *shequ.Actor, id string, p *inspectionPage, status int) {
	ctx := r.Context()
	in, err := s.cfg.Property.FindInspectionByID(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Photos, err = s.cfg.Property.InspectionPhotos(ctx, id); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Timeline, err = s.cfg.Property.PropertyTimeline(ctx, shequ.ObjInspection, id); err != nil {
		s.error(w, r, err)
		return
	}
	if in.CompanyID != "" {
		if c, err := s.cfg.Property.CompanyCredit(ctx, in.CompanyID); err == nil {
			p.Company = c.Company.Name
		}
	}
	inScope := shequ.IsAncestorOrSelf(a.Scope, in.Community)
	p.In, p.Today = in, s.now()
	p.CanPhoto = a.Can(shequ.ActionInspectionRecord) && inScope
	p.CanVerify = p.CanPhoto
	p.CanReport = a.Can(shequ.ActionRectificationReport)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "inspection", in.EstateName, p)
}

// handleRectificationMove serves POST /rectifications/{id}/moves: to, text,
// due_on; back to the inspection's page.
func (s *Server) handleRectificationMove(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	var fe shequ.FieldErrors
	m := shequ.RectificationMove{To: shequ.RectificationStatus(r.PostForm.Get("to")), Text: r.PostForm.Get("text"),
		DueOn: parseDateField(&fe, "due_on", r.PostForm.Get("due_on"))}
	err := fe.Err()
	var rect *shequ.Rectification
	if err == nil {
		rect, err = s.cfg.Property.MoveRectification(r.Context(), pathID(r, "id"), m)
	}
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		old, ferr := s.cfg.Property.FindRectificationByID(r.Context(), pathID(r, "id"))
		if ferr != nil {
			s.error(w, r, ferr)
			return
		}
		l := s.localizer(r)
		p := &inspectionPage{Errors: fieldMessages(l, err), Error: l.Error(e)}
		if len(p.Errors) > 0 {
			p.Error = l.T("form.has_errors")
		}
		s.renderInspection(w, r, a, old.InspectionID, p, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/inspections/"+url.PathEscape(rect.InspectionID)+"?notice=saved#r-"+rect.ID, http.StatusSeeOther)
}

// handleRectificationShow serves GET /rectifications/{id}: the order on
// its inspection's page.
func (s *Server) handleRectificationShow(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	rect, err := s.cfg.Property.FindRectificationByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/inspections/"+url.PathEscape(rect.InspectionID)+"#r-"+rect.ID, http.StatusSeeOther)
}

// rectificationsPage is the data of templates/rectifications.html.
type rectificationsPage struct {
	Items    []*shequ.Rectification
	Total    int
	Pager    pager
	Status   string
	Statuses []shequ.RectificationStatus
	Today    time.Time
}

// handleRectificationList serves GET /rectifications?status=.
func (s *Server) handleRectificationList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &rectificationsPage{Status: q.Get("status"), Statuses: shequ.RectificationStatuses, Today: s.now()}
	if p.Status != "" && !oneOfStr(p.Status, shequ.RectificationStatuses) {
		s.error(w, r, fieldErr("status", "rectification.to.invalid", "Unknown state."))
		return
	}
	if p.Items, p.Total, err = s.cfg.Property.FindRectifications(r.Context(), shequ.RectificationFilter{
		Status: shequ.RectificationStatus(p.Status), Offset: (page - 1) * registerPageSize, Limit: registerPageSize}); err != nil {
		s.error(w, r, err)
		return
	}
	p.Pager = queryPager(r.URL.Path, nonEmptyValues(map[string]string{"status": p.Status}), page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "rectifications", s.localizer(r).T("rectification.list.title"), p)
}

// handleInspectionPhotoAdd serves POST /inspections/{id}/photos.
func (s *Server) handleInspectionPhotoAdd(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionInspectionRecord, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	err := parseForm(w, r, shequ.MaxPhotoBytes+64<<10)
	if e := shequ.AsError(err); err != nil && (e.Code != shequ.EInvalid || len(e.Fields) == 0) {
		err = errPhotoSize // a body that cannot be read: too large
	}
	if err == nil {
		file, _, ferr := formFile(r, "photo")
		if ferr != nil {
			err = fieldErr("photo", "import.file.missing", "Choose a file to upload.")
		} else {
			data, rerr := io.ReadAll(io.LimitReader(file, shequ.MaxPhotoBytes+1))
			file.Close()
			if err = rerr; err == nil {
				err = s.cfg.Property.AddInspectionPhoto(r.Context(), id, data)
			}
		}
	}
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid || !onlyField(e, "photo") {
			// Bad text in another field of the form has no place on the
			// page to be shown: the error page names it.
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		s.renderInspection(w, r, a, id, &inspectionPage{Errors: fieldMessages(l, err), Error: l.Error(e)}, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/inspections/"+url.PathEscape(id)+"?notice=photo", http.StatusSeeOther)
}

// handleInspectionPhoto serves GET /inspections/{id}/photos/{photo}.
func (s *Server) handleInspectionPhoto(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	photos, err := s.cfg.Property.InspectionPhotos(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, p := range photos {
		if p.ID == r.PathValue("photo") {
			w.Header().Set("Content-Type", p.ContentType)
			w.Header().Set("Cache-Control", "private, max-age=3600")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_, _ = w.Write(p.Data)
			return
		}
	}
	s.error(w, r, shequ.ErrNotFound)
}

// onlyField reports whether every field error of e names field (a general
// error without fields counts as the field's).
func onlyField(e *shequ.Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field != field {
			return false
		}
	}
	return true
}

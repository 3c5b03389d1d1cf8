package web

import (
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// facilityRegister mounts the register of service facilities
// (register.Facilities) at /facilities and /api/v1/facilities. Its list
// links the coverage of the filtered division and its show page has the
// photos (templates/facility.html), which
// handleFacilityPhotoAdd and handleFacilityPhoto serve.
func (s *Server) facilityRegister() *registerMount[shequ.Facility] {
	svc := s.cfg.Facilities
	m := mount(s, register.Facilities, "/facilities", svc != nil, register.FacilityStore(svc))
	m.showPage = "facility"
	m.links = func(l *i18n.Localizer, q register.Query) []registerLink {
		href := "/coverage"
		if q.Community != "" {
			href += "/" + q.Community
		}
		return []registerLink{{ID: "coverage-link", Href: href, Label: l.T("coverage.title.short")}}
	}
	m.notices = map[string]string{"photo": "facility.photo.added"}
	m.showExtra = func(r *http.Request, _ *shequ.Actor, f *shequ.Facility) (any, error) {
		return svc.FindFacilityPhotos(r.Context(), f.ID)
	}
	m.shows = map[string]func(*i18n.Localizer, *shequ.Facility) template.HTML{
		"location": func(l *i18n.Localizer, f *shequ.Facility) template.HTML {
			if !f.Located() {
				return template.HTML(template.HTMLEscapeString(l.T("facility.not_located")))
			}
			return template.HTML(strconv.FormatFloat(*f.Lat, 'f', 6, 64) + ", " + strconv.FormatFloat(*f.Lng, 'f', 6, 64) + "（WGS-84）")
		},
	}
	m.cells = map[string]func(*i18n.Localizer, *shequ.Facility) template.HTML{
		"location": func(l *i18n.Localizer, f *shequ.Facility) template.HTML {
			key := "facility.not_located"
			if f.Located() {
				key = "facility.located"
			}
			return template.HTML(template.HTMLEscapeString(l.T(key)))
		},
	}
	return m
}

// handleFacilityPhotoAdd serves POST /facilities/{id}/photos: a multipart
// upload of one image. A bad one shows the facility's page again with the
// error beside the upload.
func (s *Server) handleFacilityPhotoAdd(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	if !s.readMultipart(w, r, shequ.MaxPhotoBytes+64<<10, errPhotoSize) {
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	id := r.PathValue("id")
	file, _, err := formFile(r, "photo")
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(file, shequ.MaxPhotoBytes+1))
		file.Close()
	}
	if err == nil {
		err = s.cfg.Facilities.AddFacilityPhoto(r.Context(), &shequ.FacilityPhoto{FacilityID: id, Data: data})
	} else {
		err = shequ.Errorf(shequ.EInvalid, "import.file.missing", "Choose a file to upload.")
	}
	if err != nil {
		how := refusal{codes: []string{shequ.EInvalid}, ownError: true}
		s.facilityRegister().recordFailed(w, r, a, err, how, func(p *registerShowPage, errs map[string]string) { p.Errors = errs })
		return
	}
	http.Redirect(w, r, "/facilities/"+url.PathEscape(id)+"?notice=photo", http.StatusSeeOther)
}

// handleFacilityPhoto serves GET /facilities/{id}/photos/{photo}.
func (s *Server) handleFacilityPhoto(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Facilities != nil); !ok {
		return
	}
	photos, err := s.cfg.Facilities.FindFacilityPhotos(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, p := range photos {
		if p.ID == r.PathValue("photo") {
			w.Header().Set("Content-Type", p.ContentType)
			w.Header().Set("Cache-Control", "private, max-age=3600")
			_, _ = w.Write(p.Data)
			return
		}
	}
	s.error(w, r, shequ.ErrNotFound)
}

// validateFacility checks a facility built by another page (a siting
// suggestion adopted) as the register's form would, with the errors fe
// found before, and that its community lies in the actor's scope.
func validateFacility(a *shequ.Actor, x *shequ.Facility, fe shequ.FieldErrors) error {
	c := &register.Context{}
	for _, e := range fe {
		c.Fail(e.Field, e.Key, e.Message, e.Data)
	}
	if err := register.Facilities.Check(x, c); err != nil {
		return err
	}
	return outOfScope(a, "community_code", x.Community)
}

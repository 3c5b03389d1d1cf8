package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/geo"
)

// facilityQuery is the filter of the facility list.
type facilityQuery struct {
	Community, Kind, Status, Q string
}

// parseFacilityQuery reads community, kind, status and q; the community
// defaults to the actor's scope.
func parseFacilityQuery(q url.Values, a *shequ.Actor) (facilityQuery, error) {
	var fe shequ.FieldErrors
	fq := facilityQuery{
		Community: strings.TrimSpace(q.Get("community")),
		Kind:      strings.TrimSpace(q.Get("kind")),
		Status:    strings.TrimSpace(q.Get("status")),
		Q:         strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), "")),
	}
	if fq.Community == "" && a != nil {
		fq.Community = a.Scope
	}
	checkCommunityFilter(&fe, fq.Community)
	if fq.Kind != "" && !oneOfStr(fq.Kind, shequ.FacilityKinds) {
		fe.Add("kind", "facility.kind.invalid", "Unknown kind of facility.", map[string]any{"Value": fq.Kind})
	}
	if fq.Status != "" && !oneOfStr(fq.Status, shequ.FacilityStatuses) {
		fe.Add("status", "facility.status.invalid", "The status is planned, in use or closed.", nil)
	}
	checkQueryText(&fe, fq.Q)
	return fq, fe.Err()
}

func (fq facilityQuery) filter(offset, limit int) shequ.FacilityFilter {
	return shequ.FacilityFilter{Community: fq.Community, Kind: shequ.FacilityKind(fq.Kind),
		Status: shequ.FacilityStatus(fq.Status), Query: fq.Q, Offset: offset, Limit: limit}
}

func (fq facilityQuery) values() url.Values {
	return nonEmptyValues(map[string]string{"community": fq.Community, "kind": fq.Kind, "status": fq.Status, "q": fq.Q})
}

// facilitiesPage is the data of templates/facilities.html.
type facilitiesPage struct {
	Query      facilityQuery
	Errors     map[string]string
	Facilities []*shequ.Facility
	Total      int
	Pager      pager
	CanWrite   bool
	Scope      string // the coverage page of the filtered node
	Kinds      []shequ.FacilityKind
	Statuses   []shequ.FacilityStatus
}

// handleFacilityList serves GET /facilities.
func (s *Server) handleFacilityList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	l := s.localizer(r)
	p := &facilitiesPage{CanWrite: a.Can(shequ.ActionFacilityWrite), Kinds: shequ.FacilityKinds, Statuses: shequ.FacilityStatuses}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Query, err = parseFacilityQuery(q, a); err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		s.render(w, r, http.StatusBadRequest, "facilities", l.T("facility.list.title"), p)
		return
	}
	p.Scope = p.Query.Community
	p.Facilities, p.Total, err = s.cfg.Facilities.FindFacilities(r.Context(), p.Query.filter((page-1)*registerPageSize, registerPageSize))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Pager = queryPager(r.URL.Path, p.Query.values(), page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "facilities", l.T("facility.list.title"), p)
}

// facilityPage is the data of templates/facility.html.
type facilityPage struct {
	F        *shequ.Facility
	Location string // "lat, lng" in WGS-84, "" unknown
	Photos   []*shequ.FacilityPhoto
	CanWrite bool
	Notice   string
	Errors   map[string]string
	Error    string
}

func (s *Server) findFacility(r *http.Request) (*shequ.Facility, error) {
	return s.cfg.Facilities.FindFacilityByID(r.Context(), r.PathValue("id"))
}

// newFacilityPage is the page of a facility without its photos.
func newFacilityPage(a *shequ.Actor, f *shequ.Facility) *facilityPage {
	p := &facilityPage{F: f, CanWrite: a.Can(shequ.ActionFacilityWrite)}
	if f.Located() {
		p.Location = strconv.FormatFloat(*f.Lat, 'f', 6, 64) + ", " + strconv.FormatFloat(*f.Lng, 'f', 6, 64)
	}
	return p
}

// handleFacilityShow serves GET /facilities/{id}.
func (s *Server) handleFacilityShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	f, err := s.findFacility(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := newFacilityPage(a, f)
	if p.Photos, err = s.cfg.Facilities.FindFacilityPhotos(r.Context(), f.ID); err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = l.T("facility.created")
	case "saved":
		p.Notice = l.T("facility.saved")
	case "photo":
		p.Notice = l.T("facility.photo.added")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "facility", f.Name, p)
}

// facilityForm is the data of templates/facility_form.html; values are
// kept as typed.
type facilityForm struct {
	Edit                                  bool
	ID                                    string
	Name, Kind, Community, FloorArea      string
	Lat, Lng, CoordSystem, Radius, Source string
	OpenedOn, Status, Hours               string
	Errors                                map[string]string
	Error                                 string
	Kinds                                 []shequ.FacilityKind
	Sources                               []shequ.FacilitySource
	Statuses                              []shequ.FacilityStatus
}

func newFacilityForm() *facilityForm {
	return &facilityForm{Kinds: shequ.FacilityKinds, Sources: shequ.FacilitySources, Statuses: shequ.FacilityStatuses,
		Status: string(shequ.FacilityInUse), CoordSystem: "wgs84"}
}

// fill shows a stored facility.
func (f *facilityForm) fill(x *shequ.Facility) {
	f.ID, f.Name, f.Kind, f.Community = x.ID, x.Name, string(x.Kind), x.Community
	f.FloorArea = strconv.FormatFloat(x.FloorArea, 'f', -1, 64)
	if x.Located() {
		f.Lat, f.Lng = strconv.FormatFloat(*x.Lat, 'f', -1, 64), strconv.FormatFloat(*x.Lng, 'f', -1, 64)
	}
	f.Radius, f.Source, f.OpenedOn = strconv.Itoa(x.Radius), string(x.Source), deref(dateOnly(x.OpenedOn))
	f.Status, f.Hours = string(x.Status), x.Hours
}

// read takes the posted form.
func (f *facilityForm) read(pf url.Values) {
	g := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f.Name, f.Kind, f.Community, f.FloorArea = g("name"), g("kind"), g("community_code"), g("floor_area")
	f.Lat, f.Lng, f.CoordSystem, f.Radius, f.Source = g("lat"), g("lng"), g("coordinate_system"), g("radius"), g("source")
	f.OpenedOn, f.Status, f.Hours = g("opened_on"), g("status"), pf.Get("hours")
	if f.CoordSystem == "" {
		f.CoordSystem = "wgs84"
	}
}

// apply sets x from the form; parse errors go to fe. An empty radius is
// the kind's default.
func (f *facilityForm) apply(x *shequ.Facility, fe *shequ.FieldErrors) {
	x.Name, x.Kind, x.Community = f.Name, shequ.FacilityKind(f.Kind), f.Community
	x.Source, x.Status, x.Hours = shequ.FacilitySource(f.Source), shequ.FacilityStatus(f.Status), f.Hours
	x.FloorArea = 0
	if f.FloorArea != "" {
		v, err := strconv.ParseFloat(f.FloorArea, 64)
		if err != nil {
			fe.Add("floor_area", "facility.area.invalid", "The floor area is from 0 to 1000000 m².", nil)
		}
		x.FloorArea = v
	}
	x.Radius = 0
	if f.Radius != "" {
		v, err := strconv.Atoi(f.Radius)
		if err != nil || v == 0 {
			fe.Add("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.", nil)
			v = -1
		}
		x.Radius = v
	}
	x.Lat, x.Lng = parseLocation(fe, f.Lat, f.Lng, f.CoordSystem)
	x.OpenedOn = parseDateField(fe, "opened_on", f.OpenedOn)
}

// parseLocation reads an optional latitude and longitude as typed, in
// WGS-84 or (coordinate system "gcj02", what Chinese web maps show) GCJ-02,
// which is converted to WGS-84.
func parseLocation(fe *shequ.FieldErrors, lat, lng, system string) (*float64, *float64) {
	if lat == "" && lng == "" {
		return nil, nil
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	ln, err2 := strconv.ParseFloat(lng, 64)
	if err1 != nil || err2 != nil {
		fe.Add("location", "location.invalid", "Give latitude and longitude as decimal degrees.", nil)
		return nil, nil
	}
	switch system {
	case "gcj02":
		p := geo.GCJToWGS(geo.Point{Lat: la, Lng: ln})
		la, ln = p.Lat, p.Lng
	case "wgs84":
	default:
		fe.Add("coordinate_system", "location.system.invalid", "The coordinate system is wgs84 or gcj02.", nil)
	}
	return &la, &ln
}

// validateFacility checks x with the parse errors in fe and that its
// community lies in the actor's scope (named on its field).
func validateFacility(a *shequ.Actor, x *shequ.Facility, fe shequ.FieldErrors) error {
	if err := x.Validate(); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return outOfScope(a, "community_code", x.Community)
}

// handleFacilityNew serves GET /facilities/new.
func (s *Server) handleFacilityNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	f := newFacilityForm()
	if c := r.URL.Query().Get("community"); len(c) == 12 && shequ.ValidateDivisionCode(c) == nil {
		f.Community = c
	} else if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	s.render(w, r, http.StatusOK, "facility_form", s.localizer(r).T("facility.new.title"), f)
}

// handleFacilityCreate serves POST /facilities.
func (s *Server) handleFacilityCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := newFacilityForm()
	f.read(r.PostForm)
	x := &shequ.Facility{}
	var fe shequ.FieldErrors
	f.apply(x, &fe)
	err := validateFacility(a, x, fe)
	if err == nil {
		err = s.cfg.Facilities.CreateFacility(r.Context(), x)
	}
	if err != nil {
		s.formFailed(w, r, "facility_form", "facility.new.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/facilities/"+url.PathEscape(x.ID)+"?notice=created", http.StatusSeeOther)
}

// handleFacilityEdit serves GET /facilities/{id}/edit.
func (s *Server) handleFacilityEdit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil); !ok {
		return
	}
	x, err := s.findFacility(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newFacilityForm()
	f.Edit = true
	f.fill(x)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "facility_form", s.localizer(r).T("facility.edit.title"), f)
}

// handleFacilityUpdate serves POST /facilities/{id}/edit.
func (s *Server) handleFacilityUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	x, err := s.findFacility(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newFacilityForm()
	f.Edit = true
	f.read(r.PostForm)
	f.ID = x.ID
	var fe shequ.FieldErrors
	f.apply(x, &fe)
	err = validateFacility(a, x, fe)
	if err == nil {
		err = s.cfg.Facilities.UpdateFacility(r.Context(), x)
	}
	if err != nil {
		s.formFailed(w, r, "facility_form", "facility.edit.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/facilities/"+url.PathEscape(x.ID)+"?notice=saved", http.StatusSeeOther)
}

// handleFacilityPhotoAdd serves POST /facilities/{id}/photos: a multipart
// upload of one image.
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
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		x, ferr := s.findFacility(r)
		if ferr != nil {
			s.error(w, r, ferr)
			return
		}
		l := s.localizer(r)
		p := newFacilityPage(a, x)
		p.Errors, p.Error = fieldMessages(l, err), l.Error(shequ.AsError(err))
		p.Photos, _ = s.cfg.Facilities.FindFacilityPhotos(r.Context(), x.ID)
		s.render(w, r, http.StatusBadRequest, "facility", x.Name, p)
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

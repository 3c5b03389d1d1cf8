package web

import (
	"math"
	"net/http"
	"strings"

	"shequ"
	"shequ/internal/geo"
)

// Coordinate systems a client may send positions in. Positions are stored
// in WGS-84; GCJ-02 is what Chinese web maps (高德, 腾讯) give, and is
// converted on the way in.
const (
	coordWGS84 = "wgs84"
	coordGCJ02 = "gcj02"
)

// optFloat is a JSON number that may be absent, null or a number: PATCH
// tells "leave as is" from "clear".
type optFloat = opt[float64]

// checkCoordSystem reads the coordinate_system of a body: "" and "wgs84"
// are WGS-84, "gcj02" asks for conversion.
func checkCoordSystem(fe *shequ.FieldErrors, cs *string) bool {
	if cs == nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(*cs)) {
	case "", coordWGS84:
		return false
	case coordGCJ02:
		return true
	}
	fe.Add("coordinate_system", "location.coordinate_system.invalid", "The coordinate system is wgs84 or gcj02.", nil)
	return false
}

// toWGS converts a GCJ-02 position to WGS-84 when gcj is set.
func toWGS(gcj bool, lat, lng float64) (float64, float64) {
	if !gcj {
		return lat, lng
	}
	p := geo.GCJToWGS(geo.Point{Lat: lat, Lng: lng})
	return p.Lat, p.Lng
}

// facilityRequest is the body of POST and PATCH /api/v1/facilities. Absent
// fields are left as they are on PATCH; lat and lng may be null to clear
// the location.
type facilityRequest struct {
	CommunityCode    *string  `json:"community_code"`
	Name             *string  `json:"name"`
	Kind             *string  `json:"kind"`
	FloorArea        *float64 `json:"floor_area"`
	Lat              optFloat `json:"lat"`
	Lng              optFloat `json:"lng"`
	Radius           *int     `json:"radius"`
	Source           *string  `json:"source"`
	OpenedOn         *string  `json:"opened_on" null:"empty"`
	Status           *string  `json:"status"`
	Hours            *string  `json:"hours"`
	CoordinateSystem *string  `json:"coordinate_system"`
}

// apply merges the set fields of req onto f, recording what cannot even be
// parsed in fe; f.Validate checks the rest.
func (req *facilityRequest) apply(f *shequ.Facility, fe *shequ.FieldErrors) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&f.Community, req.CommunityCode)
	set(&f.Name, req.Name)
	set(&f.Hours, req.Hours)
	if req.Kind != nil {
		f.Kind = shequ.FacilityKind(strings.TrimSpace(*req.Kind))
	}
	if req.Source != nil {
		f.Source = shequ.FacilitySource(strings.TrimSpace(*req.Source))
	}
	if req.Status != nil {
		f.Status = shequ.FacilityStatus(strings.TrimSpace(*req.Status))
	}
	if req.FloorArea != nil {
		f.FloorArea = *req.FloorArea
	}
	if req.Radius != nil {
		f.Radius = *req.Radius
	}
	if req.OpenedOn != nil {
		f.OpenedOn = parseDateField(fe, "opened_on", *req.OpenedOn)
	}
	gcj := checkCoordSystem(fe, req.CoordinateSystem)
	if !req.Lat.Set && !req.Lng.Set {
		return
	}
	// A GCJ-02 position converts as a pair, so a change of one half alone
	// cannot be merged onto the stored WGS-84 other half.
	if req.Lat.Set != req.Lng.Set && (gcj || (req.Lat.V == nil) != (req.Lng.V == nil)) {
		fe.Add("location", "facility.location.pair", "Give both latitude and longitude, or neither.", nil)
		return
	}
	if req.Lat.Set {
		f.Lat = req.Lat.V
	}
	if req.Lng.Set {
		f.Lng = req.Lng.V
	}
	if gcj && f.Lat != nil && f.Lng != nil {
		lat, lng := toWGS(true, *f.Lat, *f.Lng)
		f.Lat, f.Lng = &lat, &lng
	}
}

// facilityJSON is the API form of a facility. Lat and lng are WGS-84, null
// when the location is unknown; photos is the number stored.
type facilityJSON struct {
	ID            string   `json:"id"`
	CommunityCode string   `json:"community_code"`
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	FloorArea     float64  `json:"floor_area"`
	Lat           *float64 `json:"lat"`
	Lng           *float64 `json:"lng"`
	Radius        int      `json:"radius"`
	Source        string   `json:"source"`
	OpenedOn      *string  `json:"opened_on"`
	Status        string   `json:"status"`
	Hours         string   `json:"hours"`
	Photos        int      `json:"photos"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func newFacilityJSON(f *shequ.Facility) facilityJSON {
	return facilityJSON{ID: f.ID, CommunityCode: f.Community, Name: f.Name, Kind: string(f.Kind),
		FloorArea: f.FloorArea, Lat: f.Lat, Lng: f.Lng, Radius: f.Radius, Source: string(f.Source),
		OpenedOn: dateOnly(f.OpenedOn), Status: string(f.Status), Hours: f.Hours, Photos: f.Photos,
		CreatedAt: apiTime(f.CreatedAt), UpdatedAt: apiTime(f.UpdatedAt)}
}

// handleAPIFacilityCreate serves POST /api/v1/facilities.
func (s *Server) handleAPIFacilityCreate(w http.ResponseWriter, r *http.Request) {
	var req facilityRequest
	a, ok := s.guardJSON(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil, &req)
	if !ok {
		return
	}
	f := &shequ.Facility{Status: shequ.FacilityInUse}
	var fe shequ.FieldErrors
	req.apply(f, &fe)
	if err := validateFacility(a, f, fe); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Facilities.CreateFacility(r.Context(), f); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/facilities/"+f.ID)
	writeJSON(w, http.StatusCreated, newFacilityJSON(f))
}

// findFacilityInScope loads the facility named by the path's id; one
// outside the actor's scope is not found, whatever the store says.
func (s *Server) findFacilityInScope(r *http.Request, a *shequ.Actor) (*shequ.Facility, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		return nil, shequ.ErrNotFound
	}
	f, err := s.cfg.Facilities.FindFacilityByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a != nil && !shequ.IsAncestorOrSelf(a.Scope, f.Community) {
		return nil, shequ.ErrNotFound
	}
	return f, nil
}

// handleAPIFacilityGet serves GET /api/v1/facilities/{id}.
func (s *Server) handleAPIFacilityGet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	f, err := s.findFacilityInScope(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newFacilityJSON(f))
}

// handleAPIFacilityList serves GET /api/v1/facilities: filters
// community_code (default: the caller's scope), kind, status and q.
func (s *Server) handleAPIFacilityList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Facilities != nil)
	if !ok {
		return
	}
	q := r.URL.Query()
	var fe shequ.FieldErrors
	f := shequ.FacilityFilter{
		Community: strings.TrimSpace(q.Get("community_code")),
		Kind:      shequ.FacilityKind(strings.TrimSpace(q.Get("kind"))),
		Status:    shequ.FacilityStatus(strings.TrimSpace(q.Get("status"))),
		Query:     strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), "")),
	}
	if f.Community == "" && a != nil {
		f.Community = a.Scope
	}
	if f.Community != "" && shequ.ValidateDivisionCode(f.Community) != nil {
		fe.Add("community_code", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
	if f.Kind != "" && !oneOfStr(string(f.Kind), shequ.FacilityKinds) {
		fe.Add("kind", "facility.kind.invalid", "Unknown kind of facility.", map[string]any{"Value": string(f.Kind)})
	}
	if f.Status != "" && !oneOfStr(string(f.Status), shequ.FacilityStatuses) {
		fe.Add("status", "facility.status.invalid", "The status is planned, in use or closed.", nil)
	}
	checkQueryText(&fe, f.Query)
	limit, offset, err := parseLimitOffset(q, registerAPIDefaultLimit, registerAPIMaxLimit)
	if err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	if err := outOfScope(a, "community_code", f.Community); err != nil {
		s.error(w, r, err)
		return
	}
	f.Offset, f.Limit = offset, limit
	list, total, err := s.cfg.Facilities.FindFacilities(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, total, newFacilityJSON)
}

// handleAPIFacilityPatch serves PATCH /api/v1/facilities/{id}: the body is
// merged onto the stored facility, which is then saved whole.
func (s *Server) handleAPIFacilityPatch(w http.ResponseWriter, r *http.Request) {
	var req facilityRequest
	a, ok := s.guardJSON(w, r, shequ.ActionFacilityWrite, s.cfg.Facilities != nil, &req)
	if !ok {
		return
	}
	f, err := s.findFacilityInScope(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var fe shequ.FieldErrors
	req.apply(f, &fe)
	if err := validateFacility(a, f, fe); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Facilities.UpdateFacility(r.Context(), f); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newFacilityJSON(f))
}

// locationRequest is the body of PUT /api/v1/communities/{code}/location:
// the whole location replaces the stored one, so every field must be given
// (null lat/lng and population, and "" terrain, for unknown): a body that
// leaves one out is refused rather than read as "clear it".
type locationRequest struct {
	Lat              optFloat   `json:"lat"`
	Lng              optFloat   `json:"lng"`
	Population       opt[int64] `json:"population"`
	Terrain          *string    `json:"terrain"`
	Relocation       *bool      `json:"relocation"`
	CoordinateSystem *string    `json:"coordinate_system"`
}

// missing records a field error for every field a PUT left out.
func (req *locationRequest) missing(fe *shequ.FieldErrors) {
	for _, f := range []struct {
		name string
		set  bool
	}{{"lat", req.Lat.Set}, {"lng", req.Lng.Set}, {"population", req.Population.Set},
		{"terrain", req.Terrain != nil}, {"relocation", req.Relocation != nil}} {
		if !f.set {
			fe.Add(f.name, "field.put_missing", "This request replaces the whole record: give this field (null when unknown).", nil)
		}
	}
}

// locationJSON is the API form of a community's location.
type locationJSON struct {
	CommunityCode string   `json:"community_code"`
	Name          string   `json:"name"`
	Lat           *float64 `json:"lat"`
	Lng           *float64 `json:"lng"`
	Population    *int64   `json:"population"`
	Terrain       string   `json:"terrain"`
	Relocation    bool     `json:"relocation"`
}

// handleAPILocationPut serves PUT /api/v1/communities/{code}/location.
func (s *Server) handleAPILocationPut(w http.ResponseWriter, r *http.Request) {
	var req locationRequest
	a, ok := s.guardJSON(w, r, shequ.ActionFacilityWrite, s.cfg.Locations != nil, &req)
	if !ok {
		return
	}
	var fe shequ.FieldErrors
	req.missing(&fe)
	c := &shequ.CommunityLocation{Code: r.PathValue("code"), Lat: req.Lat.V, Lng: req.Lng.V,
		Population: req.Population.V, Relocation: req.Relocation != nil && *req.Relocation}
	if req.Terrain != nil {
		c.Terrain = shequ.Terrain(strings.TrimSpace(*req.Terrain))
	}
	if gcj := checkCoordSystem(&fe, req.CoordinateSystem); gcj && c.Lat != nil && c.Lng != nil {
		lat, lng := toWGS(true, *c.Lat, *c.Lng)
		c.Lat, c.Lng = &lat, &lng
	}
	if err := c.Validate(); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	if err := outOfScope(a, "community_code", c.Code); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Locations.UpdateCommunityLocation(r.Context(), c); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, locationJSON{CommunityCode: c.Code, Name: c.Name, Lat: c.Lat, Lng: c.Lng,
		Population: c.Population, Terrain: string(c.Terrain), Relocation: c.Relocation})
}

// finite is v, or nil (JSON null) when v is NaN or infinite: a median of
// nothing has no value.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

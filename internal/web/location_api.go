package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/register"
)

// Coordinate systems a client may send positions in. Positions are stored
// in WGS-84; GCJ-02 is what Chinese web maps (高德, 腾讯) give, and is
// converted on the way in.
const (
	coordWGS84 = "wgs84"
	coordGCJ02 = "gcj02"
)

// checkCoordSystem reads the coordinate_system of a body (absent:
// WGS-84); gcj asks for conversion.
func checkCoordSystem(fe *shequ.FieldErrors, cs *string) (gcj bool) {
	return cs != nil && register.CoordinateSystem(fe, *cs)
}

// locationRequest is the body of PUT /api/v1/communities/{code}/location:
// the whole location replaces the stored one, so every field must be given
// (null lat/lng and population, and "" terrain, for unknown): a body that
// leaves one out is refused rather than read as "clear it".
type locationRequest struct {
	Lat              opt[float64] `json:"lat"`
	Lng              opt[float64] `json:"lng"`
	Population       opt[int64]   `json:"population"`
	Terrain          *string      `json:"terrain"`
	Relocation       *bool        `json:"relocation"`
	CoordinateSystem *string      `json:"coordinate_system"`
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
		lat, lng := register.ToWGS(true, *c.Lat, *c.Lng)
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

// parseLocation reads an optional latitude and longitude of a form as
// typed, in WGS-84 or (coordinate system "gcj02", what Chinese web maps
// show) GCJ-02, which is converted to WGS-84.
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
	case coordGCJ02:
		la, ln = register.ToWGS(true, la, ln)
	case coordWGS84:
	default:
		fe.Add("coordinate_system", "location.system.invalid", "The coordinate system is wgs84 or gcj02.", nil)
	}
	return &la, &ln
}

// finite is v, or nil (JSON null) when v is NaN or infinite: a median of
// nothing has no value.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/i18n"
)

// coverageFigureView is one figure of the coverage page.
type coverageFigureView struct {
	ID, Label, Value, Detail string
}

// coveragePage is the data of templates/coverage.html.
type coveragePage struct {
	Code, Name  string
	Path        []shequ.DivisionRef
	WhatIf      bool
	Planned     int
	Figures     []coverageFigureView
	TargetText  string
	TargetMet   bool
	Gaps        []*shequ.CoverageGap
	GapTotal    int
	Pager       pager
	CanWrite    bool
	Notice      string
	Base        string // "/coverage" or "/coverage/{code}"
	RuralRate   string
	HasTownship bool // the node is a township or a county: small enough for the map
}

// coverageBase is the coverage path of a node.
func coverageBase(code string) string {
	if code == "" {
		return "/coverage"
	}
	return "/coverage/" + code
}

// km shows metres as kilometres with one decimal, "—" for NaN.
func km(m float64) string {
	if math.IsNaN(m) {
		return "—"
	}
	return strconv.FormatFloat(m/1000, 'f', 1, 64)
}

// coverageFigures lists the figures of a report for the page.
func coverageFigures(l *i18n.Localizer, f *shequ.CoverageFigures) []coverageFigureView {
	of := func(have, total int) string {
		return l.T("coverage.of", map[string]any{"Have": formatNumber(have), "Of": formatNumber(total)})
	}
	return []coverageFigureView{
		{"cov-rural-comprehensive", l.T("ind.col.fac_rural_comprehensive"), ratePct(f.RuralWithComprehensive, f.Rural), of(f.RuralWithComprehensive, f.Rural)},
		{"cov-urban-comprehensive", l.T("ind.col.fac_urban_comprehensive"), ratePct(f.UrbanWithComprehensive, f.Urban), of(f.UrbanWithComprehensive, f.Urban)},
		{"cov-radius", l.T("ind.col.fac_radius_coverage"), ratePct(f.Covered, f.Located), of(f.Covered, f.Located)},
		{"cov-population", l.T("ind.col.fac_population_coverage"), ratePct(int(f.CoveredPopulation), int(f.Population)),
			l.T("coverage.people", map[string]any{"Have": formatNumber(int(f.CoveredPopulation)), "Of": formatNumber(int(f.Population))})},
		{"cov-median", l.T("ind.col.fac_median_km"), km(f.MedianNearest) + " " + l.T("unit.km"), ""},
		{"cov-p90", l.T("ind.col.fac_p90_km"), km(f.P90Nearest) + " " + l.T("unit.km"), ""},
		{"cov-facilities", l.T("coverage.facilities"), formatNumber(f.InUse),
			l.T("coverage.facilities.detail", map[string]any{"Planned": formatNumber(f.Planned), "All": formatNumber(f.Facilities)})},
		{"cov-located", l.T("ind.col.fac_located"), formatNumber(f.Located), of(f.Located, f.Communities)},
	}
}

// handleCoverageIndex serves GET /coverage: the actor's scope.
func (s *Server) handleCoverageIndex(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil)
	if !ok {
		return
	}
	if a.Scope != "" {
		http.Redirect(w, r, "/coverage/"+a.Scope, http.StatusSeeOther)
		return
	}
	s.coveragePage(w, r, "")
}

// handleCoverageShow serves GET /coverage/{code}.
func (s *Server) handleCoverageShow(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	s.coveragePage(w, r, r.PathValue("code"))
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request, code string) {
	a := shequ.ActorFrom(r.Context())
	l := s.localizer(r)
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &coveragePage{Code: code, WhatIf: q.Get("what_if") == "1", CanWrite: a.Can(shequ.ActionFacilityWrite),
		Base: coverageBase(code), HasTownship: len(code) == 6 || len(code) == 9}
	var rep *shequ.CoverageReport
	if p.WhatIf {
		rep, err = s.cfg.Coverage.WhatIf(r.Context(), code)
	} else {
		rep, err = s.cfg.Coverage.CoverageReport(r.Context(), code)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Name, p.Path, p.Planned = rep.Division.Name, rep.Path, len(rep.WhatIf)
	if p.Name == "" {
		p.Name = l.T("divisions.country")
	}
	p.Figures = coverageFigures(l, &rep.CoverageFigures)
	p.RuralRate = ratePct(rep.RuralWithComprehensive, rep.Rural)
	p.TargetText = targetText(l, shequ.TargetRuralFacilityCoverage, rep.TargetRural)
	p.TargetMet = rep.Rural > 0 && rep.RuralComprehensiveRate()*100 >= rep.TargetRural
	gaps := s.cfg.Coverage.CoverageGaps
	if p.WhatIf {
		gaps = s.cfg.Coverage.WhatIfGaps // the list agrees with the figures above it
	}
	p.Gaps, p.GapTotal, err = gaps(r.Context(), code, (page-1)*registerPageSize, registerPageSize)
	if err != nil {
		s.error(w, r, err)
		return
	}
	v := url.Values{}
	if p.WhatIf {
		v.Set("what_if", "1")
	}
	p.Pager = queryPager(r.URL.Path, v, page, p.GapTotal, registerPageSize)
	switch q.Get("notice") {
	case "planned":
		p.Notice = l.T("coverage.planned_added")
	case "located":
		p.Notice = l.T("location.saved")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "coverage", l.T("coverage.title", map[string]any{"Name": p.Name}), p)
}

// geoJSON is a GeoJSON FeatureCollection (RFC 7946) of points.
type geoJSON struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

type geoFeature struct {
	Type       string         `json:"type"`
	Geometry   geoPoint       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geoPoint struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"` // longitude, latitude
}

// coverageGeoJSON turns the map data into GeoJSON: communities with
// "layer": "community", facilities with "layer": "facility".
func coverageGeoJSON(m *shequ.CoverageMap) geoJSON {
	g := geoJSON{Type: "FeatureCollection", Features: []geoFeature{}}
	for _, c := range m.Communities {
		g.Features = append(g.Features, geoFeature{Type: "Feature", Geometry: geoPoint{"Point", [2]float64{c.Lng, c.Lat}},
			Properties: map[string]any{"layer": "community", "code": c.Code, "name": c.Name, "population": c.Population,
				"covered": c.Covered}})
	}
	for _, f := range m.Facilities {
		g.Features = append(g.Features, geoFeature{Type: "Feature", Geometry: geoPoint{"Point", [2]float64{f.Lng, f.Lat}},
			Properties: map[string]any{"layer": "facility", "id": f.ID, "name": f.Name, "kind": string(f.Kind),
				"status": string(f.Status), "radius": f.Radius}})
	}
	return g
}

// mapData is what the map script reads.
type mapData struct {
	GeoJSON geoJSON           `json:"geojson"`
	Tiles   string            `json:"tiles"`
	Labels  map[string]string `json:"labels"`
}

// mapPage is the data of templates/coverage_map.html.
type mapPage struct {
	Code, Name  string
	Base        string
	Data        mapData // embedded as JSON for the script
	Communities int
	Covered     int
	Facilities  int
	Truncated   bool
	Tiles       string
}

// handleCoverageMap serves GET /coverage/{code}/map: Leaflet over the
// embedded GeoJSON, tiles only when configured.
func (s *Server) handleCoverageMap(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	code := r.PathValue("code")
	rep, err := s.cfg.Coverage.CoverageReport(r.Context(), code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	m, err := s.cfg.Coverage.CoverageMap(r.Context(), code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &mapPage{Code: code, Name: rep.Division.Name, Base: coverageBase(code), Communities: len(m.Communities),
		Facilities: len(m.Facilities), Truncated: m.Truncated, Tiles: s.cfg.MapTiles}
	for _, c := range m.Communities {
		if c.Covered {
			p.Covered++
		}
	}
	p.Data = mapData{GeoJSON: coverageGeoJSON(m), Tiles: s.cfg.MapTiles, Labels: map[string]string{
		"covered": l.T("coverage.map.covered"), "uncovered": l.T("coverage.map.uncovered"),
		"planned": l.T("facility.status.planned"), "in_use": l.T("facility.status.in_use"),
		"population": l.T("location.population"), "radius": l.T("facility.radius"), "m": l.T("unit.m")}}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "coverage_map", l.T("coverage.map.title", map[string]any{"Name": p.Name}), p)
}

// sitingPage is the data of templates/siting.html.
type sitingPage struct {
	Code, Name, Base                 string
	Kind, Radius, K, Candidates      string
	CoordSystem                      string
	FavourRelocation, FavourMountain bool
	Kinds                            []shequ.FacilityKind
	Result                           *shequ.SitingResult
	BeforeCoverage                   string
	Errors                           map[string]string
	Error                            string
	CanWrite                         bool
}

// handleSiting serves GET /coverage/{code}/siting (the form, and the
// suggestions when k is given) and POST (the same with candidate points,
// which may be long).
func (s *Server) handleSiting(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil)
	if !ok {
		return
	}
	code := r.PathValue("code")
	l := s.localizer(r)
	rep, err := s.cfg.Coverage.CoverageReport(r.Context(), code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &sitingPage{Code: code, Name: rep.Division.Name, Base: coverageBase(code), Kinds: shequ.FacilityKinds,
		Kind: string(shequ.FacilityStation), K: "5", CoordSystem: "wgs84", CanWrite: a.Can(shequ.ActionFacilityWrite)}
	title := l.T("siting.title", map[string]any{"Name": p.Name})
	var form url.Values
	if r.Method == http.MethodPost {
		if !s.readFormMax(w, r, 512<<10) {
			return
		}
		form = r.PostForm
	} else {
		form = r.URL.Query()
		if form.Get("k") == "" {
			s.render(w, r, http.StatusOK, "siting", title, p)
			return
		}
	}
	g := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	p.Kind, p.Radius, p.K, p.Candidates = g("kind"), g("radius"), g("k"), form.Get("candidates")
	p.FavourRelocation, p.FavourMountain = form.Get("favour_relocation") != "", form.Get("favour_mountainous") != ""
	if g("coordinate_system") != "" {
		p.CoordSystem = g("coordinate_system")
	}
	req := shequ.SitingRequest{Scope: code, Kind: shequ.FacilityKind(p.Kind), FavourRelocation: p.FavourRelocation,
		FavourMountainous: p.FavourMountain}
	var fe shequ.FieldErrors
	if p.Radius != "" {
		if req.Radius, err = strconv.Atoi(p.Radius); err != nil || req.Radius == 0 {
			fe.Add("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.", nil)
		}
	}
	if req.K, err = strconv.Atoi(p.K); err != nil {
		fe.Add("k", "siting.k.invalid", "Ask for 1 to 100 sites.", nil)
	}
	req.Candidates = parseCandidates(&fe, p.Candidates, p.CoordSystem)
	if err = fe.Err(); err == nil {
		p.Result, err = s.cfg.Coverage.SuggestSites(r.Context(), req)
	}
	if err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "siting", title, p)
		return
	}
	p.Radius = strconv.Itoa(p.Result.Request.Radius)
	p.BeforeCoverage = percent(p.Result.Before.PopulationCoverage())
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "siting", title, p)
}

// parseCandidates reads candidate points, one a line: "lat,lng[,name]".
func parseCandidates(fe *shequ.FieldErrors, text, system string) []shequ.SitingCandidate {
	var out []shequ.SitingCandidate
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "，", ","))
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ",", 3)
		var lfe shequ.FieldErrors
		var lat, lng *float64
		if len(parts) >= 2 {
			lat, lng = parseLocation(&lfe, strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), system)
		}
		if len(parts) < 2 || len(lfe) > 0 || lat == nil {
			fe.Add("candidates", "siting.candidates.line", "Line "+strconv.Itoa(n+1)+": write latitude,longitude[,name].",
				map[string]any{"Line": n + 1})
			return nil
		}
		c := shequ.SitingCandidate{Lat: *lat, Lng: *lng}
		if len(parts) == 3 {
			c.Name = strings.TrimSpace(parts[2])
		}
		out = append(out, c)
	}
	return out
}

// handleSitingAdopt serves POST /coverage/{code}/siting/adopt: a suggested
// site becomes a planned facility, and the coverage page shows the "what
// if" with it.
func (s *Server) handleSitingAdopt(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Coverage != nil && s.cfg.Facilities != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	g := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	var fe shequ.FieldErrors
	x := &shequ.Facility{Community: g("community_code"), Kind: shequ.FacilityKind(g("kind")), Status: shequ.FacilityPlanned,
		Source: shequ.SourceNewBuild}
	x.Lat, x.Lng = parseLocation(&fe, g("lat"), g("lng"), "wgs84")
	if n, err := strconv.Atoi(g("radius")); err == nil {
		x.Radius = n
	} else {
		fe.Add("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.", nil)
	}
	x.Name = g("name")
	if x.Name == "" {
		x.Name = l.T("siting.planned_name", map[string]any{"Name": g("site_name"), "Kind": l.T("facility.kind." + string(x.Kind))})
	}
	err := validateFacility(a, x, fe)
	if err == nil {
		err = s.cfg.Facilities.CreateFacility(r.Context(), x)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, coverageBase(r.PathValue("code"))+"?what_if=1&notice=planned", http.StatusSeeOther)
}

// locationForm is the data of templates/location_form.html.
type locationForm struct {
	Code, Name                     string
	Lat, Lng, CoordSystem, Terrain string
	Population                     string
	Relocation                     bool
	Terrains                       []shequ.Terrain
	Errors                         map[string]string
	Error                          string
}

// handleLocationForm serves GET /communities/{code}/location.
func (s *Server) handleLocationForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Locations != nil); !ok {
		return
	}
	code := r.PathValue("code")
	locs, err := s.cfg.Locations.FindCommunityLocations(r.Context(), code)
	if err == nil && (len(code) != 12 || len(locs) != 1) {
		err = shequ.ErrNotFound
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	c := locs[0]
	f := &locationForm{Code: c.Code, Name: c.Name, CoordSystem: "wgs84", Terrain: string(c.Terrain), Relocation: c.Relocation,
		Terrains: shequ.Terrains}
	if c.Lat != nil {
		f.Lat, f.Lng = strconv.FormatFloat(*c.Lat, 'f', -1, 64), strconv.FormatFloat(*c.Lng, 'f', -1, 64)
	}
	if c.Population != nil {
		f.Population = strconv.FormatInt(*c.Population, 10)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "location_form", s.localizer(r).T("location.title", map[string]any{"Name": c.Name}), f)
}

// handleLocationUpdate serves POST /communities/{code}/location.
func (s *Server) handleLocationUpdate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityWrite, s.cfg.Locations != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	g := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	f := &locationForm{Code: r.PathValue("code"), Name: g("name"), Lat: g("lat"), Lng: g("lng"), CoordSystem: g("coordinate_system"),
		Terrain: g("terrain"), Population: g("population"), Relocation: g("relocation") != "", Terrains: shequ.Terrains}
	if f.CoordSystem == "" {
		f.CoordSystem = "wgs84"
	}
	c := &shequ.CommunityLocation{Code: f.Code, Terrain: shequ.Terrain(f.Terrain), Relocation: f.Relocation}
	var fe shequ.FieldErrors
	c.Lat, c.Lng = parseLocation(&fe, f.Lat, f.Lng, f.CoordSystem)
	if f.Population != "" {
		n, err := strconv.ParseInt(f.Population, 10, 64)
		if err != nil {
			fe.Add("population", "location.population.invalid", "The population is from 0 to 10000000.", nil)
		}
		c.Population = &n
	}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Locations.UpdateCommunityLocation(r.Context(), c)
	}
	if err != nil {
		s.formFailed(w, r, "location_form", "location.title.plain", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/coverage/"+f.Code[:9]+"?notice=located", http.StatusSeeOther)
}

package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"shequ"
	"shequ/internal/register"
)

// The JSON form of the coverage reports. Rates are fractions from 0 to 1,
// distances metres; a figure with nothing to measure (the median distance
// of no located community) is null.

// coverageRatesJSON are the rates derived from the counts.
type coverageRatesJSON struct {
	UrbanComprehensive float64 `json:"urban_comprehensive"`
	RuralComprehensive float64 `json:"rural_comprehensive"`
	Radius             float64 `json:"radius"`
	Population         float64 `json:"population"`
}

// coverageFiguresJSON is shequ.CoverageFigures.
type coverageFiguresJSON struct {
	Communities            int               `json:"communities"`
	Urban                  int               `json:"urban"`
	Rural                  int               `json:"rural"`
	Located                int               `json:"located"`
	UrbanWithComprehensive int               `json:"urban_with_comprehensive"`
	RuralWithComprehensive int               `json:"rural_with_comprehensive"`
	Covered                int               `json:"covered"`
	Population             int64             `json:"population"`
	CoveredPopulation      int64             `json:"covered_population"`
	MedianNearest          *float64          `json:"median_nearest"`
	P90Nearest             *float64          `json:"p90_nearest"`
	Facilities             int               `json:"facilities"`
	InUse                  int               `json:"in_use"`
	Planned                int               `json:"planned"`
	Rates                  coverageRatesJSON `json:"rates"`
}

func newCoverageFiguresJSON(f *shequ.CoverageFigures) coverageFiguresJSON {
	return coverageFiguresJSON{Communities: f.Communities, Urban: f.Urban, Rural: f.Rural, Located: f.Located,
		UrbanWithComprehensive: f.UrbanWithComprehensive, RuralWithComprehensive: f.RuralWithComprehensive,
		Covered: f.Covered, Population: f.Population, CoveredPopulation: f.CoveredPopulation,
		MedianNearest: finite(f.MedianNearest), P90Nearest: finite(f.P90Nearest),
		Facilities: f.Facilities, InUse: f.InUse, Planned: f.Planned,
		Rates: coverageRatesJSON{UrbanComprehensive: f.UrbanComprehensiveRate(),
			RuralComprehensive: f.RuralComprehensiveRate(), Radius: f.RadiusCoverage(),
			Population: f.PopulationCoverage()}}
}

// coverageJSON is the answer of GET /api/v1/coverage/{code}.
type coverageJSON struct {
	Division refJSON             `json:"division"`
	Path     []refJSON           `json:"path"`
	Figures  coverageFiguresJSON `json:"figures"`
	// TargetRural is the rural comprehensive-facility coverage target, in
	// percent, that applies at the node.
	TargetRural float64 `json:"target_rural"`
	// WhatIf lists the planned facilities counted as in use (what_if=1).
	WhatIf []string `json:"what_if"`
}

func refsJSON(in []shequ.DivisionRef) []refJSON {
	out := []refJSON{}
	for _, p := range in {
		out = append(out, refJSON{p.Code, p.Name})
	}
	return out
}

// coverageCode reads the node of the coverage endpoints: the path's {code},
// or "" (the whole country) on the route without one.
func coverageCode(r *http.Request) (string, error) { return indicatorCode(r) }

// handleAPICoverage serves GET /api/v1/coverage and
// GET /api/v1/coverage/{code}; ?what_if=1 counts the planned facilities
// as if in use.
func (s *Server) handleAPICoverage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	code, err := coverageCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var whatIf bool
	switch v := r.URL.Query().Get("what_if"); v {
	case "", "0", "false":
	case "1", "true":
		whatIf = true
	default:
		var fe shequ.FieldErrors
		fe.Add("what_if", "coverage.what_if.invalid", "what_if is 0 or 1.", nil)
		s.error(w, r, fe.Err())
		return
	}
	var rep *shequ.CoverageReport
	if whatIf {
		rep, err = s.cfg.Coverage.WhatIf(r.Context(), code)
	} else {
		rep, err = s.cfg.Coverage.CoverageReport(r.Context(), code)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	j := coverageJSON{Division: refJSON{rep.Division.Code, rep.Division.Name}, Path: refsJSON(rep.Path),
		Figures: newCoverageFiguresJSON(&rep.CoverageFigures), TargetRural: rep.TargetRural, WhatIf: []string{}}
	if j.Division.Code == "" && j.Division.Name == "" {
		j.Division.Name = s.localizer(r).T("divisions.country")
	}
	j.WhatIf = append(j.WhatIf, rep.WhatIf...)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

// coverageGapJSON is one community no facility in use reaches.
type coverageGapJSON struct {
	Community refJSON `json:"community"`
	Township  refJSON `json:"township"`
	// Population is null when unknown.
	Population *int64 `json:"population"`
	Located    bool   `json:"located"`
	// Nearest is the distance in metres to the nearest facility in use;
	// null when there is none or the community has no location.
	Nearest     *float64 `json:"nearest"`
	NearestName string   `json:"nearest_name"`
}

func newCoverageGapJSON(g *shequ.CoverageGap) coverageGapJSON {
	j := coverageGapJSON{Community: refJSON{g.Community.Code, g.Community.Name},
		Township: refJSON{g.Township.Code, g.Township.Name}, Located: g.Located, Nearest: finite(g.Nearest),
		NearestName: g.NearestName}
	if g.Population > 0 {
		p := g.Population
		j.Population = &p
	}
	return j
}

// handleAPICoverageGaps serves GET /api/v1/coverage/{code}/gaps: the
// uncovered communities, the most populous and farthest first.
func (s *Server) handleAPICoverageGaps(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	code, err := coverageCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit, offset, err := parseLimitOffset(r.URL.Query(), registerAPIDefaultLimit, registerAPIMaxLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rows, total, err := s.cfg.Coverage.CoverageGaps(r.Context(), code, offset, limit)
	answerList(s, w, r, rows, total, err, newCoverageGapJSON)
}

// coverageMapJSON is the GeoJSON of the map page (coverageGeoJSON) with
// a foreign member saying that the node has more communities than the
// map carries.
type coverageMapJSON struct {
	geoJSON
	Truncated bool `json:"truncated"`
}

// handleAPICoverageMap serves GET /api/v1/coverage/{code}/map as GeoJSON:
// communities (covered or not) and the facilities not closed.
func (s *Server) handleAPICoverageMap(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	code, err := coverageCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	m, err := s.cfg.Coverage.CoverageMap(r.Context(), code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(coverageMapJSON{geoJSON: coverageGeoJSON(m), Truncated: m.Truncated})
}

// sitingRequestJSON is the body of POST /api/v1/coverage/{code}/siting.
type sitingRequestJSON struct {
	Kind              string `json:"kind"`
	Radius            int    `json:"radius"`
	K                 int    `json:"k"`
	FavourRelocation  bool   `json:"favour_relocation"`
	FavourMountainous bool   `json:"favour_mountainous"`
	Candidates        []struct {
		Name string  `json:"name"`
		Lat  float64 `json:"lat"`
		Lng  float64 `json:"lng"`
	} `json:"candidates"`
	CoordinateSystem *string `json:"coordinate_system"`
}

// sitingStepJSON is one suggested site.
type sitingStepJSON struct {
	Rank               int     `json:"rank"`
	Name               string  `json:"name"`
	CommunityCode      string  `json:"community_code"`
	Lat                float64 `json:"lat"`
	Lng                float64 `json:"lng"`
	Gain               float64 `json:"gain"`
	NewCommunities     int     `json:"new_communities"`
	NewPopulation      int64   `json:"new_population"`
	CoveredPopulation  int64   `json:"covered_population"`
	PopulationCoverage float64 `json:"population_coverage"`
}

// sitingJSON is the answer of the siting endpoint: the request as the
// engine read it (radius defaulted), the figures before, and the steps.
type sitingJSON struct {
	Scope             string              `json:"scope"`
	Kind              string              `json:"kind"`
	Radius            int                 `json:"radius"`
	K                 int                 `json:"k"`
	FavourRelocation  bool                `json:"favour_relocation"`
	FavourMountainous bool                `json:"favour_mountainous"`
	Candidates        int                 `json:"candidates"`
	Before            coverageFiguresJSON `json:"before"`
	Steps             []sitingStepJSON    `json:"steps"`
}

// maxSitingBody bounds the siting body: 5000 candidates with names.
const maxSitingBody = 1 << 20

// handleAPICoverageSiting serves POST /api/v1/coverage/{code}/siting:
// the next K sites that reach the most people not yet reached, greedily.
// Candidate points may be GCJ-02 (coordinate_system).
func (s *Server) handleAPICoverageSiting(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionFacilityRead, s.cfg.Coverage != nil); !ok {
		return
	}
	code, err := coverageCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var req sitingRequestJSON
	if err := decodeJSONMax(w, r, &req, maxSitingBody); err != nil {
		s.error(w, r, err)
		return
	}
	var fe shequ.FieldErrors
	gcj := checkCoordSystem(&fe, req.CoordinateSystem)
	sr := shequ.SitingRequest{Scope: code, Kind: shequ.FacilityKind(strings.TrimSpace(req.Kind)), Radius: req.Radius,
		K: req.K, FavourRelocation: req.FavourRelocation, FavourMountainous: req.FavourMountainous}
	for _, c := range req.Candidates {
		lat, lng := register.ToWGS(gcj, c.Lat, c.Lng)
		sr.Candidates = append(sr.Candidates, shequ.SitingCandidate{Name: strings.TrimSpace(c.Name), Lat: lat, Lng: lng})
	}
	if err := sr.Validate(); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.cfg.Coverage.SuggestSites(r.Context(), sr)
	if err != nil {
		s.error(w, r, err)
		return
	}
	j := sitingJSON{Scope: res.Request.Scope, Kind: string(res.Request.Kind), Radius: res.Request.Radius,
		K: res.Request.K, FavourRelocation: res.Request.FavourRelocation,
		FavourMountainous: res.Request.FavourMountainous, Candidates: len(res.Request.Candidates),
		Before: newCoverageFiguresJSON(&res.Before), Steps: []sitingStepJSON{}}
	for _, st := range res.Steps {
		j.Steps = append(j.Steps, sitingStepJSON{Rank: st.Rank, Name: st.Name, CommunityCode: st.Community,
			Lat: st.Lat, Lng: st.Lng, Gain: st.Gain, NewCommunities: st.NewCommunities, NewPopulation: st.NewPopulation,
			CoveredPopulation: st.CoveredPopulation, PopulationCoverage: st.PopulationCoverage})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

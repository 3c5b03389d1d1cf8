package shequ

import (
	"context"
	"encoding/json"
	"math"
)

// CoverageFigures are the facility-coverage figures of a set of
// communities (the plan's 覆盖率 and 服务半径). Distances are metres; a
// median or percentile of nothing is NaN.
type CoverageFigures struct {
	Communities int // all communities
	Urban       int
	Rural       int
	Located     int // with a known location: the base of radius coverage
	// Communities with at least one comprehensive service facility in use
	// (综合服务设施覆盖率), urban and rural separately.
	UrbanWithComprehensive int
	RuralWithComprehensive int
	Covered                int   // located communities within the radius of a facility in use
	Population             int64 // known population of the located communities
	CoveredPopulation      int64
	MedianNearest          float64
	P90Nearest             float64
	Facilities             int // all registered facilities
	InUse                  int
	Planned                int
}

// UrbanComprehensiveRate is the share of urban communities with a
// comprehensive facility.
func (f *CoverageFigures) UrbanComprehensiveRate() float64 {
	return Rate(f.UrbanWithComprehensive, f.Urban)
}

// RuralComprehensiveRate is the share of rural communities with a
// comprehensive facility: the plan's measure (12.3% at the end of 2015).
func (f *CoverageFigures) RuralComprehensiveRate() float64 {
	return Rate(f.RuralWithComprehensive, f.Rural)
}

// RadiusCoverage is the share of located communities within the service
// radius of a facility in use.
func (f *CoverageFigures) RadiusCoverage() float64 { return Rate(f.Covered, f.Located) }

// PopulationCoverage is the share of the known population living within
// the service radius of a facility in use.
func (f *CoverageFigures) PopulationCoverage() float64 {
	if f.Population == 0 {
		return 0
	}
	return float64(f.CoveredPopulation) / float64(f.Population)
}

// CoverageReport is the coverage of one node of the division tree.
type CoverageReport struct {
	Division DivisionRef
	Path     []DivisionRef
	CoverageFigures
	// TargetRural is the rural comprehensive-facility coverage target in
	// percent that applies at the node.
	TargetRural float64
	// WhatIf lists the planned facilities counted as if in use, when the
	// report is a "what if"; empty otherwise.
	WhatIf []string
}

// CoverageGap is a community not reached by any facility in use.
type CoverageGap struct {
	Community  DivisionRef
	Township   DivisionRef
	Population int64 // 0 unknown
	Located    bool
	// Nearest is the distance in metres to the nearest facility in use and
	// its name; NaN and "" when there is none (or no location).
	Nearest     float64
	NearestName string
}

// SitingCandidate is a possible site given by the user.
type SitingCandidate struct {
	Name     string
	Lat, Lng float64 // WGS-84
}

// SitingRequest asks for the next K sites of a kind of facility in a
// scope. Radius 0 is the kind's default; no candidates means the uncovered
// communities themselves.
type SitingRequest struct {
	Scope             string
	Kind              FacilityKind
	Radius            int
	K                 int
	FavourRelocation  bool // weigh relocation resettlement areas double
	FavourMountainous bool // weigh mountainous communities by half again
	Candidates        []SitingCandidate
}

// Siting limits.
const (
	MaxSitingK          = 100
	MaxSitingCandidates = 5000
)

// Validate checks a siting request.
func (r *SitingRequest) Validate() error {
	var fe FieldErrors
	if r.Scope != "" && ValidateDivisionCode(r.Scope) != nil {
		fe.Add("scope", "siting.scope.invalid", "The scope is a division code.", nil)
	}
	if !oneOf(r.Kind, FacilityKinds) {
		fe.Add("kind", "facility.kind.invalid", "Unknown kind of facility.", map[string]any{"Value": string(r.Kind)})
	} else if r.Radius == 0 {
		r.Radius = r.Kind.DefaultRadius()
	}
	if r.Radius < MinRadius || r.Radius > MaxRadius {
		fe.Add("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.", nil)
	}
	if r.K < 1 || r.K > MaxSitingK {
		fe.Add("k", "siting.k.invalid", "Ask for 1 to 100 sites.", nil)
	}
	if len(r.Candidates) > MaxSitingCandidates {
		fe.Add("candidates", "siting.candidates.many", "At most 5000 candidate sites.", nil)
	}
	for _, c := range r.Candidates {
		if !InChina(c.Lat, c.Lng) {
			fe.Add("candidates", "location.outside", "The location is outside China (latitude 3–54, longitude 73–136).", nil)
			break
		}
	}
	return fe.Err()
}

// SitingStep is one suggested site: where, what it newly reaches, and the
// coverage once it and the sites before it are built.
type SitingStep struct {
	Rank           int
	Name           string // the community's (or the candidate's) name
	Community      string // the community at the site; "" for a user's point outside any
	Lat, Lng       float64
	Gain           float64 // the weighted gain that ranked it
	NewCommunities int
	NewPopulation  int64
	// CoveredPopulation and PopulationCoverage are the scope's figures
	// after this step.
	CoveredPopulation  int64
	PopulationCoverage float64
}

// SitingResult is the answer to a SitingRequest.
type SitingResult struct {
	Request SitingRequest
	Before  CoverageFigures
	Steps   []SitingStep
}

// CoverageMap is what the map page draws for a node.
type CoverageMap struct {
	Communities []MapCommunity
	Facilities  []MapFacility
	Truncated   bool // more communities than the map shows
}

// MapCommunity is a located community on the map.
type MapCommunity struct {
	Code, Name string
	Lat, Lng   float64
	Population int64
	Covered    bool
}

// MapFacility is a located facility on the map.
type MapFacility struct {
	ID, Name string
	Kind     FacilityKind
	Status   FacilityStatus
	Lat, Lng float64
	Radius   int
}

// CoverageService answers coverage questions for any node; every method
// needs ActionFacilityRead over the node.
type CoverageService interface {
	CoverageReport(ctx context.Context, code string) (*CoverageReport, error)
	// WhatIf is CoverageReport as if the planned facilities under code were
	// in use.
	WhatIf(ctx context.Context, code string) (*CoverageReport, error)
	CoverageGaps(ctx context.Context, code string, offset, limit int) ([]*CoverageGap, int, error)
	// WhatIfGaps is CoverageGaps as if the planned facilities under code
	// were in use (the gaps of WhatIf's figures).
	WhatIfGaps(ctx context.Context, code string, offset, limit int) ([]*CoverageGap, int, error)
	SuggestSites(ctx context.Context, r SitingRequest) (*SitingResult, error)
	CoverageMap(ctx context.Context, code string) (*CoverageMap, error)
}

// coverageFiguresJSON is CoverageFigures with the distances that may be NaN
// (nothing to measure) as pointers: JSON has no NaN, and the indicator
// snapshots store the figures as JSON.
type coverageFiguresJSON struct {
	coverageFiguresAlias
	MedianNearest *float64
	P90Nearest    *float64
}

type coverageFiguresAlias CoverageFigures

func nanToNil(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func nilToNaN(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

// MarshalJSON writes NaN distances as null.
func (f CoverageFigures) MarshalJSON() ([]byte, error) {
	return json.Marshal(coverageFiguresJSON{coverageFiguresAlias: coverageFiguresAlias(f),
		MedianNearest: nanToNil(f.MedianNearest), P90Nearest: nanToNil(f.P90Nearest)})
}

// UnmarshalJSON reads null distances as NaN.
func (f *CoverageFigures) UnmarshalJSON(b []byte) error {
	var j coverageFiguresJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = CoverageFigures(j.coverageFiguresAlias)
	f.MedianNearest, f.P90Nearest = nilToNaN(j.MedianNearest), nilToNaN(j.P90Nearest)
	return nil
}

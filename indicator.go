package shequ

import (
	"context"
	"math"
	"time"
)

// Breakdown names a way of splitting a node's communities.
type Breakdown string

// Breakdowns of the indicator reports (the plan's imbalances).
const (
	ByChild        Breakdown = "children"          // the node's children
	ByRegion       Breakdown = "region"            // 东部/中部/西部/东北
	ByKind         Breakdown = "community_kind"    // urban/rural/other
	ByUrbanRural   Breakdown = "urban_rural"       // 城乡分类代码, where known
	ByUrbanClass   Breakdown = "urban_rural_class" // peri-urban (112, 122) vs purely rural (210, 220), where known
	ByTownshipKind Breakdown = "township_kind"     // 街道/镇/乡
	ByTerrain      Breakdown = "terrain"           // where known
)

// Breakdowns lists them in display order.
var Breakdowns = []Breakdown{ByChild, ByRegion, ByKind, ByUrbanRural, ByUrbanClass, ByTownshipKind, ByTerrain}

// IndicatorRow is the figures of one group of communities: a whole node, a
// child, or one value of a breakdown.
type IndicatorRow struct {
	Key   string // division code for children, else the breakdown value ("" unknown)
	Name  string // division name for children
	Stats IndicatorStats
}

// IndicatorStats are the figures over a set of communities.
type IndicatorStats struct {
	Communities, Urban, Rural, Other int

	Orgs         int // all registered organizations (any status) homed here
	OrgsActive   int
	OrgsByKind   map[OrgKind]int // active ones
	OrgsByStatus map[OrgStatus]int
	// Communities whose active organizations reach their org target.
	UrbanMeetingOrgTarget, RuralMeetingOrgTarget int

	Workers          int
	WorkersCertified int
	WorkersByQual    map[Qualification]int
	WorkersByEdu     map[Education]int
	// Communities with at least their target of social workers.
	CommunitiesWithWorkers int

	// Facilities are the facility-coverage figures (indicator module
	// "facilities"); distances to within a bucket of its histogram.
	Facilities CoverageFigures
	// Linkage are the 三社联动 figures (indicator module "linkage").
	Linkage LinkageFigures
	// Services are the request (办件) figures (indicator module "services").
	Services ServiceStats
	// Property are the property oversight figures (indicator module
	// "property").
	Property PropertyFigures
	// Care are the 三留守 and social-work figures (indicator module "care").
	Care CareFigures
	// Volunteer are the volunteer-service and time-bank figures, Workforce
	// the community workforce's (indicator modules "volunteer" and
	// "workforce", issue 17).
	Volunteer VolunteerFigures
	Workforce WorkforceFigures
}

// Rate returns part/whole, 0 for an empty whole.
func Rate(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// OrgAttainment is the share of urban and rural communities that meet
// their organization target together.
func (s *IndicatorStats) OrgAttainment() float64 {
	return Rate(s.UrbanMeetingOrgTarget+s.RuralMeetingOrgTarget, s.Urban+s.Rural)
}

// whole adapts a count to a rate's denominator.
func whole(f func(*IndicatorStats) int) func(*IndicatorStats) int64 {
	return func(s *IndicatorStats) int64 { return int64(f(s)) }
}

// UrbanAttainment is the share of urban communities that meet their
// organization target (the plan's 达标率).
func (s *IndicatorStats) UrbanAttainment() float64 { return Rate(s.UrbanMeetingOrgTarget, s.Urban) }

// RuralAttainment is the share of rural communities that meet theirs.
func (s *IndicatorStats) RuralAttainment() float64 { return Rate(s.RuralMeetingOrgTarget, s.Rural) }

// WorkerCoverage is the share of communities with their social workers.
func (s *IndicatorStats) WorkerCoverage() float64 {
	return Rate(s.CommunitiesWithWorkers, s.Communities)
}

// CertifiedShare is the share of social workers holding a certificate.
func (s *IndicatorStats) CertifiedShare() float64 { return Rate(s.WorkersCertified, s.Workers) }

// IndicatorDef defines one figure of the indicator reports: a count, a rate
// or another value of IndicatorStats, with the plan target it measures, if
// any.
type IndicatorDef struct {
	Key   string                        // identifier; its label is the catalogue entry "ind.col.<Key>"
	Count func(*IndicatorStats) int     // a count, or
	Rate  func(*IndicatorStats) float64 // a fraction 0–1, shown as a percentage, or
	// Value is any other figure (a median in days, a mean score); NaN when
	// there is nothing to measure, shown as "—".
	Value func(*IndicatorStats) float64
	// Unit is the catalogue key of Value's unit ("unit.days"); every Value
	// has one. Counts and rates have theirs implied (UnitKey).
	Unit string
	// Whole is a rate's denominator: a rate of nothing (0/0) is no 0 %, it
	// is shown as — and exported as an empty cell. Every Rate has one.
	Whole  func(*IndicatorStats) int64
	Target TargetKey // the target it measures, "" for none
	// Group is the module the figure belongs to: "" the registers of
	// organizations and workers, else the indicator module's key
	// ("linkage", "services", "facilities"). The dashboard shows one group
	// at a time; its label is the catalogue entry "ind.group.<Group>".
	Group string
	// Sensitive marks a count of people (the care module's): on pages an
	// official exports, counts from 1 to SmallCount-1 are suppressed.
	Sensitive bool
}

// Implied units of counts and rates.
const (
	UnitCount   = "unit.count"
	UnitPercent = "unit.percent"
)

// UnitKey is the catalogue key of the figure's unit: UnitCount for a
// count, UnitPercent for a rate, Unit for any other value. The XLSX export
// formats each figure by it.
func (d IndicatorDef) UnitKey() string {
	switch {
	case d.Count != nil:
		return UnitCount
	case d.Rate != nil:
		return UnitPercent
	}
	return d.Unit
}

// Defined reports whether the figure has a value for st: a rate of an
// empty whole, or a value of nothing (NaN), has none.
func (d IndicatorDef) Defined(st *IndicatorStats) bool {
	switch {
	case d.Rate != nil:
		return d.Whole == nil || d.Whole(st) != 0
	case d.Value != nil:
		return !math.IsNaN(d.Value(st))
	}
	return true
}

// IndicatorGroups lists the groups of IndicatorDefs in registry order, ""
// first.
func IndicatorGroups() []string {
	out := []string{""}
	for _, d := range IndicatorDefs {
		found := false
		for _, g := range out {
			found = found || g == d.Group
		}
		if !found {
			out = append(out, d.Group)
		}
	}
	return out
}

// IndicatorDefs is the indicator registry: the dashboard tables, the API's
// breakdown rows and the XLSX/CSV exports all take their figures from it, in
// this order, so a module adds an indicator in one place — its counter in
// IndicatorStats (filled by the engine) and its entry here.
var IndicatorDefs = append([]IndicatorDef{
	{Key: "communities", Count: func(s *IndicatorStats) int { return s.Communities }},
	{Key: "urban", Count: func(s *IndicatorStats) int { return s.Urban }},
	{Key: "rural", Count: func(s *IndicatorStats) int { return s.Rural }},
	{Key: "orgs", Count: func(s *IndicatorStats) int { return s.Orgs }},
	{Key: "orgs_active", Count: func(s *IndicatorStats) int { return s.OrgsActive }},
	{Key: "urban_meeting", Count: func(s *IndicatorStats) int { return s.UrbanMeetingOrgTarget }, Target: TargetOrgsPerUrban},
	{Key: "urban_rate", Rate: (*IndicatorStats).UrbanAttainment, Whole: whole(func(s *IndicatorStats) int { return s.Urban }),
		Target: TargetOrgsPerUrban},
	{Key: "rural_meeting", Count: func(s *IndicatorStats) int { return s.RuralMeetingOrgTarget }, Target: TargetOrgsPerRural},
	{Key: "rural_rate", Rate: (*IndicatorStats).RuralAttainment, Whole: whole(func(s *IndicatorStats) int { return s.Rural }),
		Target: TargetOrgsPerRural},
	{Key: "org_rate", Rate: (*IndicatorStats).OrgAttainment, Whole: whole(func(s *IndicatorStats) int { return s.Urban + s.Rural })},
	{Key: "workers", Count: func(s *IndicatorStats) int { return s.Workers }},
	{Key: "certified", Count: func(s *IndicatorStats) int { return s.WorkersCertified }},
	{Key: "certified_share", Rate: (*IndicatorStats).CertifiedShare, Whole: whole(func(s *IndicatorStats) int { return s.Workers })},
	{Key: "covered", Count: func(s *IndicatorStats) int { return s.CommunitiesWithWorkers }, Target: TargetWorkersPerCommu},
	{Key: "coverage", Rate: (*IndicatorStats).WorkerCoverage, Whole: whole(func(s *IndicatorStats) int { return s.Communities }),
		Target: TargetWorkersPerCommu},

	{Key: "fac_in_use", Count: func(s *IndicatorStats) int { return s.Facilities.InUse }, Group: "facilities"},
	{Key: "fac_planned", Count: func(s *IndicatorStats) int { return s.Facilities.Planned }, Group: "facilities"},
	{Key: "fac_urban_comprehensive", Rate: func(s *IndicatorStats) float64 { return s.Facilities.UrbanComprehensiveRate() },
		Whole: whole(func(s *IndicatorStats) int { return s.Facilities.Urban }), Group: "facilities"},
	{Key: "fac_rural_comprehensive", Rate: func(s *IndicatorStats) float64 { return s.Facilities.RuralComprehensiveRate() },
		Whole: whole(func(s *IndicatorStats) int { return s.Facilities.Rural }), Target: TargetRuralFacilityCoverage, Group: "facilities"},
	{Key: "fac_located", Count: func(s *IndicatorStats) int { return s.Facilities.Located }, Group: "facilities"},
	{Key: "fac_covered", Count: func(s *IndicatorStats) int { return s.Facilities.Covered }, Group: "facilities"},
	{Key: "fac_radius_coverage", Rate: func(s *IndicatorStats) float64 { return s.Facilities.RadiusCoverage() },
		Whole: whole(func(s *IndicatorStats) int { return s.Facilities.Located }), Group: "facilities"},
	{Key: "fac_population_coverage", Rate: func(s *IndicatorStats) float64 { return s.Facilities.PopulationCoverage() },
		Whole: func(s *IndicatorStats) int64 { return s.Facilities.Population }, Group: "facilities"},
	{Key: "fac_median_km", Value: func(s *IndicatorStats) float64 { return s.Facilities.MedianNearest / 1000 },
		Unit: "unit.km", Group: "facilities"},
	{Key: "fac_p90_km", Value: func(s *IndicatorStats) float64 { return s.Facilities.P90Nearest / 1000 },
		Unit: "unit.km", Group: "facilities"},
	{Key: "svc_requests", Count: func(s *IndicatorStats) int { return s.Services.Requests }, Group: "services"},
	{Key: "svc_online", Count: func(s *IndicatorStats) int { return s.Services.Online }, Group: "services"},
	{Key: "svc_window", Count: func(s *IndicatorStats) int { return s.Services.Window }, Group: "services"},
	{Key: "svc_agency", Count: func(s *IndicatorStats) int { return s.Services.Agency }, Group: "services"},
	{Key: "svc_phone", Count: func(s *IndicatorStats) int { return s.Services.Phone }, Group: "services"},
	{Key: "svc_completed", Count: func(s *IndicatorStats) int { return s.Services.Completed }, Group: "services"},
	{Key: "svc_on_time", Rate: func(s *IndicatorStats) float64 { return s.Services.OnTimeRate() },
		Whole: whole(func(s *IndicatorStats) int { return s.Services.Completed }), Group: "services"},
	{Key: "svc_median_days", Value: func(s *IndicatorStats) float64 { return s.Services.MedianDays },
		Unit: "unit.days", Group: "services"},
	{Key: "svc_rural_agency", Rate: func(s *IndicatorStats) float64 { return s.Services.RuralAgencyShare() },
		Whole: whole(func(s *IndicatorStats) int { return s.Services.RuralRequests }), Group: "services"},
	{Key: "svc_satisfaction", Value: func(s *IndicatorStats) float64 { return s.Services.MeanRating() },
		Unit: "unit.stars", Group: "services"},
	{Key: "svc_satisfied", Rate: func(s *IndicatorStats) float64 { return s.Services.SatisfiedRate() },
		Whole: whole(func(s *IndicatorStats) int { return s.Services.Rated }), Group: "services"},
}, append(append(append(linkageDefs(), propertyDefs()...), careDefs()...), workforceDefs()...)...)

// IndicatorReport is everything a dashboard shows for one node.
type IndicatorReport struct {
	Division   DivisionRef
	Level      Level
	Path       []DivisionRef
	Period     string
	Targets    Targets
	Stats      IndicatorStats
	Breakdowns map[Breakdown][]IndicatorRow
	AsOf       time.Time
}

// GapRow is a community that misses a target.
type GapRow struct {
	Community DivisionRef
	Path      []DivisionRef
	Kind      Kind
	Target    TargetKey
	Want      float64
	Have      int
}

// IndicatorSnapshot is a node's figures at the end of a month, for trends.
type IndicatorSnapshot struct {
	Division string
	Month    string // YYYY-MM
	Stats    IndicatorStats
}

// IndicatorService computes the indicators for any node of the tree.
// Reading needs ActionIndicatorRead over the node.
type IndicatorService interface {
	IndicatorReport(ctx context.Context, code string) (*IndicatorReport, error)
	// GapList lists the communities under code that miss target, the
	// largest shortfall first.
	GapList(ctx context.Context, code string, target TargetKey, offset, limit int) ([]*GapRow, int, error)
	// Trend returns the monthly snapshots of code, oldest first.
	Trend(ctx context.Context, code string, months int) ([]*IndicatorSnapshot, error)
}

package shequ

import (
	"context"
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
}

// Rate returns part/whole, 0 for an empty whole.
func Rate(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

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

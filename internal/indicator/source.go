// Package indicator computes the indicator reports of shequ (DESIGN §1 row 8)
// in memory, for any node of the division tree, fast enough for national
// data on two cores: 620k communities, about 3 million organizations and
// 700 thousand social workers.
//
// SQL GROUP BY cannot answer the root in the budget (it reads every
// organization on each request), so the Engine keeps one small vector of
// counters per community, sorted by code. Any node's communities are then a
// contiguous range found by binary search on the code prefix, and a report
// is one pass over that range adding vectors: the targets are folded into
// per-community flags ahead of time, so attainment is a sum like any other
// figure. The counters come from a few GROUP BY queries of a Source (the
// store) at load, and are reloaded per community when something changes
// (Refresh), never for the whole country again.
package indicator

import (
	"context"

	"shequ"
)

// DivisionRow is one division as the engine loads it. UrbanRural and
// Terrain are "" when unknown; they matter for communities only.
type DivisionRow struct {
	Code       string
	Name       string
	UrbanRural shequ.UrbanRural
	Terrain    shequ.Terrain
}

// OrgCount is the number of organizations homed in a community with one
// kind and status.
type OrgCount struct {
	Community string
	Kind      shequ.OrgKind
	Status    shequ.OrgStatus
	N         int
}

// WorkerCount is the number of social workers homed in a community with one
// qualification and education (Education "" when not recorded).
type WorkerCount struct {
	Community     string
	Qualification shequ.Qualification
	Education     shequ.Education
	N             int
}

// CoverCount is the number of distinct social workers who cover a
// community: those homed there and those who serve it from elsewhere.
type CoverCount struct {
	Community string
	N         int
}

// Source is where the engine reads its data: sqlstore.IndicatorSource on
// both engines. The Load methods stream rows to fn; communities nil means
// all, otherwise only the listed community codes.
type Source interface {
	// LoadDivisions streams every division of the tree.
	LoadDivisions(ctx context.Context, fn func(DivisionRow) error) error
	LoadOrgCounts(ctx context.Context, communities []string, fn func(OrgCount) error) error
	LoadWorkerCounts(ctx context.Context, communities []string, fn func(WorkerCount) error) error
	LoadCoverCounts(ctx context.Context, communities []string, fn func(CoverCount) error) error
	// SaveSnapshots inserts or replaces snapshots by (division, month).
	SaveSnapshots(ctx context.Context, snaps []*shequ.IndicatorSnapshot) error
	// FindSnapshots returns the latest months snapshots of division,
	// oldest first.
	FindSnapshots(ctx context.Context, division string, months int) ([]*shequ.IndicatorSnapshot, error)
}

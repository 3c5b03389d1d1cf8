package shequ

import (
	"context"
	"strings"
	"time"
)

// TargetKey names a plan target (规划目标).
type TargetKey string

// Plan targets. Later modules add theirs (facility coverage and more).
const (
	TargetOrgsPerUrban    TargetKey = "orgs_per_urban_community" // 城市社区平均不少于 10 个社区社会组织
	TargetOrgsPerRural    TargetKey = "orgs_per_rural_community" // 农村社区平均不少于 5 个
	TargetWorkersPerCommu TargetKey = "workers_per_community"    // 每个城乡社区至少 1 名社会工作者
	// 农村社区综合服务设施覆盖率, percent. The plan asks for "a large
	// increase" from 12.3% (2015) without a number; 50% is the figure of the
	// 13th five-year plan for civil affairs, and a local target may raise it.
	TargetRuralFacilityCoverage TargetKey = "rural_facility_coverage_pct"
)

// DefaultPeriod is the plan period of the national plan the platform implements.
const DefaultPeriod = "2016-2020"

// PlanTargets are the national plan's defaults, used where no local target is set.
var PlanTargets = map[TargetKey]float64{
	TargetOrgsPerUrban:    10,
	TargetOrgsPerRural:    5,
	TargetWorkersPerCommu: 1,
	// percent
	TargetRuralFacilityCoverage: 50,
}

// TargetIsPercent reports whether a target is a percentage (0–100) rather
// than a number per community.
func TargetIsPercent(k TargetKey) bool { return strings.HasSuffix(string(k), "_pct") }

// Target is a target set for a division and everything below it, for one plan
// period. The most specific one (longest scope) applies to a community.
type Target struct {
	Scope  string // division code; "" is the national default
	Period string
	Key    TargetKey
	Value  float64
	SetBy  string
	SetAt  time.Time
}

// Targets are the effective targets at one division.
type Targets map[TargetKey]float64

// TargetService keeps plan targets. Setting one needs ActionTargetWrite over
// its scope; a local target may be raised above, never lowered below, the
// target that applies above it (the plan is a floor).
type TargetService interface {
	FindTargets(ctx context.Context, period string) ([]*Target, error)
	SetTarget(ctx context.Context, t *Target) error
	// EffectiveTargets returns the targets that apply at code.
	EffectiveTargets(ctx context.Context, code, period string) (Targets, error)
}

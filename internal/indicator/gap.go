package indicator

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"

	"shequ"
)

// Limits of GapList and Trend.
const (
	defaultGapLimit = 50
	maxGapLimit     = 1000
	defaultMonths   = 12
	maxMonths       = 120
)

// GapList lists the communities under code that miss target, the largest
// shortfall first and by code among equals, with the total number of them.
// The organization targets concern urban (orgs_per_urban_community) or
// rural (orgs_per_rural_community) communities and count active homed
// organizations; the worker target concerns every community and counts the
// workers who cover it (homed there or serving it). limit defaults to 50
// and is capped at 1000.
func (e *Engine) GapList(ctx context.Context, code string, target shequ.TargetKey, offset, limit int) ([]*shequ.GapRow, int, error) {
	if _, ok := shequ.PlanTargets[target]; !ok {
		var fe shequ.FieldErrors
		fe.Add("target", "target.key.invalid", "Unknown target.", map[string]any{"Value": string(target)})
		return nil, 0, fe.Err()
	}
	d, lo, hi, err := e.node(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = defaultGapLimit
	}
	limit, offset = min(limit, maxGapLimit), max(offset, 0)
	e.mu.RLock()
	defer e.mu.RUnlock()

	// Communities are visited in code order and bucketed by shortfall; the
	// shortfalls take few distinct values (targets are small whole numbers
	// mostly), so ordering the buckets instead of sorting the gaps keeps the
	// whole country at one pass.
	buckets := map[float64][]int32{}
	for i := lo; i < hi; i++ {
		var have, want float64
		switch kind := kindValues[d.kinds[i]]; target {
		case shequ.TargetOrgsPerUrban, shequ.TargetOrgsPerRural:
			if (target == shequ.TargetOrgsPerUrban) != (kind == shequ.KindUrban) ||
				(target == shequ.TargetOrgsPerRural) != (kind == shequ.KindRural) {
				continue
			}
			have, want = float64(d.vec(i)[cOrgsActive]), d.wantOrgs[i]
		default:
			have, want = float64(d.cover[i]), d.wantWorkers[i]
		}
		if have < want {
			buckets[want-have] = append(buckets[want-have], int32(i))
		}
	}
	shorts := make([]float64, 0, len(buckets))
	for s := range buckets {
		shorts = append(shorts, s)
	}
	slices.SortFunc(shorts, func(a, b float64) int { return cmp.Compare(b, a) })
	var gaps []int32
	for _, s := range shorts {
		gaps = append(gaps, buckets[s]...)
	}
	total := len(gaps)
	out := []*shequ.GapRow{}
	for _, g32 := range gaps[min(offset, total):min(offset+limit, total)] {
		g := int(g32)
		c := d.codes.At(g)
		row := &shequ.GapRow{
			Community: shequ.DivisionRef{Code: c, Name: d.names.At(g)},
			Path:      d.path(c),
			Kind:      kindValues[d.kinds[g]],
			Target:    target,
		}
		if target == shequ.TargetWorkersPerCommu {
			row.Want, row.Have = d.wantWorkers[g], int(d.cover[g])
		} else {
			row.Want, row.Have = d.wantOrgs[g], int(d.vec(g)[cOrgsActive])
		}
		out = append(out, row)
	}
	return out, total, nil
}

// monthPattern is a snapshot month, YYYY-MM.
var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// Trend returns the monthly snapshots of code, oldest first, at most months
// of them (default 12, at most 120).
func (e *Engine) Trend(ctx context.Context, code string, months int) ([]*shequ.IndicatorSnapshot, error) {
	if _, _, _, err := e.node(ctx, code); err != nil {
		return nil, err
	}
	if months <= 0 {
		months = defaultMonths
	}
	snaps, err := e.src.FindSnapshots(ctx, code, min(months, maxMonths))
	if err != nil {
		return nil, fmt.Errorf("find snapshots: %w", err)
	}
	return snaps, nil
}

// Snapshot saves the figures of month (YYYY-MM) for the whole country and
// every province, city and county (about 3,350 nodes), replacing those of
// the same month. It is a job of the operator (run at each month's end) and
// checks no permission. From memory it costs four passes over the
// townships' aggregates, one per level.
func (e *Engine) Snapshot(ctx context.Context, month string) error {
	if !monthPattern.MatchString(month) {
		return shequ.Errorf(shequ.EInvalid, "indicator.month.invalid", "A month is written YYYY-MM.")
	}
	e.mu.RLock()
	d := e.data
	if d == nil {
		e.mu.RUnlock()
		return errNotLoaded
	}
	nodes := []string{""}
	for _, c := range d.upper {
		if len(c) <= 6 {
			nodes = append(nodes, c)
		}
	}
	snaps := make([]*shequ.IndicatorSnapshot, len(nodes))
	for k, code := range nodes {
		lo, hi := d.townshipSpan(code)
		v := make(vec, d.width)
		for t := lo; t < hi; t++ {
			for k := range d.townships[t].vecs {
				v.add(d.townships[t].vecs[k])
			}
		}
		snaps[k] = &shequ.IndicatorSnapshot{Division: code, Month: month, Stats: d.stats(v)}
	}
	e.mu.RUnlock()
	if err := e.src.SaveSnapshots(ctx, snaps); err != nil {
		return fmt.Errorf("save snapshots: %w", err)
	}
	return nil
}

package indicator

import (
	"context"
	"fmt"
	"math"
	"slices"

	"shequ"
)

// Module adds the figures of one functional area (三社联动, 办件, 设施覆盖…)
// to the engine without the engine knowing them: the module keeps Width()
// counters per community, which the engine sums over any node and its
// breakdowns exactly as it sums its own, and turns a sum into figures with
// Stats. Every figure must therefore be a sum over communities: counts,
// sums for means, histograms for medians (see Quantile).
type Module interface {
	// Key names the module: "linkage", "services", "facilities"…
	Key() string
	// Width is the number of int32 counters kept per community.
	Width() int
	// Load reads the counters of the given communities (nil: all) and
	// calls add for each community with Width() values to add to its
	// counters (add may be called more than once per community).
	Load(ctx context.Context, communities []string, add func(community string, counters []int32)) error
	// Stats sets the module's figures in s from the sum c of its counters
	// over a set of communities.
	Stats(c []int32, s *shequ.IndicatorStats)
}

// placed is a module with the offset of its counters in a vec.
type placed struct {
	Module
	off, width int
}

// place lays the modules out after the core counters and returns the
// resulting vector width. Keys must be unique.
func place(mods []Module) ([]placed, int, error) {
	out := make([]placed, 0, len(mods))
	off := nCounters
	seen := map[string]bool{}
	for _, m := range mods {
		if seen[m.Key()] {
			return nil, 0, fmt.Errorf("indicator module %q registered twice", m.Key())
		}
		seen[m.Key()] = true
		out = append(out, placed{Module: m, off: off, width: m.Width()})
		off += m.Width()
	}
	return out, off, nil
}

// moduleRow is counters read from a module for one community.
type moduleRow struct {
	community string
	counters  []int32
}

// loadModule reads module m's counters of communities (nil: all) and hands
// each row to fn with its counters checked against the module's width.
func loadModule(ctx context.Context, m placed, communities []string, fn func(moduleRow)) error {
	var bad error
	err := m.Load(ctx, communities, func(community string, c []int32) {
		if len(c) != m.width {
			if bad == nil {
				bad = fmt.Errorf("indicator module %s gave %d counters for %s, want %d", m.Key(), len(c), community, m.width)
			}
			return
		}
		fn(moduleRow{community: community, counters: c})
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return fmt.Errorf("load %s counters: %w", m.Key(), err)
	}
	return nil
}

// addModule adds a module row to its community's counters.
func (d *data) addModule(m placed, r moduleRow, hint *int) {
	i := d.find(r.community, *hint)
	if i < 0 {
		return
	}
	*hint = i
	if len(d.vec(i)) < d.width && !slices.ContainsFunc(r.counters, func(n int32) bool { return n != 0 }) {
		return // nothing to count: the community keeps its core-only vec
	}
	dst := d.widen(i)[m.off : m.off+m.width]
	for k, n := range r.counters {
		dst[k] += n
	}
}

// Quantile returns the q-quantile (0 < q ≤ 1) of values counted in a
// histogram: hist[k] values fell in bucket k, whose upper bound is upper[k]
// (ascending; the last may be +Inf). It returns the upper bound of the
// bucket holding the quantile, so a histogram of whole days whose buckets are
// 0, 1, 2… gives the exact median day; NaN when the histogram is empty.
// A quantile in a +Inf bucket returns the previous finite bound.
func Quantile(hist []int32, upper []float64, q float64) float64 {
	var total int64
	for _, n := range hist {
		total += int64(n)
	}
	if total == 0 || len(hist) != len(upper) {
		return math.NaN()
	}
	rank := int64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen int64
	for k, n := range hist {
		seen += int64(n)
		if seen >= rank {
			if math.IsInf(upper[k], 1) && k > 0 {
				return upper[k-1]
			}
			return upper[k]
		}
	}
	return upper[len(upper)-1]
}

// RefreshModule reloads the counters of one module for the given
// communities, without reading the core counters again: for a module whose
// data changed alone (a facility moved). Unknown codes are ignored; an
// unknown key is an error.
func (e *Engine) RefreshModule(ctx context.Context, key string, communities ...string) error {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	e.mu.RLock()
	d := e.data
	e.mu.RUnlock()
	if d == nil {
		return errNotLoaded
	}
	k := slices.IndexFunc(d.modules, func(m placed) bool { return m.Key() == key })
	if k < 0 {
		return fmt.Errorf("indicator module %q is not registered", key)
	}
	m := d.modules[k]
	var known []string
	for _, c := range communities {
		if d.find(c, -1) >= 0 {
			known = append(known, c)
		}
	}
	slices.Sort(known)
	known = slices.Compact(known)
	if len(known) == 0 {
		return nil
	}
	var rows []moduleRow
	if err := loadModule(ctx, m, known, func(r moduleRow) {
		r.counters = slices.Clone(r.counters)
		rows = append(rows, r)
	}); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	townships := map[int]bool{}
	for _, code := range known {
		i := d.find(code, -1)
		if v := d.vec(i); len(v) >= m.off+m.width {
			clear(v[m.off : m.off+m.width])
		}
		townships[d.townshipOf(i)] = true
	}
	hint := 0
	for _, r := range rows {
		d.addModule(m, r, &hint)
	}
	for t := range townships {
		d.aggregate(t)
	}
	d.asOf = e.Now()
	return nil
}

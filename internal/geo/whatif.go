package geo

import (
	"math"
	"slices"
)

// StatsWith is StatsFunc as if the extra facilities were active too,
// without changing anything: the "what if" of a planned facility. A
// community counts as covered when an active facility or an extra one
// reaches it (the same predicate as the index), and its nearest distance is
// the smaller of the two.
// CoveredBy returns the communities (their indexes) within the radius of
// any of extra: what planned facilities would reach.
func (c *Coverage) CoveredBy(extra []Facility) map[int]bool {
	out := map[int]bool{}
	for _, f := range extra {
		c.forWithin(f.Point, toVec(f.Point), chord2For(f.Radius), func(i int32) { out[int(i)] = true })
	}
	return out
}

func (c *Coverage) StatsWith(extra []Facility, keep func(*Community) bool) CoverageStats {
	var st CoverageStats
	var dists []float64
	extraCover := make(map[int32]bool)
	vs := make([]vec, len(extra))
	for k, f := range extra {
		vs[k] = toVec(f.Point)
		c.forWithin(f.Point, vs[k], chord2For(f.Radius), func(i int32) { extraCover[i] = true })
	}
	for i := range c.comms {
		cm := &c.comms[i]
		if c.hidden[i] || !keep(cm) {
			continue
		}
		st.Communities++
		st.Population += cm.Population
		if c.count[i] > 0 || extraCover[int32(i)] {
			st.Covered++
			st.CoveredPopulation += cm.Population
		}
		near := math.Inf(1)
		if c.nearSlot[i] >= 0 {
			near = c.near[i]
		}
		for k := range extra {
			near = min(near, chord2(c.vecs[i], vs[k]))
		}
		if !math.IsInf(near, 1) {
			dists = append(dists, near)
		}
	}
	st.Reached = len(dists)
	if len(dists) > 0 {
		slices.Sort(dists)
		st.MedianNearest = arcFromChord2(dists[rank(len(dists), 0.5)])
		st.P90Nearest = arcFromChord2(dists[rank(len(dists), 0.9)])
	}
	return st
}

package geo

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind tells urban communities (居委会) from rural ones (村委会).
type Kind uint8

// Community kinds; KindUnknown when the code does not say.
const (
	KindUnknown Kind = iota
	KindUrban
	KindRural
)

// Community is a place whose residents facilities serve: its division code,
// location, population (0 when unknown) and the flags that siting may favour.
type Community struct {
	Code        string
	Point       Point
	Population  int64
	Kind        Kind
	Mountainous bool
	// Relocation marks a relocation resettlement area (易地扶贫搬迁安置区).
	Relocation bool
}

// CoverageStats aggregates radius coverage over a set of communities.
// MedianNearest and P90Nearest are nearest-rank percentiles in metres of the
// distance to the nearest active facility, over the communities that have
// one at all; they are 0 when none has.
type CoverageStats struct {
	Communities       int
	Covered           int
	Population        int64
	CoveredPopulation int64
	// Reached counts the communities with an active facility at any
	// distance: the base of the two percentiles.
	Reached       int
	MedianNearest float64
	P90Nearest    float64
}

// blockDeg is the side of the coarse blocks that bound nearest distances.
// A new facility can become the nearest one for communities far beyond its
// radius (in the sparse west, hundreds of kilometres); each block keeps the
// largest nearest distance of its members, so an update visits only the
// blocks that the facility could improve, instead of every community.
const blockDeg = 1.0

type block struct {
	members                        []int32
	latMin, latMax, lngMin, lngMax float64
	maxNear                        float64 // squared chord, upper bound
}

// Coverage computes which communities lie within the service radius of an
// active facility, and how far the nearest active facility is, and keeps
// both current as facilities are added, moved or removed. Mutate facilities
// only through Coverage, never on its Index directly. Reads may run
// concurrently with each other but not with a mutation or Compute; the
// caller serialises them (one writer, as the store's change feed will be).
type Coverage struct {
	idx   *Index
	comms []Community
	vecs  []vec
	// cells finds a grid cell's position in cellList, which holds the
	// cells in (row, col) order, the unit of work of Compute.
	cells    cellLookup
	cellList []commCell
	blocks   []block
	// count is the number of active facilities covering each community; a
	// count, not a flag, so that removing one of two covering facilities
	// leaves the community covered without rechecking the other.
	count    []int32
	near     []float64 // squared chord to the nearest active facility; +Inf if none
	nearSlot []int32   // index slot of that facility, -1 if none
	// byCode finds a community; blockOf a block by its key; hidden marks
	// the communities taken out of every figure (see community.go).
	byCode     map[string]int32 // built on first use: see codes
	byCodeOnce sync.Once
	blockOf    map[int64]int32
	hidden     []bool
}

// NewCoverage indexes communities against idx and computes full coverage.
func NewCoverage(idx *Index, comms []Community) *Coverage {
	n := len(comms)
	c := &Coverage{
		idx:      idx,
		comms:    comms,
		vecs:     make([]vec, n),
		count:    make([]int32, n),
		near:     make([]float64, n),
		nearSlot: make([]int32, n),
		hidden:   make([]bool, n),
	}
	// The trigonometry, in parallel.
	keys := make([]int64, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c.vecs[i] = toVec(comms[i].Point)
			keys[i] = cellKey(cellOf(comms[i].Point))
		}
	})
	uniq, cellID := c.cells.group(keys)
	start := make([]int32, len(uniq)+1)
	for _, j := range cellID {
		start[j+1]++
	}
	for j := 1; j < len(start); j++ {
		start[j] += start[j-1]
	}
	members := make([]int32, n)
	next := slices.Clone(start[:len(uniq)])
	for i, j := range cellID {
		members[next[j]] = int32(i)
		next[j]++
	}
	// Copies of the members' vectors and points in cell order: Compute
	// reads them cell by cell, and gathering them from community order was
	// a cache miss per community.
	vecs, pts := make([]vec, n), make([]Point, n)
	parallel(n, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			vecs[j], pts[j] = c.vecs[members[j]], comms[members[j]].Point
		}
	})
	c.cellList = make([]commCell, len(uniq))
	for j, k := range uniq {
		a, b := start[j], start[j+1]
		c.cellList[j] = commCell{row: int32(k >> 32), col: int32(uint32(k)),
			members: members[a:b:b], vecs: vecs[a:b:b], pts: pts[a:b:b]}
	}
	// In cell order, consecutive communities mostly share a block, so the
	// last block found saves most map probes.
	blockOf := make(map[int64]int32)
	c.blockOf = blockOf
	lastKey, b := int64(math.MinInt64), int32(-1)
	for j, i := range members {
		p := pts[j]
		br, bc := math.Floor(p.Lat/blockDeg), math.Floor(p.Lng/blockDeg)
		bk := cellKey(int32(br), int32(bc))
		if bk == lastKey {
			c.blocks[b].members = append(c.blocks[b].members, i)
			continue
		}
		lastKey = bk
		var ok bool
		b, ok = blockOf[bk]
		if !ok {
			b = int32(len(c.blocks))
			blockOf[bk] = b
			c.blocks = append(c.blocks, block{
				latMin: br * blockDeg, latMax: (br + 1) * blockDeg,
				lngMin: bc * blockDeg, lngMax: (bc + 1) * blockDeg,
			})
		}
		c.blocks[b].members = append(c.blocks[b].members, i)
	}
	c.Compute()
	return c
}

// parallel splits [0, n) into one contiguous share per GOMAXPROCS and runs
// fn on each share concurrently.
func parallel(n int, fn func(lo, hi int)) {
	w := max(1, min(runtime.GOMAXPROCS(0), n/4096))
	var wg sync.WaitGroup
	for k := range w {
		wg.Go(func() { fn(k*n/w, (k+1)*n/w) })
	}
	wg.Wait()
}

// commCell is one grid cell of communities.
type commCell struct {
	row, col int32
	members  []int32
	vecs     []vec   // vecs[j] belongs to members[j]
	pts      []Point // pts[j] belongs to members[j]
}

// Index returns the facility index; read it, but mutate through Coverage.
func (c *Coverage) Index() *Index { return c.idx }

// Len returns the number of communities.
func (c *Coverage) Len() int { return len(c.comms) }

// Community returns community i in the order given to NewCoverage.
func (c *Coverage) Community(i int) Community { return c.comms[i] }

// Covered reports whether community i is within the radius of an active
// facility.
func (c *Coverage) Covered(i int) bool { return c.count[i] > 0 }

// CoveringCount returns how many active facilities cover community i.
func (c *Coverage) CoveringCount(i int) int { return int(c.count[i]) }

// Nearest returns the id of and distance in metres to the nearest active
// facility of community i; ok is false when there is none.
func (c *Coverage) Nearest(i int) (id string, dist float64, ok bool) {
	if c.nearSlot[i] < 0 {
		return "", 0, false
	}
	return c.idx.slots[c.nearSlot[i]].f.ID, arcFromChord2(c.near[i]), true
}

// Compute recomputes coverage and nearest distances for every community
// from scratch. It works cell by cell: the facilities that can reach any
// community of a cell are gathered once into a buffer, which saves most map
// lookups in dense areas where a cell holds dozens of communities. Workers
// (GOMAXPROCS of them) take chunks of cells from a shared counter, because
// the dense east makes equal static shares very unequal in work.
func (c *Coverage) Compute() {
	const chunk = 64
	// A dense snapshot of the index replaces millions of map probes.
	snap := c.idx.snapshot()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf []entry
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(c.cellList) {
					return
				}
				for j := lo; j < min(lo+chunk, len(c.cellList)); j++ {
					buf = c.computeCell(snap, &c.cellList[j], buf[:0])
				}
			}
		})
	}
	wg.Wait()
	for b := range c.blocks {
		c.refreshBlock(b)
	}
}

// cellHalfDiag bounds, in metres, the distance from a cell's centre to any
// point of the cell: half the diagonal of a cell at the equator, where
// cells are widest, plus a metre for rounding at the edges.
const cellHalfDiag = EarthRadius*degToRad*cellDeg*math.Sqrt2/2 + 1

// computeCell sets count and nearest for the communities of one cell, using
// buf as scratch space, and returns it for reuse.
func (c *Coverage) computeCell(snap *snapshot, cl *commCell, buf []entry) []entry {
	x := c.idx
	cells := x.levels[0].cells
	r0, r1, c0, c1 := cellWindow(cl.row, cl.col, x.maxRadius)
	for r := r0; r <= r1; r++ {
		if g := snap[0]; g != nil {
			buf = g.appendRow(buf, r, c0, c1)
			continue
		}
		for col := c0; col <= c1; col++ {
			buf = append(buf, cells[cellKey(r, col)]...)
		}
	}
	lim := chord2For(x.maxRadius)
	if len(cl.members) > 2 {
		// Every member is within cellHalfDiag of the cell's centre, so a
		// facility farther than maxRadius + cellHalfDiag from the centre
		// neither covers a member nor is its nearest within maxRadius. The
		// window is a rectangle about twice the area of that circle, and
		// dropping the rest once per cell spares every member the scan.
		centre := toVec(Point{Lat: (float64(cl.row)+0.5)*cellDeg - 90, Lng: (float64(cl.col)+0.5)*cellDeg - 180})
		keep := chord2For(x.maxRadius + cellHalfDiag)
		n := 0
		for _, e := range buf {
			if chord2(centre, e.v) <= keep {
				buf[n] = e
				n++
			}
		}
		buf = buf[:n]
	}
	for j, i := range cl.members {
		v := cl.vecs[j]
		var cnt int32
		best, bestC2 := int32(-1), math.Inf(1)
		for _, e := range buf {
			d := chord2(v, e.v)
			if d <= e.rc2 {
				cnt++
			}
			// Ties go to the lower slot; the first test alone is false
			// for most entries.
			if d <= bestC2 && (d < bestC2 || e.s < best) {
				best, bestC2 = e.s, d
			}
		}
		// The buffer holds every facility within maxRadius, so a nearest
		// one found within maxRadius is exact; otherwise the nearest may lie
		// outside it and the index searches outwards.
		if bestC2 > lim {
			best, bestC2 = x.nearest(snap, cl.pts[j], v, 0)
		}
		c.count[i] = cnt
		c.nearSlot[i], c.near[i] = best, bestC2
	}
	return buf
}

func (c *Coverage) refreshBlock(b int) {
	m := 0.0
	for _, i := range c.blocks[b].members {
		m = max(m, c.near[i])
	}
	c.blocks[b].maxNear = m
}

// blockBound is a lower bound on the squared chord from p to any point of
// block b, by the same meridian argument as ringBound.
func blockBound(p Point, b *block) float64 {
	var dLat float64
	if p.Lat < b.latMin {
		dLat = b.latMin - p.Lat
	} else if p.Lat > b.latMax {
		dLat = p.Lat - b.latMax
	}
	θ := dLat * degToRad
	var dLng float64
	if p.Lng < b.lngMin {
		dLng = b.lngMin - p.Lng
	} else if p.Lng > b.lngMax {
		dLng = p.Lng - b.lngMax
	}
	if dLng > 0 && dLng < 90 {
		θ = max(θ, math.Asin(math.Cos(p.Lat*degToRad)*math.Sin(dLng*degToRad)))
	}
	return chord2For(θ * EarthRadius)
}

// AddFacility adds f to the index (replacing a facility with the same ID)
// and updates coverage of the communities within its radius and the nearest
// distances it improves.
func (c *Coverage) AddFacility(f Facility) {
	if _, ok := c.idx.Get(f.ID); ok {
		c.RemoveFacility(f.ID)
	}
	s := c.idx.add(f)
	if !f.Active {
		return
	}
	sl := &c.idx.slots[s]
	c.forWithin(f.Point, sl.v, sl.rc2, func(i int32) { c.count[i]++ })
	for b := range c.blocks {
		blk := &c.blocks[b]
		if blockBound(f.Point, blk) > blk.maxNear {
			continue
		}
		m := 0.0
		for _, i := range blk.members {
			// Ties go to the lower slot, as in Index.nearest, so the
			// incremental result names the same facility as Compute.
			if d := chord2(c.vecs[i], sl.v); d < c.near[i] || d == c.near[i] && s < c.nearSlot[i] {
				c.near[i], c.nearSlot[i] = d, s
			}
			m = max(m, c.near[i])
		}
		blk.maxNear = m
	}
}

// MoveFacility moves facility id to p and updates coverage; unknown ids are
// ignored.
func (c *Coverage) MoveFacility(id string, p Point) {
	f, ok := c.idx.Get(id)
	if !ok {
		return
	}
	c.RemoveFacility(id)
	f.Point = p
	c.AddFacility(f)
}

// RemoveFacility removes facility id and updates coverage: counts drop
// within its radius, and the communities it was nearest to look for their
// next nearest facility. Unknown ids are ignored.
func (c *Coverage) RemoveFacility(id string) {
	s, ok := c.idx.byID[id]
	if !ok {
		return
	}
	sl := c.idx.slots[s]
	c.idx.Remove(id)
	if !sl.f.Active {
		return
	}
	c.forWithin(sl.f.Point, sl.v, sl.rc2, func(i int32) { c.count[i]-- })
	for b := range c.blocks {
		blk := &c.blocks[b]
		if blockBound(sl.f.Point, blk) > blk.maxNear {
			continue
		}
		changed := false
		for _, i := range blk.members {
			if c.nearSlot[i] == s {
				c.nearSlot[i], c.near[i] = c.idx.nearest(nil, c.comms[i].Point, c.vecs[i], 0)
				changed = true
			}
		}
		if changed {
			c.refreshBlock(b)
		}
	}
}

// forWithin calls fn for each community within the squared chord rc2 of p.
func (c *Coverage) forWithin(p Point, v vec, rc2 float64, fn func(i int32)) {
	r0, r1, c0, c1 := window(p, arcFromChord2(rc2))
	for r := r0; r <= r1; r++ {
		for col := c0; col <= c1; col++ {
			j, ok := c.cells.get(r, col)
			if !ok {
				continue
			}
			for _, i := range c.cellList[j].members {
				if chord2(c.vecs[i], v) <= rc2 {
					fn(i)
				}
			}
		}
	}
}

// Stats aggregates coverage over the communities whose code starts with
// prefix ("" for all): the division code is hierarchical, so a prefix is a
// province, city, county or township.
func (c *Coverage) Stats(prefix string) CoverageStats {
	return c.StatsFunc(func(cm *Community) bool { return strings.HasPrefix(cm.Code, prefix) })
}

// StatsFunc aggregates coverage over the communities keep accepts, for
// breakdowns such as urban/rural or mountainous.
func (c *Coverage) StatsFunc(keep func(*Community) bool) CoverageStats {
	var st CoverageStats
	var dists []float64
	for i := range c.comms {
		cm := &c.comms[i]
		if c.hidden[i] || !keep(cm) {
			continue
		}
		st.Communities++
		st.Population += cm.Population
		if c.count[i] > 0 {
			st.Covered++
			st.CoveredPopulation += cm.Population
		}
		if c.nearSlot[i] >= 0 {
			dists = append(dists, c.near[i])
		}
	}
	st.Reached = len(dists)
	if len(dists) > 0 {
		// Chords sort like arcs, so convert only the two picked values.
		slices.Sort(dists)
		st.MedianNearest = arcFromChord2(dists[rank(len(dists), 0.5)])
		st.P90Nearest = arcFromChord2(dists[rank(len(dists), 0.9)])
	}
	return st
}

// rank is the nearest-rank percentile index: ceil(q·n) − 1.
func rank(n int, q float64) int {
	return max(0, int(math.Ceil(q*float64(n)))-1)
}

package geo

import (
	"math"
	"slices"
)

// cellDeg is the grid step in degrees for both latitude and longitude. At
// about 5.5 km it is close to the largest service radius, so a radius query
// touches a 3×3 block of cells in most of China; the longitude window is
// widened per query by 1/cos(lat) instead of varying the cell width.
const cellDeg = 0.05

// levelDeg are the cell sizes of the grid levels. Radius queries use only
// the finest. Nearest searches start there and climb to coarser levels after
// a few empty rings, so that a point 300 km from any facility (western
// China) costs a few dozen cell visits instead of tens of thousands.
var levelDeg = [...]float64{cellDeg, 8 * cellDeg, 64 * cellDeg}

// fineRings is how many rings a non-final level searches before climbing.
const fineRings = 2

// cellKey packs a (row, col) grid position into a map key.
func cellKey(row, col int32) int64 { return int64(row)<<32 | int64(uint32(col)) }

func cellOf(p Point) (row, col int32) { return cellAt(p, cellDeg) }

func cellAt(p Point, deg float64) (row, col int32) {
	return int32(math.Floor((p.Lat + 90) / deg)), int32(math.Floor((p.Lng + 180) / deg))
}

// window returns the inclusive cell ranges that hold every point within
// metres of p. The longitude half-width is the exact extent of a spherical
// cap, asin(sin δ / cos φ); near the poles the whole circle is scanned.
func window(p Point, metres float64) (r0, r1, c0, c1 int32) {
	δ := metres / EarthRadius
	dLat := δ/degToRad + 1e-9
	r0 = int32(math.Floor((p.Lat - dLat + 90) / cellDeg))
	r1 = int32(math.Floor((p.Lat + dLat + 90) / cellDeg))
	cosφ := math.Cos(p.Lat * degToRad)
	s := math.Sin(math.Min(δ, math.Pi/2))
	if math.Abs(p.Lat)+dLat >= 90 || s >= cosφ {
		return r0, r1, 0, int32(360 / cellDeg)
	}
	dLng := math.Asin(s/cosφ)/degToRad + 1e-9
	c0 = int32(math.Floor((p.Lng - dLng + 180) / cellDeg))
	c1 = int32(math.Floor((p.Lng + dLng + 180) / cellDeg))
	return r0, r1, c0, c1
}

// cellWindow returns the inclusive cell ranges that hold every point within
// metres of any point of cell (row, col): the cell's own extent widened as
// window widens a point, at the cell's latitude farthest from the equator.
func cellWindow(row, col int32, metres float64) (r0, r1, c0, c1 int32) {
	δ := metres / EarthRadius
	k := int32(math.Ceil((δ/degToRad + 1e-9) / cellDeg))
	r0, r1 = row-k, row+k
	latLo := float64(row)*cellDeg - 90
	φ := math.Max(math.Abs(latLo), math.Abs(latLo+cellDeg)) * degToRad
	s := math.Sin(math.Min(δ, math.Pi/2))
	if φ+δ >= math.Pi/2 || s >= math.Cos(φ) {
		return r0, r1, 0, int32(360 / cellDeg)
	}
	kc := int32(math.Ceil((math.Asin(s/math.Cos(φ))/degToRad + 1e-9) / cellDeg))
	return r0, r1, col - kc, col + kc
}

// ringBound is a lower bound, in metres, on the distance from p to any point
// outside the (2k+1)² block of cells centred on p's cell: such a point differs
// from p by at least k cells in latitude or in longitude, and the distance to
// a meridian Δλ away is asin(cos φ · sin Δλ), never more than the latitude gap.
func ringBound(p Point, k int32, deg float64) float64 {
	d := math.Min(float64(k)*deg*degToRad, math.Pi/2)
	return EarthRadius * math.Asin(math.Cos(p.Lat*degToRad)*math.Sin(d))
}

// ringBoundChord2 is chord2For(ringBound(p, k, deg)) with cosφ = cos(p.Lat)
// computed once per search, and one sine instead of four trigonometric
// calls per ring: the chord of an arc θ with sin θ = s is
// 2s²/(1+√(1−s²)) squared, written so that small arcs lose no precision.
// It is shrunk by a relative 1e-9 so that rounding can only make it a
// lower bound still; the nearest searches of a full Compute spent a third
// of their time in the exact form.
func ringBoundChord2(cosφ float64, k int32, deg float64) float64 {
	d := math.Min(float64(k)*deg*degToRad, math.Pi/2)
	s := cosφ * math.Sin(d)
	return 2 * s * s / (1 + math.Sqrt(1-s*s)) * (1 - 1e-9)
}

// Facility is a service point as the index sees it: an identifier, a location,
// the service radius in metres and whether it is in use. Inactive facilities
// (planned or closed) stay in the index but are ignored by every query, so
// a "what if" can switch one on without re-inserting it.
type Facility struct {
	ID     string
	Point  Point
	Radius float64
	Active bool
}

type slot struct {
	f   Facility
	v   vec
	rc2 float64 // chord2For(f.Radius), cached for the hot loops
	key [len(levelDeg)]int64
	pos [len(levelDeg)]int32 // position in level[l].cells[key[l]]
	// placed is false for inactive facilities, which are kept out of the
	// cells so that query loops need not skip them.
	placed bool
}

// entry is a facility as stored in a cell: a copy of what the hot loops
// read, so that a scan touches one contiguous slice and not the slots.
type entry struct {
	v   vec
	rc2 float64
	s   int32
}

// level is one grid resolution.
type level struct {
	deg   float64
	cells map[int64][]entry
	// The occupied extent only grows; it ends ring searches early.
	minRow, maxRow, minCol, maxCol int32
}

// Index is a fixed-degree grid of facilities with constant-time insert, move
// and remove. Longitudes do not wrap at the antimeridian, which China never
// reaches. It is not safe for concurrent mutation; concurrent reads are
// fine.
type Index struct {
	levels [len(levelDeg)]level
	slots  []slot
	byID   map[string]int32
	free   []int32
	// maxRadius only grows: it bounds the search window of Covering, and
	// shrinking it on removal would need a scan for little gain.
	maxRadius float64
	n         int
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	x := &Index{byID: make(map[string]int32)}
	for l, deg := range levelDeg {
		x.levels[l] = level{
			deg: deg, cells: make(map[int64][]entry),
			minRow: math.MaxInt32, minCol: math.MaxInt32,
			maxRow: math.MinInt32, maxCol: math.MinInt32,
		}
	}
	return x
}

// Grow makes room for n more facilities, so that loading many at once
// (100k at start-up) does not grow the slot array and the tables step by
// step: that growth was a third of the time of building the index.
func (x *Index) Grow(n int) {
	x.slots = slices.Grow(x.slots, n)
	if len(x.byID) == 0 {
		x.byID = make(map[string]int32, n)
	}
	for l := range x.levels {
		// Coarser levels hold fewer, fuller cells.
		if lv := &x.levels[l]; len(lv.cells) == 0 {
			lv.cells = make(map[int64][]entry, n>>(3*l+1))
		}
	}
}

// AddAll adds fs as Add would one at a time. Into an empty index and with
// distinct IDs, it builds the cells in bulk: the trigonometry in parallel,
// each level's cells counted and laid out in one array, one map store per
// cell instead of an append per facility and level. That builds 100k
// facilities about twice as fast, which matters because a server loads
// them all at start and the benchmark times coverage from raw points.
func (x *Index) AddAll(fs []Facility) {
	if x.n > 0 || len(x.slots) > 0 {
		for _, f := range fs {
			x.Add(f)
		}
		return
	}
	x.Grow(len(fs))
	for i, f := range fs {
		if _, dup := x.byID[f.ID]; dup {
			clear(x.byID)
			for _, f := range fs {
				x.Add(f)
			}
			return
		}
		x.byID[f.ID] = int32(i)
	}
	x.slots = x.slots[:len(fs)]
	parallel(len(fs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sl := &x.slots[i]
			*sl = slot{f: fs[i], v: toVec(fs[i].Point), rc2: chord2For(fs[i].Radius), placed: fs[i].Active}
			for l := range x.levels {
				if sl.placed {
					sl.key[l] = cellKey(cellAt(sl.f.Point, levelDeg[l]))
				}
			}
		}
	})
	for _, f := range fs {
		x.maxRadius = max(x.maxRadius, f.Radius)
	}
	x.n = len(fs)
	var keys []int64
	var placed []int32
	for s := range x.slots {
		if x.slots[s].placed {
			placed = append(placed, int32(s))
		}
	}
	for l := range x.levels {
		lv := &x.levels[l]
		keys = keys[:0]
		for _, s := range placed {
			k := x.slots[s].key[l]
			keys = append(keys, k)
			row, col := int32(k>>32), int32(uint32(k))
			lv.minRow, lv.maxRow = min(lv.minRow, row), max(lv.maxRow, row)
			lv.minCol, lv.maxCol = min(lv.minCol, col), max(lv.maxCol, col)
		}
		var cl cellLookup
		uniq, cellID := cl.group(keys)
		start := make([]int32, len(uniq)+1)
		for _, j := range cellID {
			start[j+1]++
		}
		for j := 1; j < len(start); j++ {
			start[j] += start[j-1]
		}
		ents := make([]entry, len(keys))
		next := slices.Clone(start[:len(uniq)])
		for n, j := range cellID {
			s := placed[n]
			sl := &x.slots[s]
			ents[next[j]] = entry{sl.v, sl.rc2, s}
			sl.pos[l] = next[j] - start[j]
			next[j]++
		}
		for j, k := range uniq {
			// Capacity ends at the cell's own share, so that a later Add
			// to this cell copies it instead of overwriting the next.
			lv.cells[k] = ents[start[j]:start[j+1]:start[j+1]]
		}
	}
}

// Len returns the number of facilities, active or not.
func (x *Index) Len() int { return x.n }

// Get returns the facility with the given id.
func (x *Index) Get(id string) (Facility, bool) {
	s, ok := x.byID[id]
	if !ok {
		return Facility{}, false
	}
	return x.slots[s].f, true
}

// Add inserts f, replacing any facility with the same ID.
func (x *Index) Add(f Facility) {
	x.add(f)
}

func (x *Index) add(f Facility) int32 {
	if _, ok := x.byID[f.ID]; ok {
		x.Remove(f.ID)
	}
	var s int32
	if n := len(x.free); n > 0 {
		s = x.free[n-1]
		x.free = x.free[:n-1]
	} else {
		s = int32(len(x.slots))
		x.slots = append(x.slots, slot{})
	}
	x.slots[s] = slot{f: f}
	x.byID[f.ID] = s
	x.place(s)
	if f.Radius > x.maxRadius {
		x.maxRadius = f.Radius
	}
	x.n++
	return s
}

// place puts slot s into the cells of its point, one per level.
func (x *Index) place(s int32) {
	sl := &x.slots[s]
	sl.v = toVec(sl.f.Point)
	sl.rc2 = chord2For(sl.f.Radius)
	sl.placed = sl.f.Active
	if !sl.placed {
		return
	}
	for l := range x.levels {
		lv := &x.levels[l]
		row, col := cellAt(sl.f.Point, lv.deg)
		sl.key[l] = cellKey(row, col)
		c := lv.cells[sl.key[l]]
		sl.pos[l] = int32(len(c))
		lv.cells[sl.key[l]] = append(c, entry{sl.v, sl.rc2, s})
		lv.minRow, lv.maxRow = min(lv.minRow, row), max(lv.maxRow, row)
		lv.minCol, lv.maxCol = min(lv.minCol, col), max(lv.maxCol, col)
	}
}

// unplace removes slot s from its cells by swapping in each cell's last
// entry, which keeps removal O(1).
func (x *Index) unplace(s int32) {
	sl := &x.slots[s]
	if !sl.placed {
		return
	}
	for l := range x.levels {
		lv := &x.levels[l]
		c := lv.cells[sl.key[l]]
		last := c[len(c)-1]
		c[sl.pos[l]] = last
		x.slots[last.s].pos[l] = sl.pos[l]
		c = c[:len(c)-1]
		if len(c) == 0 {
			delete(lv.cells, sl.key[l])
		} else {
			lv.cells[sl.key[l]] = c
		}
	}
}

// Move relocates the facility id to p; unknown ids are ignored.
func (x *Index) Move(id string, p Point) {
	s, ok := x.byID[id]
	if !ok {
		return
	}
	x.unplace(s)
	x.slots[s].f.Point = p
	x.place(s)
}

// Remove deletes the facility id; unknown ids are ignored.
func (x *Index) Remove(id string) {
	s, ok := x.byID[id]
	if !ok {
		return
	}
	x.unplace(s)
	x.slots[s] = slot{}
	delete(x.byID, id)
	x.free = append(x.free, s)
	x.n--
}

// Nearest returns the closest active facility to p and its distance in
// metres. maxDist > 0 limits the search; maxDist <= 0 means unlimited. ok is
// false when no active facility is within reach.
func (x *Index) Nearest(p Point, maxDist float64) (id string, dist float64, ok bool) {
	s, c2 := x.nearest(nil, p, toVec(p), maxDist)
	if s < 0 {
		return "", 0, false
	}
	return x.slots[s].f.ID, arcFromChord2(c2), true
}

// nearest searches rings of cells outwards from p's cell until the best
// distance found is within the lower bound of everything not yet visited,
// moving to a coarser level after fineRings rings. Facilities seen again on a
// coarser level are harmless: only the minimum matters. Cells are read from
// snap when it is not nil (during Compute), else from the maps.
func (x *Index) nearest(snap *snapshot, p Point, v vec, maxDist float64) (best int32, bestC2 float64) {
	best, bestC2 = -1, math.Inf(1)
	limit := math.Inf(1)
	if maxDist > 0 {
		limit = chord2For(maxDist)
	}
	cosφ := math.Cos(p.Lat * degToRad)
	for l := range x.levels {
		lv := &x.levels[l]
		row, col := cellAt(p, lv.deg)
		visit := func(r, c int32) {
			for _, e := range x.cells(snap, l, r, c) {
				if d := chord2(v, e.v); d <= limit && (d < bestC2 || d == bestC2 && e.s < best) {
					best, bestC2 = e.s, d
				}
			}
		}
		last := l == len(x.levels)-1
		for k := int32(0); last || k <= fineRings; k++ {
			lv.ring(row, col, k, visit)
			if row-k <= lv.minRow && row+k >= lv.maxRow && col-k <= lv.minCol && col+k >= lv.maxCol {
				// The rings visited so far hold the whole occupied extent.
				return best, bestC2
			}
			b2 := ringBoundChord2(cosφ, k, lv.deg)
			if bestC2 <= b2 || b2 > limit {
				return best, bestC2
			}
		}
	}
	return best, bestC2
}

// ring calls visit for each cell at Chebyshev distance k from (row, col),
// skipping rows and columns outside the occupied extent.
func (lv *level) ring(row, col, k int32, visit func(r, c int32)) {
	if k == 0 {
		visit(row, col)
		return
	}
	c0, c1 := max(col-k, lv.minCol), min(col+k, lv.maxCol)
	for _, r := range [2]int32{row - k, row + k} {
		if r < lv.minRow || r > lv.maxRow {
			continue
		}
		for c := c0; c <= c1; c++ {
			visit(r, c)
		}
	}
	r0, r1 := max(row-k+1, lv.minRow), min(row+k-1, lv.maxRow)
	for _, c := range [2]int32{col - k, col + k} {
		if c < lv.minCol || c > lv.maxCol {
			continue
		}
		for r := r0; r <= r1; r++ {
			visit(r, c)
		}
	}
}

// Covering returns the ids of the active facilities whose own radius
// reaches p, in no particular order.
func (x *Index) Covering(p Point) []string {
	var ids []string
	x.covering(p, toVec(p), func(s int32) { ids = append(ids, x.slots[s].f.ID) })
	return ids
}

// covering calls fn for each active facility slot whose radius reaches p.
func (x *Index) covering(p Point, v vec, fn func(s int32)) {
	if x.n == 0 {
		return
	}
	r0, r1, c0, c1 := window(p, x.maxRadius)
	cells := x.levels[0].cells
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			for _, e := range cells[cellKey(r, c)] {
				if chord2(v, e.v) <= e.rc2 {
					fn(e.s)
				}
			}
		}
	}
}

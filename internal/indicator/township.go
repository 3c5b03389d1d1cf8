package indicator

import (
	"slices"

	"shequ"
)

// Townships pre-aggregate their communities per cell. A report of a county
// or anything above then adds one vector per township and cell instead of
// one per community: the communities of a township mostly share their
// region, township kind and terrain, and differ in kind and urban-rural
// code, so a township of 15 communities has a handful of cells. Townships
// are rebuilt when one of their communities changes (Refresh) and all of
// them when the targets change.

// township is the aggregate of the communities [lo, hi) sharing code.
type township struct {
	code   string
	lo, hi int
	cells  []uint16 // distinct cells of its communities
	vecs   []vec    // their sums, parallel to cells
}

// buildTownships groups the communities by township and aggregates them.
func (d *data) buildTownships() {
	d.townships = d.townships[:0]
	n := d.codes.Len()
	for lo := 0; lo < n; {
		code := d.codes.At(lo)[:9]
		hi := lo + 1
		for hi < n && d.codes.At(hi)[:9] == code {
			hi++
		}
		d.townships = append(d.townships, township{code: code, lo: lo, hi: hi})
		d.aggregate(len(d.townships) - 1)
		lo = hi
	}
}

// aggregate recomputes the cells of township t from its communities.
func (d *data) aggregate(t int) {
	tw := &d.townships[t]
	tw.cells, tw.vecs = tw.cells[:0], tw.vecs[:0]
	for i := tw.lo; i < tw.hi; i++ {
		k := slices.Index(tw.cells, d.cells[i])
		if k < 0 {
			tw.cells = append(tw.cells, d.cells[i])
			tw.vecs = append(tw.vecs, make(vec, nCounters))
			k = len(tw.cells) - 1
		}
		// Core-only like its communities until one has module data.
		v := d.vec(i)
		if len(v) > len(tw.vecs[k]) {
			w := make(vec, d.width)
			copy(w, tw.vecs[k])
			tw.vecs[k] = w
		}
		tw.vecs[k].add(v)
	}
}

// townshipOf returns the index of the township of community i.
func (d *data) townshipOf(i int) int {
	t, _ := slices.BinarySearchFunc(d.townships, d.codes.At(i)[:9], func(tw township, code string) int {
		switch {
		case tw.code < code:
			return -1
		case tw.code > code:
			return 1
		}
		return 0
	})
	return t
}

// townshipSpan returns the range of townships under prefix (shorter than 9
// digits; "" all).
func (d *data) townshipSpan(prefix string) (int, int) {
	if prefix == "" {
		return 0, len(d.townships)
	}
	cmp := func(tw township, p string) int {
		switch {
		case tw.code < p:
			return -1
		case tw.code > p:
			return 1
		}
		return 0
	}
	lo, _ := slices.BinarySearchFunc(d.townships, prefix, cmp)
	hi, _ := slices.BinarySearchFunc(d.townships, prefix+":", cmp)
	return lo, hi
}

// SetTerrain records the terrain of community code after its location was
// edited (sqlstore.LocationService): the terrain is one of the attributes
// of its cell, so the community moves to another row of the terrain
// breakdown, as a full load would put it. Unknown codes are ignored; true
// when the terrain was not the engine's already.
func (e *Engine) SetTerrain(code string, t shequ.Terrain) bool {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.data
	if d == nil {
		return false
	}
	i := d.find(code, -1)
	if i < 0 {
		return false
	}
	region, kind, ur, tw, _ := cellAttrs(int(d.cells[i]))
	c := cellOf(region, kind, ur, tw, max(slices.Index(terrainValues, t), 0))
	if c == d.cells[i] {
		return false
	}
	d.cells[i] = c
	d.aggregate(d.townshipOf(i))
	d.asOf = e.Now()
	return true
}

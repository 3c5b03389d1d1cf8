package geo

import (
	"math"
	"slices"
)

// Communities change rarely (a location corrected, a village newly
// surveyed), but when one does the update must not cost a full Compute:
// SetCommunity moves it between grid cells and blocks and asks the index
// for its covering count and nearest facility, which is what Compute would
// have found for it. Communities are never deleted; one that loses its
// location is hidden: it keeps its slot but no cell, block or figure counts
// it.

// codes returns the map from community code to index, built on first use:
// a full computation (the benchmark, a national load) never needs it, and
// 620k string keys cost about a third of it. Safe for concurrent readers.
func (c *Coverage) codes() map[string]int32 {
	c.byCodeOnce.Do(func() {
		c.byCode = make(map[string]int32, len(c.comms))
		for i := range c.comms {
			c.byCode[c.comms[i].Code] = int32(i)
		}
	})
	return c.byCode
}

// Find returns the index of the community with code, -1 when there is none
// (hidden ones included).
func (c *Coverage) Find(code string) int {
	if i, ok := c.codes()[code]; ok {
		return int(i)
	}
	return -1
}

// Hidden reports whether community i was hidden by HideCommunity.
func (c *Coverage) Hidden(i int) bool { return c.hidden[i] }

// SetCommunity adds cm, or replaces the community with the same code
// (showing it again if it was hidden), and computes its coverage and
// nearest facility. It returns the community's index.
func (c *Coverage) SetCommunity(cm Community) int {
	i, ok := c.codes()[cm.Code]
	if !ok {
		i = int32(len(c.comms))
		c.comms = append(c.comms, cm)
		c.vecs = append(c.vecs, vec{})
		c.count = append(c.count, 0)
		c.near = append(c.near, math.Inf(1))
		c.nearSlot = append(c.nearSlot, -1)
		c.hidden = append(c.hidden, true)
		c.byCode[cm.Code] = i
	}
	if !c.hidden[i] {
		c.unplaceCommunity(i)
	}
	c.comms[i] = cm
	c.vecs[i] = toVec(cm.Point)
	c.hidden[i] = false
	c.placeCommunity(i)
	var n int32
	c.idx.covering(cm.Point, c.vecs[i], func(int32) { n++ })
	c.count[i] = n
	c.nearSlot[i], c.near[i] = c.idx.nearest(nil, cm.Point, c.vecs[i], 0)
	b := c.blockOf[blockKey(cm.Point)]
	c.blocks[b].maxNear = max(c.blocks[b].maxNear, c.near[i])
	return int(i)
}

// HideCommunity takes the community with code out of every figure (it lost
// its location). Unknown codes are ignored.
func (c *Coverage) HideCommunity(code string) {
	i, ok := c.codes()[code]
	if !ok || c.hidden[i] {
		return
	}
	c.unplaceCommunity(i)
	c.hidden[i] = true
	c.count[i], c.near[i], c.nearSlot[i] = 0, math.Inf(1), -1
}

// blockKey is the key of the coarse block holding p.
func blockKey(p Point) int64 {
	return cellKey(int32(math.Floor(p.Lat/blockDeg)), int32(math.Floor(p.Lng/blockDeg)))
}

// placeCommunity adds community i to its grid cell and block. A new cell
// goes to the end of the cell list: Compute's result for a community does
// not depend on the order in which cells are worked through.
func (c *Coverage) placeCommunity(i int32) {
	p := c.comms[i].Point
	row, col := cellOf(p)
	j, ok := c.cells.get(row, col)
	if !ok {
		j = int32(len(c.cellList))
		c.cellList = append(c.cellList, commCell{row: row, col: col})
		c.cells.set(row, col, j)
	}
	cl := &c.cellList[j]
	cl.members = append(cl.members, i)
	cl.vecs = append(cl.vecs, c.vecs[i])
	cl.pts = append(cl.pts, p)
	bk := blockKey(p)
	b, ok := c.blockOf[bk]
	if !ok {
		br, bc := math.Floor(p.Lat/blockDeg), math.Floor(p.Lng/blockDeg)
		b = int32(len(c.blocks))
		c.blockOf[bk] = b
		c.blocks = append(c.blocks, block{latMin: br * blockDeg, latMax: (br + 1) * blockDeg,
			lngMin: bc * blockDeg, lngMax: (bc + 1) * blockDeg})
	}
	c.blocks[b].members = append(c.blocks[b].members, i)
}

// unplaceCommunity removes community i from its grid cell and block. The
// cell's slices are its own (their capacity ends where the next cell's
// begin), so deleting in place touches no other cell.
func (c *Coverage) unplaceCommunity(i int32) {
	p := c.comms[i].Point
	row, col := cellOf(p)
	if j, ok := c.cells.get(row, col); ok {
		cl := &c.cellList[j]
		if k := slices.Index(cl.members, i); k >= 0 {
			cl.members = slices.Delete(cl.members, k, k+1)
			cl.vecs = slices.Delete(cl.vecs, k, k+1)
			cl.pts = slices.Delete(cl.pts, k, k+1)
		}
	}
	b := c.blockOf[blockKey(p)]
	blk := &c.blocks[b]
	blk.members = slices.DeleteFunc(blk.members, func(j int32) bool { return j == i })
	c.refreshBlock(int(b))
}

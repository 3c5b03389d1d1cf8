package geo

import (
	"cmp"
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

// Find returns the index of the community with code, -1 when there is none
// (hidden ones included).
func (c *Coverage) Find(code string) int {
	if i, ok := c.byCode[code]; ok {
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
	i, ok := c.byCode[cm.Code]
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
	c.nearSlot[i], c.near[i] = c.idx.nearest(cm.Point, c.vecs[i], 0)
	b := c.blockOf[blockKey(cm.Point)]
	c.blocks[b].maxNear = max(c.blocks[b].maxNear, c.near[i])
	return int(i)
}

// HideCommunity takes the community with code out of every figure (it lost
// its location). Unknown codes are ignored.
func (c *Coverage) HideCommunity(code string) {
	i, ok := c.byCode[code]
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

// placeCommunity adds community i to its grid cell and block.
func (c *Coverage) placeCommunity(i int32) {
	p := c.comms[i].Point
	row, col := cellOf(p)
	k := cellKey(row, col)
	if _, ok := c.cells[k]; !ok {
		c.cellList = append(c.cellList, commCell{row: row, col: col})
		slices.SortFunc(c.cellList, func(a, b commCell) int {
			return cmp.Or(cmp.Compare(a.row, b.row), cmp.Compare(a.col, b.col))
		})
	}
	c.cells[k] = append(c.cells[k], i)
	c.syncCell(row, col)
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

// unplaceCommunity removes community i from its grid cell and block.
func (c *Coverage) unplaceCommunity(i int32) {
	p := c.comms[i].Point
	row, col := cellOf(p)
	k := cellKey(row, col)
	c.cells[k] = slices.DeleteFunc(c.cells[k], func(j int32) bool { return j == i })
	c.syncCell(row, col)
	b := c.blockOf[blockKey(p)]
	blk := &c.blocks[b]
	blk.members = slices.DeleteFunc(blk.members, func(j int32) bool { return j == i })
	c.refreshBlock(int(b))
}

// syncCell gives Compute's cell list the current members of a cell.
func (c *Coverage) syncCell(row, col int32) {
	j, ok := slices.BinarySearchFunc(c.cellList, commCell{row: row, col: col}, func(a, b commCell) int {
		return cmp.Or(cmp.Compare(a.row, b.row), cmp.Compare(a.col, b.col))
	})
	if ok {
		c.cellList[j].members = c.cells[cellKey(row, col)]
	}
}

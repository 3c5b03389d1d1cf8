package geo

import (
	"math"
	"slices"
)

// grid is a read-only snapshot of one index level as a dense array over its
// occupied extent, in compressed-row form: the entries of cell (r, c) are
// ents[start[k]:start[k+1]] with k = (r-row0)·cols + (c-col0). A full
// Compute looks up millions of cells; an array index instead of a map probe
// per cell, and one contiguous copy per row of a window, made it about twice
// as fast. Mutations keep using the maps, so a snapshot is taken per Compute
// and thrown away.
type grid struct {
	row0, col0 int32
	rows, cols int32
	start      []int32
	ents       []entry
}

// maxGridCells bounds a snapshot's array: beyond it (facilities spread over
// much of the globe) the maps stay in use. China's extent at the finest
// level is about 0.9 million cells.
const maxGridCells = 1 << 22

// freeze returns a snapshot of level l, or nil when the level is empty or
// its extent is too large to be worth an array.
func (x *Index) freeze(l int) *grid {
	lv := &x.levels[l]
	if len(lv.cells) == 0 {
		return nil
	}
	rows, cols := int64(lv.maxRow-lv.minRow+1), int64(lv.maxCol-lv.minCol+1)
	if rows*cols > maxGridCells {
		return nil
	}
	g := &grid{row0: lv.minRow, col0: lv.minCol, rows: int32(rows), cols: int32(cols),
		start: make([]int32, rows*cols+1)}
	n := 0
	for k, es := range lv.cells {
		g.start[g.pos(int32(k>>32), int32(uint32(k)))+1] = int32(len(es))
		n += len(es)
	}
	for i := 1; i < len(g.start); i++ {
		g.start[i] += g.start[i-1]
	}
	g.ents = make([]entry, n)
	for k, es := range lv.cells {
		copy(g.ents[g.start[g.pos(int32(k>>32), int32(uint32(k)))]:], es)
	}
	return g
}

func (g *grid) pos(r, c int32) int { return int(r-g.row0)*int(g.cols) + int(c-g.col0) }

// cell returns the entries of cell (r, c); nil outside the extent.
func (g *grid) cell(r, c int32) []entry {
	if r < g.row0 || r >= g.row0+g.rows || c < g.col0 || c >= g.col0+g.cols {
		return nil
	}
	k := g.pos(r, c)
	return g.ents[g.start[k]:g.start[k+1]]
}

// appendRow appends the entries of cells c0..c1 of row r, which are
// contiguous in ents, to buf.
func (g *grid) appendRow(buf []entry, r, c0, c1 int32) []entry {
	if r < g.row0 || r >= g.row0+g.rows {
		return buf
	}
	c0, c1 = max(c0, g.col0), min(c1, g.col0+g.cols-1)
	if c0 > c1 {
		return buf
	}
	return append(buf, g.ents[g.start[g.pos(r, c0)]:g.start[g.pos(r, c1)+1]]...)
}

// snapshot is a frozen copy of every level, nil where a level keeps its map.
type snapshot [len(levelDeg)]*grid

func (x *Index) snapshot() *snapshot {
	var s snapshot
	for l := range x.levels {
		s[l] = x.freeze(l)
	}
	return &s
}

// cells returns the entries of cell (r, c) of level l, from the snapshot
// when there is one, else from the level's map.
func (x *Index) cells(s *snapshot, l int, r, c int32) []entry {
	if s != nil && s[l] != nil {
		return s[l].cell(r, c)
	}
	return x.levels[l].cells[cellKey(r, c)]
}

// cellLookup maps the grid cells of communities to their positions in
// Coverage.cellList: a dense array over the occupied extent when it is small
// enough (China's is about 0.9 million cells), else a map.
type cellLookup struct {
	row0, col0, rows, cols int32
	dense                  []int32 // position + 1; 0 for an empty cell
	m                      map[int64]int32
}

// group numbers the distinct cells of keys in key order, which is (row,
// col) order, so that work order never varies by run, and returns them and
// each key's cell number. The dense path counts instead of probing a map per
// community, which took grouping 620k communities from about 60 ms to 10 ms.
func (cl *cellLookup) group(keys []int64) (uniq []int64, cellID []int32) {
	cellID = make([]int32, len(keys))
	if len(keys) == 0 {
		cl.m = map[int64]int32{}
		return nil, cellID
	}
	r0, r1 := int32(math.MaxInt32), int32(math.MinInt32)
	c0, c1 := r0, r1
	for _, k := range keys {
		r, c := int32(k>>32), int32(uint32(k))
		r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
	}
	rows, cols := int64(r1-r0+1), int64(c1-c0+1)
	if rows*cols > maxGridCells {
		cl.m = make(map[int64]int32)
		for i, k := range keys {
			id, ok := cl.m[k]
			if !ok {
				id = int32(len(uniq))
				cl.m[k] = id
				uniq = append(uniq, k)
			}
			cellID[i] = id
		}
		slices.Sort(uniq)
		rank := make([]int32, len(uniq))
		for j, k := range uniq {
			rank[cl.m[k]] = int32(j)
			cl.m[k] = int32(j)
		}
		for i := range cellID {
			cellID[i] = rank[cellID[i]]
		}
		return uniq, cellID
	}
	cl.row0, cl.col0, cl.rows, cl.cols = r0, c0, int32(rows), int32(cols)
	cl.dense = make([]int32, rows*cols)
	pos := func(k int64) int64 { return int64(int32(k>>32)-r0)*cols + int64(int32(uint32(k))-c0) }
	for _, k := range keys {
		cl.dense[pos(k)] = 1
	}
	for p, v := range cl.dense {
		if v != 0 {
			uniq = append(uniq, cellKey(r0+int32(int64(p)/cols), c0+int32(int64(p)%cols)))
			cl.dense[p] = int32(len(uniq))
		}
	}
	for i, k := range keys {
		cellID[i] = cl.dense[pos(k)] - 1
	}
	return uniq, cellID
}

// get returns the position of cell (r, c), if it holds communities.
func (cl *cellLookup) get(r, c int32) (int32, bool) {
	if cl.dense == nil || r < cl.row0 || r >= cl.row0+cl.rows || c < cl.col0 || c >= cl.col0+cl.cols {
		// The map, or the cells added outside the dense extent since.
		j, ok := cl.m[cellKey(r, c)]
		return j, ok
	}
	j := cl.dense[int(r-cl.row0)*int(cl.cols)+int(c-cl.col0)]
	return j - 1, j > 0
}

// set records the position of a cell added after the grouping (a community
// placed where none was): in the dense array when the cell lies within its
// extent, else in the map.
func (cl *cellLookup) set(r, c, j int32) {
	if cl.dense != nil && r >= cl.row0 && r < cl.row0+cl.rows && c >= cl.col0 && c < cl.col0+cl.cols {
		cl.dense[int(r-cl.row0)*int(cl.cols)+int(c-cl.col0)] = j + 1
		return
	}
	if cl.m == nil {
		cl.m = make(map[int64]int32)
	}
	cl.m[cellKey(r, c)] = j
}

package indicator

import (
	"cmp"
	"context"
	"slices"

	"shequ"
)

// consoleAddr is RequestMeta.ClientAddr of command-line work, which is
// trusted as the stores trust it: the operator holds the database anyway.
const consoleAddr = "cli"

// authorize checks that the context may read the indicators of code.
func authorize(ctx context.Context, code string) error {
	if shequ.ActorFrom(ctx) == nil && shequ.RequestMetaFrom(ctx).ClientAddr == consoleAddr {
		return nil
	}
	return shequ.Authorize(shequ.ActorFrom(ctx), shequ.ActionIndicatorRead, &shequ.Object{Division: code})
}

// node resolves a code to the engine's state and the range of its
// communities: the malformed-code error first, then authorization, then
// ENotFound for a code that is not in the tree, so that a code outside the
// caller's scope answers exactly as an unknown one.
func (e *Engine) node(ctx context.Context, code string) (*data, int, int, error) {
	if code != "" {
		if err := shequ.ValidateDivisionCode(code); err != nil {
			return nil, 0, 0, err
		}
	}
	if err := authorize(ctx, code); err != nil {
		return nil, 0, 0, err
	}
	e.mu.RLock()
	d := e.data
	e.mu.RUnlock()
	if d == nil {
		return nil, 0, 0, errNotLoaded
	}
	if code != "" && d.name(code) == "" && d.find(code, -1) < 0 {
		return nil, 0, 0, shequ.Errorf(shequ.ENotFound, "division.not_found", "Division %s not found.", code).
			With(map[string]any{"Code": code})
	}
	lo, hi := d.span(code)
	return d, lo, hi, nil
}

// span returns the range [lo, hi) of the communities under prefix: codes are
// digits and ':' sorts right after '9', so prefix+":" bounds them all.
func (d *data) span(prefix string) (int, int) {
	return d.codes.Span(prefix)
}

// name returns the name of a division above the communities, "" if unknown.
func (d *data) name(code string) string { return d.upperName[code] }

// path returns the ancestors of code with their names, province first.
func (d *data) path(code string) []shequ.DivisionRef {
	out := []shequ.DivisionRef{}
	if code == "" {
		return out
	}
	for _, a := range shequ.AncestorCodes(code) {
		if n, ok := d.upperName[a]; ok {
			out = append(out, shequ.DivisionRef{Code: a, Name: n})
		}
	}
	return out
}

// childLength gives the code length of the children of a node.
var childLength = map[int]int{0: 2, 2: 4, 4: 6, 6: 9, 9: 12}

// IndicatorReport returns the figures of the node code ("" the whole
// country) with every breakdown of shequ.Breakdowns. It needs
// ActionIndicatorRead over the node. A community has no children rows.
func (e *Engine) IndicatorReport(ctx context.Context, code string) (*shequ.IndicatorReport, error) {
	d, lo, hi, err := e.node(ctx, code)
	if err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	rep := &shequ.IndicatorReport{
		Division:   shequ.DivisionRef{Code: code, Name: d.name(code)},
		Path:       d.path(code),
		Period:     e.Period,
		Targets:    d.targetsAt(code),
		Breakdowns: make(map[shequ.Breakdown][]shequ.IndicatorRow, len(shequ.Breakdowns)),
		AsOf:       d.asOf,
	}
	if code != "" {
		rep.Level = shequ.DivisionLevel(code)
	}
	if len(code) == 12 {
		rep.Division.Name = d.names.At(lo)
	}

	// One pass: each community is added to its child's vector and to its
	// cell; the total and the other breakdowns come from the cells.
	cells := vecs(nCells, d.width)
	cl, hasChildren := childLength[len(code)]
	var children []shequ.IndicatorRow
	child := make(vec, d.width)
	cur := ""
	flush := func() {
		if cur != "" {
			children = append(children, d.childRow(cur, child))
			clear(child)
		}
	}
	if len(code) < 9 {
		// Above the townships: one vector per township and cell.
		tlo, thi := d.townshipSpan(code)
		for t := tlo; t < thi; t++ {
			tw := &d.townships[t]
			if c := tw.code[:cl]; c != cur {
				flush()
				cur = c
			}
			for k := range tw.cells {
				child.add(tw.vecs[k])
				cells[tw.cells[k]].add(tw.vecs[k])
			}
		}
	} else {
		for i := lo; i < hi; i++ {
			v := d.vec(i)
			if hasChildren {
				if c := d.codes.At(i)[:cl]; c != cur {
					flush()
					cur = c
				}
				child.add(v)
			}
			cells[d.cells[i]].add(v)
		}
	}
	flush()
	if hasChildren {
		rep.Breakdowns[shequ.ByChild] = d.withEmptyChildren(code, cl, children)
	} else {
		rep.Breakdowns[shequ.ByChild] = []shequ.IndicatorRow{}
	}
	total := make(vec, d.width)
	for i := range cells {
		total.add(cells[i])
	}
	rep.Stats = d.stats(total)
	for _, b := range shequ.Breakdowns[1:] {
		rep.Breakdowns[b] = d.breakdown(b, cells)
	}
	return rep, nil
}

// childRow names a child's figures. A child of a township is a community.
func (d *data) childRow(code string, v vec) shequ.IndicatorRow {
	name := d.upperName[code]
	if len(code) == 12 {
		if i := d.find(code, -1); i >= 0 {
			name = d.names.At(i)
		}
	}
	return shequ.IndicatorRow{Key: code, Name: name, Stats: d.stats(v)}
}

// withEmptyChildren adds the children above the communities that have no
// community (so no counters), keeping code order.
func (d *data) withEmptyChildren(code string, cl int, rows []shequ.IndicatorRow) []shequ.IndicatorRow {
	if cl == 12 {
		return rows
	}
	lo, _ := slices.BinarySearch(d.upper, code)
	hi := len(d.upper)
	if code != "" {
		hi, _ = slices.BinarySearch(d.upper, code+":")
	}
	have := make(map[string]bool, len(rows))
	for _, r := range rows {
		have[r.Key] = true
	}
	added := false
	zero := make(vec, d.width)
	for _, c := range d.upper[lo:hi] {
		if len(c) == cl && !have[c] {
			rows = append(rows, d.childRow(c, zero))
			added = true
		}
	}
	if added {
		slices.SortFunc(rows, func(a, b shequ.IndicatorRow) int { return cmp.Compare(a.Key, b.Key) })
	}
	if rows == nil {
		rows = []shequ.IndicatorRow{}
	}
	return rows
}

// breakdown projects the cells on one attribute: one row per value that has
// communities, in the attribute's order, unknown ("") last.
func (d *data) breakdown(b shequ.Breakdown, cells []vec) []shequ.IndicatorRow {
	var keys []string
	var keyOf func(c int) int
	switch b {
	case shequ.ByRegion:
		keys = lastEmpty(strs(regionValues))
		keyOf = func(c int) int { r, _, _, _, _ := cellAttrs(c); return rotate(r, len(keys)) }
	case shequ.ByKind:
		keys = strs(kindValues)
		keyOf = func(c int) int { _, k, _, _, _ := cellAttrs(c); return k }
	case shequ.ByUrbanRural:
		keys = lastEmpty(strs(urValues))
		keyOf = func(c int) int { _, _, u, _, _ := cellAttrs(c); return rotate(u, len(keys)) }
	case shequ.ByUrbanClass:
		keys = UrbanRuralClasses
		keyOf = func(c int) int {
			_, _, u, _, _ := cellAttrs(c)
			return slices.Index(UrbanRuralClasses, urbanRuralClass(urValues[u]))
		}
	case shequ.ByTownshipKind:
		keys = strs(twValues)
		keyOf = func(c int) int { _, _, _, t, _ := cellAttrs(c); return t }
	case shequ.ByTerrain:
		keys = lastEmpty(strs(terrainValues))
		keyOf = func(c int) int { _, _, _, _, t := cellAttrs(c); return rotate(t, len(keys)) }
	default:
		return []shequ.IndicatorRow{}
	}
	sums := vecs(len(keys), d.width)
	for c := range cells {
		if cells[c][cCommunities] != 0 {
			sums[keyOf(c)].add(cells[c])
		}
	}
	out := []shequ.IndicatorRow{}
	for i, k := range keys {
		if sums[i][cCommunities] != 0 {
			out = append(out, shequ.IndicatorRow{Key: k, Stats: d.stats(sums[i])})
		}
	}
	return out
}

// strs converts a list of named strings.
func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = string(x)
	}
	return out
}

// lastEmpty moves the leading "" (unknown) of an attribute's values last.
func lastEmpty(keys []string) []string { return append(keys[1:len(keys):len(keys)], "") }

// rotate maps an attribute index whose 0 is unknown to its lastEmpty index.
func rotate(i, n int) int {
	if i == 0 {
		return n - 1
	}
	return i - 1
}

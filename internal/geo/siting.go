package geo

import "container/heap"

// Candidate is a possible site for a new facility.
type Candidate struct {
	ID    string
	Point Point
}

// Step is one pick of the greedy siting: the candidate, its weighted gain
// (the weight of the communities it newly covers), and the population it
// newly covers, alone and cumulated over the steps so far. The cumulative
// figure counts only what the suggestions add, not what was already covered.
type Step struct {
	Candidate         Candidate
	Gain              float64
	NewCommunities    int
	NewPopulation     int64
	CoveredPopulation int64
}

// member is a community reachable from a candidate, with its weight.
type member struct {
	i int32
	w float64
}

// Suggest proposes up to k sites for new facilities of the given radius,
// each the candidate that covers the most weight among communities not yet
// covered by an active facility or an earlier pick: the greedy heuristic for
// maximum coverage, within 1 − 1/e of the optimum. weight nil means the
// population; a weight of 0 excludes a community, which is how a caller
// restricts siting to a scope or favours relocation areas and mountains.
// nil candidates means the uncovered communities with positive weight, each
// at its own point. Picking stops early when no candidate adds anything.
func (c *Coverage) Suggest(candidates []Candidate, radius float64, k int, weight func(c Community) float64) []Step {
	if weight == nil {
		weight = func(cm Community) float64 { return float64(cm.Population) }
	}
	if candidates == nil {
		for i, cm := range c.comms {
			if c.count[i] == 0 && !c.hidden[i] && weight(cm) > 0 {
				candidates = append(candidates, Candidate{ID: cm.Code, Point: cm.Point})
			}
		}
	}
	lists := c.sitingLists(candidates, radius, weight)
	picks := greedyLazy(lists, k)
	steps := make([]Step, 0, len(picks))
	covered := make(map[int32]bool)
	var cum int64
	for _, p := range picks {
		st := Step{Candidate: candidates[p.cand], Gain: p.gain}
		for _, m := range lists[p.cand] {
			if !covered[m.i] {
				covered[m.i] = true
				st.NewCommunities++
				st.NewPopulation += c.comms[m.i].Population
			}
		}
		cum += st.NewPopulation
		st.CoveredPopulation = cum
		steps = append(steps, st)
	}
	return steps
}

// sitingLists finds, for each candidate, the uncovered communities with
// positive weight within radius, using the same predicate as the index so
// that a suggested gain is exactly what adding the facility would cover.
func (c *Coverage) sitingLists(cands []Candidate, radius float64, weight func(Community) float64) [][]member {
	rc2 := chord2For(radius)
	lists := make([][]member, len(cands))
	for j, cd := range cands {
		c.forWithin(cd.Point, toVec(cd.Point), rc2, func(i int32) {
			if c.count[i] > 0 {
				return
			}
			if w := weight(c.comms[i]); w > 0 {
				lists[j] = append(lists[j], member{i, w})
			}
		})
	}
	return lists
}

// pick is a chosen candidate and its gain at the time it was chosen.
type pick struct {
	cand int
	gain float64
}

// gainOf sums the weight of the members not yet covered. The order of
// summation is the list order, so every evaluation of the same state gives
// bit-identical floats and lazy and plain greedy agree exactly.
func gainOf(list []member, covered map[int32]bool) float64 {
	g := 0.0
	for _, m := range list {
		if !covered[m.i] {
			g += m.w
		}
	}
	return g
}

// greedyLazy is greedy maximum coverage with lazy evaluation (Minoux): gains
// only shrink as communities get covered, so a candidate's last computed gain
// is an upper bound. Pop the top; if its gain was computed in this round it
// beats every bound left and is picked, otherwise recompute and push back.
// Ties go to the lower candidate index, as in the plain greedy.
func greedyLazy(lists [][]member, k int) []pick {
	covered := make(map[int32]bool)
	h := make(boundHeap, 0, len(lists))
	for j, l := range lists {
		h = append(h, bound{cand: j, gain: gainOf(l, covered), round: 0})
	}
	heap.Init(&h)
	var picks []pick
	for round := 0; round < k && h.Len() > 0; {
		top := h[0]
		if top.round != round {
			h[0].gain = gainOf(lists[top.cand], covered)
			h[0].round = round
			heap.Fix(&h, 0)
			continue
		}
		if top.gain <= 0 {
			break
		}
		heap.Pop(&h)
		picks = append(picks, pick{top.cand, top.gain})
		for _, m := range lists[top.cand] {
			covered[m.i] = true
		}
		round++
	}
	return picks
}

// bound is a heap entry: a candidate's gain as of a given round.
type bound struct {
	cand  int
	gain  float64
	round int
}

// boundHeap is a max-heap on gain, then min on candidate index.
type boundHeap []bound

func (h boundHeap) Len() int { return len(h) }
func (h boundHeap) Less(a, b int) bool {
	if h[a].gain != h[b].gain {
		return h[a].gain > h[b].gain
	}
	return h[a].cand < h[b].cand
}
func (h boundHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *boundHeap) Push(x any)   { *h = append(*h, x.(bound)) }
func (h *boundHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

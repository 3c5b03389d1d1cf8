package coverage

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/geo"
)

// Weights of the favoured communities in siting.
const (
	relocationWeight = 2.0
	mountainWeight   = 1.5
)

// CoverageGaps lists the communities under code that no facility in use
// reaches: located ones first, by population (largest first), then by
// distance to the nearest facility (farthest first), then code; then the
// communities without a location, by code (they cannot be reached until
// located).
func (e *Engine) CoverageGaps(ctx context.Context, code string, offset, limit int) ([]*shequ.CoverageGap, int, error) {
	return e.gaps(ctx, code, offset, limit, false)
}

// WhatIfGaps is CoverageGaps as if the planned facilities under code were
// in use, as WhatIf counts them: a community one of them would reach is no
// gap.
func (e *Engine) WhatIfGaps(ctx context.Context, code string, offset, limit int) ([]*shequ.CoverageGap, int, error) {
	return e.gaps(ctx, code, offset, limit, true)
}

func (e *Engine) gaps(ctx context.Context, code string, offset, limit int, whatIf bool) ([]*shequ.CoverageGap, int, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	lo, hi, err := e.node(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	var planned map[int]bool
	if whatIf {
		var extra []geo.Facility
		for _, f := range e.planned(code) {
			g, _ := geoFacility(f)
			g.Active = true
			extra = append(extra, g)
		}
		planned = e.cov.CoveredBy(extra)
	}
	var located, unlocated []*shequ.CoverageGap
	for k := lo; k < hi; k++ {
		c := e.codes.At(k)
		g := &shequ.CoverageGap{Community: e.ref(c), Township: e.ref(c[:9]),
			Population: e.comms[c].population(), Nearest: math.NaN()}
		i := e.cov.Find(c)
		if i < 0 || e.cov.Hidden(i) {
			unlocated = append(unlocated, g)
			continue
		}
		if e.cov.Covered(i) || planned[i] {
			continue
		}
		g.Located = true
		if id, d, ok := e.cov.Nearest(i); ok {
			g.Nearest = d
			if f := e.facs[id]; f != nil {
				g.NearestName = f.Name
			}
		}
		located = append(located, g)
	}
	slices.SortStableFunc(located, func(a, b *shequ.CoverageGap) int {
		if a.Population != b.Population {
			return cmpDesc(a.Population, b.Population)
		}
		da, db := a.Nearest, b.Nearest
		if math.IsNaN(da) {
			da = math.Inf(1)
		}
		if math.IsNaN(db) {
			db = math.Inf(1)
		}
		if da != db {
			return cmpDesc(da, db)
		}
		return strings.Compare(a.Community.Code, b.Community.Code)
	})
	all := append(located, unlocated...)
	total := len(all)
	offset = max(offset, 0)
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	if offset > total {
		offset = total
	}
	return all[offset:min(offset+limit, total)], total, nil
}

func cmpDesc[T int64 | float64](a, b T) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// SuggestSites proposes the next K sites for a kind of facility in a scope:
// greedy maximum coverage with lazy evaluation over the uncovered
// communities of the scope (or the given candidate points), weighted by
// population (an unknown population weighs 1), relocation areas and
// mountainous communities favoured when asked. Each step's new population
// is exactly what a facility of the radius at that point would add to
// radius coverage: the same predicate as the coverage itself.
func (e *Engine) SuggestSites(ctx context.Context, r shequ.SitingRequest) (*shequ.SitingResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	lo, hi, err := e.node(ctx, r.Scope)
	if err != nil {
		return nil, err
	}
	before := e.figures(lo, hi, e.cov.StatsFunc(under(r.Scope)))
	weight := func(c geo.Community) float64 {
		if !strings.HasPrefix(c.Code, r.Scope) {
			return 0
		}
		w := math.Max(float64(c.Population), 1)
		if r.FavourRelocation && c.Relocation {
			w *= relocationWeight
		}
		if r.FavourMountainous && c.Mountainous {
			w *= mountainWeight
		}
		return w
	}
	var cands []geo.Candidate
	for k, c := range r.Candidates {
		cands = append(cands, geo.Candidate{ID: "candidate:" + strconv.Itoa(k), Point: geo.Point{Lat: c.Lat, Lng: c.Lng}})
	}
	steps := e.cov.Suggest(cands, float64(r.Radius), r.K, weight)
	res := &shequ.SitingResult{Request: r, Before: before, Steps: []shequ.SitingStep{}}
	for k, st := range steps {
		s := shequ.SitingStep{Rank: k + 1, Lat: st.Candidate.Point.Lat, Lng: st.Candidate.Point.Lng, Gain: st.Gain,
			NewCommunities: st.NewCommunities, NewPopulation: st.NewPopulation,
			CoveredPopulation: before.CoveredPopulation + st.CoveredPopulation}
		if j, ok := strings.CutPrefix(st.Candidate.ID, "candidate:"); ok {
			n, _ := strconv.Atoi(j)
			cand := r.Candidates[n]
			s.Name = cand.Name
			s.Community = e.nearestCommunity(st.Candidate.Point, r.Scope)
		} else {
			s.Community = st.Candidate.ID
			s.Name = e.name(s.Community)
		}
		if before.Population > 0 {
			s.PopulationCoverage = float64(s.CoveredPopulation) / float64(before.Population)
		}
		res.Steps = append(res.Steps, s)
	}
	return res, nil
}

// nearestCommunity is the located community under scope nearest to p, ""
// when there is none: the community a user's candidate point would belong
// to.
func (e *Engine) nearestCommunity(p geo.Point, scope string) string {
	best, bestD := "", math.Inf(1)
	for i := range e.cov.Len() {
		cm := e.cov.Community(i)
		if e.cov.Hidden(i) || !strings.HasPrefix(cm.Code, scope) {
			continue
		}
		if d := geo.Distance(p, cm.Point); d < bestD {
			best, bestD = cm.Code, d
		}
	}
	return best
}

// Map limits: a township or county shows whole; larger nodes are cut.
const maxMapCommunities = 20000

// CoverageMap returns the located communities and facilities under code
// for the map page, at most maxMapCommunities communities (Truncated says
// when there were more).
func (e *Engine) CoverageMap(ctx context.Context, code string) (*shequ.CoverageMap, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	lo, hi, err := e.node(ctx, code)
	if err != nil {
		return nil, err
	}
	m := &shequ.CoverageMap{Communities: []shequ.MapCommunity{}, Facilities: []shequ.MapFacility{}}
	for k := lo; k < hi; k++ {
		c := e.codes.At(k)
		i := e.cov.Find(c)
		if i < 0 || e.cov.Hidden(i) {
			continue
		}
		if len(m.Communities) == maxMapCommunities {
			m.Truncated = true
			break
		}
		g := e.cov.Community(i)
		m.Communities = append(m.Communities, shequ.MapCommunity{Code: c, Name: e.name(c), Lat: g.Point.Lat,
			Lng: g.Point.Lng, Population: g.Population, Covered: e.cov.Covered(i)})
	}
	for _, f := range e.facs {
		if f.Located() && strings.HasPrefix(f.Community, code) && f.Status != shequ.FacilityClosed {
			m.Facilities = append(m.Facilities, shequ.MapFacility{ID: f.ID, Name: f.Name, Kind: f.Kind, Status: f.Status,
				Lat: *f.Lat, Lng: *f.Lng, Radius: f.Radius})
		}
	}
	slices.SortFunc(m.Facilities, func(a, b shequ.MapFacility) int { return strings.Compare(a.ID, b.ID) })
	return m, nil
}

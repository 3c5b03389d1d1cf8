// Package coverage keeps the facility coverage of every community in memory
// (internal/geo) and answers the coverage questions of shequ: figures for
// any node, the gap list, the map, siting suggestions and "what if". It
// loads from a Source (the store) once and is then told of every change to
// a facility or a community, which it applies incrementally. It also
// contributes the "facilities" figures to the indicator engine as an
// indicator.Module.
package coverage

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"shequ"
	"shequ/internal/divtab"
	"shequ/internal/geo"
)

// Source is where the engine loads from: sqlstore.CoverageSource.
type Source interface {
	LoadCommunities(ctx context.Context, fn func(*shequ.CommunityLocation) error) error
	LoadFacilities(ctx context.Context, fn func(*shequ.Facility) error) error
	LoadDivisionNames(ctx context.Context, fn func(code, name string) error) error
}

// Names names divisions of any level. The server gives the indicator
// engine's (indicator.Engine.DivisionName), so that the country's 660,000
// division names are kept once for both engines (issue 18's memory budget).
type Names interface {
	DivisionName(code string) (string, bool)
}

// community is what the engine keeps of a community with a location
// attribute (coordinates, population, terrain, relocation tag) or a
// facility: most of the country's communities have neither, and are only
// their code in Engine.codes (a struct, a location and a map entry for each
// of them took about 120 MB of the national server's heap).
type community struct {
	loc *shequ.CommunityLocation // nil when nothing is recorded
	// Facilities registered in the community: all, in use, planned, and
	// comprehensive ones in use.
	all, inUse, planned, comprehensive int32
}

// Engine implements shequ.CoverageService.
type Engine struct {
	src     Source
	targets shequ.TargetService

	// Names, when set before Load, names the divisions; otherwise the
	// engine reads the names from the Source and keeps its own.
	Names Names

	mu     sync.RWMutex
	cov    *geo.Coverage
	codes  divtab.Codes          // every community code, sorted and packed
	comms  map[string]*community // the communities with a location attribute or a facility
	names  map[string]string     // the names of every division, when Names is not set
	facs   map[string]*shequ.Facility
	loaded bool

	// OnChange, when set, is called after a change with the communities
	// whose figures moved: wire it to the indicator engine's RefreshModule.
	OnChange func(communities ...string)
}

var _ shequ.CoverageService = (*Engine)(nil)

// New returns an engine reading from src; targets gives the rural coverage
// target (may be nil: the plan's default). Call Load before use.
func New(src Source, targets shequ.TargetService) *Engine {
	return &Engine{src: src, targets: targets}
}

// errNotLoaded answers reads before Load.
var errNotLoaded = shequ.Errorf(shequ.EUnavailable, "coverage.not_loaded",
	"Coverage is still loading; try again in a moment.")

// Load reads every community and facility and computes full coverage.
func (e *Engine) Load(ctx context.Context) error {
	comms := map[string]*community{}
	// Codes packed as they stream in (in code order from the Source; sorted
	// afterwards otherwise): a string each held 20 MB more at the national
	// start (issue 18).
	var text strings.Builder
	sorted := true
	var names map[string]string
	if e.Names == nil {
		names = map[string]string{}
	}
	var geoComms []geo.Community
	err := e.src.LoadCommunities(ctx, func(c *shequ.CommunityLocation) error {
		if t := text.String(); len(t) >= len(c.Code) && c.Code <= t[len(t)-len(c.Code):] {
			sorted = false
		}
		text.WriteString(c.Code)
		if names != nil {
			names[c.Code] = c.Name
		}
		if !recorded(c) {
			return nil
		}
		cp := *c
		cp.Name = "" // named by Names or names
		comms[c.Code] = &community{loc: &cp}
		if g, ok := geoCommunity(&cp); ok {
			geoComms = append(geoComms, g)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load communities: %w", err)
	}
	if names != nil {
		if err := e.src.LoadDivisionNames(ctx, func(code, name string) error {
			names[code] = name
			return nil
		}); err != nil {
			return fmt.Errorf("load division names: %w", err)
		}
	}
	packed := text.String()
	if !sorted {
		list := make([]string, 0, len(packed)/12)
		for i := 0; i+12 <= len(packed); i += 12 {
			list = append(list, packed[i:i+12])
		}
		slices.Sort(list)
		packed = strings.Join(list, "")
	}
	codes, err := divtab.PackedCodes(packed, 12)
	if err != nil {
		return fmt.Errorf("load communities: %w", err)
	}
	return e.install(ctx, codes, comms, names, geoComms)
}

// install reads the facilities, counts them into comms, computes the
// coverage and makes it all the engine's state (Load, LoadSnapshot).
func (e *Engine) install(ctx context.Context, codes divtab.Codes, comms map[string]*community, names map[string]string, geoComms []geo.Community) error {
	facs := map[string]*shequ.Facility{}
	idx := geo.NewIndex()
	if err := e.src.LoadFacilities(ctx, func(f *shequ.Facility) error {
		facs[f.ID] = f
		if cm := at(comms, codes, f.Community); cm != nil {
			cm.count(f, 1)
		}
		if g, ok := geoFacility(f); ok {
			idx.Add(g)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("load facilities: %w", err)
	}
	cov := geo.NewCoverage(idx, geoComms)
	e.mu.Lock()
	e.cov, e.comms, e.codes, e.names, e.facs, e.loaded = cov, comms, codes, names, facs, true
	e.mu.Unlock()
	return nil
}

// recorded reports whether a community has a location attribute.
func recorded(c *shequ.CommunityLocation) bool {
	return c.Lat != nil || c.Lng != nil || c.Population != nil || c.Terrain != "" || c.Relocation
}

// at returns what is kept of community code, made when there is nothing
// yet; nil when code is no community.
func at(comms map[string]*community, codes divtab.Codes, code string) *community {
	if cm := comms[code]; cm != nil {
		return cm
	}
	if _, ok := codes.Search(code); !ok {
		return nil
	}
	cm := &community{}
	comms[code] = cm
	return cm
}

// isCommunity reports whether code is a community the engine knows.
func (e *Engine) isCommunity(code string) bool {
	_, ok := e.codes.Search(code)
	return ok
}

// name is the name of division code, "" when unknown.
func (e *Engine) name(code string) string {
	if e.Names != nil {
		n, _ := e.Names.DivisionName(code)
		return n
	}
	return e.names[code]
}

// known reports whether code is a division the engine can name.
func (e *Engine) known(code string) bool {
	if e.isCommunity(code) {
		return true
	}
	if e.Names != nil {
		_, ok := e.Names.DivisionName(code)
		return ok
	}
	_, ok := e.names[code]
	return ok
}

// count adds (d = 1) or removes (d = -1) a facility from the community's
// counts.
func (c *community) count(f *shequ.Facility, d int32) {
	c.all += d
	switch f.Status {
	case shequ.FacilityInUse:
		c.inUse += d
		if f.Kind.Comprehensive() {
			c.comprehensive += d
		}
	case shequ.FacilityPlanned:
		c.planned += d
	}
}

// population is the recorded population of a community (nil: nothing
// recorded), 0 when unknown.
func (c *community) population() int64 {
	if c == nil || c.loc == nil || c.loc.Population == nil {
		return 0
	}
	return *c.loc.Population
}

// geoCommunity is the spatial form of a located community.
func geoCommunity(c *shequ.CommunityLocation) (geo.Community, bool) {
	if c.Lat == nil || c.Lng == nil {
		return geo.Community{}, false
	}
	g := geo.Community{Code: c.Code, Point: geo.Point{Lat: *c.Lat, Lng: *c.Lng},
		Mountainous: c.Terrain == shequ.TerrainMountain, Relocation: c.Relocation}
	if c.Population != nil {
		g.Population = *c.Population
	}
	switch shequ.DivisionKind(c.Code) {
	case shequ.KindUrban:
		g.Kind = geo.KindUrban
	case shequ.KindRural:
		g.Kind = geo.KindRural
	}
	return g, true
}

// geoFacility is the spatial form of a located facility; only those in use
// are active.
func geoFacility(f *shequ.Facility) (geo.Facility, bool) {
	if !f.Located() {
		return geo.Facility{}, false
	}
	return geo.Facility{ID: f.ID, Point: geo.Point{Lat: *f.Lat, Lng: *f.Lng}, Radius: float64(f.Radius),
		Active: f.Status == shequ.FacilityInUse}, true
}

// FacilityChanged applies a stored change: now is the facility as it is,
// before as it was (nil for a new one). Wire it to
// sqlstore.FacilityService.OnChange.
func (e *Engine) FacilityChanged(now, before *shequ.Facility) {
	e.mu.Lock()
	if !e.loaded {
		e.mu.Unlock()
		return
	}
	touched := e.reached(before)
	if before != nil {
		if cm := at(e.comms, e.codes, before.Community); cm != nil {
			cm.count(before, -1)
		}
		touched = append(touched, before.Community)
	}
	if cm := at(e.comms, e.codes, now.Community); cm != nil {
		cm.count(now, 1)
	}
	cp := *now
	e.facs[now.ID] = &cp
	if g, ok := geoFacility(now); ok {
		e.cov.AddFacility(g) // replaces the same id
	} else {
		e.cov.RemoveFacility(now.ID)
	}
	touched = append(touched, now.Community)
	touched = append(touched, e.reached(now)...)
	e.mu.Unlock()
	e.notify(touched)
}

// FacilityReloaded applies a facility as read again from the database after
// another server changed it: what it was is the engine's own copy (nil
// when new here).
func (e *Engine) FacilityReloaded(now *shequ.Facility) {
	e.mu.Lock()
	var before *shequ.Facility
	if f := e.facs[now.ID]; f != nil {
		cp := *f
		before = &cp
	}
	e.mu.Unlock()
	e.FacilityChanged(now, before)
}

// reached lists the located communities within the radius of f (its
// coverage changes when f does) and, since nearest distances change too,
// those whose nearest facility is within twice the radius: the indicator
// figures of both are recomputed. Farther communities whose nearest
// facility this was get theirs at the next full load; their coverage does
// not change.
func (e *Engine) reached(f *shequ.Facility) []string {
	if f == nil || !f.Located() {
		return nil
	}
	p := geo.Point{Lat: *f.Lat, Lng: *f.Lng}
	var out []string
	for i := range e.cov.Len() {
		if e.cov.Hidden(i) {
			continue
		}
		cm := e.cov.Community(i)
		if geo.Distance(p, cm.Point) <= 2*float64(f.Radius) {
			out = append(out, cm.Code)
		}
	}
	return out
}

// CommunityChanged applies an edit of a community's location, population,
// terrain or tag. Wire it to sqlstore.LocationService.OnChange.
func (e *Engine) CommunityChanged(c *shequ.CommunityLocation) {
	e.mu.Lock()
	if !e.loaded {
		e.mu.Unlock()
		return
	}
	cm := at(e.comms, e.codes, c.Code)
	if cm == nil {
		e.mu.Unlock()
		return
	}
	cp := *c
	cp.Name = "" // named by Names or names
	cm.loc = &cp
	if g, ok := geoCommunity(&cp); ok {
		e.cov.SetCommunity(g)
	} else {
		e.cov.HideCommunity(c.Code)
	}
	e.mu.Unlock()
	e.notify([]string{c.Code})
}

func (e *Engine) notify(codes []string) {
	if e.OnChange == nil || len(codes) == 0 {
		return
	}
	slices.Sort(codes)
	e.OnChange(slices.Compact(codes)...)
}

// consoleAddr marks trusted command-line work, as in the stores.
const consoleAddr = "cli"

// authorize checks that the context may read coverage at code.
func authorize(ctx context.Context, code string) error {
	if shequ.ActorFrom(ctx) == nil && shequ.RequestMetaFrom(ctx).ClientAddr == consoleAddr {
		return nil
	}
	return shequ.Authorize(shequ.ActorFrom(ctx), shequ.ActionFacilityRead, &shequ.Object{Division: code})
}

// node checks code and the caller, and returns the range of community codes
// under it. Call with e.mu held for reading.
func (e *Engine) node(ctx context.Context, code string) (int, int, error) {
	if code != "" {
		if err := shequ.ValidateDivisionCode(code); err != nil {
			return 0, 0, err
		}
	}
	if err := authorize(ctx, code); err != nil {
		return 0, 0, err
	}
	if !e.loaded {
		return 0, 0, errNotLoaded
	}
	if code != "" && !e.known(code) {
		return 0, 0, shequ.Errorf(shequ.ENotFound, "division.not_found", "Division %s not found.", code).
			With(map[string]any{"Code": code})
	}
	lo, hi := e.codes.Span(code)
	return lo, hi, nil
}

// ref names a division.
func (e *Engine) ref(code string) shequ.DivisionRef {
	return shequ.DivisionRef{Code: code, Name: e.name(code)}
}

func (e *Engine) path(code string) []shequ.DivisionRef {
	out := []shequ.DivisionRef{}
	for _, a := range shequ.AncestorCodes(code) {
		out = append(out, e.ref(a))
	}
	return out
}

// figures sums the figures of the communities [lo, hi), with the radius
// figures from st.
func (e *Engine) figures(lo, hi int, st geo.CoverageStats) shequ.CoverageFigures {
	var f shequ.CoverageFigures
	for i := lo; i < hi; i++ {
		code := e.codes.At(i)
		f.Communities++
		kind := shequ.DivisionKind(code)
		switch kind {
		case shequ.KindUrban:
			f.Urban++
		case shequ.KindRural:
			f.Rural++
		}
		cm := e.comms[code]
		if cm == nil {
			continue
		}
		if cm.comprehensive > 0 {
			switch kind {
			case shequ.KindUrban:
				f.UrbanWithComprehensive++
			case shequ.KindRural:
				f.RuralWithComprehensive++
			}
		}
		f.Facilities += int(cm.all)
		f.InUse += int(cm.inUse)
		f.Planned += int(cm.planned)
	}
	f.Located, f.Covered = st.Communities, st.Covered
	f.Population, f.CoveredPopulation = st.Population, st.CoveredPopulation
	f.MedianNearest, f.P90Nearest = math.NaN(), math.NaN()
	if st.Reached > 0 {
		f.MedianNearest, f.P90Nearest = st.MedianNearest, st.P90Nearest
	}
	return f
}

// under is the geo filter of the communities under code.
func under(code string) func(*geo.Community) bool {
	return func(c *geo.Community) bool { return strings.HasPrefix(c.Code, code) }
}

// report builds the report of code, with the extra facilities counted as
// in use when whatIf is set.
func (e *Engine) report(ctx context.Context, code string, whatIf bool) (*shequ.CoverageReport, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	lo, hi, err := e.node(ctx, code)
	if err != nil {
		return nil, err
	}
	rep := &shequ.CoverageReport{Division: e.ref(code), Path: e.path(code), WhatIf: []string{}}
	var st geo.CoverageStats
	if whatIf {
		var extra []geo.Facility
		for _, f := range e.planned(code) {
			g, _ := geoFacility(f)
			g.Active = true
			extra = append(extra, g)
			rep.WhatIf = append(rep.WhatIf, f.ID)
		}
		st = e.cov.StatsWith(extra, under(code))
	} else {
		st = e.cov.StatsFunc(under(code))
	}
	rep.CoverageFigures = e.figures(lo, hi, st)
	if whatIf {
		// A planned comprehensive facility gives its community one.
		gains := map[string]bool{}
		for _, f := range e.planned(code) {
			if cm := e.comms[f.Community]; cm != nil && f.Kind.Comprehensive() && cm.comprehensive == 0 && !gains[f.Community] {
				gains[f.Community] = true
				switch shequ.DivisionKind(f.Community) {
				case shequ.KindUrban:
					rep.UrbanWithComprehensive++
				case shequ.KindRural:
					rep.RuralWithComprehensive++
				}
			}
		}
	}
	rep.TargetRural = shequ.PlanTargets[shequ.TargetRuralFacilityCoverage]
	if e.targets != nil {
		if t, err := e.targets.EffectiveTargets(ctx, code, shequ.DefaultPeriod); err == nil {
			rep.TargetRural = t[shequ.TargetRuralFacilityCoverage]
		}
	}
	return rep, nil
}

// planned lists the located planned facilities under code, in id order.
func (e *Engine) planned(code string) []*shequ.Facility {
	var out []*shequ.Facility
	for _, f := range e.facs {
		if f.Status == shequ.FacilityPlanned && f.Located() && strings.HasPrefix(f.Community, code) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *shequ.Facility) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// CoverageReport returns the coverage figures of code ("" the country).
func (e *Engine) CoverageReport(ctx context.Context, code string) (*shequ.CoverageReport, error) {
	return e.report(ctx, code, false)
}

// WhatIf returns the figures as if the planned facilities under code were
// in use.
func (e *Engine) WhatIf(ctx context.Context, code string) (*shequ.CoverageReport, error) {
	return e.report(ctx, code, true)
}

// LocationDiffers reports whether c, a community's location as stored,
// differs from what the engine keeps of it: the reconcile of a server
// whose engine started from a snapshot applies those (CommunityChanged).
// A community the engine does not know never differs.
func (e *Engine) LocationDiffers(c *shequ.CommunityLocation) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !e.loaded || !e.isCommunity(c.Code) {
		return false
	}
	var kept *shequ.CommunityLocation
	if cm := e.comms[c.Code]; cm != nil {
		kept = cm.loc
	}
	if kept == nil {
		return recorded(c)
	}
	same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	samePop := (kept.Population == nil) == (c.Population == nil) && (c.Population == nil || *kept.Population == *c.Population)
	return !same(kept.Lat, c.Lat) || !same(kept.Lng, c.Lng) || !samePop || kept.Terrain != c.Terrain ||
		kept.Relocation != c.Relocation
}

package indicator

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"shequ"
	"shequ/internal/divtab"
)

// Engine keeps the counters of every community in memory and answers the
// indicator reports from them. It implements shequ.IndicatorService. Reads
// take a read lock; Refresh, RefreshTargets and Load take the write lock
// only to apply what they read from the Source, so a report never waits on
// the database.
type Engine struct {
	src     Source
	targets shequ.TargetService
	modules []Module
	// Period is the plan period whose targets apply (shequ.DefaultPeriod).
	Period string
	// Now is the clock of AsOf; time.Now by default.
	Now func() time.Time

	// refreshMu serializes the writers (load and refreshes), so that two
	// refreshes of one community cannot apply their reads out of order.
	refreshMu sync.Mutex
	mu        sync.RWMutex
	data      *data
}

// data is one consistent state of the engine.
type data struct {
	// The communities sorted by code; the slices below are parallel to it.
	// Codes and names are packed (internal/divtab: issue 18's memory budget).
	codes divtab.Codes
	names divtab.Names
	kinds []uint8  // index in kindValues
	cells []uint16 // cellOf the community's attributes
	// Counters (vec.go): every community's core counters in one array,
	// nCounters each; a community with module data has its full-width
	// vec in wide, at slot-1 (0: the core only). Read them with vec(i).
	core []int32
	slot []int32
	wide []vec
	// The width of every vec and where each module's counters sit in it.
	width   int
	modules []placed
	cover   []int32 // distinct workers homed or serving there
	// Effective targets per community: the organizations an urban or rural
	// community needs (NaN for "other" communities, which have none) and
	// the workers any community needs.
	wantOrgs, wantWorkers []float64

	// The divisions above the communities, sorted by code, and all names.
	upper     []string
	upperName map[string]string
	// The townships of the communities, in code order.
	townships []township
	// Targets stored for Period, by scope.
	targets map[string]shequ.Targets
	asOf    time.Time
}

var _ shequ.IndicatorService = (*Engine)(nil)

// New returns an engine reading from src and targets, with the figures of
// the given modules besides its own. Call Load before use.
func New(src Source, targets shequ.TargetService, modules ...Module) *Engine {
	return &Engine{src: src, targets: targets, modules: modules, Period: shequ.DefaultPeriod, Now: time.Now}
}

// Load reads every division and all counters from the Source and replaces
// the engine's state. It is the only full read; afterwards Refresh keeps the
// counters current.
func (e *Engine) Load(ctx context.Context) error { return e.LoadAfter(ctx, nil) }

// LoadAfter is Load calling wait, when not nil, once the divisions and the
// core counters are read and before the modules' counters are: the server
// loads a module's own engine (coverage) meanwhile, so that the two loads
// share the start-up time (issue 18: ready in under 5 s).
func (e *Engine) LoadAfter(ctx context.Context, wait func() error) error {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	d := &data{upperName: map[string]string{}}
	var err error
	if d.modules, d.width, err = place(e.modules); err != nil {
		return err
	}
	// The communities are packed as they stream in (the Source gives them
	// in code order): no row of them is kept, which held the national
	// start's memory peak above 500 MB (issue 18). Out of order, they are
	// sorted afterwards.
	var text strings.Builder
	var names divtab.NamesBuilder
	sorted := true
	err = e.src.LoadDivisions(ctx, func(r DivisionRow) error {
		if len(r.Code) != 12 {
			d.upper = append(d.upper, r.Code)
			d.upperName[r.Code] = r.Name
			return nil
		}
		if t := text.String(); len(t) >= 12 && r.Code <= t[len(t)-12:] {
			sorted = false
		}
		text.WriteString(r.Code)
		if err := names.Add(r.Name); err != nil {
			return err
		}
		kind := slices.Index(kindValues, shequ.DivisionKind(r.Code))
		region := max(slices.Index(regionValues, shequ.ProvinceRegion(r.Code)), 0)
		ur := max(slices.Index(urValues, r.UrbanRural), 0)
		tw := slices.Index(twValues, shequ.DivisionKind(r.Code[:9]))
		terrain := max(slices.Index(terrainValues, r.Terrain), 0)
		d.kinds = append(d.kinds, uint8(kind))
		d.cells = append(d.cells, cellOf(region, kind, ur, tw, terrain))
		return nil
	})
	if err != nil {
		return fmt.Errorf("load divisions: %w", err)
	}
	slices.Sort(d.upper)
	d.names = names.Names()
	codes := text.String()
	if !sorted {
		codes = d.sortCommunities(codes)
	}
	if d.codes, err = divtab.PackedCodes(codes, 12); err != nil {
		return fmt.Errorf("load divisions: %w", err)
	}
	n := d.codes.Len()
	d.kinds, d.cells = slices.Clip(d.kinds), slices.Clip(d.cells)
	d.core, d.slot, d.cover = make([]int32, n*nCounters), make([]int32, n), make([]int32, n) // widened on module data
	d.wantOrgs, d.wantWorkers = make([]float64, n), make([]float64, n)
	for i := range n {
		v := d.vec(i)
		v[cCommunities] = 1
		v[cUrban+int(d.kinds[i])] = 1
	}
	if err := e.loadCounts(ctx, d); err != nil {
		return err
	}
	return e.finish(ctx, d, wait)
}

// finish reads the modules' counters and the targets into d, whose
// divisions and core counters are in place (read from the Source by
// LoadAfter, or from a snapshot by LoadSnapshot), and makes it the
// engine's state. wait is LoadAfter's.
func (e *Engine) finish(ctx context.Context, d *data, wait func() error) error {
	if wait != nil {
		if err := wait(); err != nil {
			return err
		}
	}
	n := d.codes.Len()
	var err error
	for _, m := range d.modules {
		hint := 0
		if err := loadModule(ctx, m, nil, func(r moduleRow) { d.addModule(m, r, &hint) }); err != nil {
			return err
		}
	}
	if d.targets, err = e.loadTargets(ctx); err != nil {
		return err
	}
	d.applyTargets(0, n)
	d.buildTownships()
	d.asOf = e.Now()
	e.mu.Lock()
	e.data = d
	e.mu.Unlock()
	return nil
}

// sortCommunities puts the communities read out of order (codes, packed,
// with d.names, d.kinds and d.cells parallel to them) in code order, and
// returns the codes so sorted.
func (d *data) sortCommunities(codes string) string {
	n := len(codes) / 12
	at := func(i int) string { return codes[i*12 : (i+1)*12] }
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return strings.Compare(at(a), at(b)) })
	var text strings.Builder
	var names divtab.NamesBuilder
	kinds, cells := make([]uint8, n), make([]uint16, n)
	for i, p := range perm {
		text.WriteString(at(p))
		_ = names.Add(d.names.At(p)) // no longer than they were
		kinds[i], cells[i] = d.kinds[p], d.cells[p]
	}
	d.names, d.kinds, d.cells = names.Names(), kinds, cells
	return text.String()
}

// counts are counters read for some communities, keyed by index.
type counts struct {
	orgs    []OrgCount
	workers []WorkerCount
	cover   []CoverCount
	modules [][]moduleRow // per placed module
}

// readCounts reads the counters of communities (nil: all): the core
// counters, and the modules' too when modules.
func (e *Engine) readCounts(ctx context.Context, src Source, communities []string, modules bool) (*counts, error) {
	var c counts
	if err := src.LoadOrgCounts(ctx, communities, func(r OrgCount) error {
		c.orgs = append(c.orgs, r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load organization counts: %w", err)
	}
	if err := src.LoadWorkerCounts(ctx, communities, func(r WorkerCount) error {
		c.workers = append(c.workers, r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load worker counts: %w", err)
	}
	if err := src.LoadCoverCounts(ctx, communities, func(r CoverCount) error {
		c.cover = append(c.cover, r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load coverage counts: %w", err)
	}
	if !modules {
		return &c, nil
	}
	e.mu.RLock()
	mods := e.data.modules
	e.mu.RUnlock()
	c.modules = make([][]moduleRow, len(mods))
	for k, m := range mods {
		if err := loadModule(ctx, m, communities, func(r moduleRow) {
			r.counters = slices.Clone(r.counters)
			c.modules[k] = append(c.modules[k], r)
		}); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// loadCounts streams all counters into a fresh d, which nobody reads yet:
// the national load never holds the rows themselves in memory.
func (e *Engine) loadCounts(ctx context.Context, d *data) error {
	hint := 0
	if err := e.src.LoadOrgCounts(ctx, nil, func(r OrgCount) error {
		d.addOrg(r, &hint)
		return nil
	}); err != nil {
		return fmt.Errorf("load organization counts: %w", err)
	}
	hint = 0
	if err := e.src.LoadWorkerCounts(ctx, nil, func(r WorkerCount) error {
		d.addWorker(r, &hint)
		return nil
	}); err != nil {
		return fmt.Errorf("load worker counts: %w", err)
	}
	hint = 0
	if err := e.src.LoadCoverCounts(ctx, nil, func(r CoverCount) error {
		d.addCover(r, &hint)
		return nil
	}); err != nil {
		return fmt.Errorf("load coverage counts: %w", err)
	}
	return nil
}

// find returns the index of a community code, -1 when unknown. hint is
// tried first: the Source's rows come grouped by community, mostly in code
// order, so the next row's community is usually at hint or hint+1.
func (d *data) find(code string, hint int) int {
	n := d.codes.Len()
	if hint >= 0 && hint < n && d.codes.At(hint) == code {
		return hint
	}
	if hint+1 >= 0 && hint+1 < n && d.codes.At(hint+1) == code {
		return hint + 1
	}
	i, ok := d.codes.Search(code)
	if !ok {
		return -1
	}
	return i
}

// apply adds counters read for a refresh.
func (d *data) apply(c *counts) {
	hint := 0
	for _, r := range c.orgs {
		d.addOrg(r, &hint)
	}
	for _, r := range c.workers {
		d.addWorker(r, &hint)
	}
	for _, r := range c.cover {
		d.addCover(r, &hint)
	}
	for k, rows := range c.modules {
		hint = 0
		for _, r := range rows {
			d.addModule(d.modules[k], r, &hint)
		}
	}
}

// addOrg adds an organization count. Rows of unknown communities (none,
// with the store's foreign keys) and unknown enum values are skipped.
func (d *data) addOrg(r OrgCount, hint *int) {
	i := d.find(r.Community, *hint)
	k, okK := kindIndex[r.Kind]
	s, okS := statusIndex[r.Status]
	if i < 0 || !okK || !okS {
		return
	}
	*hint = i
	v, n := d.vec(i), int32(r.N)
	v[cOrgs] += n
	v[cStatus+s] += n
	if r.Status == shequ.OrgActive {
		v[cOrgsActive] += n
		v[cKind+k] += n
	}
}

// addWorker adds a count of homed workers. Education "" (not recorded)
// counts in the totals but in no education.
func (d *data) addWorker(r WorkerCount, hint *int) {
	i := d.find(r.Community, *hint)
	q, okQ := qualIndex[r.Qualification]
	if i < 0 || !okQ {
		return
	}
	*hint = i
	v, n := d.vec(i), int32(r.N)
	v[cWorkers] += n
	v[cQual+q] += n
	if r.Qualification.Certified() {
		v[cCertified] += n
	}
	if ed, ok := eduIndex[r.Education]; ok {
		v[cEdu+ed] += n
	}
}

// addCover adds a count of covering workers.
func (d *data) addCover(r CoverCount, hint *int) {
	if i := d.find(r.Community, *hint); i >= 0 {
		d.cover[i] += int32(r.N)
		*hint = i
	}
}

// clearCounts zeroes the counters of community i read from the Source and
// the modules, keeping the community's own counts (cCommunities…cOther).
func (d *data) clearCounts(i int) {
	v := d.vec(i)
	for j := cOrgs; j < len(v); j++ {
		v[j] = 0
	}
	d.cover[i] = 0
}

// clearCore zeroes the core counters of community i read from the Source
// (those clearCounts zeroes, the modules' excepted).
func (d *data) clearCore(i int) {
	v := d.vec(i)
	for j := cOrgs; j < nCounters; j++ {
		v[j] = 0
	}
	d.cover[i] = 0
}

// loadTargets reads the targets stored for the period, by scope.
func (e *Engine) loadTargets(ctx context.Context) (map[string]shequ.Targets, error) {
	out := map[string]shequ.Targets{}
	if e.targets == nil {
		return out, nil
	}
	rows, err := e.targets.FindTargets(ctx, e.Period)
	if err != nil {
		return nil, fmt.Errorf("load targets: %w", err)
	}
	for _, t := range rows {
		if out[t.Scope] == nil {
			out[t.Scope] = shequ.Targets{}
		}
		out[t.Scope][t.Key] = t.Value
	}
	return out, nil
}

// targetsAt resolves the targets that apply at code: for each key the
// longest stored scope that is a prefix of code, else the plan's default
// (the rule of shequ.TargetService.EffectiveTargets).
func (d *data) targetsAt(code string) shequ.Targets {
	out := make(shequ.Targets, len(shequ.PlanTargets))
	for k, v := range shequ.PlanTargets {
		out[k] = v
	}
	for _, l := range []int{0, 2, 4, 6, 9, 12} {
		if l > len(code) {
			break
		}
		for k, v := range d.targets[code[:l]] {
			if _, ok := out[k]; ok {
				out[k] = v
			}
		}
	}
	return out
}

// applyTargets sets the effective targets and the attainment flags of the
// communities [lo, hi). Targets are resolved once per township (the scopes
// above a community are those of its township) and a community's own row
// overrides them, so the whole country costs about 40k resolutions.
func (d *data) applyTargets(lo, hi int) {
	var township string
	var at shequ.Targets
	for i := lo; i < hi; i++ {
		code := d.codes.At(i)
		if code[:9] != township || at == nil {
			township, at = code[:9], d.targetsAt(code[:9])
		}
		t := at
		if own := d.targets[code]; own != nil {
			t = d.targetsAt(code)
		}
		switch kindValues[d.kinds[i]] {
		case shequ.KindUrban:
			d.wantOrgs[i] = t[shequ.TargetOrgsPerUrban]
		case shequ.KindRural:
			d.wantOrgs[i] = t[shequ.TargetOrgsPerRural]
		default:
			d.wantOrgs[i] = math.NaN()
		}
		d.wantWorkers[i] = t[shequ.TargetWorkersPerCommu]
		d.flag(i)
	}
}

// flag recomputes the attainment flags of community i from its counters and
// targets. A NaN target (none) is never met.
func (d *data) flag(i int) {
	v := d.vec(i)
	v[cUrbanMeet], v[cRuralMeet], v[cWithWorker] = 0, 0, 0
	if float64(v[cOrgsActive]) >= d.wantOrgs[i] {
		switch kindValues[d.kinds[i]] {
		case shequ.KindUrban:
			v[cUrbanMeet] = 1
		case shequ.KindRural:
			v[cRuralMeet] = 1
		}
	}
	if float64(d.cover[i]) >= d.wantWorkers[i] {
		v[cWithWorker] = 1
	}
}

// Refresh reloads the counters of the given communities (after an
// organization or worker was added, changed or moved) with one query per
// kind of counter over just those communities, and recomputes their flags.
// Codes the engine does not know are ignored.
func (e *Engine) Refresh(ctx context.Context, communities ...string) error {
	_, err := e.refresh(ctx, e.src, communities, true)
	return err
}

// Corrected is what a Reconcile changed: the communities whose counters
// differed from the database's, and how many counters did.
type Corrected struct {
	Communities, Counters int
}

// Reconcile reloads the core counters of the given communities (the
// organizations', the workers' and the covering workers') like Refresh
// and says what it changed: a server whose engine started from a snapshot
// reconciles every community in batches after it starts, and a change that
// was committed but never published shows as a correction. The modules'
// counters and the targets need no reconcile: LoadSnapshot reads them from
// the Source.
func (e *Engine) Reconcile(ctx context.Context, communities ...string) (Corrected, error) {
	return e.refresh(ctx, e.src, communities, false)
}

// ReconcileFrom is Reconcile reading the counters from src, another view
// of the engine's Source (the server's reconcile reads through a
// connection of its own).
func (e *Engine) ReconcileFrom(ctx context.Context, src Source, communities ...string) (Corrected, error) {
	return e.refresh(ctx, src, communities, false)
}

// refresh reloads the core counters of communities, and the modules' when
// modules, and counts what changed.
func (e *Engine) refresh(ctx context.Context, src Source, communities []string, modules bool) (Corrected, error) {
	var out Corrected
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	e.mu.RLock()
	d := e.data
	e.mu.RUnlock()
	if d == nil {
		return out, errNotLoaded
	}
	var known []int
	seen := make(map[string]bool, len(communities))
	var codes []string
	for _, c := range communities {
		if seen[c] {
			continue
		}
		seen[c] = true
		if i := d.find(c, -1); i >= 0 {
			known = append(known, i)
			codes = append(codes, c)
		}
	}
	if len(known) == 0 {
		return out, nil
	}
	c, err := e.readCounts(ctx, src, codes, modules)
	if err != nil {
		return out, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// The counters as they were, to count what changed: one batch's worth.
	before := make([]vec, len(known))
	cover := make([]int32, len(known))
	for k, i := range known {
		before[k], cover[k] = slices.Clone(d.vec(i)), d.cover[i]
		if modules {
			d.clearCounts(i)
		} else {
			d.clearCore(i)
		}
	}
	d.apply(c)
	townships := map[int]bool{}
	for k, i := range known {
		d.flag(i)
		if n := differing(before[k], d.vec(i)); n > 0 || cover[k] != d.cover[i] {
			out.Communities++
			out.Counters += n
			if cover[k] != d.cover[i] {
				out.Counters++
			}
		}
		townships[d.townshipOf(i)] = true
	}
	for t := range townships {
		d.aggregate(t)
	}
	d.asOf = e.Now()
	return out, nil
}

// differing counts the counters that differ between two vecs of a
// community (core-only or full width: the missing counters are zeros).
func differing(a, b vec) int {
	n := 0
	for i := range max(len(a), len(b)) {
		var x, y int32
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			n++
		}
	}
	return n
}

// RefreshTargets reloads the stored targets and recomputes every
// community's targets and flags: a pass over the communities, no counting.
// Wire it to sqlstore.TargetService.OnChange.
func (e *Engine) RefreshTargets(ctx context.Context) error {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	e.mu.RLock()
	d := e.data
	e.mu.RUnlock()
	if d == nil {
		return errNotLoaded
	}
	t, err := e.loadTargets(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d.targets = t
	d.applyTargets(0, d.codes.Len())
	d.buildTownships()
	d.asOf = e.Now()
	return nil
}

// errNotLoaded is returned by reads before Load.
var errNotLoaded = shequ.Errorf(shequ.EUnavailable, "indicator.not_loaded",
	"The indicators are still loading; try again in a moment.")

package main

import (
	"context"
	"time"

	"shequ/internal/sqlstore"
)

// Reconcile after a start from the engines' snapshot (issue 18). The
// snapshot holds what the engines knew and the change feed brings what was
// published after it, but a change can be committed and never published:
// its server died between the commit and the publication (Publish runs
// after the commit, outside its transaction), or the request coalescer
// held it when the process ended. A full load at start healed that; a
// server restored from the snapshot instead reads every community again
// from the database once it listens, in batches of reconcileBatchSize, in the
// background and at low priority (it pauses after each batch as long as
// the batch took), and corrects what differs: each community's core
// counters (indicator.Engine.Reconcile: organizations, homed and covering
// social workers), its location, population, terrain and relocation tag
// (coverage, and the indicators' terrain). The rest is read from the
// database by the start itself: the modules' counters and the targets
// (indicator.Engine.LoadSnapshot), the facilities (coverage.Engine.
// LoadSnapshot). Nothing is copied whole: a batch is read and compared in
// place, so the memory budget holds. Until it ends no snapshot is taken from this server's engines
// (snapshotEngines), and when it ends it takes one: the engines then
// descend from the reconcile as from a full load (engineBase).
//
// Bound: a change committed but never published is in a restarted
// server's figures once its reconcile ends (the log line "engines
// reconciled" says how long it took); in a server that keeps running it is
// there at its next start, as before snapshots.

// reconcileBatch is how many communities the reconcile reads at a time:
// one IN list per query (sqlstore's maxInList).
const reconcileBatchSize = 500

// reconcileResult is what a reconcile corrected.
type reconcileResult struct {
	Communities int // communities whose counters differed
	Counters    int // counters that differed
	Locations   int // community locations that differed (coverage)
	Terrains    int // community terrains that differed (indicators)
	Scanned     int // communities read
	Batches     int
	Took        time.Duration
	Err         error
}

// corrected reports whether the reconcile changed anything.
func (r *reconcileResult) corrected() bool {
	return r.Communities+r.Locations+r.Terrains > 0
}

// reconcileEngines runs the reconcile and records its result (m.reconciled),
// then, unless ctx ended first, takes a snapshot of the reconciled engines.
func (m *Main) reconcileEngines(ctx context.Context) {
	defer close(m.reconcileDone)
	s := m.svc
	r := s.reconcile(ctx)
	m.reconciled.Store(r)
	if r.Err != nil {
		if ctx.Err() == nil {
			m.Logger.Error("reconcile the engines with the database", "err", r.Err, "communities_read", r.Scanned)
		}
		return
	}
	m.Logger.Info("engines reconciled", "communities_read", r.Scanned, "communities_corrected", r.Communities,
		"counters_corrected", r.Counters, "locations_corrected", r.Locations, "terrains_corrected", r.Terrains,
		"batches", r.Batches, "seconds", roundMillis(r.Took))
	if _, err := s.snapshotEngines(ctx, m.Logger); err != nil && ctx.Err() == nil {
		m.Logger.Error("engine snapshot after the reconcile", "err", err)
	}
}

// reconcile reads every community in batches and corrects the engines
// where they differ from the database; on success the engines count as
// loaded when it began.
func (s *services) reconcile(ctx context.Context) *reconcileResult {
	r := &reconcileResult{}
	began, base := time.Now(), s.db.Now()
	defer func() { r.Took = time.Since(began) }()
	ctx = cliContext(ctx)
	// Its own connection on SQLite, with a small page cache (the memory
	// budget: sqlstore.ReconcileSources).
	counts, locations, closeSources := s.db.ReconcileSources()
	defer func() {
		if err := closeSources(); err != nil && r.Err == nil {
			r.Err = err
		}
	}()
	after := ""
	for {
		t := time.Now()
		n, err := s.reconcileBatch(ctx, counts, locations, &after, r)
		if err != nil {
			r.Err = err
			return r
		}
		if n == 0 {
			break
		}
		r.Batches++
		// Low priority: as long a pause as the batch took.
		select {
		case <-ctx.Done():
			r.Err = ctx.Err()
			return r
		case <-time.After(time.Since(t)):
		}
	}
	s.engineBase.Store(base.UnixNano())
	s.unreconciled.Store(false)
	return r
}

// reconcileBatch reconciles the communities after *after, moves *after on
// and returns how many it read (0: none left).
func (s *services) reconcileBatch(ctx context.Context, counts *sqlstore.IndicatorSource, src *sqlstore.CoverageSource, after *string, r *reconcileResult) (int, error) {
	// Locations are read and applied while no edit's is: an edit
	// committed after the read is applied after it (services_feed.go).
	s.locationMu.Lock()
	locs, err := src.CommunitiesAfter(ctx, *after, reconcileBatchSize)
	if err != nil {
		s.locationMu.Unlock()
		return 0, err
	}
	codes := make([]string, len(locs))
	for i, l := range locs {
		codes[i] = l.Code
		if s.coverage.LocationDiffers(l) {
			s.coverage.CommunityChanged(l)
			r.Locations++
		}
		if s.indicators.SetTerrain(l.Code, l.Terrain) {
			r.Terrains++
		}
	}
	s.locationMu.Unlock()
	if len(locs) == 0 {
		return 0, nil
	}
	*after = codes[len(codes)-1]
	r.Scanned += len(codes)
	c, err := s.indicators.ReconcileFrom(ctx, counts, codes...)
	if err != nil {
		return 0, err
	}
	r.Communities += c.Communities
	r.Counters += c.Counters
	return len(codes), nil
}

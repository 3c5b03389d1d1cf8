package main

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"shequ/internal/coverage"
	"shequ/internal/indicator"
	"shequ/internal/sqlstore"
)

// Engine snapshots (issue 18: ready in under 5 s). Reading every division
// into the engines takes a national server 13–20 s. Instead, the engines'
// state is written to the database (sqlstore/engine_snapshot.go says why
// there) with the change feed's sequence number it reflects: once after a
// full load, every engineSnapshotEvery by the one server that leads the job
// queue, and as a server stops. A server starts from it and applies the
// changes published after that number (services_feed.go), before it
// answers /readyz, and once listening reconciles them with the database
// (serve_reconcile.go); without a usable snapshot (none, damaged, of
// another engine or schema version, the feed pruned past it, or its full
// load or reconcile a day old) it loads in full as before.

// engineSnapshotEvery is how often the leading server writes the snapshot.
const engineSnapshotEvery = 15 * time.Minute

// Names of the engines' snapshots.
const (
	snapshotIndicators = "indicators"
	snapshotCoverage   = "coverage"
)

// engineSnapshotVersions gives each engine's snapshot format.
func engineSnapshotVersions() map[string]int {
	return map[string]int{snapshotIndicators: indicator.SnapshotVersion, snapshotCoverage: coverage.SnapshotVersion}
}

// engineSnapshotArgs is the job that writes the snapshot.
type engineSnapshotArgs struct{}

// Kind names the job.
func (engineSnapshotArgs) Kind() string { return "engine_snapshot" }

// registerSnapshotJobs registers the snapshot job (jobs.go).
func (m *Main) registerSnapshotJobs() {
	s := m.svc
	sqlstore.AddWorker(s.jobs, river.WorkFunc(func(ctx context.Context, _ *river.Job[engineSnapshotArgs]) error {
		_, err := s.snapshotEngines(ctx, m.Logger)
		return err
	}))
	s.jobs.Every(engineSnapshotEvery, engineSnapshotArgs{})
}

// restoreEngines starts the engines from the stored snapshot and applies
// the changes published since; false (and no error) when there is no
// usable snapshot or it does not decode: the caller loads in full.
func (m *Main) restoreEngines(ctx context.Context) (bool, error) {
	s := m.svc
	snaps, why, err := s.db.UsableEngineSnapshots(ctx, engineSnapshotVersions())
	if err != nil {
		return false, err
	}
	if snaps == nil {
		m.Logger.Info("engines load in full", "snapshot", why)
		return false, nil
	}
	began := time.Now()
	covered := make(chan error, 1)
	go func() {
		err := s.coverage.LoadSnapshot(ctx, flate.NewReader(bytes.NewReader(snaps[snapshotCoverage].Data)))
		m.startup.note("coverage", time.Since(began))
		covered <- err
	}()
	waited := false
	err = s.indicators.LoadSnapshot(ctx, flate.NewReader(bytes.NewReader(snaps[snapshotIndicators].Data)), func() error {
		waited = true
		return <-covered
	})
	if !waited {
		if cerr := <-covered; err == nil {
			err = cerr
		}
	}
	m.startup.note("indicators", time.Since(began))
	if err != nil {
		m.Logger.Warn("engines load in full: the snapshot does not load", "err", err)
		return false, nil
	}
	snap := snaps[snapshotIndicators]
	s.engineBase.Store(snap.BaseAt.UnixNano())
	s.feed.StartAt(snap.Seq)
	if err := s.feed.CatchUp(ctx); err != nil {
		return false, fmt.Errorf("apply the changes after the engine snapshot: %w", err)
	}
	m.Logger.Info("engines restored from snapshot", "seq", snap.Seq, "taken_at", snap.TakenAt, "base_at", snap.BaseAt,
		"bytes", len(snap.Data)+len(snaps[snapshotCoverage].Data))
	return true, nil
}

// snapshotEngines writes the engines' state to the database; false when
// the engines are not loaded or a newer snapshot is stored.
func (s *services) snapshotEngines(ctx context.Context, log *slog.Logger) (bool, error) {
	base := s.engineBase.Load()
	if base == 0 {
		return false, nil
	}
	if s.unreconciled.Load() {
		// Restored and not reconciled yet: the stored snapshot is as
		// good, and the reconcile takes one when it ends.
		log.Info("engine snapshot", "saved", false, "why", "reconciling")
		return false, nil
	}
	schema, err := s.db.SchemaVersion(ctx)
	if err != nil {
		return false, err
	}
	began := time.Now()
	// The engines' streams are copied under the feed's lock (no change is
	// applied meanwhile, and the engines' own changes wait for their read
	// lock), then compressed without it: the copy is a fraction of the
	// time, so another server's change waits less.
	type stream struct {
		name    string
		version int
		write   func(io.Writer) error
		raw     bytes.Buffer
	}
	streams := []*stream{
		{name: snapshotIndicators, version: indicator.SnapshotVersion, write: s.indicators.WriteSnapshot},
		{name: snapshotCoverage, version: coverage.SnapshotVersion, write: s.coverage.WriteSnapshot},
	}
	var seq int64
	now := s.db.Now()
	err = s.feed.Hold(func(last int64) error {
		seq = last
		for _, st := range streams {
			if err := st.write(&st.raw); err != nil {
				return fmt.Errorf("snapshot of the %s engine: %w", st.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	held := time.Since(began)
	var snaps []*sqlstore.EngineSnapshot
	for _, st := range streams {
		var buf bytes.Buffer
		zw, err := flate.NewWriter(&buf, flate.BestSpeed)
		if err != nil {
			return false, err
		}
		if _, err := st.raw.WriteTo(zw); err != nil {
			return false, err
		}
		if err := zw.Close(); err != nil {
			return false, err
		}
		snaps = append(snaps, &sqlstore.EngineSnapshot{Engine: st.name, Version: st.version, Schema: schema, Seq: seq,
			BaseAt: time.Unix(0, base), TakenAt: now, Data: buf.Bytes()})
	}
	saved, err := s.db.SaveEngineSnapshots(ctx, snaps...)
	if err != nil {
		return false, err
	}
	log.Info("engine snapshot", "saved", saved, "seq", snaps[0].Seq, "bytes", len(snaps[0].Data)+len(snaps[1].Data),
		"seconds", roundMillis(time.Since(began)), "feed_held_seconds", roundMillis(held))
	return saved, nil
}

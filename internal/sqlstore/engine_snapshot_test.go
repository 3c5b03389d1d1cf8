package sqlstore

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestEngineSnapshotsUsable: stored snapshots are handed out only when a
// server may start from them, and otherwise say why not: none or one
// engine's missing, a damaged byte, another engine format or schema version,
// the engines' snapshots of different sequences, a full load a day old,
// the feed pruned past the snapshot or behind it; a newer stored snapshot
// is never replaced by an older one; the division import drops them.
func TestEngineSnapshotsUsable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		versions := map[string]int{"indicators": 3, "coverage": 2}
		feed := NewChangeFeed(db, nil)
		for range 3 {
			feed.Publish(ChangeTargets)
		}
		var seq int64
		if err := feed.Mark(ctx); err != nil {
			t.Fatal(err)
		}
		if err := feed.Hold(func(s int64) error { seq = s; return nil }); err != nil || seq < 3 {
			t.Fatalf("feed position %d: %v", seq, err)
		}
		schema, err := db.SchemaVersion(ctx)
		if err != nil || schema < 28 {
			t.Fatalf("schema version %d: %v", schema, err)
		}
		now := db.Now()
		snap := func(engine string, version int, seq int64, data string) *EngineSnapshot {
			return &EngineSnapshot{Engine: engine, Version: version, Schema: schema, Seq: seq,
				BaseAt: now.Add(-time.Hour), TakenAt: now, Data: []byte(data)}
		}
		save := func(snaps ...*EngineSnapshot) {
			t.Helper()
			if err := db.DropEngineSnapshots(ctx); err != nil {
				t.Fatal(err)
			}
			if saved, err := db.SaveEngineSnapshots(ctx, snaps...); err != nil || !saved {
				t.Fatalf("save: %v %v", saved, err)
			}
		}
		why := func(want string) {
			t.Helper()
			got, reason, err := db.UsableEngineSnapshots(ctx, versions)
			if err != nil {
				t.Fatal(err)
			}
			if reason != want || (want == "") != (got != nil) {
				t.Fatalf("usable: %v, %q; want %q", got != nil, reason, want)
			}
		}
		why(SnapshotNone)
		save(snap("indicators", 3, seq, "ind"), snap("coverage", 2, seq, "cov"))
		got, reason, err := db.UsableEngineSnapshots(ctx, versions)
		if err != nil || reason != "" || string(got["indicators"].Data) != "ind" || string(got["coverage"].Data) != "cov" ||
			got["coverage"].Seq != seq || !got["indicators"].TakenAt.Equal(now.Truncate(time.Microsecond)) {
			t.Fatalf("usable: %+v %q %v", got, reason, err)
		}
		// A newer one stands; an older one does not replace it.
		if saved, err := db.SaveEngineSnapshots(ctx, snap("indicators", 3, seq-1, "old"), snap("coverage", 2, seq-1, "old")); err != nil || saved {
			t.Fatalf("an older snapshot saved: %v %v", saved, err)
		}
		if got, _, _ := db.UsableEngineSnapshots(ctx, versions); string(got["indicators"].Data) != "ind" {
			t.Fatalf("an older snapshot replaced the newer: %q", got["indicators"].Data)
		}

		save(snap("indicators", 3, seq, "ind"))
		why(SnapshotNone)
		save(snap("indicators", 3, seq, "ind"), snap("coverage", 2, seq, "cov"))
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE engine_snapshots SET data = ? WHERE engine = 'coverage'`), []byte("coW")); err != nil {
			t.Fatal(err)
		}
		why(SnapshotCorrupt)
		save(snap("indicators", 4, seq, "ind"), snap("coverage", 2, seq, "cov"))
		why(SnapshotVersion)
		other := snap("coverage", 2, seq, "cov")
		other.Schema = schema - 1
		save(snap("indicators", 3, seq, "ind"), other)
		why(SnapshotSchema)
		save(snap("indicators", 3, seq, "ind"), snap("coverage", 2, seq-1, "cov"))
		why(SnapshotSeq)
		old := snap("indicators", 3, seq, "ind")
		old.BaseAt = now.Add(-EngineSnapshotMaxAge - time.Minute)
		save(old, snap("coverage", 2, seq, "cov"))
		why(SnapshotOld)
		save(snap("indicators", 3, seq+1, "ind"), snap("coverage", 2, seq+1, "cov"))
		why(SnapshotBehind)
		save(snap("indicators", 3, seq-1, "ind"), snap("coverage", 2, seq-1, "cov"))
		why("")
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE change_feed_pruned SET up_to = ? WHERE id = 1`), seq); err != nil {
			t.Fatal(err)
		}
		why(SnapshotPruned)
		save(snap("indicators", 3, seq, "ind"), snap("coverage", 2, seq, "cov"))
		why("")

		// The division import changes the tree past the feed.
		mustImport(t, db, divisionsOf([2]string{"33", "浙江省"}))
		why(SnapshotNone)
	})
}

// TestEngineSnapshotsSavedAtOnce: snapshots saved at the same moment (a
// server's shutdown snapshot beside its snapshot job, or two servers) are
// each either stored or refused as older, never an error; the newest stays.
// On PostgreSQL two saves each deleted the row and inserted theirs, and the
// second insert failed on the first's key (the demo template's server once
// failed its stop so).
func TestEngineSnapshotsSavedAtOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		schema, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := db.Now()
		const savers = 8
		var wg sync.WaitGroup
		errs := make([]error, savers)
		start := make(chan struct{})
		for i := range savers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				seq := int64(10 + i)
				_, errs[i] = db.SaveEngineSnapshots(ctx,
					&EngineSnapshot{Engine: "indicators", Version: 1, Schema: schema, Seq: seq, BaseAt: now, TakenAt: now, Data: []byte("ind")},
					&EngineSnapshot{Engine: "coverage", Version: 1, Schema: schema, Seq: seq, BaseAt: now, TakenAt: now, Data: []byte("cov")})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("save %d: %v", i, err)
			}
		}
		var n int
		var most int64
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(seq) FROM engine_snapshots`).Scan(&n, &most); err != nil {
			t.Fatal(err)
		}
		if n != 2 || most != 10+savers-1 {
			t.Errorf("%d snapshots stored, the oldest of seq %d; want both engines' of seq %d", n, most, 10+savers-1)
		}
	})
}

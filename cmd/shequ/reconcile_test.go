package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/demo"
	"shequ/internal/sqlstore"
)

// TestReconcileAfterSnapshotRestore (issue 18): changes committed without a
// row on the change feed (as by a server that died between the commit and
// the publication: here services with no OnChange) — an organization, a
// community's location and terrain, a target — are not in the engines'
// snapshot nor in the feed; a server started from the snapshot reads the
// target at its start and corrects the others in its reconcile, says so, shows them in its indicators and coverage
// exactly as a full load does, and takes a new snapshot; a server started
// from that one reconciles and corrects nothing. A server that has not
// reconciled takes no snapshot. On both engines.
func TestReconcileAfterSnapshotRestore(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		a, ctx, comms := snapshotNow(t, dsn)
		s := a.svc
		snaps, _, err := s.db.UsableEngineSnapshots(ctx, engineSnapshotVersions())
		if err != nil || snaps == nil {
			t.Fatalf("usable snapshot: %v", err)
		}
		snapSeq, snapBase := snaps[snapshotIndicators].Seq, snaps[snapshotIndicators].BaseAt
		orgAt, locAt := comms[3].Code, comms[7]
		before, err := s.indicators.IndicatorReport(ctx, orgAt)
		if err != nil {
			t.Fatal(err)
		}

		// Committed, never published.
		mustOK(t, sqlstore.NewOrgService(s.db, s.keys).CreateOrg(ctx, &shequ.SocialOrg{Name: "未发布的组织",
			Kind: shequ.OrgKinds[0], Community: orgAt, LegalStatus: shequ.LegalFiled, FiledWith: orgAt[:9],
			Status: shequ.OrgActive, Members: 12}))
		lat, lng, pop := 30.5123, 119.6456, int64(4321)
		terrain := shequ.TerrainPlateau
		if locAt.Terrain == terrain {
			terrain = shequ.TerrainHill
		}
		mustOK(t, sqlstore.NewLocationService(s.db).UpdateCommunityLocation(ctx, &shequ.CommunityLocation{Code: locAt.Code,
			Lat: &lat, Lng: &lng, Population: &pop, Terrain: terrain, Relocation: !locAt.Relocation}))
		mustOK(t, sqlstore.NewTargetService(s.db).SetTarget(ctx, &shequ.Target{Scope: demo.County,
			Key: shequ.TargetWorkersPerCommu, Value: 3}))
		if n := feedRows(t, dsn, fmt.Sprintf(`seq > %d AND (keys LIKE '%%%s%%' OR keys LIKE '%%%s%%' OR kind = '%s')`,
			snapSeq, orgAt, locAt.Code, sqlstore.ChangeTargets)); n != 0 {
			t.Fatalf("%d changes of those published: the test writes none", n)
		}

		b := startServerOn(t, dsn)
		if !b.enginesRestored {
			t.Fatal("the second server did not start from the snapshot")
		}
		r := waitReconciled(t, b)
		if r.Err != nil || r.Communities < 1 || r.Counters < 1 || r.Locations != 1 || r.Terrains != 1 ||
			r.Scanned < len(comms) {
			t.Fatalf("reconcile: %+v; want the organization's community, one location and terrain, every community read", r)
		}
		after, err := b.svc.indicators.IndicatorReport(ctx, orgAt)
		if err != nil || after.Stats.Orgs != before.Stats.Orgs+1 || after.Stats.OrgsActive != before.Stats.OrgsActive+1 {
			t.Fatalf("organizations of %s after the reconcile: %+v (before %+v) %v", orgAt, after.Stats, before.Stats, err)
		}
		if got := after.Targets[shequ.TargetWorkersPerCommu]; got != 3 {
			t.Fatalf("workers target after the restore: %v, want 3 (the start reads the targets)", got)
		}
		// The reconcile's own snapshot, of engines as good as a full load.
		snaps, _, err = s.db.UsableEngineSnapshots(ctx, engineSnapshotVersions())
		if err != nil || snaps == nil || !snaps[snapshotIndicators].BaseAt.After(snapBase) {
			t.Fatalf("no snapshot after the reconcile: %v", err)
		}

		// From that snapshot: nothing to correct.
		c := startServerOn(t, dsn)
		if !c.enginesRestored {
			t.Fatal("the third server did not start from the snapshot")
		}
		if r := waitReconciled(t, c); r.Err != nil || r.corrected() || r.Counters != 0 || r.Scanned < len(comms) {
			t.Fatalf("a reconcile with nothing to correct: %+v", r)
		}

		// Until its reconcile ends a restored server takes no snapshot.
		c.svc.unreconciled.Store(true)
		if saved, err := c.svc.snapshotEngines(ctx, c.Logger); saved || err != nil {
			t.Fatalf("an unreconciled server took a snapshot: %v %v", saved, err)
		}
		c.svc.unreconciled.Store(false)

		mustOK(t, s.db.DropEngineSnapshots(ctx))
		full := startServerOn(t, dsn)
		if full.enginesRestored {
			t.Fatal("the full server started from a dropped snapshot")
		}
		sameFigures(t, full, b, comms)
		sameFigures(t, full, c, comms)
	})
}

// waitReconciled waits for a restored server's reconcile to end.
func waitReconciled(t *testing.T, m *Main) *reconcileResult {
	t.Helper()
	select {
	case <-m.reconcileDone:
	case <-time.After(2 * time.Minute):
		t.Fatal("the reconcile did not end within 2 minutes")
	}
	return m.reconciled.Load()
}

// TestShutdownPublishesGatheredChanges (issue 18): request changes the
// coalescer still holds when a server stops are published before it
// stops, not dropped: the other servers and the next start see them.
func TestShutdownPublishesGatheredChanges(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		a := startServerOn(t, dsn)
		// The server's coalescer, its interval an hour: only the stop can
		// publish what it holds.
		a.svc.requestChanges.Stop()
		a.svc.requestChanges = newCoalescer(time.Hour, a.svc.requestChanges.flush)
		community := "330523001002"
		where := fmt.Sprintf(`kind = '%s' AND keys = 'services,%s'`, sqlstore.ChangeIndicators, community)
		a.svc.requestChanges.Add(community) // a request just committed
		if n := feedRows(t, dsn, where); n != 0 {
			t.Fatalf("published before the stop: %d", n)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if n := feedRows(t, dsn, where); n != 1 {
			t.Fatalf("%d publications of the gathered change after the stop, want 1", n)
		}
	})
}

// feedRows counts the rows of the change feed matching where, read
// through a connection of the test's own.
func feedRows(t *testing.T, dsn, where string) int {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM change_feed WHERE ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

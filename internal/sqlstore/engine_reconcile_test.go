package sqlstore

import (
	"context"
	"slices"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/indicator"
)

// TestReconcileSources: the reconcile's sources read what the
// application's read (the communities in batches, the organization counts
// of a batch); on SQLite through a connection of their own with a 2 MiB
// page cache, not the application's 64 MiB; close releases it.
func TestReconcileSources(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		pop := int64(2600)
		if err := NewLocationService(db).UpdateCommunityLocation(worker(dipu), &shequ.CommunityLocation{Code: kangshan,
			Lat: fptr(30.62), Lng: fptr(119.72), Population: &pop, Terrain: shequ.TerrainMountain}); err != nil {
			t.Fatal(err)
		}
		counts, locations, closeSources := db.ReconcileSources()
		want, err := NewCoverageSource(db).CommunitiesAfter(ctx, "", 100)
		if err != nil || len(want) < 3 {
			t.Fatalf("communities %d: %v", len(want), err)
		}
		got, err := locations.CommunitiesAfter(ctx, "", 100)
		if err != nil || len(got) != len(want) {
			t.Fatalf("through the reconcile's source: %d communities, want %d: %v", len(got), len(want), err)
		}
		for i := range want {
			if got[i].Code != want[i].Code || got[i].Terrain != want[i].Terrain || (got[i].Population == nil) != (want[i].Population == nil) {
				t.Fatalf("community %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		codes := make([]string, len(want))
		for i, c := range want {
			codes[i] = c.Code
		}
		read := func(src *IndicatorSource) []indicator.OrgCount {
			var out []indicator.OrgCount
			if err := src.LoadOrgCounts(ctx, codes, func(r indicator.OrgCount) error {
				out = append(out, r)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(out, func(a, b indicator.OrgCount) int {
				return strings.Compare(a.Community+string(a.Kind)+string(a.Status), b.Community+string(b.Kind)+string(b.Status))
			})
			return out
		}
		if a, b := read(NewIndicatorSource(db)), read(counts); !slices.Equal(a, b) {
			t.Fatalf("organization counts %v, want %v", b, a)
		}
		if db.dialect == sqliteDialect {
			if counts.db == db || counts.db.db == db.db {
				t.Fatal("the reconcile reads through the application's pool")
			}
			var kib int64
			if err := counts.db.db.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&kib); err != nil || kib != -2048 {
				t.Fatalf("the reconcile's page cache: %d (%v), want -2048", kib, err)
			}
			if err := db.db.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&kib); err != nil || kib != -65536 {
				t.Fatalf("the application's page cache: %d (%v), want -65536", kib, err)
			}
		}
		if err := closeSources(); err != nil {
			t.Fatal(err)
		}
		if db.dialect == sqliteDialect {
			if _, err := locations.CommunitiesAfter(ctx, "", 1); err == nil {
				t.Fatal("the reconcile's connection still reads after close")
			}
		}
		if _, err := NewCoverageSource(db).CommunitiesAfter(ctx, "", 1); err != nil {
			t.Fatalf("the application's pool after close: %v", err)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/demo"
	"shequ/internal/pii"
)

// anjiServices loads 安吉县 with its demo attributes (approximate community
// locations and populations) and the demo facilities into dsn, and returns
// the services with coverage and indicators loaded.
func anjiServices(t *testing.T, dsn string) *services {
	t.Helper()
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import divisions: %d %s%s", code, out, errs)
	}
	attrs := filepath.Join("..", "..", "data", "demo", "anji-330523.csv")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", attrs, "-db", dsn); code != exitOK {
		t.Fatalf("import the demo attributes: %d %s%s", code, out, errs)
	}
	ctx := context.Background()
	db, err := openStore(ctx, dsn, migrateAlways, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := newServices(db, mustKeyRing(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { s.Close() })
	if err := demo.Facilities(cliContext(ctx), demo.Services{Divisions: s.divisions, Facilities: s.facilities,
		Locations: s.locations}); err != nil {
		t.Fatalf("demo facilities: %v", err)
	}
	if err := s.coverage.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.indicators.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCoverageAnji: the official of 安吉县 sees the coverage figures, the gap
// list and siting suggestions; adding a planned facility at the first
// suggestion raises radius coverage in the "what if" by exactly what the
// suggestion promised, and building it (in use) raises the real figures
// and the indicator module by the same amount. The figures agree on both
// engines.
func TestCoverageAnji(t *testing.T) {
	reports := map[string][]*shequ.CoverageReport{}
	engines(t, func(t *testing.T, dsn string) {
		s := anjiServices(t, dsn)
		official := shequ.WithActor(cliContext(context.Background()),
			&shequ.Actor{UserID: "u-official", Username: "official", Role: shequ.RoleOfficial, Scope: "330523"})
		before, err := s.coverage.CoverageReport(official, "330523")
		if err != nil {
			t.Fatal(err)
		}
		if before.Communities != 218 || before.Located != 218 || before.InUse == 0 || before.Population == 0 {
			t.Fatalf("demo county: %+v", before.CoverageFigures)
		}
		if before.Covered == 0 || before.Covered == before.Located {
			t.Fatalf("the demo should leave gaps: %d of %d covered", before.Covered, before.Located)
		}
		if r := before.RuralComprehensiveRate(); r <= 0 || r >= 1 {
			t.Errorf("rural comprehensive rate %v", r)
		}
		if math.IsNaN(before.MedianNearest) || before.P90Nearest < before.MedianNearest {
			t.Errorf("distances: median %v p90 %v", before.MedianNearest, before.P90Nearest)
		}
		gaps, total, err := s.coverage.CoverageGaps(official, "330523", 0, 500)
		if err != nil || total != before.Located-before.Covered || len(gaps) != total {
			t.Fatalf("gaps: %d of %d, %v", len(gaps), total, err)
		}
		for i := 1; i < len(gaps); i++ {
			if gaps[i].Population > gaps[i-1].Population {
				t.Fatalf("gap list not by population: %d then %d", gaps[i-1].Population, gaps[i].Population)
			}
		}
		rep := []*shequ.CoverageReport{before}
		for _, tw := range []string{"330523001", "330523104", "330523206"} {
			r, err := s.coverage.CoverageReport(official, tw)
			if err != nil {
				t.Fatal(err)
			}
			rep = append(rep, r)
		}
		reports[filepath.Base(t.Name())] = rep

		// Siting: the first suggestion, adopted as a planned facility.
		res, err := s.coverage.SuggestSites(official, shequ.SitingRequest{Scope: "330523", Kind: shequ.FacilityStation, K: 5})
		if err != nil || len(res.Steps) != 5 {
			t.Fatalf("siting: %+v %v", res, err)
		}
		first := res.Steps[0]
		if first.NewPopulation <= 0 || res.Steps[1].Gain > first.Gain {
			t.Fatalf("first step %+v, second %+v", first, res.Steps[1])
		}
		lat, lng := first.Lat, first.Lng
		planned := &shequ.Facility{Community: first.Community, Name: "规划服务站", Kind: shequ.FacilityStation,
			Status: shequ.FacilityPlanned, Lat: &lat, Lng: &lng, Radius: res.Request.Radius}
		if err := s.facilities.CreateFacility(official, planned); err != nil {
			t.Fatal(err)
		}
		now, _ := s.coverage.CoverageReport(official, "330523")
		if now.CoveredPopulation != before.CoveredPopulation || now.Planned != before.Planned+1 {
			t.Errorf("a planned facility changed the real figures: %d → %d", before.CoveredPopulation, now.CoveredPopulation)
		}
		whatIf, err := s.coverage.WhatIf(official, "330523")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := whatIf.CoveredPopulation, before.CoveredPopulation+first.NewPopulation; got != want {
			t.Errorf("what if: covered population %d, the suggestion promised %d", got, want)
		}
		if got, want := whatIf.Covered, before.Covered+first.NewCommunities; got != want {
			t.Errorf("what if: covered communities %d, want %d", got, want)
		}
		// Built: the real figures, and the indicator module, move by the same.
		planned.Status = shequ.FacilityInUse
		if err := s.facilities.UpdateFacility(official, planned); err != nil {
			t.Fatal(err)
		}
		built, _ := s.coverage.CoverageReport(official, "330523")
		if built.CoveredPopulation != whatIf.CoveredPopulation || built.Covered != whatIf.Covered {
			t.Errorf("built %d/%d, what if %d/%d", built.CoveredPopulation, built.Covered, whatIf.CoveredPopulation, whatIf.Covered)
		}
		ind, err := s.indicators.IndicatorReport(official, "330523")
		if err != nil {
			t.Fatal(err)
		}
		f := ind.Stats.Facilities
		if f.Covered != built.Covered || f.CoveredPopulation != built.CoveredPopulation || f.InUse != built.InUse ||
			f.RuralWithComprehensive != built.RuralWithComprehensive || f.Located != built.Located {
			t.Errorf("indicator module %+v, coverage %+v", f, built.CoverageFigures)
		}
		// Out of scope is not found; a resident may not look.
		if _, err := s.coverage.CoverageReport(official, "330522"); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("out of scope: %v", err)
		}
		resident := shequ.WithActor(context.Background(), &shequ.Actor{UserID: "r", Role: shequ.RoleResident, Scope: "330523001002"})
		if _, err := s.coverage.CoverageReport(resident, "330523001002"); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("resident: %v", err)
		}
	})
	if a, b := reports["sqlite"], reports["postgres"]; a != nil && b != nil {
		if diff := cmp.Diff(a, b, cmp.Comparer(func(x, y float64) bool {
			return x == y || math.IsNaN(x) && math.IsNaN(y) || math.Abs(x-y) < 1e-6
		})); diff != "" {
			t.Errorf("SQLite and PostgreSQL differ (-sqlite +postgres):\n%s", diff)
		}
	}
}

// mustKeyRing is a personal-data key ring with fixed test keys.
func mustKeyRing(t *testing.T) *pii.KeyRing {
	t.Helper()
	k, err := pii.NewKeyRing(1, map[uint32][]byte{1: bytes.Repeat([]byte{1}, 32)}, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"shequ"
	"shequ/internal/coverage"
	"shequ/internal/demo"
	"shequ/internal/indicator"
	"shequ/internal/sqlstore"
)

// TestEngineSnapshotEqualsFullLoad (issue 18: ready in under 5 s): a server
// started from the engines' snapshot and the changes published after it
// answers every indicator and coverage figure exactly as a server that
// loaded everything, after random changes of organizations, workers,
// facilities, community locations and targets made after the snapshot,
// on both engines; a snapshot that does not decode (its checksum right)
// makes the server load in full, with the same figures.
func TestEngineSnapshotEqualsFullLoad(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		a, ctx, comms := snapshotNow(t, dsn)
		s := a.svc
		rng := rand.New(rand.NewPCG(18, 7))
		pick := func() string { return comms[rng.IntN(len(comms))].Code }
		for i := range 40 {
			c := pick()
			switch i % 5 {
			case 0, 1:
				o := &shequ.SocialOrg{Name: fmt.Sprintf("快照测试组织%d", i), Kind: shequ.OrgKinds[rng.IntN(len(shequ.OrgKinds))],
					Community: c, LegalStatus: shequ.LegalFiled, FiledWith: c[:9],
					Status: shequ.OrgStatuses[rng.IntN(len(shequ.OrgStatuses))], Members: 5 + rng.IntN(20)}
				mustOK(t, s.orgs.CreateOrg(ctx, o))
			case 2:
				w := &shequ.SocialWorker{Name: fmt.Sprintf("快照社工%d", i), Community: c, Qualification: shequ.QualSocial,
					CertNumber: fmt.Sprintf("S%07d", 100+i), CertYear: 2020, EmployerKind: shequ.EmployerCommunity,
					Education: shequ.Educations[rng.IntN(len(shequ.Educations))],
					IDNumber:  shequ.IDNumber(idFor(fmt.Sprintf("3305231990%02d%02d%03d", 1+rng.IntN(12), 1+rng.IntN(28), 100+i))),
					Serves:    []string{pick()}}
				mustOK(t, s.workers.CreateWorker(ctx, w))
			case 3:
				lat, lng := 30.45+rng.Float64()*0.35, 119.45+rng.Float64()*0.35
				f := &shequ.Facility{Community: c, Name: fmt.Sprintf("快照服务站%d", i), Kind: shequ.FacilityStation,
					Status: shequ.FacilityInUse, Lat: &lat, Lng: &lng, Radius: 1500}
				mustOK(t, s.facilities.CreateFacility(ctx, f))
			case 4:
				lat, lng, pop := 30.45+rng.Float64()*0.35, 119.45+rng.Float64()*0.35, int64(500+rng.IntN(5000))
				mustOK(t, s.locations.UpdateCommunityLocation(ctx, &shequ.CommunityLocation{Code: c, Lat: &lat, Lng: &lng,
					Population: &pop, Terrain: shequ.Terrains[rng.IntN(len(shequ.Terrains))]}))
			}
		}
		mustOK(t, s.targets.SetTarget(ctx, &shequ.Target{Scope: pick()[:9], Key: shequ.TargetOrgsPerUrban, Value: 12}))
		mustOK(t, s.targets.SetTarget(ctx, &shequ.Target{Scope: demo.County, Key: shequ.TargetWorkersPerCommu, Value: 2}))

		restored := startServerOn(t, dsn)
		if !restored.enginesRestored {
			t.Fatal("the second server did not start from the snapshot")
		}
		// Its reconcile ends with a snapshot: dropped only after it.
		if r := waitReconciled(t, restored); r.Err != nil {
			t.Fatalf("reconcile: %v", r.Err)
		}
		mustOK(t, s.db.DropEngineSnapshots(ctx))
		full := startServerOn(t, dsn)
		if full.enginesRestored {
			t.Fatal("the third server started from a dropped snapshot")
		}
		sameFigures(t, full, restored, comms)
		sameFigures(t, full, a, comms) // the first server followed its own changes

		// Damaged contents under a right checksum: a full load.
		snap := &sqlstore.EngineSnapshot{BaseAt: s.db.Now(), TakenAt: s.db.Now(), Data: []byte("not a snapshot")}
		snap.Schema, _ = s.db.SchemaVersion(ctx)
		ind, cov := *snap, *snap
		ind.Engine, cov.Engine = snapshotIndicators, snapshotCoverage
		ind.Version, cov.Version = indicator.SnapshotVersion, coverage.SnapshotVersion
		mustOK(t, s.db.DropEngineSnapshots(ctx))
		if saved, err := s.db.SaveEngineSnapshots(ctx, &ind, &cov); err != nil || !saved {
			t.Fatalf("save a damaged snapshot: %v %v", saved, err)
		}
		fallback := startServerOn(t, dsn)
		if fallback.enginesRestored {
			t.Fatal("a server started from a damaged snapshot")
		}
		sameFigures(t, full, fallback, comms)
	})
}

// snapshotNow starts the demo on dsn, waits for the engines' snapshot its
// full load asked for (a job: it could otherwise land among the test's
// changes), takes one now, and returns the server, a context of the command
// line and the county's communities (at least ten).
func snapshotNow(t *testing.T, dsn string) (*Main, context.Context, []*shequ.CommunityLocation) {
	t.Helper()
	_, a := startDemo(t, dsn)
	ctx := cliContext(context.Background())
	s := a.svc
	within(t, "the snapshot of the full load", time.Minute, func() bool {
		snaps, _, err := s.db.UsableEngineSnapshots(ctx, engineSnapshotVersions())
		return err == nil && snaps != nil
	})
	if saved, err := s.snapshotEngines(ctx, a.Logger); err != nil || !saved {
		t.Fatalf("snapshot: %v %v", saved, err)
	}
	comms, err := s.locations.FindCommunityLocations(ctx, demo.County)
	if err != nil || len(comms) < 10 {
		t.Fatalf("communities: %d %v", len(comms), err)
	}
	return a, ctx, comms
}

// sameFigures compares the indicator reports of the county, its townships
// and every community, the gap lists and the coverage reports and map of
// two servers.
func sameFigures(t *testing.T, want, got *Main, comms []*shequ.CommunityLocation) {
	t.Helper()
	ctx := cliContext(context.Background())
	codes := []string{"", "33", "3305", demo.County}
	seen := map[string]bool{}
	for _, c := range comms {
		if !seen[c.Code[:9]] {
			seen[c.Code[:9]] = true
			codes = append(codes, c.Code[:9])
		}
		codes = append(codes, c.Code)
	}
	// Printed, as NaN (a median of nothing) is never DeepEqual to itself;
	// fmt prints maps in key order.
	compare := func(what string, w, g any, werr, gerr error) {
		t.Helper()
		ws, gs := fmt.Sprintf("%+v %v", w, werr), fmt.Sprintf("%+v %v", g, gerr)
		if pointerRE.MatchString(ws) {
			t.Fatalf("%s: a pointer printed, not compared: %.300s", what, ws)
		}
		if ws != gs {
			i := 0
			for i < min(len(ws), len(gs)) && ws[i] == gs[i] {
				i++
			}
			lo := max(0, i-200)
			t.Fatalf("%s differs at byte %d:\nfull load:     …%.400s\nfrom snapshot: …%.400s", what, i, ws[lo:], gs[lo:])
		}
	}
	for _, code := range codes {
		wr, werr := want.svc.indicators.IndicatorReport(ctx, code)
		gr, gerr := got.svc.indicators.IndicatorReport(ctx, code)
		if werr == nil && gerr == nil {
			wr.AsOf, gr.AsOf = time.Time{}, time.Time{}
		}
		compare("indicators of "+code, wr, gr, werr, gerr)
		wc, werr := want.svc.coverage.CoverageReport(ctx, code)
		gc, gerr := got.svc.coverage.CoverageReport(ctx, code)
		compare("coverage of "+code, wc, gc, werr, gerr)
	}
	for _, key := range []shequ.TargetKey{shequ.TargetOrgsPerUrban, shequ.TargetWorkersPerCommu} {
		wg, wn, werr := want.svc.indicators.GapList(ctx, demo.County, key, 0, 1000)
		gg, gn, gerr := got.svc.indicators.GapList(ctx, demo.County, key, 0, 1000)
		compare("gap list "+string(key), []any{values(wg), wn}, []any{values(gg), gn}, werr, gerr)
	}
	wm, werr := want.svc.coverage.CoverageMap(ctx, demo.County)
	gm, gerr := got.svc.coverage.CoverageMap(ctx, demo.County)
	compare("coverage map", wm, gm, werr, gerr)
	if len(codes) < 20 {
		t.Fatalf("only %d codes compared", len(codes))
	}
}

// pointerRE finds a pointer printed by fmt.
var pointerRE = regexp.MustCompile(`0x[0-9a-f]{8,}`)

// values are the values pointed to.
func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

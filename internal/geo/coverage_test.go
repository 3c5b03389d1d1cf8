package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randCommunities(rng *rand.Rand, n int) []Community {
	cs := make([]Community, n)
	for i := range cs {
		cs[i] = Community{
			// Two counties, so that Stats prefixes select something.
			Code:       fmt.Sprintf("33052%d%06d", rng.IntN(2), i),
			Point:      randPoint(rng),
			Population: int64(rng.IntN(5000)),
			Kind:       Kind(1 + rng.IntN(2)),
		}
	}
	return cs
}

// checkCoverage compares every community's state with the O(n·m) definition.
func checkCoverage(t *testing.T, c *Coverage, fs map[string]Facility) {
	t.Helper()
	all := mapValues(fs)
	for i := range c.Len() {
		if c.Hidden(i) {
			if c.Covered(i) {
				t.Fatalf("hidden community %d counts as covered", i)
			}
			continue
		}
		p := c.Community(i).Point
		cov := bruteCovering(all, p)
		if c.CoveringCount(i) != len(cov) || c.Covered(i) != (len(cov) > 0) {
			t.Fatalf("community %d: count %d, want %d", i, c.CoveringCount(i), len(cov))
		}
		want, wantOK := bruteNearest(all, p, 0)
		id, got, ok := c.Nearest(i)
		if ok != wantOK || ok && math.Abs(got-want) > 1e-6 {
			t.Fatalf("community %d: nearest %q %v %v, want %v %v", i, id, got, ok, want, wantOK)
		}
		if ok && math.Abs(Distance(p, fs[id].Point)-got) > 1e-6 {
			t.Fatalf("community %d: nearest names %q, which is elsewhere", i, id)
		}
	}
}

func TestCoverageMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := NewIndex()
	fs := make(map[string]Facility)
	for _, f := range randFacilities(rng, 150) {
		x.Add(f)
		fs[f.ID] = f
	}
	c := NewCoverage(x, randCommunities(rng, 800))
	checkCoverage(t, c, fs)
	next := 0
	for round := range 3 {
		for range 60 {
			switch ids := mapKeys(fs); rng.IntN(4) {
			case 0:
				f := randFacilities(rng, 1)[0]
				f.ID = fmt.Sprintf("n%d", next)
				next++
				c.AddFacility(f)
				fs[f.ID] = f
			case 1:
				id := ids[rng.IntN(len(ids))]
				f := fs[id]
				f.Point = randPoint(rng)
				c.MoveFacility(id, f.Point)
				fs[id] = f
			case 2:
				id := ids[rng.IntN(len(ids))]
				c.RemoveFacility(id)
				delete(fs, id)
			case 3:
				// Toggle in-use status by re-adding under the same ID.
				id := ids[rng.IntN(len(ids))]
				f := fs[id]
				f.Active = !f.Active
				c.AddFacility(f)
				fs[id] = f
			}
		}
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { checkCoverage(t, c, fs) })
	}
	// A full recomputation must agree with the incremental state.
	before := c.Stats("")
	c.Compute()
	if after := c.Stats(""); after != before {
		t.Errorf("Compute changed stats: %+v -> %+v", before, after)
	}
	checkCoverage(t, c, fs)
}

// Removing every facility must leave nothing covered and no nearest, the
// case where nearest searches run over an empty index.
func TestCoverageRemoveAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := NewIndex()
	fs := randFacilities(rng, 50)
	for _, f := range fs {
		x.Add(f)
	}
	c := NewCoverage(x, randCommunities(rng, 500))
	for _, f := range fs {
		c.RemoveFacility(f.ID)
	}
	checkCoverage(t, c, map[string]Facility{})
	if st := c.Stats(""); st.Covered != 0 || st.MedianNearest != 0 {
		t.Errorf("Stats after removing all = %+v", st)
	}
}

func TestStats(t *testing.T) {
	x := NewIndex()
	x.Add(Facility{ID: "f", Point: Point{30, 120}, Radius: 2000, Active: true})
	x.Add(Facility{ID: "planned", Point: Point{30, 121}, Radius: 2000})
	comms := []Community{
		{Code: "330523001001", Point: Point{30, 120}, Population: 100},      // 0 m
		{Code: "330523001002", Point: Point{30.01, 120}, Population: 200},   // ≈1.1 km
		{Code: "330523002201", Point: Point{30.03, 120}, Population: 300},   // ≈3.3 km
		{Code: "330523002202", Point: Point{30.05, 120}, Population: 400},   // ≈5.6 km
		{Code: "330522001001", Point: Point{30, 121.001}, Population: 1000}, // only the planned one nearby
	}
	c := NewCoverage(x, comms)
	m := EarthRadius * math.Pi / 180 // metres per degree of latitude
	tests := []struct {
		prefix string
		want   CoverageStats
	}{
		{"330523001", CoverageStats{2, 2, 300, 300, 2, 0, 0.01 * m}},
		{"330523", CoverageStats{4, 2, 1000, 300, 4, 0.01 * m, 0.05 * m}},
		{"33", CoverageStats{5, 2, 2000, 300, 5, 0.03 * m, Distance(Point{30, 120}, Point{30, 121.001})}},
		{"11", CoverageStats{}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got := c.Stats(tt.prefix)
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
			if got.Communities != tt.want.Communities || got.Covered != tt.want.Covered ||
				got.Population != tt.want.Population || got.CoveredPopulation != tt.want.CoveredPopulation ||
				got.Reached != tt.want.Reached ||
				!near(got.MedianNearest, tt.want.MedianNearest) || !near(got.P90Nearest, tt.want.P90Nearest) {
				t.Errorf("Stats(%q) = %+v, want %+v", tt.prefix, got, tt.want)
			}
		})
	}
	// Switching the planned facility on covers the last community: the "what if".
	f, _ := x.Get("planned")
	f.Active = true
	c.AddFacility(f)
	if got := c.Stats("330522"); got.Covered != 1 || got.CoveredPopulation != 1000 {
		t.Errorf("after activating: %+v", got)
	}
	rural := c.StatsFunc(func(cm *Community) bool { return cm.Code[9] == '2' })
	if !slices.Equal([]int{rural.Communities, rural.Covered}, []int{2, 0}) {
		t.Errorf("rural stats = %+v", rural)
	}
}

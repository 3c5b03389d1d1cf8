package coverage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/indicator"
)

// memSource is an in-memory Source for the engine's own tests; the store
// is exercised end to end in cmd/shequ (TestCoverageAnji, both engines).
type memSource struct {
	comms []*shequ.CommunityLocation
	facs  []*shequ.Facility
	names map[string]string
}

func (m *memSource) LoadCommunities(_ context.Context, fn func(*shequ.CommunityLocation) error) error {
	for _, c := range m.comms {
		cp := *c
		if err := fn(&cp); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) LoadFacilities(_ context.Context, fn func(*shequ.Facility) error) error {
	for _, f := range m.facs {
		cp := *f
		if err := fn(&cp); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) LoadDivisionNames(_ context.Context, fn func(string, string) error) error {
	for c, n := range m.names {
		if err := fn(c, n); err != nil {
			return err
		}
	}
	return nil
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// randomCounty is a county of two townships with urban and rural
// communities, some without a location, and facilities of every kind.
func randomCounty(r *rand.Rand) *memSource {
	m := &memSource{names: map[string]string{"33": "浙江省", "3305": "湖州市", "330523": "安吉县",
		"330523001": "递铺街道", "330523104": "杭垓镇"}}
	for _, tw := range []string{"330523001", "330523104"} {
		for i := range 40 {
			code := fmt.Sprintf("%s%03d", tw, 1+i%2*200+i)
			c := &shequ.CommunityLocation{Code: code, Name: "社区" + code[9:], Population: i64(int64(500 + r.IntN(4000)))}
			if r.IntN(8) > 0 {
				c.Lat, c.Lng = f64(30.4+r.Float64()*0.3), f64(119.5+r.Float64()*0.3)
			}
			if r.IntN(5) == 0 {
				c.Terrain, c.Relocation = shequ.TerrainMountain, r.IntN(2) == 0
			}
			m.comms = append(m.comms, c)
		}
	}
	for i := range 25 {
		c := m.comms[r.IntN(len(m.comms))]
		f := &shequ.Facility{ID: fmt.Sprintf("f%02d", i), Community: c.Code, Name: fmt.Sprint("设施", i),
			Kind: shequ.FacilityKinds[r.IntN(len(shequ.FacilityKinds))], Radius: 500 + r.IntN(3000),
			Status: shequ.FacilityStatuses[r.IntN(3)]}
		if r.IntN(6) > 0 {
			f.Lat, f.Lng = f64(30.4+r.Float64()*0.3), f64(119.5+r.Float64()*0.3)
		}
		m.facs = append(m.facs, f)
	}
	return m
}

var cli = shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "cli"})

func mustLoad(t *testing.T, src Source) *Engine {
	t.Helper()
	e := New(src, nil)
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// floats compares figures with NaN equal to NaN, and distances to a
// micrometre (the engine compares chords, the test haversines).
var floats = cmp.Comparer(func(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-6
})

// brute computes the figures of a node from the definitions.
func brute(m *memSource, code string) shequ.CoverageFigures {
	var f shequ.CoverageFigures
	var dists []float64
	for _, c := range m.comms {
		if len(code) > len(c.Code) || c.Code[:len(code)] != code {
			continue
		}
		f.Communities++
		comp := false
		for _, x := range m.facs {
			if x.Community == c.Code {
				f.Facilities++
				switch x.Status {
				case shequ.FacilityInUse:
					f.InUse++
					comp = comp || x.Kind.Comprehensive()
				case shequ.FacilityPlanned:
					f.Planned++
				}
			}
		}
		switch shequ.DivisionKind(c.Code) {
		case shequ.KindUrban:
			f.Urban++
			if comp {
				f.UrbanWithComprehensive++
			}
		case shequ.KindRural:
			f.Rural++
			if comp {
				f.RuralWithComprehensive++
			}
		}
		if c.Lat == nil {
			continue
		}
		f.Located++
		f.Population += *c.Population
		covered, near := false, math.Inf(1)
		for _, x := range m.facs {
			if x.Status != shequ.FacilityInUse || !x.Located() {
				continue
			}
			d := distance(*c.Lat, *c.Lng, *x.Lat, *x.Lng)
			covered = covered || d <= float64(x.Radius)
			near = math.Min(near, d)
		}
		if covered {
			f.Covered++
			f.CoveredPopulation += *c.Population
		}
		if !math.IsInf(near, 1) {
			dists = append(dists, near)
		}
	}
	f.MedianNearest, f.P90Nearest = math.NaN(), math.NaN()
	if len(dists) > 0 {
		slices.Sort(dists)
		f.MedianNearest = dists[max(0, int(math.Ceil(0.5*float64(len(dists))))-1)]
		f.P90Nearest = dists[max(0, int(math.Ceil(0.9*float64(len(dists))))-1)]
	}
	return f
}

func TestEngineMatchesDefinitions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	src := randomCounty(r)
	e := mustLoad(t, src)
	check := func(when string) {
		t.Helper()
		for _, code := range []string{"", "330523", "330523001", "330523104", src.comms[3].Code} {
			rep, err := e.CoverageReport(cli, code)
			if err != nil {
				t.Fatal(err)
			}
			want := brute(src, code)
			if diff := cmp.Diff(want, rep.CoverageFigures, floats); diff != "" {
				t.Errorf("%s %q (-definition +engine):\n%s", when, code, diff)
			}
		}
	}
	check("load")
	// Incremental changes end where a fresh load of the changed data does.
	for i := range 30 {
		switch r.IntN(3) {
		case 0: // a facility changes status, place and radius
			k := r.IntN(len(src.facs))
			before := *src.facs[k]
			now := before
			now.Status = shequ.FacilityStatuses[r.IntN(3)]
			now.Lat, now.Lng, now.Radius = f64(30.4+r.Float64()*0.3), f64(119.5+r.Float64()*0.3), 500+r.IntN(3000)
			src.facs[k] = &now
			e.FacilityChanged(&now, &before)
		case 1: // a new facility
			c := src.comms[r.IntN(len(src.comms))]
			f := &shequ.Facility{ID: fmt.Sprint("n", i), Community: c.Code, Name: "新", Kind: shequ.FacilityStation,
				Radius: 2000, Status: shequ.FacilityInUse, Lat: f64(30.4 + r.Float64()*0.3), Lng: f64(119.5 + r.Float64()*0.3)}
			src.facs = append(src.facs, f)
			e.FacilityChanged(f, nil)
		case 2: // a community is located, moved, or loses its location
			k := r.IntN(len(src.comms))
			c := *src.comms[k]
			if r.IntN(4) == 0 {
				c.Lat, c.Lng = nil, nil
			} else {
				c.Lat, c.Lng = f64(30.4+r.Float64()*0.3), f64(119.5+r.Float64()*0.3)
			}
			c.Population = i64(int64(100 + r.IntN(3000)))
			src.comms[k] = &c
			e.CommunityChanged(&c)
		}
	}
	check("after changes")
	fresh := mustLoad(t, src)
	a, _ := e.CoverageReport(cli, "330523")
	b, _ := fresh.CoverageReport(cli, "330523")
	if diff := cmp.Diff(b, a, floats); diff != "" {
		t.Errorf("incremental differs from a fresh load (-fresh +incremental):\n%s", diff)
	}
}

// The indicator module gives the same counts as the report, to within the
// histogram's bucket for the distances.
func TestModuleAgreesWithReport(t *testing.T) {
	src := randomCounty(rand.New(rand.NewPCG(3, 4)))
	e := mustLoad(t, src)
	m := e.Module()
	sum := make([]int32, m.Width())
	if err := m.Load(context.Background(), nil, func(_ string, c []int32) {
		for i := range c {
			sum[i] += c[i]
		}
	}); err != nil {
		t.Fatal(err)
	}
	rep, _ := e.CoverageReport(cli, "")
	st := shequ.IndicatorStats{Communities: rep.Communities, Urban: rep.Urban, Rural: rep.Rural}
	m.Stats(sum, &st)
	got, want := st.Facilities, rep.CoverageFigures
	if got.Located != want.Located || got.Covered != want.Covered || got.CoveredPopulation != want.CoveredPopulation ||
		got.Population != want.Population || got.InUse != want.InUse || got.Planned != want.Planned ||
		got.UrbanWithComprehensive != want.UrbanWithComprehensive || got.RuralWithComprehensive != want.RuralWithComprehensive {
		t.Errorf("module %+v, report %+v", got, want)
	}
	// The median lies in the histogram bucket of the exact one.
	k := bucket(want.MedianNearest)
	if got.MedianNearest != distEdges[k] {
		t.Errorf("median %v, exact %v in bucket ≤ %v", got.MedianNearest, want.MedianNearest, distEdges[k])
	}
	var _ indicator.Module = m
}

func TestSitingAndWhatIf(t *testing.T) {
	src := randomCounty(rand.New(rand.NewPCG(5, 6)))
	for _, f := range src.facs {
		if f.Status == shequ.FacilityPlanned {
			f.Status = shequ.FacilityClosed // the one planned facility is the test's
		}
	}
	e := mustLoad(t, src)
	before, _ := e.CoverageReport(cli, "330523104")
	res, err := e.SuggestSites(cli, shequ.SitingRequest{Scope: "330523104", Kind: shequ.FacilityStation, K: 3,
		FavourRelocation: true})
	if err != nil || len(res.Steps) == 0 {
		t.Fatalf("siting %+v %v", res, err)
	}
	for _, s := range res.Steps {
		if s.Community[:9] != "330523104" {
			t.Errorf("a site outside the scope: %+v", s)
		}
	}
	first := res.Steps[0]
	f := &shequ.Facility{ID: "plan", Community: first.Community, Name: "规划", Kind: shequ.FacilityStation,
		Status: shequ.FacilityPlanned, Radius: res.Request.Radius, Lat: f64(first.Lat), Lng: f64(first.Lng)}
	e.FacilityChanged(f, nil)
	w, _ := e.WhatIf(cli, "330523104")
	if w.CoveredPopulation != before.CoveredPopulation+first.NewPopulation || len(w.WhatIf) != 1 {
		t.Errorf("what if %d, promised %d + %d", w.CoveredPopulation, before.CoveredPopulation, first.NewPopulation)
	}
	// Bad requests.
	for _, bad := range []shequ.SitingRequest{
		{Scope: "330523104", Kind: "castle", K: 3},
		{Scope: "330523104", Kind: shequ.FacilityStation, K: 0},
		{Scope: "330523104", Kind: shequ.FacilityStation, K: 3, Radius: 10},
		{Scope: "330523104", Kind: shequ.FacilityStation, K: 3, Candidates: []shequ.SitingCandidate{{Lat: 0, Lng: 0}}},
	} {
		if _, err := e.SuggestSites(cli, bad); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// Candidate points: the site named is the nearest community.
	cand := []shequ.SitingCandidate{{Name: "候选一", Lat: *src.comms[45].Lat, Lng: *src.comms[45].Lng}}
	if src.comms[45].Lat != nil {
		res, err := e.SuggestSites(cli, shequ.SitingRequest{Scope: "330523104", Kind: shequ.FacilityStation, K: 1, Candidates: cand})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Steps {
			if s.Name != "候选一" || s.Community != src.comms[45].Code {
				t.Errorf("candidate step %+v", s)
			}
		}
	}
	// Unknown and out-of-scope nodes.
	if _, err := e.CoverageReport(cli, "110101"); shequ.ErrorCode(err) != shequ.ENotFound {
		t.Errorf("unknown node: %v", err)
	}
	worker := shequ.WithActor(context.Background(), &shequ.Actor{UserID: "w", Role: shequ.RoleCommunityWorker, Scope: "330523001"})
	if _, _, err := e.CoverageGaps(worker, "330523104", 0, 10); shequ.ErrorCode(err) != shequ.ENotFound {
		t.Errorf("out of scope: %v", err)
	}
	if _, err := New(src, nil).CoverageReport(cli, ""); shequ.ErrorCode(err) != shequ.EUnavailable {
		t.Errorf("before load: %v", err)
	}
}

// distance is the haversine distance in metres, written out again here so
// that the test does not take the engine's word for it.
func distance(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lng2-lng1)*math.Pi/180
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * r * math.Asin(math.Sqrt(math.Min(h, 1)))
}

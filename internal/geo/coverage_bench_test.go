package geo

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchCluster is a Gaussian cloud of communities; the weights put most of
// them in the east, as the real distribution is.
type benchCluster struct {
	lat, lng, sigma, weight float64
}

var benchClusters = []benchCluster{
	{39.0, 116.5, 1.5, 0.12}, // Beijing–Tianjin–Hebei
	{31.0, 120.0, 1.5, 0.15}, // Yangtze delta
	{23.0, 113.5, 1.5, 0.10}, // Pearl River delta
	{35.0, 115.0, 2.0, 0.18}, // North China plain
	{28.5, 112.5, 2.0, 0.13}, // Hunan, Hubei
	{30.0, 104.5, 1.5, 0.12}, // Sichuan basin
	{45.0, 126.0, 2.0, 0.08}, // Northeast
	{25.5, 104.0, 2.0, 0.06}, // Yunnan, Guizhou
	{35.0, 107.0, 2.0, 0.04}, // Shaanxi, Gansu
	{42.0, 85.0, 3.0, 0.015}, // Xinjiang
	{30.0, 91.0, 2.5, 0.005}, // Tibet
}

const (
	benchCommunities = 620_000
	benchFacilities  = 100_000
	benchCountyDeg   = 0.2 // a "county" is a 0.2° square: about 250 communities in the dense east
)

func benchPoint(rng *rand.Rand) Point {
	u := rng.Float64()
	for _, cl := range benchClusters {
		if u -= cl.weight; u <= 0 || cl == benchClusters[len(benchClusters)-1] {
			p := Point{cl.lat + rng.NormFloat64()*cl.sigma, cl.lng + rng.NormFloat64()*cl.sigma}
			p.Lat = min(max(p.Lat, 18), 53.5)
			p.Lng = min(max(p.Lng, 73.5), 135)
			return p
		}
	}
	panic("unreachable")
}

type benchData struct {
	cov      *Coverage
	rng      *rand.Rand
	county   string
	counties map[string][]int
}

var (
	benchOnce  sync.Once
	benchState *benchData
)

// benchFixture builds the national data set once per test binary: the
// county of a community is the benchCountyDeg square it falls in, encoded in
// its code so that Stats and siting can select it by prefix.
func benchFixture(b *testing.B) *benchData {
	b.Helper()
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(2026, 7))
		comms := make([]Community, benchCommunities)
		counties := make(map[string][]int)
		for i := range comms {
			p := benchPoint(rng)
			row, col := cellAt(p, benchCountyDeg)
			county := fmt.Sprintf("%03d%04d", row, col)
			comms[i] = Community{Code: fmt.Sprintf("%s%06d", county, i), Point: p, Population: 200 + rng.Int64N(3000), Kind: Kind(1 + rng.IntN(2))}
			counties[county] = append(counties[county], i)
		}
		x := NewIndex()
		for i := range benchFacilities {
			// Facilities stand in communities, jittered by up to ~1 km.
			p := comms[rng.IntN(len(comms))].Point
			p.Lat += (rng.Float64() - 0.5) * 0.02
			p.Lng += (rng.Float64() - 0.5) * 0.02
			x.Add(Facility{ID: fmt.Sprint("f", i), Point: p, Radius: 1000 + rng.Float64()*4000, Active: true})
		}
		county, best := "", 1<<30
		for k, ms := range counties {
			if d := abs(len(ms) - 250); d < best || d == best && k < county {
				county, best = k, d
			}
		}
		benchState = &benchData{cov: NewCoverage(x, comms), rng: rng, county: county, counties: counties}
	})
	return benchState
}

func abs(n int) int { return max(n, -n) }

// BenchmarkCoverageCompute is full radius coverage plus nearest distances,
// 620k communities × 100k facilities (budget: < 0.5 s on 2 cores).
func BenchmarkCoverageCompute(b *testing.B) {
	d := benchFixture(b)
	for b.Loop() {
		d.cov.Compute()
	}
	st := d.cov.Stats("")
	b.ReportMetric(float64(st.Covered)/float64(st.Communities), "covered/op")
}

// BenchmarkAddFacility adds one facility at a random community and updates
// coverage incrementally (budget: < 10 ms).
func BenchmarkAddFacility(b *testing.B) {
	d := benchFixture(b)
	n := 0
	for b.Loop() {
		p := d.cov.Community(d.rng.IntN(d.cov.Len())).Point
		d.cov.AddFacility(Facility{ID: fmt.Sprint("add", n), Point: p, Radius: 3000, Active: true})
		n++
	}
}

// BenchmarkMoveFacility moves an existing facility by about 2 km.
func BenchmarkMoveFacility(b *testing.B) {
	d := benchFixture(b)
	for b.Loop() {
		id := fmt.Sprint("f", d.rng.IntN(benchFacilities))
		f, _ := d.cov.Index().Get(id)
		d.cov.MoveFacility(id, Point{f.Point.Lat + 0.02, f.Point.Lng})
	}
}

// BenchmarkSuggestCounty sites K=50 facilities of radius 1 km for a county
// of about 250 communities planned from scratch (no facility yet, the case
// with the most steps), candidates being the county's communities
// (budget: < 1 s).
func BenchmarkSuggestCounty(b *testing.B) {
	d := benchFixture(b)
	var comms []Community
	for _, i := range d.counties[d.county] {
		comms = append(comms, d.cov.Community(i))
	}
	county := NewCoverage(NewIndex(), comms)
	var steps []Step
	for b.Loop() {
		steps = county.Suggest(nil, 1000, 50, nil)
	}
	b.ReportMetric(float64(len(comms)), "communities")
	b.ReportMetric(float64(len(steps)), "steps")
}

package indicator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"shequ"
)

// countSource is a Source of pre-aggregated rows, for national-size
// benchmarks without a database.
type countSource struct {
	memSource
	orgs    []OrgCount
	workers []WorkerCount
	cover   []CoverCount
}

func (s *countSource) LoadOrgCounts(_ context.Context, cs []string, fn func(OrgCount) error) error {
	for _, r := range s.orgs {
		if cs == nil || in(cs, r.Community) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *countSource) LoadWorkerCounts(_ context.Context, cs []string, fn func(WorkerCount) error) error {
	for _, r := range s.workers {
		if cs == nil || in(cs, r.Community) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *countSource) LoadCoverCounts(_ context.Context, cs []string, fn func(CoverCount) error) error {
	for _, r := range s.cover {
		if cs == nil || in(cs, r.Community) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// national builds about 620k communities (31 provinces × 10 cities × 10
// counties × 13 townships × 15 communities) with about 3 million
// organizations and 700 thousand workers, aggregated. BenchmarkReportRootCells
// gives every community its own random attributes, the worst case of the
// townships' aggregates.
var national = sync.OnceValue(func() *countSource {
	r := rand.New(rand.NewPCG(1, 1))
	s := &countSource{}
	provinces := []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
	for _, p := range provinces {
		s.divs = append(s.divs, DivisionRow{Code: p, Name: p})
		for c := 1; c <= 10; c++ {
			city := fmt.Sprintf("%s%02d", p, c)
			s.divs = append(s.divs, DivisionRow{Code: city, Name: city})
			for k := 1; k <= 10; k++ {
				county := fmt.Sprintf("%s%02d", city, k)
				s.divs = append(s.divs, DivisionRow{Code: county, Name: county})
				// Attributes as real data has them: terrain by county,
				// urban-rural codes by township and community kind.
				terrain := shequ.Terrains[r.IntN(4)]
				for t := 0; t < 13; t++ {
					urban, rural := shequ.UrbanRural([]string{"111", "112", "121"}[r.IntN(3)]), shequ.UrbanRural([]string{"210", "220"}[r.IntN(2)])
					tw := fmt.Sprintf("%s%03d", county, []int{1, 2, 3, 101, 102, 103, 104, 105, 201, 202, 203, 204, 205}[t])
					s.divs = append(s.divs, DivisionRow{Code: tw, Name: tw})
					for j := 0; j < 15; j++ {
						code := fmt.Sprintf("%s%03d", tw, []int{1, 2, 3, 4, 5, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210}[j])
						ur := urban
						if j >= 5 {
							ur = rural
						}
						s.divs = append(s.divs, DivisionRow{Code: code, Name: code, UrbanRural: ur, Terrain: terrain})
						for range 3 {
							s.orgs = append(s.orgs, OrgCount{Community: code, Kind: shequ.OrgKinds[r.IntN(6)],
								Status: shequ.OrgStatuses[r.IntN(3)], N: 1 + r.IntN(3)})
						}
						s.workers = append(s.workers, WorkerCount{Community: code, Qualification: shequ.Qualifications[r.IntN(4)],
							Education: shequ.Educations[r.IntN(5)], N: r.IntN(3)})
						s.cover = append(s.cover, CoverCount{Community: code, N: r.IntN(3)})
					}
				}
			}
		}
	}
	return s
})

func nationalEngine(b *testing.B) *Engine {
	b.Helper()
	e := New(national(), &memTargets{})
	if err := e.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkLoad(b *testing.B) {
	s := national()
	b.ResetTimer()
	for b.Loop() {
		if err := New(s, &memTargets{}).Load(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReportRoot(b *testing.B) {
	e := nationalEngine(b)
	for b.Loop() {
		if _, err := e.IndicatorReport(cliCtx, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReportProvince(b *testing.B) {
	e := nationalEngine(b)
	for b.Loop() {
		if _, err := e.IndicatorReport(cliCtx, "33"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReportCounty(b *testing.B) {
	e := nationalEngine(b)
	for b.Loop() {
		if _, err := e.IndicatorReport(cliCtx, "330505"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGapListRoot(b *testing.B) {
	e := nationalEngine(b)
	for b.Loop() {
		if _, _, err := e.GapList(cliCtx, "", shequ.TargetOrgsPerRural, 0, 50); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRefreshTargets(b *testing.B) {
	e := nationalEngine(b)
	for b.Loop() {
		if err := e.RefreshTargets(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReportRootCells(b *testing.B) {
	n := national()
	r := rand.New(rand.NewPCG(2, 2))
	s := &countSource{orgs: n.orgs, workers: n.workers, cover: n.cover}
	s.divs = make([]DivisionRow, len(n.divs))
	for i, d := range n.divs {
		if len(d.Code) == 12 {
			d.UrbanRural, d.Terrain = shequ.UrbanRuralCodes[r.IntN(7)], shequ.Terrains[r.IntN(4)]
		}
		s.divs[i] = d
	}
	e := New(s, &memTargets{})
	if err := e.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.IndicatorReport(cliCtx, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// wideModule is a module of 40 counters (the width of the facilities
// module) set for every community, to measure what modules cost a report.
type wideModule struct{ codes []string }

func (w wideModule) Key() string { return "wide" }
func (w wideModule) Width() int  { return 40 }
func (w wideModule) Load(_ context.Context, cs []string, add func(string, []int32)) error {
	c := make([]int32, 40)
	for i := range c {
		c[i] = int32(i)
	}
	if cs == nil {
		cs = w.codes
	}
	for _, code := range cs {
		add(code, c)
	}
	return nil
}
func (w wideModule) Stats(c []int32, s *shequ.IndicatorStats) { s.Facilities.Covered = int(c[1]) }

// BenchmarkReportRootWithModule is BenchmarkReportRoot with a 40-counter
// module on every community beside the core counters.
func BenchmarkReportRootWithModule(b *testing.B) {
	s := national()
	var codes []string
	for _, d := range s.divs {
		if len(d.Code) == 12 {
			codes = append(codes, d.Code)
		}
	}
	e := New(s, &memTargets{}, wideModule{codes})
	if err := e.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.IndicatorReport(cliCtx, ""); err != nil {
			b.Fatal(err)
		}
	}
}

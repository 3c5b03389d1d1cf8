package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// greedyPlain is the textbook greedy: recompute every gain in every round.
func greedyPlain(lists [][]member, k int) []pick {
	covered := make(map[int32]bool)
	used := make([]bool, len(lists))
	var picks []pick
	for range k {
		best, bestGain := -1, 0.0
		for j, l := range lists {
			if g := gainOf(l, covered); !used[j] && g > bestGain {
				best, bestGain = j, g
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		picks = append(picks, pick{best, bestGain})
		for _, m := range lists[best] {
			covered[m.i] = true
		}
	}
	return picks
}

func sitingFixture(seed uint64) (*Coverage, []Candidate) {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := NewIndex()
	for _, f := range randFacilities(rng, 40) {
		x.Add(f)
	}
	c := NewCoverage(x, randCommunities(rng, 1500))
	cands := make([]Candidate, 200)
	for i := range cands {
		cands[i] = Candidate{ID: fmt.Sprint("c", i), Point: randPoint(rng)}
	}
	return c, cands
}

func TestLazyGreedyEqualsPlain(t *testing.T) {
	weights := map[string]func(Community) float64{
		"population": nil,
		"one":        func(Community) float64 { return 1 },
		// Integer-valued weights make ties common, which tests tie-breaking.
		"rural x2": func(cm Community) float64 {
			if cm.Kind == KindRural {
				return 2
			}
			return 1
		},
	}
	for seed := range uint64(4) {
		for name, w := range weights {
			t.Run(fmt.Sprint(name, seed), func(t *testing.T) {
				c, cands := sitingFixture(seed)
				if w == nil {
					w = func(cm Community) float64 { return float64(cm.Population) }
				}
				lists := c.sitingLists(cands, 3000, w)
				lazy, plain := greedyLazy(lists, 30), greedyPlain(lists, 30)
				if !slices.Equal(lazy, plain) {
					t.Fatalf("lazy %v\nplain %v", lazy, plain)
				}
				if len(lazy) == 0 {
					t.Fatal("no picks")
				}
			})
		}
	}
}

func TestSuggestFirstStepIsBestSingle(t *testing.T) {
	c, cands := sitingFixture(1)
	const radius = 3000
	best := 0.0
	for _, cd := range cands {
		// Brute force: every community, by Distance, uncovered ones only.
		g := 0.0
		for i := range c.Len() {
			if !c.Covered(i) && Distance(cd.Point, c.Community(i).Point) <= radius {
				g += float64(c.Community(i).Population)
			}
		}
		best = max(best, g)
	}
	steps := c.Suggest(cands, radius, 5, nil)
	if len(steps) == 0 || steps[0].Gain != best {
		t.Fatalf("first step %+v, best single gain %v", steps, best)
	}
	for i := 1; i < len(steps); i++ {
		if steps[i].Gain > steps[i-1].Gain {
			t.Errorf("gains not decreasing: %v then %v", steps[i-1].Gain, steps[i].Gain)
		}
		if steps[i].CoveredPopulation != steps[i-1].CoveredPopulation+steps[i].NewPopulation {
			t.Errorf("step %d: cumulative %d", i, steps[i].CoveredPopulation)
		}
	}
}

// Building the suggested facility must raise covered population by exactly
// the promised gain: the acceptance check of the siting feature.
func TestSuggestThenAddRaisesCoverageByGain(t *testing.T) {
	for seed := range uint64(3) {
		c, cands := sitingFixture(seed)
		for _, cs := range [][]Candidate{cands, nil} { // given and default candidates
			before := c.Stats("")
			steps := c.Suggest(cs, 2500, 3, nil)
			if len(steps) == 0 {
				t.Fatal("no suggestion")
			}
			for i, st := range steps {
				c.AddFacility(Facility{ID: fmt.Sprint("new", seed, i, len(cs)), Point: st.Candidate.Point, Radius: 2500, Active: true})
				after := c.Stats("")
				if got := after.CoveredPopulation - before.CoveredPopulation; got != st.CoveredPopulation || i == 0 && float64(got) != st.Gain {
					t.Fatalf("seed %d step %d: coverage rose by %d, suggested %+v", seed, i, got, st)
				}
			}
		}
	}
}

func TestSuggestWeightScopesAndStops(t *testing.T) {
	c, _ := sitingFixture(2)
	inScope := func(cm Community) float64 {
		if cm.Code[5] == '0' {
			return float64(cm.Population)
		}
		return 0
	}
	steps := c.Suggest(nil, 2000, 10000, inScope)
	var total int64
	for _, st := range steps {
		if st.Gain <= 0 {
			t.Fatalf("step with no gain: %+v", st)
		}
		total = st.CoveredPopulation
	}
	// Run to exhaustion, every uncovered in-scope community gets covered
	// (each can host its own facility), and only those count.
	var want int64
	for i := range c.Len() {
		if cm := c.Community(i); !c.Covered(i) && inScope(cm) > 0 {
			want += cm.Population
		}
	}
	if total != want {
		t.Errorf("exhaustive siting covered %d of %d in-scope population", total, want)
	}
	if got := c.Suggest([]Candidate{}, 2000, 5, nil); len(got) != 0 {
		t.Errorf("no candidates gave %v", got)
	}
}

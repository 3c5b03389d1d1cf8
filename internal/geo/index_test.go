package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// randPoint draws mostly from a county-sized box, where 1–5 km radii overlap
// a lot, and sometimes from all of China, to exercise long nearest searches.
func randPoint(rng *rand.Rand) Point {
	if rng.IntN(10) == 0 {
		return Point{18 + rng.Float64()*35, 75 + rng.Float64()*58}
	}
	return Point{30 + rng.Float64()*0.6, 119.5 + rng.Float64()*0.8}
}

func randFacilities(rng *rand.Rand, n int) []Facility {
	fs := make([]Facility, n)
	for i := range fs {
		fs[i] = Facility{
			ID:     fmt.Sprintf("f%d", i),
			Point:  randPoint(rng),
			Radius: 1000 + rng.Float64()*4000,
			Active: rng.IntN(8) != 0,
		}
	}
	return fs
}

// bruteNearest and bruteCovering are the O(n) definitions the index must match.
func bruteNearest(fs []Facility, p Point, maxDist float64) (float64, bool) {
	best, ok := math.Inf(1), false
	for _, f := range fs {
		if d := Distance(p, f.Point); f.Active && (maxDist <= 0 || d <= maxDist) && d < best {
			best, ok = d, true
		}
	}
	return best, ok
}

func bruteCovering(fs []Facility, p Point) []string {
	var ids []string
	for _, f := range fs {
		if f.Active && Distance(p, f.Point) <= f.Radius {
			ids = append(ids, f.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func checkIndex(t *testing.T, rng *rand.Rand, x *Index, fs map[string]Facility) {
	t.Helper()
	all := mapValues(fs)
	if x.Len() != len(fs) {
		t.Fatalf("Len = %d, want %d", x.Len(), len(fs))
	}
	for range 120 {
		p := randPoint(rng)
		maxDist := 0.0
		if rng.IntN(2) == 0 {
			maxDist = rng.Float64() * 20000
		}
		want, wantOK := bruteNearest(all, p, maxDist)
		id, got, ok := x.Nearest(p, maxDist)
		if ok != wantOK || ok && math.Abs(got-want) > 1e-6 {
			t.Fatalf("Nearest(%v, %v) = %q %v %v, want %v %v", p, maxDist, id, got, ok, want, wantOK)
		}
		if ok && math.Abs(Distance(p, fs[id].Point)-got) > 1e-6 {
			t.Fatalf("Nearest named %q at %v, which is not at the reported distance", id, fs[id].Point)
		}
		cov := x.Covering(p)
		slices.Sort(cov)
		if w := bruteCovering(all, p); !slices.Equal(cov, w) {
			t.Fatalf("Covering(%v) = %v, want %v", p, cov, w)
		}
	}
}

func TestIndexMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := NewIndex()
	fs := make(map[string]Facility)
	if _, _, ok := x.Nearest(Point{30, 120}, 0); ok {
		t.Fatal("Nearest on empty index found something")
	}
	for _, f := range randFacilities(rng, 400) {
		x.Add(f)
		fs[f.ID] = f
	}
	checkIndex(t, rng, x, fs)
	next := len(fs)
	for round := range 3 {
		for range 150 {
			switch ids := mapKeys(fs); rng.IntN(3) {
			case 0:
				f := randFacilities(rng, 1)[0]
				f.ID = fmt.Sprintf("n%d", next)
				next++
				x.Add(f)
				fs[f.ID] = f
			case 1:
				id := ids[rng.IntN(len(ids))]
				f := fs[id]
				f.Point = randPoint(rng)
				x.Move(id, f.Point)
				fs[id] = f
			case 2:
				id := ids[rng.IntN(len(ids))]
				x.Remove(id)
				delete(fs, id)
			}
		}
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { checkIndex(t, rng, x, fs) })
	}
}

func TestIndexReplaceAndUnknown(t *testing.T) {
	x := NewIndex()
	x.Add(Facility{ID: "a", Point: Point{30, 120}, Radius: 1000, Active: true})
	x.Add(Facility{ID: "a", Point: Point{31, 121}, Radius: 1000, Active: true})
	x.Move("nope", Point{0, 0})
	x.Remove("nope")
	if x.Len() != 1 {
		t.Fatalf("Len = %d, want 1", x.Len())
	}
	if got := x.Covering(Point{30, 120}); len(got) != 0 {
		t.Errorf("old position still covered: %v", got)
	}
	if got := x.Covering(Point{31, 121}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Covering new position = %v", got)
	}
}

func mapKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	// Sorted so that the random choices are reproducible.
	slices.Sort(ks)
	return ks
}

func mapValues(m map[string]Facility) []Facility {
	vs := make([]Facility, 0, len(m))
	for _, k := range mapKeys(m) {
		vs = append(vs, m[k])
	}
	return vs
}

// The trigonometry-free ring bound must never exceed the exact one, and
// differ from it only by rounding.
func TestRingBoundChord2(t *testing.T) {
	for _, lat := range []float64{0, 18.5, 30, 45.7, 53.5, 80, 89.9} {
		p := Point{Lat: lat, Lng: 100}
		for _, deg := range levelDeg {
			for k := range int32(40) {
				exact := chord2For(ringBound(p, k, deg))
				got := ringBoundChord2(math.Cos(lat*degToRad), k, deg)
				if got > exact || exact-got > 1e-8*exact+1e-300 {
					t.Errorf("lat %v deg %v k %d: %g, exact %g", lat, deg, k, got, exact)
				}
			}
		}
	}
}

// AddAll must build exactly the index that Add builds one by one, and an
// index that then behaves the same under mutation; with a repeated ID it
// falls back to Add, where the later facility replaces the earlier.
func TestAddAllEqualsAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	fs := randFacilities(rng, 400)
	for i := range fs {
		fs[i].Active = i%7 != 0
	}
	for _, tc := range []struct {
		name string
		fs   []Facility
	}{
		{"distinct", fs},
		{"repeated", append(slices.Clone(fs), Facility{ID: fs[3].ID, Point: Point{31, 120}, Radius: 2500, Active: true})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one, bulk := NewIndex(), NewIndex()
			for _, f := range tc.fs {
				one.Add(f)
			}
			bulk.AddAll(tc.fs)
			if !reflect.DeepEqual(one, bulk) {
				t.Fatal("AddAll built a different index than Add")
			}
			// Mutations after a bulk load must not disturb neighbouring cells.
			for i := range 100 {
				f := randFacilities(rng, 1)[0]
				f.ID = fmt.Sprint("m", i)
				p := randPoint(rng)
				id := tc.fs[rng.IntN(len(tc.fs))].ID
				for _, x := range []*Index{one, bulk} {
					x.Add(f)
					x.Move(id, p)
				}
			}
			for _, x := range []*Index{one, bulk} {
				x.Remove(tc.fs[0].ID)
			}
			if !reflect.DeepEqual(one, bulk) {
				t.Fatal("after mutations the bulk-loaded index differs")
			}
		})
	}
}

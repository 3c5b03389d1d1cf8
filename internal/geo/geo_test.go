package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name string
		a, b Point
		want float64 // metres
		tol  float64 // relative
	}{
		{"same point", Point{30, 120}, Point{30, 120}, 0, 0},
		{"one degree of equator", Point{0, 0}, Point{0, 1}, EarthRadius * math.Pi / 180, 1e-12},
		{"one degree of meridian", Point{10, 100}, Point{11, 100}, EarthRadius * math.Pi / 180, 1e-9},
		{"pole to pole", Point{90, 0}, Point{-90, 0}, EarthRadius * math.Pi, 1e-12},
		{"antipodes", Point{0, 0}, Point{0, 180}, EarthRadius * math.Pi, 1e-12},
		{"Beijing–Shanghai", Point{39.9042, 116.4074}, Point{31.2304, 121.4737}, 1067e3, 0.005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tol*tt.want+1e-9 {
				t.Errorf("Distance = %.3f m, want %.3f m", got, tt.want)
			}
			if back := Distance(tt.b, tt.a); back != got {
				t.Errorf("not symmetric: %v vs %v", back, got)
			}
		})
	}
}

// The chord shortcut used in hot loops must agree with Distance.
func TestChordMatchesDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		a := Point{rng.Float64()*180 - 90, rng.Float64()*360 - 180}
		b := Point{a.Lat + rng.NormFloat64(), a.Lng + rng.NormFloat64()}
		d := Distance(a, b)
		if got := arcFromChord2(chord2(toVec(a), toVec(b))); math.Abs(got-d) > 1e-6*max(1, d) {
			t.Fatalf("%v %v: chord %v, haversine %v", a, b, got, d)
		}
	}
}

func TestGCJRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		w := Point{18 + rng.Float64()*35, 75 + rng.Float64()*58}
		g := WGSToGCJ(w)
		// The offset is a few hundred metres inside China.
		if off := Distance(w, g); off < 1 || off > 1500 {
			t.Fatalf("WGSToGCJ(%v) offset %.1f m", w, off)
		}
		if err := Distance(GCJToWGS(g), w); err > 0.01 {
			t.Fatalf("GCJToWGS(WGSToGCJ(%v)) off by %.4f m", w, err)
		}
	}
}

func TestGCJOutsideChina(t *testing.T) {
	for _, p := range []Point{{51.5, -0.12}, {-33.9, 151.2}, {35.7, 139.7 + 1}} {
		if g := WGSToGCJ(p); g != p {
			t.Errorf("WGSToGCJ(%v) = %v, want identity", p, g)
		}
		if w := GCJToWGS(p); w != p {
			t.Errorf("GCJToWGS(%v) = %v, want identity", p, w)
		}
	}
}

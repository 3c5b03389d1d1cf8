package shequ_test

import (
	"encoding/json"
	"math"
	"testing"

	"shequ"
)

// The indicator snapshots store the figures as JSON, which has no NaN: a
// median of nothing goes out as null and comes back as NaN.
func TestCoverageFiguresJSON(t *testing.T) {
	for _, in := range []shequ.CoverageFigures{
		{Communities: 3, Located: 2, Covered: 1, Population: 900, MedianNearest: math.NaN(), P90Nearest: math.NaN()},
		{Communities: 3, Located: 2, Covered: 1, Population: 900, MedianNearest: 1200.5, P90Nearest: 3000},
	} {
		st := shequ.IndicatorStats{Communities: 3, Facilities: in}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("marshal %+v: %v", in, err)
		}
		var out shequ.IndicatorStats
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		got := out.Facilities
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if got.Covered != in.Covered || got.Population != in.Population || !same(got.MedianNearest, in.MedianNearest) ||
			!same(got.P90Nearest, in.P90Nearest) {
			t.Errorf("round trip %+v → %s → %+v", in, b, got)
		}
	}
}

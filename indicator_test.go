package shequ_test

import (
	"testing"

	"shequ"
)

// TestIndicatorRegistry checks every registered indicator: a unique key, one
// of count or rate, a known target, and rates between 0 and 1.
func TestIndicatorRegistry(t *testing.T) {
	st := &shequ.IndicatorStats{Communities: 10, Urban: 4, Rural: 6, UrbanMeetingOrgTarget: 1, RuralMeetingOrgTarget: 3,
		Workers: 5, WorkersCertified: 2, CommunitiesWithWorkers: 7}
	seen := map[string]bool{}
	for _, d := range shequ.IndicatorDefs {
		if seen[d.Key] || d.Key == "" {
			t.Errorf("key %q empty or repeated", d.Key)
		}
		seen[d.Key] = true
		if n := btoi(d.Count != nil) + btoi(d.Rate != nil) + btoi(d.Value != nil); n != 1 {
			t.Errorf("%s: want exactly one of Count, Rate and Value, have %d", d.Key, n)
		}
		if (d.Unit != "") != (d.Value != nil) {
			t.Errorf("%s: a value needs its unit, a count or rate has an implied one", d.Key)
		}
		if (d.Whole != nil) != (d.Rate != nil) {
			t.Errorf("%s: a rate needs its whole (a rate of nothing is shown as —), nothing else has one", d.Key)
		}
		if d.UnitKey() == "" {
			t.Errorf("%s: no unit", d.Key)
		}
		if d.Rate != nil && d.Defined(&shequ.IndicatorStats{}) {
			t.Errorf("%s: a rate of empty stats is defined", d.Key)
		}
		if _, ok := shequ.PlanTargets[d.Target]; d.Target != "" && !ok {
			t.Errorf("%s: unknown target %s", d.Key, d.Target)
		}
		if d.Rate != nil {
			if r := d.Rate(st); r < 0 || r > 1 {
				t.Errorf("%s: rate %v", d.Key, r)
			}
		}
	}
	for name, got := range map[string][2]float64{
		"urban": {st.UrbanAttainment(), 0.25}, "rural": {st.RuralAttainment(), 0.5},
		"coverage": {st.WorkerCoverage(), 0.7}, "certified": {st.CertifiedShare(), 0.4},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
	if (&shequ.IndicatorStats{}).WorkerCoverage() != 0 {
		t.Error("empty stats give a rate")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

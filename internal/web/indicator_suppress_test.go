package web

import (
	"testing"

	"shequ"
)

// TestSensitiveCountsSuppressed: counts of people from the care module show
// 1 to 4 as "<5" on the page and in the exports; 0 and 5 and more show as
// they are; other counts are never suppressed.
func TestSensitiveCountsSuppressed(t *testing.T) {
	var care, plain indicatorColumn
	for _, c := range indicatorColumns {
		switch c.Key {
		case "ind.col.care_under_care":
			care = c
		case "ind.col.communities":
			plain = c
		}
	}
	if !care.Sensitive || plain.Sensitive {
		t.Fatalf("sensitive flags: care %v, communities %v", care.Sensitive, plain.Sensitive)
	}
	for n, want := range map[int]string{0: "0", 1: "<5", 4: "<5", 5: "5", 12: "12"} {
		st := &shequ.IndicatorStats{Communities: n, Care: shequ.CareFigures{
			ByKindRisk: map[shequ.CareKind]map[shequ.RiskLevel]int{shequ.CareChild: {shequ.RiskHigh: n}}}}
		if got := care.cellText(st, false); got != want {
			t.Errorf("%d people: page shows %q, want %q", n, got, want)
		}
		if got := care.number(st); (want == "<5") != (got == "<5") {
			t.Errorf("%d people: export has %v", n, got)
		}
		if got := plain.cellText(st, false); got == "<5" {
			t.Errorf("%d communities suppressed", n)
		}
	}
}

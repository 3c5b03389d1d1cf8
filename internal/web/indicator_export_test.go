package web

import (
	"testing"

	"shequ"
)

// TestEveryUnitHasANumberFormat: every unit of the indicator registry has
// its Excel number format, so no module's figure is exported unformatted
// (a meeting count of 0.02 per community shown as 0.0204081632653061).
func TestEveryUnitHasANumberFormat(t *testing.T) {
	for _, d := range shequ.IndicatorDefs {
		if _, ok := unitNumFmt[d.UnitKey()]; !ok {
			t.Errorf("%s: unit %s has no number format in unitNumFmt", d.Key, d.UnitKey())
		}
	}
}

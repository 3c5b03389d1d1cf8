package indicator

import (
	"testing"

	"shequ"
)

// TestUrbanRuralClass: the 城乡接合部与纯农村 breakdown puts town and city
// cores in a row of their own; only a missing code is unknown (the urban
// communities used to land in a row 未知).
func TestUrbanRuralClass(t *testing.T) {
	for code, want := range map[shequ.UrbanRural]string{
		"111": "urban", "112": "peri_urban", "121": "urban", "122": "peri_urban", "123": "urban",
		"210": "purely_rural", "220": "purely_rural", "": "",
	} {
		if got := urbanRuralClass(code); got != want {
			t.Errorf("%q: %q, want %q", code, got, want)
		}
	}
}

package web

import (
	"testing"

	"shequ/internal/i18n"
)

// TestRegisterCatalogue checks that every text of every register mounted
// by the server is in both languages of the catalogue.
func TestRegisterCatalogue(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range newTestServer(t, nil).registers {
		keys = append(keys, m.catalogueKeys()...)
	}
	keys = append(keys, "register.filter.community", "register.filter.q", "filter.from", "filter.to", "import.errors.download",
		"import.community.default", "import.community.default.hint", "register.text.long", "register.number.whole",
		"register.number.decimal", "register.value.invalid", "register.json.unknown", "register.sort.invalid",
		"register.import.none", "location.pair", "location.decimal", "location.coordinate_system.invalid", "unit.yuan")
	for _, lang := range cat.Languages() {
		l := cat.Localizer(lang)
		for _, k := range keys {
			if l.T(k) == k {
				t.Errorf("%s: catalogue lacks %q", lang, k)
			}
		}
	}
}

package web

import (
	"testing"

	"shequ/internal/i18n"
	"shequ/internal/register"
)

// registerKeys lists the catalogue keys a register's pages and imports use.
func registerKeys[T any](s *register.Schema[T]) []string {
	keys := []string{}
	for _, k := range []string{"list.title", "list.count", "list.none", "new.title", "edit.title", "created", "saved", "back"} {
		keys = append(keys, s.Name+"."+k)
	}
	if s.Import != nil {
		keys = append(keys, s.Name+".import.title", s.Name+".import.intro", "cli.import."+s.Plural+"_done")
		for _, o := range s.Import.Options {
			keys = append(keys, o.Label)
		}
	}
	for _, f := range s.Fields {
		keys = append(keys, f.Label)
		if f.Hint != "" {
			keys = append(keys, f.Hint)
		}
		if f.Blank != "" {
			keys = append(keys, f.Blank)
		}
		if f.InvalidKey != "" {
			keys = append(keys, f.InvalidKey)
		} else if f.Kind == register.KindChoice || f.Kind == register.KindChoices {
			keys = append(keys, f.Labels+".invalid")
		}
		for _, v := range f.Values {
			keys = append(keys, f.Labels+"."+v)
		}
	}
	for _, f := range s.Filters {
		if f.Label != "" {
			keys = append(keys, f.Label)
		}
	}
	return keys
}

// TestRegisterCatalogue checks that every text of every register is in
// both languages of the catalogue.
func TestRegisterCatalogue(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	keys = append(keys, registerKeys(register.Orgs)...)
	keys = append(keys, registerKeys(register.Workers)...)
	keys = append(keys, registerKeys(register.Facilities)...)
	keys = append(keys, registerKeys(register.Estates)...)
	keys = append(keys, registerKeys(register.Companies)...)
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

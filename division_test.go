package shequ_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

func TestValidateDivisionCode(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"33", true}, {"3305", true}, {"330523", true}, {"330523001", true}, {"330523001001", true},
		{"441900", true}, {"350527000000", true}, // NBS uses zero segments
		{"", false}, {"3", false}, {"330", false}, {"33052300", false}, {"3305230010010", false},
		{"00", false}, {"0012", false}, {"33a5", false}, {"３３", false}, {"33 ", false}, {"-3", false},
	}
	for _, tt := range tests {
		err := shequ.ValidateDivisionCode(tt.code)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateDivisionCode(%q) = %v, want ok=%v", tt.code, err, tt.ok)
		}
		if err != nil && shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("ValidateDivisionCode(%q) code = %s, want invalid", tt.code, shequ.ErrorCode(err))
		}
	}
}

func TestDivisionDerive(t *testing.T) {
	tests := []struct {
		code   string
		level  shequ.Level
		parent string
		kind   shequ.Kind
		region shequ.Region
	}{
		{"33", shequ.LevelProvince, "", "", shequ.RegionEast},
		{"3305", shequ.LevelCity, "33", "", shequ.RegionEast},
		{"330523", shequ.LevelCounty, "3305", "", shequ.RegionEast},
		{"330523001", shequ.LevelTownship, "330523", shequ.KindSubdistrict, shequ.RegionEast},
		{"330523099", shequ.LevelTownship, "330523", shequ.KindSubdistrict, shequ.RegionEast},
		{"330523100", shequ.LevelTownship, "330523", shequ.KindTown, shequ.RegionEast},
		{"330523199", shequ.LevelTownship, "330523", shequ.KindTown, shequ.RegionEast},
		{"330523200", shequ.LevelTownship, "330523", shequ.KindTownship, shequ.RegionEast},
		{"330523399", shequ.LevelTownship, "330523", shequ.KindTownship, shequ.RegionEast},
		{"330523400", shequ.LevelTownship, "330523", shequ.KindOther, shequ.RegionEast},
		{"350527000", shequ.LevelTownship, "350527", shequ.KindOther, shequ.RegionEast},
		{"330523001001", shequ.LevelCommunity, "330523001", shequ.KindUrban, shequ.RegionEast},
		{"330523001199", shequ.LevelCommunity, "330523001", shequ.KindUrban, shequ.RegionEast},
		{"330523001200", shequ.LevelCommunity, "330523001", shequ.KindRural, shequ.RegionEast},
		{"330523001399", shequ.LevelCommunity, "330523001", shequ.KindRural, shequ.RegionEast},
		{"330523001400", shequ.LevelCommunity, "330523001", shequ.KindOther, shequ.RegionEast},
		{"14", shequ.LevelProvince, "", "", shequ.RegionCentral},
		{"6501", shequ.LevelCity, "65", "", shequ.RegionWest},
		{"230102", shequ.LevelCounty, "2301", "", shequ.RegionNortheast},
		{"71", shequ.LevelProvince, "", "", ""}, // not among the 31 mainland provinces
	}
	for _, tt := range tests {
		d := shequ.Division{Code: tt.code}
		d.Derive()
		got := []string{string(d.Level), d.ParentCode, string(d.Kind), string(d.Region)}
		want := []string{string(tt.level), tt.parent, string(tt.kind), string(tt.region)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Derive(%s) (-want +got):\n%s", tt.code, diff)
		}
	}
}

func TestRegionsCoverAllProvinces(t *testing.T) {
	// The 31 provinces of the NBS data, each in exactly one region.
	provinces := []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
	count := map[shequ.Region]int{}
	for _, p := range provinces {
		r := shequ.ProvinceRegion(p)
		if r == "" {
			t.Errorf("province %s has no region", p)
		}
		count[r]++
	}
	want := map[shequ.Region]int{shequ.RegionEast: 10, shequ.RegionCentral: 6, shequ.RegionWest: 12, shequ.RegionNortheast: 3}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("provinces per region (-want +got):\n%s", diff)
	}
}

func TestAncestorCodes(t *testing.T) {
	if diff := cmp.Diff([]string{"33", "3305", "330523", "330523001"}, shequ.AncestorCodes("330523001001")); diff != "" {
		t.Error(diff)
	}
	if got := shequ.AncestorCodes("33"); len(got) != 0 {
		t.Errorf("AncestorCodes(33) = %v", got)
	}
	if !shequ.IsAncestorOrSelf("", "33") || !shequ.IsAncestorOrSelf("3305", "330523") || shequ.IsAncestorOrSelf("3306", "330523") {
		t.Error("IsAncestorOrSelf")
	}
}

func TestUrbanRuralAndTerrain(t *testing.T) {
	for _, tt := range []struct {
		code         string
		valid, urban bool
	}{{"111", true, true}, {"123", true, true}, {"210", true, false}, {"220", true, false}, {"113", false, false}, {"", false, false}} {
		u := shequ.UrbanRural(tt.code)
		if u.Valid() != tt.valid || u.Urban() != tt.urban {
			t.Errorf("UrbanRural(%q): valid %v urban %v", tt.code, u.Valid(), u.Urban())
		}
	}
	for in, want := range map[string]shequ.Terrain{"plain": shequ.TerrainPlain, "Hill": shequ.TerrainHill, "山区": shequ.TerrainMountain, " 高原 ": shequ.TerrainPlateau} {
		if got, ok := shequ.ParseTerrain(in); !ok || got != want {
			t.Errorf("ParseTerrain(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := shequ.ParseTerrain("swamp"); ok {
		t.Error("ParseTerrain(swamp) accepted")
	}
}

func TestErrors(t *testing.T) {
	var fe shequ.FieldErrors
	if fe.Err() != nil {
		t.Fatal("empty FieldErrors gave an error")
	}
	fe.Add("limit", "query.limit", "bad", nil)
	e := shequ.AsError(fe.Err())
	if e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "limit" {
		t.Errorf("FieldErrors.Err() = %+v", e)
	}
	if shequ.ErrorCode(nil) != "" || shequ.ErrorCode(shequ.ErrDivisionCode) != shequ.EInvalid {
		t.Error("ErrorCode")
	}
	w := shequ.AsError(errPlain("disk on fire"))
	if w.Code != shequ.EInternal || w.Message == "disk on fire" {
		t.Errorf("AsError leaked internal text: %+v", w)
	}
}

type errPlain string

func (e errPlain) Error() string { return string(e) }

// FuzzValidateDivisionCode checks that every accepted code derives a level
// and a parent chain that ends at its province.
func FuzzValidateDivisionCode(f *testing.F) {
	for _, s := range []string{"33", "330523001001", "00", "3x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if shequ.ValidateDivisionCode(code) != nil {
			return
		}
		d := shequ.Division{Code: code}
		d.Derive()
		if d.Level == "" {
			t.Fatalf("no level for %q", code)
		}
		anc := shequ.AncestorCodes(code)
		if len(anc) > 0 && (anc[0] != code[:2] || anc[len(anc)-1] != d.ParentCode) {
			t.Fatalf("ancestors %v of %q", anc, code)
		}
	})
}

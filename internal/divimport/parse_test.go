package divimport

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

func TestParseRows(t *testing.T) {
	const header = "code,name,urban_rural,terrain,population,households,lat,lng\n"
	tests := []struct {
		name    string
		row     string
		wantKey string // "" means the row is accepted
	}{
		{"province", "33,浙江省,,,,,,", ""},
		{"community with attributes", "330523001001,桃园社区,111,plain,5200,2100,30.64,119.68", ""},
		{"chinese terrain", "330523104,杭垓镇,,山区,,,,", ""},
		{"zero segment kept", "350527000,金门县,,,,,,", ""},
		{"letters in code", "33A,浙江,,,,,,", "import.row.code"},
		{"wrong length", "3305231,x,,,,,,", "import.row.code"},
		{"province 00", "00,x,,,,,,", "import.row.code"},
		{"empty name", "33,,,,,,,", "import.row.name_missing"},
		{"name too long", "33," + strings.Repeat("长", MaxNameLength+1) + ",,,,,,", "import.row.name_long"},
		{"bad urban-rural", "330523001001,x,113,,,,,", "import.row.urban_rural"},
		{"bad terrain", "33,x,,swamp,,,,", "import.row.terrain"},
		{"negative population", "33,x,,,-5,,,", "import.row.count"},
		{"fraction households", "33,x,,,,2.5,,", "import.row.count"},
		{"huge population", "33,x,,,9999999999,,,", "import.row.count"},
		{"lat without lng", "33,x,,,,,30.1,", "import.row.latlng_pair"},
		{"lat out of range", "33,x,,,,,91,120", "import.row.latlng"},
		{"lng not a number", "33,x,,,,,30,abc", "import.row.latlng"},
		{"NaN latitude", "33,x,,,,,NaN,120", "import.row.latlng"},
		{"too many fields", "33,x,,,,,,,extra", "import.row.columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(strings.NewReader(header+tt.row+"\n"), ParseOptions{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Total != 1 {
				t.Fatalf("Total = %d, want 1", f.Total)
			}
			if tt.wantKey == "" {
				if len(f.Errors) != 0 || len(f.Rows) != 1 {
					t.Fatalf("want accepted row, got errors %+v", f.Errors)
				}
				return
			}
			if len(f.Rows) != 0 || len(f.Errors) != 1 {
				t.Fatalf("want one rejected row, got rows %d errors %+v", len(f.Rows), f.Errors)
			}
			if got := f.Errors[0]; got.Key != tt.wantKey || got.Line != 2 {
				t.Errorf("error = %s on line %d, want %s on line 2", got.Key, got.Line, tt.wantKey)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	in := "\ufeff区划代码,名称,城乡分类代码,地形,人口,户数,纬度,经度\n" +
		"330523001001,桃园社区,111,丘陵,5200,2100,30.64,119.68\n" +
		"\n" + // blank lines are not rows
		"330523,安吉县,,,,,,\n"
	f, err := Parse(strings.NewReader(in), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ur, ter := shequ.UrbanRural("111"), shequ.TerrainHill
	pop, hh, lat, lng := int64(5200), int64(2100), 30.64, 119.68
	want := []*shequ.Division{
		{Code: "330523001001", Name: "桃园社区", Level: shequ.LevelCommunity, ParentCode: "330523001",
			Kind: shequ.KindUrban, Region: shequ.RegionEast, UrbanRural: &ur, Terrain: &ter,
			Population: &pop, Households: &hh, Lat: &lat, Lng: &lng},
		{Code: "330523", Name: "安吉县", Level: shequ.LevelCounty, ParentCode: "3305", Region: shequ.RegionEast},
	}
	if diff := cmp.Diff(want, f.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 4}, f.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	wantCols := shequ.DivisionColumns{Name: true, UrbanRural: true, Terrain: true, Population: true, Households: true, LatLng: true}
	if f.Columns != wantCols {
		t.Errorf("columns = %+v", f.Columns)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name, in, wantKey string
		wantCols          shequ.DivisionColumns
	}{
		{"code and name", "code,name\n", "", shequ.DivisionColumns{Name: true}},
		{"attributes only", "code,urban_rural\n", "", shequ.DivisionColumns{UrbanRural: true}},
		{"empty file", "", "import.header.empty", shequ.DivisionColumns{}},
		{"no code", "name,population\n", "import.header.no_code", shequ.DivisionColumns{}},
		{"unknown column", "code,name,colour\n", "import.header.unknown", shequ.DivisionColumns{}},
		{"duplicate column", "code,name,名称\n", "import.header.duplicate", shequ.DivisionColumns{}},
		{"lat alone", "code,name,lat\n", "import.header.latlng", shequ.DivisionColumns{}},
		{"code alone", "code\n", "import.header.nothing", shequ.DivisionColumns{}},
		{"broken quote", "code,name\n\"33,x\n", "import.csv.syntax", shequ.DivisionColumns{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(strings.NewReader(tt.in), ParseOptions{})
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if f.Columns != tt.wantCols {
					t.Errorf("columns = %+v, want %+v", f.Columns, tt.wantCols)
				}
				return
			}
			if e := shequ.AsError(err); err == nil || e.Key != tt.wantKey || e.Code != shequ.EInvalid {
				t.Fatalf("err = %v, want key %s", err, tt.wantKey)
			}
		})
	}
}

func TestParseDuplicatesAndPrefix(t *testing.T) {
	in := "code,name\n33,浙江省\n3305,湖州市\n330523,安吉县\n330522,长兴县\n3305,湖州市\n34,安徽省\n"
	f, err := Parse(strings.NewReader(in), ParseOptions{Prefix: "330523"})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range f.Rows {
		codes = append(codes, d.Code)
	}
	// Ancestors of the prefix are kept so that the subtree has its parents.
	if diff := cmp.Diff([]string{"33", "3305", "330523"}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if f.Filtered != 2 || f.Total != 6 {
		t.Errorf("Filtered = %d, Total = %d; want 2, 6", f.Filtered, f.Total)
	}
	if len(f.Errors) != 1 || f.Errors[0].Key != "import.row.duplicate" || f.Errors[0].Line != 6 {
		t.Errorf("errors = %+v, want duplicate on line 6", f.Errors)
	}
	if _, err := Parse(strings.NewReader(in), ParseOptions{Prefix: "3x"}); shequ.ErrorCode(err) != shequ.EInvalid {
		t.Errorf("bad prefix: err = %v", err)
	}
}

// FuzzParse checks that no input makes the parser panic, and that every row
// it accepts is well formed and every rejection names a line and a reason.
func FuzzParse(f *testing.F) {
	f.Add("code,name\n33,浙江省\n")
	f.Add("code,name,urban_rural,terrain,population,households,lat,lng\n330523001001,x,111,plain,1,2,30,120\n")
	f.Add("代码,名称\n\"33\",\"a,b\"\n3305,\n")
	f.Add("code,lat,lng\n33,1e400,-0\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse(strings.NewReader(in), ParseOptions{})
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("non-validation error: %v", err)
			}
			return
		}
		if len(file.Rows)+len(file.Errors) != file.Total {
			t.Fatalf("rows %d + errors %d != total %d", len(file.Rows), len(file.Errors), file.Total)
		}
		for _, d := range file.Rows {
			if shequ.ValidateDivisionCode(d.Code) != nil || (file.Columns.Name && d.Name == "") {
				t.Fatalf("accepted bad row %+v", d)
			}
		}
		for _, e := range file.Errors {
			if e.Line < 2 || e.Key == "" {
				t.Fatalf("error without line or key: %+v", e)
			}
		}
	})
}

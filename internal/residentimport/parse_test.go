package residentimport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"shequ"
)

var now = time.Date(2026, 11, 29, 10, 0, 0, 0, shequ.Shanghai)

// validID makes a valid ID number from 17 digits.
func validID(first17 string) string { return first17 + string(shequ.IDCheckChar(first17)) }

func TestParseCSV(t *testing.T) {
	a, b := validID("33052319500101001"), validID("33052320100101002")
	in := "\ufeff姓名,身份证号,手机,标签\n" +
		"张三," + a + ",13812345678,低保；退役军人\n" +
		"李四," + b + ",,\n" +
		"王五,110105194912310021,13812345678,\n" + // bad check character
		",," + "\n" + // blank: skipped
		"赵六," + a + ",,\n" + // duplicate of line 2
		"钱七," + validID("33052319600101003") + ",12345,\n" // bad phone
	f, err := Parse(strings.NewReader(in), "list.csv", "330523001001", now)
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != 5 || len(f.Residents) != 2 {
		t.Fatalf("total %d, residents %d, errors %v", f.Total, len(f.Residents), f.Errors)
	}
	r := f.Residents[0]
	if r.Name != "张三" || string(r.Phone) != "13812345678" || r.Community != "330523001001" ||
		!cmp.Equal(r.Tags, []shequ.Tag{"低保", "退役军人"}) {
		t.Errorf("resident %+v", r)
	}
	var got []string
	for _, e := range f.Errors {
		got = append(got, e.Describe())
	}
	want := []string{
		"line 4: id_number: " + shequ.ErrIDNumber.Message,
		"line 6: The ID number also appears on line 2.",
		"line 7: phone: " + shequ.ErrPhone.Message,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestParseXLSX(t *testing.T) {
	x := excelize.NewFile()
	rows := [][]any{
		{"name", "id_number", "community_code"},
		{"孙八", validID("33052319700101004"), "330523001002"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(&buf, "名册.xlsx", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Residents) != 1 || f.Residents[0].Community != "330523001002" || f.Residents[0].Name != "孙八" {
		t.Fatalf("xlsx: %+v %v", f.Residents, f.Errors)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct{ name, in, file, community, key string }{
		{"empty", "", "a.csv", "330523001001", "import.header.empty"},
		{"unknown column", "name,id_number,colour\n", "a.csv", "330523001001", "resident.import.column"},
		{"missing id", "name,phone\n", "a.csv", "330523001001", "resident.import.required"},
		{"no community", "name,id_number\n", "a.csv", "", "resident.import.community"},
		{"wrong type", "x", "a.pdf", "330523001001", "import.file.type"},
		{"not xlsx", "not a zip", "a.xlsx", "330523001001", "import.xlsx.read"},
		{"bad quotes", "name,id_number\n\"x,1\n", "a.csv", "330523001001", "import.csv.syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), tt.file, tt.community, now)
			if e := shequ.AsError(err); err == nil || e.Key != tt.key {
				t.Errorf("err = %v, want key %s", err, tt.key)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("name,id_number,phone\n张三," + validID("33052319500101001") + ",13812345678\n")
	f.Add("姓名,身份证号\n\"a\"\"b\",x\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse(strings.NewReader(in), "f.csv", "330523001001", now)
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if len(file.Residents)+len(file.Errors) != file.Total {
			t.Fatalf("residents %d + errors %d != total %d", len(file.Residents), len(file.Errors), file.Total)
		}
		for _, r := range file.Residents {
			if _, err := shequ.ParseIDNumber(string(r.IDNumber), now); err != nil || r.Name == "" {
				t.Fatalf("accepted bad resident %+v", r)
			}
		}
	})
}

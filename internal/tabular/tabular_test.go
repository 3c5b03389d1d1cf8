package tabular

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"shequ"
)

func TestReadCSVAndXLSX(t *testing.T) {
	rows, err := Read(strings.NewReader("\ufeff名称,代码\n甲,1\n"), "a.csv", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"名称", "代码"}, {"甲", "1"}}, rows); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"名称", "代码"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"乙", "330523"})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err = Read(&buf, "b.XLSX", 10)
	if err != nil || len(rows) != 2 || rows[1][1] != "330523" {
		t.Errorf("xlsx: %v %v", rows, err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, c := range []struct{ in, name, key string }{
		{"a\n1\n2\n3\n", "a.csv", "resident.import.too_many"},
		{"x", "a.pdf", "import.file.type"},
		{"not a zip", "a.xlsx", "import.xlsx.read"},
		{"a,b\n\"x,1\n", "a.csv", "import.csv.syntax"},
	} {
		_, err := Read(strings.NewReader(c.in), c.name, 2)
		if e := shequ.AsError(err); err == nil || e.Key != c.key {
			t.Errorf("%s %q: %v, want %s", c.name, c.in, err, c.key)
		}
	}
	if !Blank([]string{" ", ""}) || Blank([]string{"", "x"}) {
		t.Error("Blank")
	}
}

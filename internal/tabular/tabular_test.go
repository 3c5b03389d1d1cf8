package tabular

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shequ"
	"shequ/internal/tabular/tabulartest"
)

// Row i of a CSV file is line i+1, empty lines and multi-line fields
// included, so that importers name the right line.
func TestCSVRowsAreLines(t *testing.T) {
	in := "name,code\n\na,1\n\"b\nc\",2\n\n\nd,3\n"
	rows, err := Read(strings.NewReader(in), "x.csv", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: "name", 2: "a", 3: "b\nc", 7: "d"}
	for i, name := range want {
		if i >= len(rows) || len(rows[i]) == 0 || rows[i][0] != name {
			t.Errorf("line %d: %q, want %q (rows %q)", i+1, rows[i], name, rows)
		}
	}
	for _, i := range []int{1, 5, 6} {
		if !Blank(rows[i]) {
			t.Errorf("line %d should be blank: %q", i+1, rows[i])
		}
	}
}

// xlsxFile writes rows into the first sheet of a new workbook, as people's
// spreadsheets do (excelize's own writer), leaving the rows in skip out.
func xlsxFile(t testing.TB, rows [][]string, skip ...int) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, row := range rows {
		if len(row) == 0 {
			continue
		}
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An XLSX sheet reads like a CSV file: row i is the sheet's row i+1, rows
// left out are empty, blank rows at the end are dropped.
func TestXLSXRowsAreLines(t *testing.T) {
	data := xlsxFile(t, [][]string{{"name", "code"}, {}, {"a", "1"}, {"b", "2"}, {}, {"", ""}})
	rows, err := Read(bytes.NewReader(data), "x.xlsx", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "name" || !Blank(rows[1]) || rows[2][0] != "a" || rows[3][1] != "2" {
		t.Fatalf("rows = %q", rows)
	}
}

// Every limit is checked while reading and refused with its own message.
func TestLimits(t *testing.T) {
	small := Limits{MaxRows: 3, MaxCols: 4, MaxCellBytes: 10, MaxLineBytes: 64, MaxBytes: 1000}
	csvRows := func(n int) string { return strings.Repeat("a,b\n", n) }
	tests := []struct {
		name, file, in string
		lim            Limits
		key            string
		data           map[string]any
	}{
		{"rows", "x.csv", "h\n" + csvRows(4), small, "resident.import.too_many", map[string]any{"Max": 3}},
		{"rows at the limit", "x.csv", "h\n" + csvRows(3), small, "", nil},
		{"blank lines do not count", "x.csv", "h\n" + csvRows(3) + "\n,,\n\n", small, "", nil},
		{"columns", "x.csv", "h\na,b,c,d,e\n", small, "import.columns.too_many", map[string]any{"Line": 2, "Max": 4}},
		{"cell", "x.csv", "h\nabcdefghijk\n", small, "import.cell.too_long", map[string]any{"Line": 2, "Column": 1, "Max": 10}},
		{"line", "x.csv", "h\n" + strings.Repeat("a,", 40) + "\n", small, "import.csv.line_too_long", map[string]any{"Line": 2, "Max": 64}},
		{"line without end", "x.csv", strings.Repeat("x", 1000), small, "import.csv.line_too_long", map[string]any{"Line": 1, "Max": 64}},
		{"quoted line", "x.csv", "h\n\"" + strings.Repeat("y\n", 10) + strings.Repeat("z", 70), small, "import.csv.line_too_long", map[string]any{"Line": 12, "Max": 64}},
		{"text", "x.csv", "h\n" + strings.Repeat("abcdefghij,abcdefghij\n", 3), Limits{MaxRows: 10, MaxBytes: 50}, "import.too_much", nil},
		{"empty cells", "x.csv", "h\n" + strings.Repeat(strings.Repeat(",", 100)+"\n", 100), Limits{MaxRows: 1000, MaxCols: 1000, MaxBytes: 10_000}, "import.too_much", nil},
		{"type", "x.ods", "", small, "import.file.type", nil},
		{"syntax", "x.csv", "h\n\"a\n", small, "import.csv.syntax", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLimited(strings.NewReader(tt.in), tt.file, tt.lim)
			checkKey(t, err, tt.key, tt.data)
		})
	}
}

func checkKey(t *testing.T, err error, key string, data map[string]any) {
	t.Helper()
	if key == "" {
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		return
	}
	e := shequ.AsError(err)
	if err == nil || e.Code != shequ.EInvalid || e.Key != key {
		t.Fatalf("err = %v (%#v), want EInvalid %s", err, e, key)
	}
	for k, v := range data {
		if fmt.Sprint(e.Data[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, e.Data[k], v)
		}
	}
}

// Hostile workbooks are refused before the workbook library unpacks them:
// by the sizes the zip directory declares, or while their parts are
// scanned as a stream.
func TestXLSXBombs(t *testing.T) {
	lim := DefaultLimits(200_000)
	many := func(unit string, n int) tabulartest.Bomb { return tabulartest.Bomb{Unit: unit, Repeat: n} }
	tests := []struct {
		name string
		bomb tabulartest.Bomb
		lim  Limits
		key  string
	}{
		// The file: about 1 MB unpacking to 392 MB, 8 million rows.
		{"unpacks to 392 MB", many("", 8_000_000), lim, "import.xlsx.unpacked"},
		// The same with a directory that understates the size.
		{"lying directory", tabulartest.Bomb{Repeat: 8_000_000, Lie: true}, lim, "import.xlsx.read"},
		// Under the unpacked limit, but millions of rows: the scan stops
		// after the rows allowed.
		{"3 million rows", many("", 3_000_000), lim, "resident.import.too_many"},
		{"namespaced rows", many(`<x:row><x:c t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c></x:row>`, 300_000), lim, "resident.import.too_many"},
		{"a row of a million cells", tabulartest.Bomb{Unit: "<row>" + strings.Repeat(`<c><v>1</v></c>`, 1_000_000) + "</row>", Repeat: 1}, lim, "import.columns.too_many"},
		{"a cell of 8 MB", tabulartest.Bomb{Unit: `<row><c t="inlineStr"><is><t>` + strings.Repeat("x", 8<<20) + `</t></is></c></row>`, Repeat: 1}, lim, "import.cell.too_long"},
		{"a comment of 8 MB", tabulartest.Bomb{Unit: `<row><c><v>1<!--` + strings.Repeat("<x", 4<<20) + `--></v></c></row>`, Repeat: 1}, lim, "import.cell.too_long"},
		{"a value of many pieces", tabulartest.Bomb{Unit: `<row><c t="inlineStr"><is><t>` + strings.Repeat("ab<!---->", 1<<20) + `</t></is></c></row>`, Repeat: 1}, lim, "import.cell.too_long"},
		{"shared strings", tabulartest.Bomb{Repeat: 1, SharedStrings: `<sst>` + strings.Repeat(`<si><t>a</t></si>`, 2_000_000) + `</sst>`}, lim, "import.xlsx.unpacked"},
		{"a small legitimate sheet", many(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`, 1000), lim, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, size, err := tt.bomb.XLSX()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes unpacking to %d", len(data), size)
			if tt.name == "unpacks to 392 MB" && (len(data) > 2<<20 || size < 300<<20) {
				t.Fatalf("the bomb is %d bytes unpacking to %d, want about 1 MB to 392 MB", len(data), size)
			}
			rows, err := ReadLimited(bytes.NewReader(data), "bomb.xlsx", tt.lim)
			checkKey(t, err, tt.key, nil)
			if tt.key == "" && len(rows) != tt.bomb.Repeat {
				t.Errorf("%d rows, want %d", len(rows), tt.bomb.Repeat)
			}
		})
	}
}

// A file larger than MaxFileBytes is refused before the zip is read.
func TestXLSXFileTooLarge(t *testing.T) {
	data := xlsxFile(t, [][]string{{"name"}, {strings.Repeat("长", 2000)}})
	_, err := ReadLimited(bytes.NewReader(data), "x.xlsx", Limits{MaxRows: 10, MaxFileBytes: int64(len(data) - 1)})
	checkKey(t, err, "import.file.too_large", nil)
	if _, err := ReadLimited(bytes.NewReader(data), "x.xlsx", Limits{MaxRows: 10, MaxFileBytes: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
}

// Arbitrary bytes never panic and never come back without an error or
// with more than the limits allow.
func FuzzRead(f *testing.F) {
	f.Add([]byte("name,code\na,1\n"), false)
	f.Add([]byte("\"a\nb\",c\n\n"), false)
	bomb, _, _ := tabulartest.Bomb{Repeat: 20}.XLSX()
	f.Add(bomb, true)
	lim := Limits{MaxRows: 5, MaxCols: 5, MaxCellBytes: 20, MaxLineBytes: 100, MaxBytes: 200}
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "x.csv"
		if xlsx {
			name = "x.xlsx"
		}
		rows, err := ReadLimited(bytes.NewReader(data), name, lim)
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("err = %v, want EInvalid", err)
			}
			return
		}
		nonBlank := 0
		for _, r := range rows {
			if len(r) > lim.MaxCols {
				t.Fatalf("row of %d cells", len(r))
			}
			if !Blank(r) {
				nonBlank++
			}
		}
		if nonBlank > lim.MaxRows+1 {
			t.Fatalf("%d rows", nonBlank)
		}
	})
}

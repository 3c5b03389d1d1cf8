package tabular

import (
	"strings"
	"testing"
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

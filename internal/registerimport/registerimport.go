// Package registerimport reads the registers of community social
// organizations and social workers from CSV or XLSX files. Every row is
// checked with the domain rules; a rejected row is reported with its line and
// the field errors, and the caller writes the file all or nothing.
package registerimport

import (
	"io"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/tabular"
)

// MaxRows bounds one file.
const MaxRows = 200_000

// RowError is a rejected row: its line (1 is the header) and field errors.
type RowError struct {
	Line   int
	Fields []shequ.FieldError
}

// table is a parsed header: canonical column → position.
type table struct {
	idx  map[string]int
	rows [][]string
}

// readTable reads the file and maps the header through aliases.
func readTable(r io.Reader, filename string, aliases map[string]string, required []string) (*table, error) {
	rows, err := tabular.Read(r, filename, MaxRows)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, shequ.Errorf(shequ.EInvalid, "import.header.empty", "The file is empty; the first line must be a header such as code,name.")
	}
	t := &table{idx: map[string]int{}, rows: rows[1:]}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		c, ok := aliases[strings.ToLower(h)]
		if !ok {
			return nil, shequ.Errorf(shequ.EInvalid, "register.import.column", "Unknown column %q.", h).With(map[string]any{"Column": h})
		}
		if _, dup := t.idx[c]; dup {
			return nil, shequ.Errorf(shequ.EInvalid, "import.header.duplicate", "Column %q appears twice.", h).With(map[string]any{"Column": h})
		}
		t.idx[c] = i
	}
	for _, c := range required {
		if _, ok := t.idx[c]; !ok {
			return nil, shequ.Errorf(shequ.EInvalid, "register.import.required", "The header lacks the column %s.", c).With(map[string]any{"Column": c})
		}
	}
	return t, nil
}

// cell returns a trimmed cell of rec, "" when absent.
func (t *table) cell(rec []string, col string) string {
	i, ok := t.idx[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// rowErrors collects one row's problems before the domain validation.
type rowErrors struct{ shequ.FieldErrors }

func (e *rowErrors) bad(field, key, msg string) { e.Add(field, key, msg, nil) }

// label maps an identifier or its Chinese label to the identifier.
func label[T ~string](v string, labels map[string]T, set []T) (T, bool) {
	for _, x := range set {
		if strings.EqualFold(v, string(x)) {
			return x, true
		}
	}
	x, ok := labels[v]
	return x, ok
}

// date parses YYYY-MM-DD (or YYYY/MM/DD) in Asia/Shanghai; "" is nil.
func date(v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	v = strings.ReplaceAll(v, "/", "-")
	t, err := time.ParseInLocation("2006-01-02", v, shequ.Shanghai)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// list splits a cell of several values on the separators people type.
func list(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == ';' || r == '；' || r == '|' || r == '、' || r == ',' || r == '，' || r == ' '
	})
}

// number parses a whole number; "" is 0.
func number(v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

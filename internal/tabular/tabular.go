// Package tabular reads the tables people import: CSV (UTF-8, optional BOM)
// or the first sheet of an XLSX workbook, chosen by the file name, into rows
// of strings, with the same errors for every importer.
//
// Every file is read as a stream under Limits that are checked while
// reading, so that a hostile or mistaken file is refused early and memory
// stays bounded whatever the file holds: a CSV line or cell that never
// ends, a sheet of millions of rows, or an XLSX "zip bomb" (a small file
// that unpacks to gigabytes). Row i of the result is line i+1 of the file
// (the spreadsheet's row i+1), blank lines included, so that importers name
// the right line.
package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"shequ"
)

// Limits bound what one file may hold. The zero value of a field means its
// default (DefaultLimits).
type Limits struct {
	// MaxRows bounds the data rows; the header is not counted.
	MaxRows int
	// MaxCols bounds the cells of one row.
	MaxCols int
	// MaxCellBytes bounds one cell.
	MaxCellBytes int
	// MaxLineBytes bounds one physical line of a CSV file.
	MaxLineBytes int
	// MaxBytes bounds what the rows hold in memory at the end: the text of
	// every cell, and cellOverhead for each cell and rowOverhead for each
	// row (empty ones too), so that a file of empty cells is bounded as
	// well as one of long ones.
	MaxBytes int64
	// MaxFileBytes bounds an XLSX file itself (compressed): the workbook
	// library holds it in memory while reading.
	MaxFileBytes int64
	// MaxUnpacked bounds the parts of an XLSX file unpacked, by the sizes
	// its zip directory declares (the zip reader refuses a part that
	// unpacks to more than it declares).
	MaxUnpacked int64
}

// Defaults of Limits. A cell holds at most 32,767 characters in Excel; the
// registers' columns are far shorter, and 32 KiB leaves room for any of
// them. MaxBytes and the row limit of each importer (200,000) bound what an
// import holds; DESIGN and docs/BENCHMARKS.md state the memory this allows.
const (
	DefaultMaxCols      = 256
	DefaultMaxCellBytes = 32 << 10
	DefaultMaxLineBytes = 1 << 20
	DefaultMaxBytes     = 128 << 20
	DefaultMaxFileBytes = 64 << 20
	DefaultMaxUnpacked  = 256 << 20
)

// DefaultLimits returns the limits of an import of at most maxRows data rows.
func DefaultLimits(maxRows int) Limits {
	return Limits{MaxRows: maxRows}.withDefaults()
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxRows, 200_000)
	def(&l.MaxCols, DefaultMaxCols)
	def(&l.MaxCellBytes, DefaultMaxCellBytes)
	def(&l.MaxLineBytes, DefaultMaxLineBytes)
	def64(&l.MaxBytes, DefaultMaxBytes)
	def64(&l.MaxFileBytes, DefaultMaxFileBytes)
	def64(&l.MaxUnpacked, DefaultMaxUnpacked)
	return l
}

// Read reads all rows of a CSV or XLSX file under DefaultLimits(maxRows).
func Read(r io.Reader, filename string, maxRows int) ([][]string, error) {
	return ReadLimited(r, filename, DefaultLimits(maxRows))
}

// ReadLimited reads all rows of a CSV or XLSX file, refusing it as soon as
// it goes beyond lim.
func ReadLimited(r io.Reader, filename string, lim Limits) ([][]string, error) {
	lim = lim.withDefaults()
	var rows [][]string
	var err error
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		rows, err = readXLSX(r, lim)
	case ".csv", ".txt", "":
		rows, err = readCSV(r, lim)
	default:
		return nil, shequ.Errorf(shequ.EInvalid, "import.file.type", "Only CSV and XLSX files can be imported.")
	}
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 && len(rows[0]) > 0 {
		rows[0][0] = strings.TrimPrefix(rows[0][0], "\ufeff")
	}
	return rows, nil
}

// TooMany is the error of a file with more than max data rows.
func TooMany(max int) error {
	return shequ.Errorf(shequ.EInvalid, "resident.import.too_many", "A file has at most %d rows.", max).
		With(map[string]any{"Max": max})
}

// Blank reports a row with only empty cells, which spreadsheets leave behind.
func Blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// What a cell and a row cost in memory beyond their text: a string header,
// and a slice header with its array's rounding.
const (
	cellOverhead = 16
	rowOverhead  = 32
)

// collector gathers rows and checks the limits that do not depend on the
// format: rows, columns, cell size and the bytes held.
type collector struct {
	lim   Limits
	rows  [][]string
	data  int // rows that are not blank, the header included
	bytes int64
}

// add appends the row of line (1-based); blank lines before it become empty
// rows so that row i stays line i+1.
func (c *collector) add(line int, rec []string) error {
	if len(rec) > c.lim.MaxCols {
		return tooManyColumns(line, c.lim.MaxCols)
	}
	for i, v := range rec {
		if len(v) > c.lim.MaxCellBytes {
			return cellTooLong(line, i+1, c.lim.MaxCellBytes)
		}
		c.bytes += int64(len(v)) + cellOverhead
	}
	c.bytes += int64(max(line-len(c.rows), 1)) * rowOverhead
	if c.bytes > c.lim.MaxBytes {
		return tooMuchText(c.lim.MaxBytes)
	}
	if !Blank(rec) {
		if c.data++; c.data-1 > c.lim.MaxRows {
			return TooMany(c.lim.MaxRows)
		}
	}
	for len(c.rows) < line-1 {
		c.rows = append(c.rows, []string{})
	}
	c.rows = append(c.rows, rec)
	return nil
}

// result drops the blank rows at the end, which spreadsheets keep when
// cells were formatted and emptied.
func (c *collector) result() [][]string {
	n := len(c.rows)
	for n > 0 && Blank(c.rows[n-1]) {
		n--
	}
	return c.rows[:n]
}

func tooManyColumns(line, max int) error {
	return shequ.Errorf(shequ.EInvalid, "import.columns.too_many", "Line %d has more than %d columns.", line, max).
		With(map[string]any{"Line": line, "Max": max})
}

func cellTooLong(line, col, max int) error {
	return shequ.Errorf(shequ.EInvalid, "import.cell.too_long", "Line %d, column %d: a cell holds at most %d bytes.", line, col, max).
		With(map[string]any{"Line": line, "Column": col, "Max": max})
}

func tooMuchText(max int64) error {
	mb := max >> 20
	return shequ.Errorf(shequ.EInvalid, "import.too_much", "The file holds too much data (more than %d MB once read); split it into smaller files.", mb).
		With(map[string]any{"Max": mb})
}

// readCSV reads records one at a time: a line longer than MaxLineBytes is
// refused by the reader under the CSV parser before it is buffered whole.
func readCSV(r io.Reader, lim Limits) ([][]string, error) {
	lr := &lineLimiter{r: bufio.NewReader(r), max: lim.MaxLineBytes, line: 1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	c := &collector{lim: lim}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return c.result(), nil
		}
		if err != nil {
			var le *lineTooLong
			if errors.As(err, &le) {
				return nil, shequ.Errorf(shequ.EInvalid, "import.csv.line_too_long", "Line %d is longer than %d bytes.", le.line, le.max).
					With(map[string]any{"Line": le.line, "Max": le.max})
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, shequ.Errorf(shequ.EInvalid, "import.csv.syntax", "Line %d is not valid CSV: %v.", pe.Line, pe.Err).
					With(map[string]any{"Line": pe.Line})
			}
			return nil, shequ.Errorf(shequ.EInvalid, "import.csv.read", "The file could not be read: %v.", err)
		}
		// The reader skips empty lines; the collector puts empty rows in
		// their place.
		line, _ := cr.FieldPos(0)
		if err := c.add(line, slices.Clone(rec)); err != nil {
			return nil, err
		}
	}
}

// lineLimiter passes bytes through and fails once a physical line (bytes
// between newlines) grows beyond max, so that the CSV parser, which buffers
// a whole record, never holds more than that.
type lineLimiter struct {
	r    *bufio.Reader
	max  int
	cur  int // bytes of the current line so far
	line int // the current line, 1-based
}

// lineTooLong is the limiter's error.
type lineTooLong struct{ line, max int }

func (e *lineTooLong) Error() string { return "line too long" }

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			l.line++
			l.cur = 0
			continue
		}
		if l.cur++; l.cur > l.max {
			// Hand the parser what came before; the next read fails.
			return i, &lineTooLong{line: l.line, max: l.max}
		}
	}
	return n, err
}

package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"shequ"
)

// XLSX files are zip archives of XML parts. The workbook library
// (excelize) unpacks every part when it opens a file — worksheets and the
// shared strings larger than xmlPartInMemory to temporary files, the rest
// into memory — and its row iterator then builds one row at a time. Left to
// itself it would unpack any bomb whole and build a row of any length, so
// before it sees a file:
//
//  1. the zip directory is checked: at most maxParts parts, at most
//     MaxUnpacked bytes unpacked in all and at most maxInMemory bytes in
//     the parts it keeps in memory (the zip reader refuses a part that
//     unpacks to more than the directory declares, so these sizes hold);
//  2. every worksheet and the shared strings are scanned as a stream, the
//     elements counted without building anything: rows, cells per row,
//     shared strings and the bytes of one cell are bounded there, and the
//     scan stops at the first excess — a bomb of millions of rows is
//     refused after unpacking the rows it is allowed, not all of them.
//
// Only then does excelize open the file, and its rows are read through the
// iterator under the same limits as a CSV file's.

// Bounds of the zip directory and of the scan, beside Limits.
const (
	// maxParts bounds the parts of a workbook; real ones have dozens.
	maxParts = 2000
	// xmlPartInMemory is excelize's UnzipXMLSizeLimit: worksheets and
	// shared strings larger than this are unpacked to temporary files.
	xmlPartInMemory = 4 << 20
	// maxInMemory bounds the parts excelize holds in memory (styles,
	// workbook, smaller sheets…).
	maxInMemory = 32 << 20
	// maxCellSpan bounds the bytes of one cell or shared string element
	// in the XML, markup included (a cell holds at most MaxCellBytes of
	// text, which entities can triple).
	maxCellSpan = 256 << 10
	// sharedStringsPerRow bounds the shared strings per allowed row: the
	// library indexes each one (about 40 bytes apiece).
	sharedStringsPerRow = 8
)

// errNotXLSX is the answer to a file the zip or workbook reader rejects.
func errNotXLSX() error {
	return shequ.Errorf(shequ.EInvalid, "import.xlsx.read", "The file is not a readable XLSX workbook.")
}

// errUnpacked refuses a workbook that unpacks to too much: usually a
// compressed bomb, or simply more than one import should carry.
func errUnpacked(max int64) error {
	mb := max >> 20
	return shequ.Errorf(shequ.EInvalid, "import.xlsx.unpacked",
		"The workbook unpacks to more than %d MB (a compressed bomb, or too much for one import); split it into smaller files.", mb).
		With(map[string]any{"Max": mb})
}

// errFileTooLarge refuses a file beyond MaxFileBytes.
func errFileTooLarge(max int64) error {
	mb := max >> 20
	return shequ.Errorf(shequ.EInvalid, "import.file.too_large", "The file is larger than %d MB; split it into smaller files.", mb).
		With(map[string]any{"Max": mb})
}

// readXLSX reads the first sheet. Cells are read as the text Excel shows, so
// long numbers typed as numbers (ID numbers) are not rounded here.
func readXLSX(r io.Reader, lim Limits) ([][]string, error) {
	// excelize reads a file into memory whatever it is given; read it here
	// once, bounded, and hand it the bytes.
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxFileBytes+1))
	if err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "import.csv.read", "The file could not be read: %v.", err)
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, errFileTooLarge(lim.MaxFileBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errNotXLSX()
	}
	if err := checkZip(zr, lim); err != nil {
		return nil, err
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: lim.MaxUnpacked, UnzipXMLSizeLimit: xmlPartInMemory})
	if err != nil {
		return nil, errNotXLSX()
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil
	}
	it, err := x.Rows(sheets[0])
	if err != nil {
		return nil, errNotXLSX()
	}
	defer it.Close()
	c := &collector{lim: lim}
	// Row n of the iterator is the sheet's row n: rows the file leaves out
	// come back empty.
	for line := 1; it.Next(); line++ {
		rec, err := it.Columns()
		if err != nil {
			return nil, errNotXLSX()
		}
		if len(rec) > 0 {
			if err := c.add(line, rec); err != nil {
				return nil, err
			}
		}
	}
	if it.Error() != nil {
		return nil, errNotXLSX()
	}
	return c.result(), nil
}

// checkZip checks the zip directory and scans the worksheets and shared
// strings (see the comment at the top of this file).
func checkZip(zr *zip.Reader, lim Limits) error {
	if len(zr.File) > maxParts {
		return errUnpacked(lim.MaxUnpacked)
	}
	var unpacked, inMemory uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		unpacked += size
		if unpacked > uint64(lim.MaxUnpacked) {
			return errUnpacked(lim.MaxUnpacked)
		}
		// The same test as excelize's for what goes to a temporary file.
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		toDisk := (name == "xl/sharedstrings.xml" || strings.HasPrefix(name, "xl/worksheets/sheet")) && size > xmlPartInMemory
		if !toDisk {
			if inMemory += size; inMemory > maxInMemory {
				return errUnpacked(lim.MaxUnpacked)
			}
		}
	}
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		var err error
		switch {
		case name == "xl/sharedstrings.xml":
			err = scanPart(f, lim, "si")
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			err = scanPart(f, lim, "row")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// scanPart reads one part as a stream and counts its elements by their
// local names (any namespace prefix dropped) without parsing it. unit is
// "row" for a worksheet (rows and their "c" cells are bounded) or "si" for
// the shared strings (their number is bounded). Comments, CDATA sections and
// processing instructions are skipped whole, so that a '<' inside them
// counts nothing, and bounded. Everything the XML parser would build at once
// is bounded by maxCellSpan: the text or tag between two '<', a comment, and
// the bytes from one cell, row or string to the next (a value is the
// concatenation of the text inside it).
func scanPart(f *zip.File, lim Limits, unit string) error {
	rc, err := f.Open()
	if err != nil {
		return errNotXLSX()
	}
	defer rc.Close()
	s := &scanner{br: bufio.NewReaderSize(rc, 64<<10), lim: lim, unit: unit}
	s.maxUnits = lim.MaxRows + 1 + lim.MaxRows/10 // rows: the header and some blank rows
	if unit == "si" {
		s.maxUnits = (lim.MaxRows + 1) * sharedStringsPerRow
	}
	return s.run()
}

// scanner is the state of scanPart.
type scanner struct {
	br       *bufio.Reader
	lim      Limits
	unit     string
	maxUnits int
	pos      int64 // bytes read
	last     int64 // where the last unit or cell started
	units    int
	cells    int
}

func (s *scanner) run() error {
	for {
		runStart := s.pos
		for {
			chunk, err := s.br.ReadSlice('<')
			s.pos += int64(len(chunk))
			if s.pos-runStart > maxCellSpan {
				return s.tooLong()
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return s.mark()
			}
			if err != nil {
				// Corrupt data, or more bytes than the directory declared.
				return errNotXLSX()
			}
			break
		}
		if err := s.element(); err != nil {
			return err
		}
	}
}

// element looks at what follows a '<'.
func (s *scanner) element() error {
	head, _ := s.br.Peek(32)
	for _, sk := range []struct{ open, close string }{{"!--", "-->"}, {"![CDATA[", "]]>"}, {"?", "?>"}} {
		if bytes.HasPrefix(head, []byte(sk.open)) {
			return s.skip(sk.close)
		}
	}
	end := 0
	for end < len(head) {
		c := head[end]
		if c == ' ' || c == '>' || c == '/' && end > 0 || c == '\t' || c == '\r' || c == '\n' {
			break
		}
		end++
	}
	name := head[:end]
	closing := bytes.HasPrefix(name, []byte("/"))
	name = bytes.TrimPrefix(name, []byte("/"))
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case closing && (string(name) == "sheetData" || string(name) == "sst"):
		return s.mark()
	case closing:
		return nil
	case string(name) == s.unit:
		if err := s.mark(); err != nil {
			return err
		}
		if s.units++; s.units > s.maxUnits {
			if s.unit == "row" {
				return TooMany(s.lim.MaxRows)
			}
			return errUnpacked(s.lim.MaxUnpacked)
		}
		s.cells = 0
	case s.unit == "row" && string(name) == "c":
		if err := s.mark(); err != nil {
			return err
		}
		if s.cells++; s.cells > s.lim.MaxCols {
			return tooManyColumns(s.units, s.lim.MaxCols)
		}
	}
	return nil
}

// mark checks the span since the last unit or cell and starts a new one.
func (s *scanner) mark() error {
	if s.last > 0 && s.pos-s.last > maxCellSpan {
		return s.tooLong()
	}
	s.last = s.pos
	return nil
}

// skip reads past the next close marker, within maxCellSpan.
func (s *scanner) skip(close string) error {
	var n int64
	var tail []byte
	for {
		chunk, err := s.br.ReadSlice(close[len(close)-1])
		n += int64(len(chunk))
		s.pos += int64(len(chunk))
		if n > maxCellSpan {
			return s.tooLong()
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			tail = append(tail[:0], chunk[max(0, len(chunk)-len(close)):]...)
			continue
		}
		if err != nil {
			return errNotXLSX()
		}
		tail = append(tail, chunk...)
		if bytes.HasSuffix(tail, []byte(close)) {
			return nil
		}
		tail = append(tail[:0], tail[max(0, len(tail)-len(close)):]...)
	}
}

// tooLong is the error of a span beyond maxCellSpan.
func (s *scanner) tooLong() error {
	return cellTooLong(s.units, s.cells, s.lim.MaxCellBytes)
}

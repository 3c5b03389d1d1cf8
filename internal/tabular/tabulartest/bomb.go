// Package tabulartest builds hostile spreadsheet files for tests and
// benchmarks of the importers: XLSX "zip bombs" (small files that unpack to
// hundreds of megabytes) and sheets that break one limit each. It is used
// only by tests.
package tabulartest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"strings"
)

// Bomb describes a one-sheet workbook whose sheet1.xml is SheetHead, Unit
// repeated Repeat times, then SheetTail.
type Bomb struct {
	// Unit is repeated; rows of one cell each by default.
	Unit string
	// Repeat is how many times Unit is repeated.
	Repeat int
	// Lie declares the sheet's unpacked size as 1 MiB, whatever it is: the
	// zip reader must refuse to unpack more than declared.
	Lie bool
	// SharedStrings, if set, is the whole xl/sharedStrings.xml part.
	SharedStrings string
}

// DefaultUnit is one row of one inline string cell (49 bytes).
const DefaultUnit = `<row><c t="inlineStr"><is><t>x</t></is></c></row>`

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// XLSX returns the workbook's bytes and the unpacked size of its sheet.
// The sheet is compressed by repeating one compressed block: each block of
// chunkUnits units is deflated once by a fresh compressor (so it refers to
// nothing before it) and ended with a sync flush, and the copies are
// concatenated; generating a file that unpacks to gigabytes takes
// milliseconds.
func (b Bomb) XLSX() ([]byte, int64, error) {
	unit := b.Unit
	if unit == "" {
		unit = DefaultUnit
	}
	const chunkUnits = 1 << 14
	chunk := strings.Repeat(unit, min(chunkUnits, max(b.Repeat, 1)))
	var block bytes.Buffer
	fw, err := flate.NewWriter(&block, flate.BestCompression)
	if err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	body := &out
	crc := crc32.NewIEEE()
	var size int64
	write := func(raw, compressed []byte) {
		crc.Write(raw)
		size += int64(len(raw))
		body.Write(compressed)
	}
	deflated := func(s string) []byte {
		block.Reset()
		fw.Reset(&block)
		fw.Write([]byte(s))
		fw.Flush()
		return bytes.Clone(block.Bytes())
	}
	write([]byte(sheetHead), deflated(sheetHead))
	left := b.Repeat
	full := deflated(chunk)
	for left >= chunkUnits {
		write([]byte(chunk), full)
		left -= chunkUnits
	}
	if left > 0 {
		rest := strings.Repeat(unit, left)
		write([]byte(rest), deflated(rest))
	}
	block.Reset()
	fw.Reset(&block)
	fw.Write([]byte(sheetTail))
	fw.Close() // the final block
	crc.Write([]byte(sheetTail))
	size += int64(len(sheetTail))
	body.Write(block.Bytes())
	sheet := bytes.Clone(out.Bytes())

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`</Relationships>`},
	} {
		w, err := zw.Create(p.name)
		if err != nil {
			return nil, 0, err
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return nil, 0, err
		}
	}
	if b.SharedStrings != "" {
		w, err := zw.Create("xl/sharedStrings.xml")
		if err != nil {
			return nil, 0, err
		}
		if _, err := w.Write([]byte(b.SharedStrings)); err != nil {
			return nil, 0, err
		}
	}
	declared := uint64(size)
	if b.Lie {
		declared = 1 << 20
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(len(sheet)), UncompressedSize64: declared})
	if err != nil {
		return nil, 0, err
	}
	if _, err := w.Write(sheet); err != nil {
		return nil, 0, err
	}
	if err := zw.Close(); err != nil {
		return nil, 0, fmt.Errorf("close zip: %w", err)
	}
	return zbuf.Bytes(), size, nil
}

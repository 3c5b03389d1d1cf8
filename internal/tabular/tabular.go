// Package tabular reads the tables people import: CSV (UTF-8, optional BOM)
// or the first sheet of an XLSX workbook, chosen by the file name, into rows
// of trimmed-or-not strings, with the same errors for every importer.
package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"shequ"
)

// Read reads all rows of a CSV or XLSX file. maxRows bounds the data rows
// (the header not counted) so that a mistaken upload cannot exhaust memory.
func Read(r io.Reader, filename string, maxRows int) ([][]string, error) {
	var rows [][]string
	var err error
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		rows, err = readXLSX(r)
	case ".csv", ".txt", "":
		rows, err = readCSV(r, maxRows)
	default:
		return nil, shequ.Errorf(shequ.EInvalid, "import.file.type", "Only CSV and XLSX files can be imported.")
	}
	if err != nil {
		return nil, err
	}
	if len(rows)-1 > maxRows {
		return nil, TooMany(maxRows)
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

func readCSV(r io.Reader, maxRows int) ([][]string, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, shequ.Errorf(shequ.EInvalid, "import.csv.syntax", "Line %d is not valid CSV: %v.", pe.Line, pe.Err).
					With(map[string]any{"Line": pe.Line})
			}
			return nil, shequ.Errorf(shequ.EInvalid, "import.csv.read", "The file could not be read: %v.", err)
		}
		if len(rows) > maxRows+1 {
			return nil, TooMany(maxRows)
		}
		// The reader skips empty lines; empty rows stand in for them so
		// that row i is line i+1 of the file, as importers report it.
		line, _ := cr.FieldPos(0)
		for len(rows) < line-1 {
			rows = append(rows, []string{})
		}
		rows = append(rows, slices.Clone(rec))
	}
}

// readXLSX reads the first sheet. Cells are read as the text Excel shows, so
// long numbers typed as numbers (ID numbers) are not rounded here.
func readXLSX(r io.Reader) ([][]string, error) {
	x, err := excelize.OpenReader(r)
	if err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "import.xlsx.read", "The file is not a readable XLSX workbook.")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil
	}
	rows, err := x.GetRows(sheets[0])
	if err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "import.xlsx.read", "The file is not a readable XLSX workbook.")
	}
	return rows, nil
}

// Package residentimport reads resident lists (居民名册) from CSV or XLSX
// files, validates every row with the domain rules and returns the residents
// ready for an all-or-nothing import, or the line-numbered errors.
package residentimport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"shequ"
)

// Column names and the headers accepted for them.
const (
	colName      = "name"
	colIDNumber  = "id_number"
	colPhone     = "phone"
	colCommunity = "community_code"
	colTags      = "tags"
)

var headerAliases = map[string]string{
	"name": colName, "姓名": colName,
	"id_number": colIDNumber, "身份证号": colIDNumber, "身份证号码": colIDNumber, "公民身份号码": colIDNumber,
	"phone": colPhone, "手机": colPhone, "手机号": colPhone, "电话": colPhone, "联系电话": colPhone,
	"community_code": colCommunity, "community": colCommunity, "社区代码": colCommunity, "区划代码": colCommunity,
	"tags": colTags, "标签": colTags,
}

// MaxRows bounds one file, so that a mistaken upload cannot exhaust memory.
const MaxRows = 200_000

// RowError is a rejected row with its line (1 is the header) and the field
// errors of the domain rules.
type RowError struct {
	Line   int
	Fields []shequ.FieldError
	Err    *shequ.Error // a row-level error when not a field error
}

// File is a parsed resident list.
type File struct {
	Residents []*shequ.Resident
	Lines     []int
	Errors    []RowError
	Total     int
}

// Parse reads a CSV (UTF-8, optional BOM) or an XLSX file (the first sheet),
// chosen by the file name's extension. Every row becomes a resident of
// community unless the file has a community_code column. now dates the
// ID-number checks.
func Parse(r io.Reader, filename, community string, now time.Time) (*File, error) {
	var rows [][]string
	var err error
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		rows, err = readXLSX(r)
	case ".csv", ".txt", "":
		rows, err = readCSV(r)
	default:
		return nil, shequ.Errorf(shequ.EInvalid, "import.file.type", "Only CSV and XLSX files can be imported.")
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, shequ.Errorf(shequ.EInvalid, "import.header.empty", "The file is empty; the first line must be a header such as code,name.")
	}
	idx, err := parseHeader(rows[0])
	if err != nil {
		return nil, err
	}
	if _, ok := idx[colCommunity]; !ok && community == "" {
		return nil, shequ.Errorf(shequ.EInvalid, "resident.import.community", "Give the community (-community) or a community_code column.")
	}
	if len(rows)-1 > MaxRows {
		return nil, shequ.Errorf(shequ.EInvalid, "resident.import.too_many", "A file has at most %d rows.", MaxRows).
			With(map[string]any{"Max": MaxRows})
	}
	f := &File{}
	seen := map[shequ.IDNumber]int{}
	for i, rec := range rows[1:] {
		line := i + 2
		if blank(rec) {
			continue
		}
		f.Total++
		get := func(c string) *string {
			j, ok := idx[c]
			v := ""
			if ok && j < len(rec) {
				v = strings.TrimSpace(rec[j])
			}
			return &v
		}
		in := shequ.ResidentInput{Name: get(colName), IDNumber: get(colIDNumber), Phone: get(colPhone), Community: &community}
		if _, ok := idx[colCommunity]; ok {
			in.Community = get(colCommunity)
		}
		tags := splitTags(*get(colTags))
		in.Tags = &tags
		res := &shequ.Resident{}
		if err := in.Apply(res, now); err != nil {
			f.Errors = append(f.Errors, RowError{Line: line, Fields: shequ.AsError(err).Fields})
			continue
		}
		if first, dup := seen[res.IDNumber]; dup {
			f.Errors = append(f.Errors, RowError{Line: line, Err: shequ.Errorf(shequ.EInvalid, "resident.import.duplicate_line",
				"The ID number also appears on line %d.", first).With(map[string]any{"First": first})})
			continue
		}
		seen[res.IDNumber] = line
		f.Residents = append(f.Residents, res)
		f.Lines = append(f.Lines, line)
	}
	return f, nil
}

// splitTags splits a tag cell on the separators people type: ; ； | 、 and spaces.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == '；' || r == '|' || r == '、' || r == ' ' || r == ',' || r == '，'
	})
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func parseHeader(h []string) (map[string]int, error) {
	idx := map[string]int{}
	for i, name := range h {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		c, ok := headerAliases[strings.ToLower(name)]
		if !ok {
			return nil, shequ.Errorf(shequ.EInvalid, "resident.import.column",
				"Unknown column %q; the columns are name, id_number, phone, community_code, tags.", name).
				With(map[string]any{"Column": name})
		}
		if _, dup := idx[c]; dup {
			return nil, shequ.Errorf(shequ.EInvalid, "import.header.duplicate", "Column %q appears twice.", name).
				With(map[string]any{"Column": name})
		}
		idx[c] = i
	}
	for _, c := range []string{colName, colIDNumber} {
		if _, ok := idx[c]; !ok {
			return nil, shequ.Errorf(shequ.EInvalid, "resident.import.required",
				"The header must have the columns name and id_number.")
		}
	}
	return idx, nil
}

func readCSV(r io.Reader) ([][]string, error) {
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
		if len(rows) > MaxRows+1 {
			return nil, shequ.Errorf(shequ.EInvalid, "resident.import.too_many", "A file has at most %d rows.", MaxRows).
				With(map[string]any{"Max": MaxRows})
		}
		rows = append(rows, rec)
	}
}

// readXLSX reads the first sheet. ID numbers typed into Excel as numbers lose
// their last digits, so cells are read as the text Excel shows.
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

// Describe renders a row error in English for logs and tests.
func (e RowError) Describe() string {
	if e.Err != nil {
		return fmt.Sprintf("line %d: %s", e.Line, e.Err.Message)
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, strings.Join(parts, "; "))
}

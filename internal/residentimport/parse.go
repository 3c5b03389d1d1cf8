// Package residentimport reads resident lists (居民名册) from CSV or XLSX
// files, validates every row with the domain rules and returns the residents
// ready for an all-or-nothing import, or the line-numbered errors.
package residentimport

import (
	"fmt"
	"io"
	"strings"
	"time"

	"shequ"
	"shequ/internal/tabular"
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
	rows, err := tabular.Read(r, filename, MaxRows)
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
	f := &File{}
	seen := map[shequ.IDNumber]int{}
	for i, rec := range rows[1:] {
		line := i + 2
		if tabular.Blank(rec) {
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

func parseHeader(h []string) (map[string]int, error) {
	idx := map[string]int{}
	for i, name := range h {
		name = strings.TrimSpace(name)
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

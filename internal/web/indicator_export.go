package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"shequ"
)

// maxSheetName is Excel's limit on sheet names, in characters.
const maxSheetName = 31

// sheetName shortens a sheet name to Excel's limit.
func sheetName(s string) string {
	if utf8.RuneCountInString(s) <= maxSheetName {
		return s
	}
	return string([]rune(s)[:maxSheetName])
}

// writeIndicatorXLSX writes the dashboard as a workbook: a summary sheet
// with the targets stated at the top, one sheet per breakdown and the gap
// list, all with Chinese (catalogue) headers.
func (s *Server) writeIndicatorXLSX(w http.ResponseWriter, r *http.Request, p *indicatorPage) {
	l := s.localizer(r)
	f := excelize.NewFile()
	defer f.Close()
	// One number format per unit of the registry (unitNumFmt).
	unitStyle := map[string]int{}
	for unit, nf := range unitNumFmt {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &nf})
		if err != nil {
			s.error(w, r, shequ.Wrap(err, "xlsx style"))
			return
		}
		unitStyle[unit] = id
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		s.error(w, r, shequ.Wrap(err, "xlsx style"))
		return
	}
	summary := sheetName(l.T("ind.sheet.summary"))
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		s.error(w, r, shequ.Wrap(err, "xlsx sheet"))
		return
	}
	// set writes one row of a sheet as it is.
	set := func(sheet string, row int, vals ...any) {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			_ = f.SetCellValue(sheet, cell, v)
		}
	}
	// figure writes an indicator in its unit's number format (an empty
	// cell when it has no value: a rate of nothing).
	figure := func(sheet string, col, row int, c indicatorColumn, st *shequ.IndicatorStats) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if v := c.number(st); v != nil {
			_ = f.SetCellValue(sheet, cell, v)
		}
		_ = f.SetCellStyle(sheet, cell, cell, unitStyle[c.Def.UnitKey()])
	}
	heading := func(sheet string, row int, vals ...any) {
		set(sheet, row, vals...)
		start, _ := excelize.CoordinatesToCellName(1, row)
		end, _ := excelize.CoordinatesToCellName(len(vals), row)
		_ = f.SetCellStyle(sheet, start, end, bold)
	}

	st := &p.report.Stats
	row := 1
	heading(summary, row, l.T("ind.export.title", map[string]any{"Name": p.Name}))
	row++
	set(summary, row, l.T("ind.export.code"), p.Code)
	row++
	set(summary, row, l.T("ind.export.period"), p.Period)
	row++
	set(summary, row, l.T("ind.export.as_of"), formatDateTime(l, p.AsOf))
	row += 2
	heading(summary, row, l.T("ind.export.targets"), l.T("ind.export.value"), l.T("ind.export.meaning"))
	for _, t := range p.Targets {
		row++
		set(summary, row, t.Label, plainNumber(t.Value), t.Detail)
	}
	row += 2
	heading(summary, row, l.T("ind.export.figure"), l.T("ind.export.value"))
	for _, c := range indicatorColumns {
		row++
		set(summary, row, c.header(l))
		figure(summary, 2, row, c, st)
	}
	// Counts by kind, status, qualification and education.
	groups := []struct {
		key    string
		prefix string
		vals   map[string]int
		order  []string
	}{
		{"ind.export.by_kind", "org.kind.", countMap(st.OrgsByKind, shequ.OrgKinds), strs(shequ.OrgKinds)},
		{"ind.export.by_status", "org.status.", countMap(st.OrgsByStatus, shequ.OrgStatuses), strs(shequ.OrgStatuses)},
		{"ind.export.by_qualification", "worker.qualification.", countMap(st.WorkersByQual, shequ.Qualifications), strs(shequ.Qualifications)},
		{"ind.export.by_education", "worker.education.", countMap(st.WorkersByEdu, shequ.Educations), strs(shequ.Educations)},
	}
	for _, g := range groups {
		row += 2
		heading(summary, row, l.T(g.key), l.T("ind.export.value"))
		for _, k := range g.order {
			row++
			set(summary, row, l.T(g.prefix+k), g.vals[k])
		}
	}
	_ = f.SetColWidth(summary, "A", "A", 28)
	_ = f.SetColWidth(summary, "C", "C", 40)

	// One sheet per breakdown.
	for _, b := range p.Breakdowns {
		name := sheetName(l.T("ind.sheet." + b.Name))
		if _, err := f.NewSheet(name); err != nil {
			s.error(w, r, shequ.Wrap(err, "xlsx sheet"))
			return
		}
		hdr := []any{l.T("ind.col.name"), l.T("ind.col.key")}
		for _, h := range p.Headers {
			hdr = append(hdr, h)
		}
		heading(name, 1, hdr...)
		for i, rv := range b.Rows {
			set(name, i+2, rv.Label, rv.Key)
			for j, c := range indicatorColumns {
				figure(name, j+3, i+2, c, rv.Stats)
			}
		}
		_ = f.SetColWidth(name, "A", "A", 24)
	}

	// The gap list.
	gaps := sheetName(l.T("ind.sheet.gaps"))
	if _, err := f.NewSheet(gaps); err != nil {
		s.error(w, r, shequ.Wrap(err, "xlsx sheet"))
		return
	}
	heading(gaps, 1, l.T("ind.gap.community"), l.T("ind.col.key"), l.T("ind.gap.path"), l.T("ind.gap.target"),
		l.T("ind.gap.want"), l.T("ind.gap.have"))
	for i, g := range p.Gaps {
		set(gaps, i+2, g.Name, g.Code, g.Path, g.Target, plainNumber(g.Want), g.Have)
	}
	_ = f.SetColWidth(gaps, "A", "A", 24)
	_ = f.SetColWidth(gaps, "C", "C", 40)

	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.error(w, r, shequ.Wrap(err, "write xlsx"))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", exportName(p, "xlsx"))
	_, _ = w.Write(buf.Bytes())
}

// unitNumFmt is the Excel number format of each unit of the indicator
// registry: a count a whole number, a rate a percentage, kilometres, stars,
// meetings per community and 万元 with two decimals, days and hours with one. A unit missing here fails a
// test, so a module that adds a unit adds its format.
var unitNumFmt = map[string]string{
	shequ.UnitCount:   "#,##0",
	shequ.UnitPercent: "0.0%",
	"unit.km":         "0.00",
	"unit.meetings":   "0.00",
	"unit.days":       "0.0",
	"unit.hours":      "0.0",
	"unit.stars":      "0.00",
	"unit.wan_yuan":   "#,##0.00",
	// Issue 17: volunteers per 1,000 residents, workers per community,
	// median tenure in whole years.
	"unit.per_thousand":  "0.0",
	"unit.per_community": "0.00",
	"unit.years":         "0",
}

// plainNumber writes a target value as a whole number when it is one (a
// float64 cell would be taken for a rate), as text otherwise.
func plainNumber(s string) any {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return s
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// writeIndicatorCSV writes the summary row and the children rows, UTF-8
// with a byte order mark so that Excel opens the Chinese text correctly.
func (s *Server) writeIndicatorCSV(w http.ResponseWriter, r *http.Request, p *indicatorPage) {
	l := s.localizer(r)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	hdr := []string{l.T("ind.col.name"), l.T("ind.col.key")}
	hdr = append(hdr, p.Headers...)
	_ = cw.Write(hdr)
	line := func(label, key string, st *shequ.IndicatorStats) {
		rec := []string{csvSafe(label), key}
		for _, c := range indicatorColumns {
			rec = append(rec, c.cellText(st, false))
		}
		_ = cw.Write(rec)
	}
	line(p.Name, p.Code, &p.report.Stats)
	for _, b := range p.Breakdowns {
		if b.Name != string(shequ.ByChild) {
			continue
		}
		for _, rv := range b.Rows {
			line(rv.Label, rv.Key, rv.Stats)
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", exportName(p, "csv"))
	_, _ = w.Write(buf.Bytes())
}

// csvSafe keeps a spreadsheet from reading a name as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

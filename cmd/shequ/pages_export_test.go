package main

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/testenv"
)

// unitShown is how LibreOffice shows a figure of each unit of the indicator
// registry once the XLSX formats it.
var unitShown = map[string]*regexp.Regexp{
	shequ.UnitCount:   regexp.MustCompile(`^\d{1,3}(,\d{3})*$`),
	shequ.UnitPercent: regexp.MustCompile(`^\d{1,3}\.\d%$`),
	"unit.km":         regexp.MustCompile(`^\d+\.\d\d$`),
	"unit.meetings":   regexp.MustCompile(`^\d+\.\d\d$`),
	"unit.days":       regexp.MustCompile(`^\d+\.\d$`),
	"unit.hours":      regexp.MustCompile(`^\d+\.\d$`),
	"unit.stars":      regexp.MustCompile(`^[0-5]\.\d\d$`),
	"unit.wan_yuan":   regexp.MustCompile(`^\d{1,3}(,\d{3})*\.\d\d$`),
	// Volunteers per 1,000 residents, workers per community, median
	// tenure in whole years (issue 17).
	"unit.per_thousand":  regexp.MustCompile(`^\d+\.\d$`),
	"unit.per_community": regexp.MustCompile(`^\d+\.\d\d$`),
	"unit.years":         regexp.MustCompile(`^\d+$`),
}

// TestIndicatorXLSXFormats exports the demo county's indicators and reads
// the workbook back with LibreOffice, as shown: every figure of every
// sheet is shown in its unit's format (a median of 0.75 km is no 75%, a
// mean rating of 4.67 stars no 466.67%, 20 万元 no 2000%), every unit of
// the registry is met with a value, and the 城乡接合部与纯农村 sheet has no
// row 未知 (the urban communities had one). A small count of people (the
// care module's) is the text <5.
func TestIndicatorXLSXFormats(t *testing.T) {
	soffice := testenv.LibreOffice(t)
	base, _ := startDemo(t, demoCopy(t, "sqlite"))
	s := openSession(t, base, "demo-official")
	req, _ := http.NewRequest(http.MethodGet, base+"/indicators/330523.xlsx", nil)
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	book, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ind.xlsx"), book, 0o600); err != nil {
		t.Fatal(err)
	}
	// Every sheet to CSV, each cell as shown (token 9), all sheets (-1).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1", "--outdir", dir, "ind.xlsx")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	l := cat.Localizer("zh-CN")
	headerUnit := map[string]string{}
	sensitive := map[string]bool{} // counts of people: 1 to 4 show as <5
	for _, d := range shequ.IndicatorDefs {
		h := l.T("ind.col." + d.Key)
		if d.Unit != "" {
			h += l.T("ind.unit", map[string]any{"Unit": l.T(d.Unit)})
		}
		headerUnit[h], sensitive[h] = d.UnitKey(), d.Sensitive
	}
	seen := map[string]int{}
	sheets, _ := filepath.Glob(filepath.Join(dir, "ind-*.csv"))
	if len(sheets) < 5 {
		t.Fatalf("sheets: %v", sheets)
	}
	for _, p := range sheets {
		sheet := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "ind-"), ".csv")
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(f)
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", sheet, err)
		}
		check := func(where, unit, v string) {
			if v == "" {
				return // a rate of nothing: an empty cell
			}
			if v == "<5" && sensitive[where] {
				return // a small count of people, suppressed
			}
			seen[unit]++
			if re := unitShown[unit]; re == nil || !re.MatchString(v) {
				t.Errorf("%s: %q shown as %q, not as %s", sheet, where, v, unit)
			}
		}
		if sheet == l.T("ind.sheet.summary") {
			// The summary lists figure, value pairs.
			for _, r := range rows {
				if len(r) >= 2 {
					if unit, ok := headerUnit[r[0]]; ok {
						check(r[0], unit, r[1])
					}
				}
			}
			continue
		}
		if len(rows) < 2 {
			continue
		}
		for col, h := range rows[0] {
			unit, ok := headerUnit[h]
			if !ok {
				continue
			}
			for _, r := range rows[1:] {
				if col < len(r) {
					check(h, unit, r[col])
				}
			}
		}
		if sheet == l.T("ind.sheet.urban_rural_class") {
			for _, r := range rows[1:] {
				if r[0] == l.T("value.unknown") && r[1] == "" {
					t.Errorf("%s: a row %s: %v", sheet, r[0], r[:4])
				}
			}
		}
	}
	for unit := range unitShown {
		if seen[unit] == 0 {
			t.Errorf("no figure in %s was exported with a value", unit)
		}
	}
	for _, d := range shequ.IndicatorDefs {
		if unitShown[d.UnitKey()] == nil {
			t.Errorf("%s: unit %s has no expected format in this test", d.Key, d.UnitKey())
		}
	}
}

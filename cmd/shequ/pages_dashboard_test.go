package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tableRows returns the header cells and the rows of the table with id in
// page, as text.
func tableRows(page, id string) ([]string, [][]string) {
	tbl := section(page, `id="`+id+`"`, "</table>")
	tag := regexp.MustCompile(`<[^>]+>`)
	cells := func(row, cell string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<`+cell+`[^>]*>(.*?)</`+cell+`>`).FindAllStringSubmatch(row, -1) {
			out = append(out, strings.TrimSpace(tag.ReplaceAllString(m[1], "")))
		}
		return out
	}
	head := cells(section(tbl, "<thead", "</thead>"), "th")
	var rows [][]string
	for _, m := range regexp.MustCompile(`(?s)<tr data-key[^>]*>(.*?)</tr>`).FindAllStringSubmatch(tbl, -1) {
		rows = append(rows, cells(m[1], "t[hd]"))
	}
	return head, rows
}

// TestDashboardCorrections on both engines with the demo: the period shown
// is the targets' (no 规划期 2016-2020 over 2026 figures), a rate of 0/0 is
// —, the children are ranked by a figure the table shows, the 办件服务 tab
// shows its own figures (not the organization cards), and with
// 按规划设施已建成计算 on the gap list agrees with the figures.
func TestDashboardCorrections(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _ := startDemo(t, dsn)
		s := openSession(t, base, "demo-official")
		code, page := s.get("/indicators/330523")
		if code != http.StatusOK {
			t.Fatalf("dashboard: %d", code)
		}
		if meta := section(page, `id="ind-meta"`, "</p>"); strings.Contains(meta, "规划期") || !strings.Contains(meta, "数据截至") {
			t.Errorf("meta line: %s", meta)
		}
		if p := section(page, `id="targets-period"`, "</p>"); !strings.Contains(p, "2016-2020") {
			t.Errorf("targets' period: %q", p)
		}
		head, rows := tableRows(page, "children-table")
		col := func(name string) int {
			for i, h := range head {
				if h == name {
					return i
				}
			}
			t.Fatalf("no column %s in %q", name, head)
			return -1
		}
		urban, urbanRate, rank := col("城市社区"), col("城市社区达标率"), col("社会组织达标率")
		if hint := section(page, `id="children-hint"`, "</p>"); !strings.Contains(hint, "社会组织达标率") {
			t.Errorf("ranking hint %q", hint)
		}
		zero, prev := 0, 101.0
		for _, r := range rows {
			if r[urban] == "0" {
				zero++
				if r[urbanRate] != "—" {
					t.Errorf("%s: 0 urban communities, rate %q", r[0], r[urbanRate])
				}
			}
			v, err := strconv.ParseFloat(strings.TrimSuffix(r[rank], "%"), 64)
			if err != nil {
				prev = -1 // the rows without a value come last
				continue
			}
			if v > prev {
				t.Errorf("%s: %v after %v: not ranked by the shown %s", r[0], v, prev, head[rank])
			}
			prev = v
		}
		if zero == 0 || len(rows) < 10 {
			t.Fatalf("the demo county has %d townships, %d without urban communities", len(rows), zero)
		}
		_, svc := s.get("/indicators/330523?group=services")
		if strings.Contains(svc, `id="kpi-org-urban"`) || !strings.Contains(svc, `id="kpi-svc_on_time"`) {
			t.Errorf("the 办件服务 tab shows the organization cards")
		}
		// 按规划设施已建成计算: as many gaps as the figures leave.
		gapTotal := func(page string) int {
			m := regexp.MustCompile(`未覆盖的社区（村）：([0-9,]+) 个`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no gap total")
			}
			n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
			return n
		}
		figure := func(page string) (int, int) {
			m := regexp.MustCompile(`id="cov-radius"(?s:.*?)kpi-detail">([0-9,]+) / ([0-9,]+)`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no radius figure")
			}
			a, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
			b, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
			return a, b
		}
		// A planned station where the siting suggests one, adopted.
		_, _, sit := s.post("/coverage/330523/siting", url.Values{"kind": {"service_station"}, "radius": {"2000"}, "k": {"1"}})
		adopt := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="(community_code|kind|radius|lat|lng|site_name)" value="([^"]*)"`).FindAllStringSubmatch(sit, -1) {
			if adopt.Get(m[1]) == "" {
				adopt.Set(m[1], m[2])
			}
		}
		if code, _, body := s.post("/coverage/330523/siting/adopt", adopt); code != http.StatusSeeOther {
			t.Fatalf("adopt %v: %d\n%s", adopt, code, section(body, "<main", "</main>"))
		}
		_, now := s.get("/coverage/330523")
		_, whatIf := s.get("/coverage/330523?what_if=1")
		c0, l0 := figure(now)
		c1, l1 := figure(whatIf)
		g0, g1 := gapTotal(now), gapTotal(whatIf)
		if g0-g1 != c1-c0 || l0 != l1 {
			t.Errorf("covered %d → %d of %d, gaps %d → %d", c0, c1, l0, g0, g1)
		}
		if c1 == c0 {
			t.Errorf("the demo's planned facilities cover nothing new: the test proves nothing")
		}
	})
}

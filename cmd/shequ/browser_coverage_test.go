//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// peopleCovered reads "覆盖 X 人，共 Y 人" of the population figure.
var peopleCovered = regexp.MustCompile(`覆盖 ([\d,]+) 人`)

func coveredPeople(t *testing.T, text string) int {
	t.Helper()
	m := peopleCovered.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no covered population in %q", text)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserCoverage: the official of 安吉县 opens the coverage page, asks
// for siting suggestions, adds the first as a planned facility and sees the
// "what if" raise the covered population by exactly what the suggestion
// promised; the map draws every located community and the facilities; a
// community's location typed in GCJ-02 is stored converted.
func TestBrowserCoverage(t *testing.T) {
	dsn := browserDB(t, "sqlite")
	s := anjiServices(t, dsn)
	s.Close()
	if code, out, errs := cli(t, nil, "user", "add", "-username", "official", "-password", "correct horse battery staple",
		"-role", "official", "-scope", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, "correct horse battery staple", 90*time.Second)
	do, text := j.do, j.text
	j.login("official", j.password)
	do("open the coverage page", append(navTo("nav-coverage"), chromedp.WaitVisible(chromedp.ID("cov-population")))...)
	before := coveredPeople(t, text("#cov-population .kpi-detail"))
	gaps, err := chromedp.Run(j.ctx, chromedp.Nodes(chromedp.CSSAll("#gap-table tr[data-code]")))
	if err != nil || len(gaps) == 0 {
		t.Fatalf("gap list: %d rows, %v", len(gaps), err)
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "coverage.png"))
	rural := j.attr("#cov-rural-comprehensive .kpi-value", "data-value")
	if rural == "" {
		t.Fatal("no rural rate")
	}
	// The indicator dashboard's facilities group shows the same rate.
	j.submit("indicators", chromedp.Click(chromedp.ID("coverage-indicators")), "summary-table")
	cells, err := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](`(() => {
		const h = [...document.querySelectorAll("#summary-table thead th")].map(e => e.textContent);
		const c = [...document.querySelectorAll("#summary-table tbody td")].map(e => e.textContent);
		const i = h.indexOf("农村社区综合服务设施覆盖率") - 1;
		return i < 0 ? h : [c[i]];
	})()`))
	if err != nil || len(cells) != 1 || cells[0] != rural {
		t.Errorf("dashboard rural facility coverage %v, coverage page %q (%v)", cells, rural, err)
	}
	j.open("/coverage/330523", "cov-population")

	// Siting: three service stations.
	j.submit("siting", chromedp.Click(chromedp.ID("coverage-siting")), "siting-form")
	do("three stations", chromedp.SetValue(chromedp.ID("siting-k"), "3"))
	j.submit("suggest", chromedp.Click(chromedp.ID("siting-submit")), "siting-steps")
	steps, err := chromedp.Run(j.ctx, chromedp.Nodes(chromedp.CSSAll("#siting-steps tr[data-rank]")))
	if err != nil || len(steps) != 3 {
		t.Fatalf("siting steps: %d, %v", len(steps), err)
	}
	promised, err := strconv.Atoi(steps[0].AttributeValue("data-new-population"))
	if err != nil || promised <= 0 {
		t.Fatalf("first step promises %q", steps[0].AttributeValue("data-new-population"))
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "siting.png"))
	j.submit("adopt", chromedp.Click(chromedp.ID("adopt-1")), "what-if-on")
	if after := coveredPeople(t, text("#cov-population .kpi-detail")); after != before+promised {
		t.Errorf("what if: %d people covered, want %d + %d", after, before, promised)
	}

	// The map draws every located community and the facilities.
	do("map", chromedp.Navigate(base+"/coverage/330523/map"),
		chromedp.WaitVisible(chromedp.CSS(`#coverage-map-view[data-ready="1"]`)))
	if n := j.attr("#coverage-map-view", "data-communities"); n != "218" {
		t.Errorf("map communities %q", n)
	}
	fs := j.attr("#coverage-map-view", "data-facilities")
	if nf, err := strconv.Atoi(fs); err != nil || nf < 20 {
		t.Errorf("map facilities %q, %v", fs, err)
	}
	t.Logf("screenshot: %s", screenshot(t, j.ctx, "map.png"))

	// A location typed from a Chinese web map (GCJ-02) is stored in WGS-84.
	j.open("/communities/330523001002/location", "location-form")
	do("location", chromedp.SetValue(chromedp.ID("location-lat"), "30.65810"),
		chromedp.SetValue(chromedp.ID("location-lng"), "119.70560"),
		chromedp.Click(chromedp.ID("location-gcj02")))
	j.submit("save the location", chromedp.Click(chromedp.ID("location-submit")), "coverage-figures")
	j.open("/communities/330523001002/location", "location-form")
	lat, err := chromedp.Run(j.ctx, chromedp.Value(chromedp.ID("location-lat")))
	if err != nil {
		t.Fatal(err)
	}
	// GCJ-02 shifts this part of Zhejiang about 250 m south: WGS-84 is
	// about 0.0024° further north.
	if v, _ := strconv.ParseFloat(lat, 64); v-30.6581 < 0.001 || v-30.6581 > 0.004 {
		t.Errorf("stored latitude %q: not converted from GCJ-02", lat)
	}

	// The register's upload page: a file with a bad line writes nothing and
	// names the line; the corrected file is imported.
	bad := writeFile(t, "bad.csv", "名称,社区代码,类型,纬度,经度,状态\n"+
		"递铺便民服务点,330523001002,便民服务点,30.66,119.70,在用\n"+
		"无名村服务站,330523999999,社区综合服务站,30.60,119.60,在用\n")
	good := writeFile(t, "good.csv", "名称,社区代码,类型,纬度,经度,状态\n"+
		"递铺便民服务点,330523001002,便民服务点,30.66,119.70,在用\n")
	j.open("/facilities/import", "import-form")
	do("bad file", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}))
	j.submit("bad upload", chromedp.Click(chromedp.ID("import-submit")), "import-errors")
	if msg := text("#import-errors"); !strings.Contains(msg, "3") {
		t.Errorf("the bad line is not named: %q", msg)
	}
	j.open("/facilities/import", "import-form")
	do("good file", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}))
	j.submit("good upload", chromedp.Click(chromedp.ID("import-submit")), "import-report")
	if rep := text("#import-report-heading"); !strings.Contains(rep, "写入 1 行") {
		t.Errorf("report %q", rep)
	}
	do("the imported facility is listed", chromedp.Navigate(base+"/facilities?q="+"递铺便民服务点"),
		chromedp.WaitVisible(chromedp.ID("facilities-table")))
}

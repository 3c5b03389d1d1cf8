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
	ctx := browser(t)
	dsn := browserDB(t, "sqlite")
	s := anjiServices(t, dsn)
	s.Close()
	if code, out, errs := cli(t, nil, "user", "add", "-username", "official", "-password", "correct horse battery staple",
		"-role", "official", "-scope", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	base := startServer(t, dsn, "")
	if err := chromedp.Do(ctx, append(signIn(base, "official", "correct horse battery staple"),
		append(navTo("nav-coverage"), chromedp.WaitVisible(chromedp.ID("cov-population")))...)...,
	); err != nil {
		t.Fatalf("open the coverage page: %v", err)
	}
	detail, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#cov-population .kpi-detail")))
	if err != nil {
		t.Fatal(err)
	}
	before := coveredPeople(t, detail)
	gaps, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#gap-table tr[data-code]")))
	if err != nil || len(gaps) == 0 {
		t.Fatalf("gap list: %d rows, %v", len(gaps), err)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "coverage.png"))
	rural, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#cov-rural-comprehensive .kpi-value"), "data-value"))
	if err != nil || !rural.Exists {
		t.Fatalf("rural rate: %v", err)
	}
	// The indicator dashboard's facilities group shows the same rate.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("coverage-indicators")),
		chromedp.WaitVisible(chromedp.ID("summary-table")),
	); err != nil {
		t.Fatalf("indicators: %v", err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const h = [...document.querySelectorAll("#summary-table thead th")].map(e => e.textContent);
		const c = [...document.querySelectorAll("#summary-table tbody td")].map(e => e.textContent);
		const i = h.indexOf("农村社区综合服务设施覆盖率") - 1;
		return i < 0 ? h : [c[i]];
	})()`))
	if err != nil || len(cells) != 1 || cells[0] != rural.Value {
		t.Errorf("dashboard rural facility coverage %v, coverage page %q (%v)", cells, rural.Value, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/coverage/330523"), chromedp.WaitVisible(chromedp.ID("cov-population"))); err != nil {
		t.Fatal(err)
	}

	// Siting: three service stations.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("coverage-siting")),
		chromedp.WaitVisible(chromedp.ID("siting-form")),
		chromedp.SetValue(chromedp.ID("siting-k"), "3"),
		chromedp.Click(chromedp.ID("siting-submit")),
		chromedp.WaitVisible(chromedp.ID("siting-steps")),
	); err != nil {
		t.Fatalf("siting: %v", err)
	}
	steps, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#siting-steps tr[data-rank]")))
	if err != nil || len(steps) != 3 {
		t.Fatalf("siting steps: %d, %v", len(steps), err)
	}
	promised, err := strconv.Atoi(steps[0].AttributeValue("data-new-population"))
	if err != nil || promised <= 0 {
		t.Fatalf("first step promises %q", steps[0].AttributeValue("data-new-population"))
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "siting.png"))
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("adopt-1")),
		chromedp.WaitVisible(chromedp.ID("what-if-on")),
	); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	detail, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#cov-population .kpi-detail")))
	if err != nil {
		t.Fatal(err)
	}
	if after := coveredPeople(t, detail); after != before+promised {
		t.Errorf("what if: %d people covered, want %d + %d", after, before, promised)
	}

	// The map draws every located community and the facilities.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/coverage/330523/map"),
		chromedp.WaitVisible(chromedp.CSS(`#coverage-map-view[data-ready="1"]`)),
	); err != nil {
		t.Fatalf("map: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("coverage-map-view"), "data-communities"))
	if err != nil || n.Value != "218" {
		t.Errorf("map communities %q, %v", n.Value, err)
	}
	fs, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("coverage-map-view"), "data-facilities"))
	if nf, _ := strconv.Atoi(fs.Value); err != nil || nf < 20 {
		t.Errorf("map facilities %q, %v", fs.Value, err)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "map.png"))

	// A location typed from a Chinese web map (GCJ-02) is stored in WGS-84.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/communities/330523001002/location"),
		chromedp.WaitVisible(chromedp.ID("location-form")),
		chromedp.SetValue(chromedp.ID("location-lat"), "30.65810"),
		chromedp.SetValue(chromedp.ID("location-lng"), "119.70560"),
		chromedp.Click(chromedp.ID("location-gcj02")),
		chromedp.Click(chromedp.ID("location-submit")),
		chromedp.WaitVisible(chromedp.ID("coverage-figures")),
		chromedp.Navigate(base+"/communities/330523001002/location"),
		chromedp.WaitVisible(chromedp.ID("location-form")),
	); err != nil {
		t.Fatalf("location: %v", err)
	}
	lat, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("location-lat")))
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
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/facilities/import"),
		chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-errors")),
	); err != nil {
		t.Fatalf("bad upload: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("import-errors")))
	if err != nil || !strings.Contains(msg, "3") {
		t.Errorf("the bad line is not named: %q %v", msg, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/facilities/import"),
		chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-report")),
	); err != nil {
		t.Fatalf("good upload: %v", err)
	}
	rep, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("import-report-heading")))
	if err != nil || !strings.Contains(rep, "写入 1 行") {
		t.Errorf("report %q %v", rep, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/facilities?q="+"递铺便民服务点"),
		chromedp.WaitVisible(chromedp.ID("facilities-table")),
	); err != nil {
		t.Fatalf("the imported facility is not listed: %v", err)
	}
}

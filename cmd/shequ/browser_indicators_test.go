//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// registerFiles writes an organization register in which 330523001002 (urban)
// reaches the target of 10 active organizations, 330523001012 (urban) has 3
// and 330523001203 (rural) has 5, and a worker register covering 330523001002.
func registerFiles(t *testing.T) (orgs, workers string) {
	var b strings.Builder
	b.WriteString("名称,类型,社区代码,法律状态,备案街道,状态\n")
	for c, n := range map[string]int{"330523001002": 10, "330523001012": 3, "330523001203": 5} {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "组织%s-%d,文体娱乐,%s,备案,330523001,活跃\n", c, i, c)
		}
	}
	orgs = writeFile(t, "orgs.csv", b.String())
	workers = writeFile(t, "workers.csv", "姓名,身份证号,职业资格,证书编号,取证年份,单位类型,社区代码\n"+
		"王社工,"+validID("33052319850101002")+",社会工作师,ZJ2019001,2019,社区,330523001002\n")
	return orgs, workers
}

// TestBrowserIndicatorDashboard: an official opens the dashboard of 安吉县,
// sees the gap list, downloads the XLSX and the workbook's figures equal the
// page's.
func TestBrowserIndicatorDashboard(t *testing.T) {
	dsn := browserDB(t, "postgres")
	orgs, workers := registerFiles(t)
	for _, args := range [][]string{
		{"import", "divisions", "-quiet", "-prefix", "330523"},
		{"import", "orgs", orgs},
		{"import", "workers", workers},
		{"user", "add", "-username", "official", "-password", "correct horse battery staple", "-role", "official", "-scope", "330523"},
	} {
		if code, out, errs := cli(t, nil, append(args, "-db", dsn)...); code != exitOK {
			t.Fatalf("%v: %d %s%s", args, code, out, errs)
		}
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, "correct horse battery staple", 90*time.Second)
	ctx := j.ctx
	j.login("official", j.password)
	j.do("open the dashboard", append(navTo("nav-indicators"), chromedp.WaitVisible(chromedp.ID("kpi-org-urban")))...)
	kpi := map[string]string{}
	for _, id := range []string{"kpi-org-urban", "kpi-org-rural", "kpi-worker-coverage", "kpi-certified"} {
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#"+id+" .kpi-value"), "data-value"))
		if err != nil || !v.Exists {
			t.Fatalf("%s: %v", id, err)
		}
		kpi[id] = v.Value
	}
	// The gap list names the urban community with 3 organizations, not the
	// one with 10.
	gaps, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#gap-list tr[data-code]")))
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, n := range gaps {
		codes[n.AttributeValue("data-code")] = true
	}
	if !codes["330523001012"] || codes["330523001002"] {
		t.Errorf("gap list: %d rows, has 330523001012 %v, has 330523001002 %v", len(gaps), codes["330523001012"], codes["330523001002"])
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "dashboard.png"))

	// Download the workbook through the page's own link, as the browser does.
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("export-xlsx"), "href"))
	if err != nil || !href.Exists {
		t.Fatalf("no XLSX link: %v", err)
	}
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+"`"+href.Value+"`"+`).then(r => r.arrayBuffer()).then(b => {
		let s = ""; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	rows, err := x.GetRows("概况")
	if err != nil {
		t.Fatalf("summary sheet: %v (sheets %v)", err, x.GetSheetList())
	}
	figures := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 {
			figures[r[0]] = r[1]
		}
	}
	for id, label := range map[string]string{"kpi-org-urban": "城市社区达标率", "kpi-org-rural": "农村社区达标率",
		"kpi-worker-coverage": "社会工作者覆盖率", "kpi-certified": "持证比例"} {
		if figures[label] != kpi[id] {
			t.Errorf("%s: page %q, workbook %q", label, kpi[id], figures[label])
		}
	}
	gapRows, err := x.GetRows("差距清单")
	if err != nil {
		t.Fatal(err)
	}
	inSheet := false
	for _, r := range gapRows {
		for _, c := range r {
			inSheet = inSheet || c == "330523001012"
		}
	}
	if !inSheet {
		t.Error("the workbook's gap list lacks 330523001012")
	}
}

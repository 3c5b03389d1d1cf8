//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRegisters walks the register mechanism's pages as the people
// who use them, at 1366 px and on a 390 px phone: the community worker of
// 苕秀社区 registers an organization (picking the kind and legal status from
// lists, the community preset), is told of a bad number beside its field
// with nothing saved, corrects it, sees the record with the leader's phone
// masked; uploads an organization file with bad rows (nothing written,
// every bad line named, the errors offered as a CSV file), then the good
// file; the county official filters the list by township, picked by name.
func TestBrowserRegisters(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "shequ.db")
	s := anjiServices(t, dsn)
	s.Close()
	const pw = "correct horse battery staple"
	for _, u := range [][]string{{"worker", "community_worker", "330523001002"}, {"official", "official", "330523"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pw, "-role", u[1], "-scope", u[2], "-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, pw, 90*time.Second)
	j.switchSignsOut = signOutEvery
	do, text := j.do, j.text
	shot := func(name string) { t.Logf("screenshot: %s", screenshot(t, j.ctx, name)) }

	j.as("worker")
	do("open the organizations", append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1366, 900)},
		append(navTo("nav-orgs"), chromedp.WaitVisible(chromedp.ID("org-filter")))...)...)
	// A new organization: the community is the worker's, preset; a number
	// typed in words is refused beside its field and nothing is saved.
	j.submit("new organization", chromedp.Click(chromedp.ID("org-new")), "org-form")
	do("fill the form", chromedp.SendKeys(chromedp.ID("org-name"), "苕秀邻里互助会"),
		chromedp.SetValue(chromedp.ID("org-kind"), "resident_service"),
		chromedp.SetValue(chromedp.ID("org-legal-status"), "filed"),
		chromedp.SendKeys(chromedp.ID("org-filed-with"), "330523001"),
		chromedp.SendKeys(chromedp.ID("org-leader"), "王芳"),
		chromedp.SendKeys(chromedp.ID("org-leader-phone"), "13912345678"),
		chromedp.SendKeys(chromedp.ID("org-members"), "三十"))
	j.submit("bad form", chromedp.Click(chromedp.ID("org-submit")), "org-members-error")
	community, err := chromedp.Run(j.ctx, chromedp.Value(chromedp.ID("org-community-code")))
	if err != nil || community != "330523001002" {
		t.Errorf("the community is not kept as chosen: %q %v", community, err)
	}
	shot("register_org_form_errors.png")
	do("correct the members", chromedp.Clear(chromedp.ID("org-members")), chromedp.SendKeys(chromedp.ID("org-members"), "30"))
	j.submit("corrected form", chromedp.Click(chromedp.ID("org-submit")), "notice")
	if phone := text("#org-leader-phone"); phone != "139****5678" {
		t.Errorf("leader's phone shown %q", phone)
	}
	shot("register_org_show.png")

	// The upload page: a file with bad rows writes nothing and names them.
	bad := writeFile(t, "orgs-bad.csv", "名称,类型,社区代码,法律状态,备案街道,成员人数\n"+
		"桃园舞蹈队,文体娱乐,330523001002,备案,330523001,12\n"+
		"乙协会,游泳,330523001002,备案,330523001,12\n"+ // line 3: kind
		"丙协会,为民服务,330523001002,备案,330523001,很多\n") // line 4: members
	good := writeFile(t, "orgs-good.csv", "名称,类型,社区代码,法律状态,备案街道,成员人数\n"+
		"桃园舞蹈队,文体娱乐,330523001002,备案,330523001,12\n")
	j.open("/orgs", "org-import")
	j.submit("the upload page", chromedp.Click(chromedp.ID("org-import")), "import-form")
	do("the bad file", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}))
	j.submit("bad upload", chromedp.Click(chromedp.ID("import-submit")), "import-errors")
	if msg := text("#import-errors"); !strings.Contains(msg, "第 3 行") || !strings.Contains(msg, "第 4 行") || !strings.Contains(msg, "成员人数") {
		t.Errorf("bad lines %q", msg)
	}
	link, err := chromedp.Run(j.ctx, chromedp.AttributeValue(chromedp.ID("import-errors-csv"), "download"))
	if err != nil || !link.Exists || link.Value != "orgs-errors.csv" {
		t.Errorf("errors download %+v %v", link, err)
	}
	shot("register_org_import_errors.png")
	do("the good file", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}))
	// The report of the bad file is on screen until the new page comes:
	// submit waits for a new document.
	j.submit("good upload", chromedp.Click(chromedp.ID("import-submit")), "import-report")
	if j.present("#import-errors") {
		t.Error("the good file's report still shows errors")
	}
	if rep := text("#import-report-heading"); !strings.Contains(rep, "写入 1 行") {
		t.Errorf("report %q", rep)
	}

	// The county official on a phone: the list filtered by a township
	// picked by name.
	j.as("official")
	do("the list on a phone", chromedp.EmulateViewport(390, 844))
	j.open("/orgs", "org-filter")
	do("pick the township", chromedp.SetValue(chromedp.ID("filter-community"), "330523001"))
	j.submit("official's list", chromedp.Click(chromedp.ID("filter-submit")), "orgs-table")
	rows, err := chromedp.Run(j.ctx, chromedp.Nodes(chromedp.CSSAll("#orgs-table tbody tr")))
	if err != nil || len(rows) != 2 {
		t.Errorf("%d organizations in 递铺街道, want 2 (%v)", len(rows), err)
	}
	shot("register_org_list_390.png")
	j.submit("official opens the record", chromedp.Click(chromedp.Search(`//table//a[text()="苕秀邻里互助会"]`)), "org-attrs")
	shot("register_org_show_390.png")
	j.submit("official edits", chromedp.Click(chromedp.ID("org-edit")), "org-form")
	shot("register_org_form_390.png")
}

// TestBrowserRegisterPeopleAndPlaces: the community worker registers a
// social worker (qualification and functions picked, the ID number typed
// once), sees the numbers masked and reveals them on a phone; the county
// official registers a facility with its position from a Chinese web map
// and sees its page with the photos section.
func TestBrowserRegisterPeopleAndPlaces(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "shequ.db")
	s := anjiServices(t, dsn)
	s.Close()
	const pw = "correct horse battery staple"
	for _, u := range [][]string{{"worker", "community_worker", "330523001002"}, {"official", "official", "330523"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pw, "-role", u[1], "-scope", u[2], "-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, pw, 90*time.Second)
	j.switchSignsOut = signOutEvery
	do, text := j.do, j.text
	shot := func(name string) { t.Logf("screenshot: %s", screenshot(t, j.ctx, name)) }
	id := validID("33052319850101002")
	j.as("worker")
	do("wide", chromedp.EmulateViewport(1366, 900))
	j.open("/social-workers/new", "worker-form")
	do("worker form", chromedp.SendKeys(chromedp.ID("worker-name"), "陈静"),
		chromedp.SendKeys(chromedp.ID("worker-id-number"), id),
		chromedp.SendKeys(chromedp.ID("worker-phone"), "13812345678"),
		chromedp.SetValue(chromedp.ID("worker-qualification"), "social"),
		chromedp.SendKeys(chromedp.ID("worker-cert-number"), "S2020-1"),
		chromedp.SendKeys(chromedp.ID("worker-cert-year"), "2020"),
		chromedp.Click(chromedp.ID("worker-function-comfort")),
		chromedp.Click(chromedp.ID("worker-area-care")))
	shot("register_worker_form.png")
	j.submit("worker created", chromedp.Click(chromedp.ID("worker-submit")), "notice")
	do("on a phone", chromedp.EmulateViewport(390, 844))
	if v := text("#worker-id-number"); strings.Contains(v, id) || !strings.Contains(v, "****") {
		t.Errorf("ID number shown %q", v)
	}
	shot("register_worker_show_390.png")
	j.submit("reveal", chromedp.Click(chromedp.ID("worker-reveal")), "worker-id-number")
	if j.present("#worker-reveal") {
		t.Error("the revealed page still offers to reveal")
	}
	if v := text("#worker-id-number"); v != id {
		t.Errorf("revealed ID number %q", v)
	}

	// The official registers a facility, its position from a web map.
	do("wide", chromedp.EmulateViewport(1366, 900))
	j.as("official")
	j.open("/facilities/new", "facility-form")
	do("facility form", chromedp.SendKeys(chromedp.ID("facility-name"), "苕秀社区综合服务站"),
		chromedp.SetValue(chromedp.ID("facility-kind"), "service_station"),
		chromedp.SetValue(chromedp.ID("facility-community-code"), "330523001002"),
		chromedp.SendKeys(chromedp.ID("facility-location-lat"), "30.6356"),
		chromedp.SendKeys(chromedp.ID("facility-location-lng"), "119.6860"),
		chromedp.Click(chromedp.ID("facility-location-gcj02")))
	shot("register_facility_form.png")
	j.submit("facility created", chromedp.Click(chromedp.ID("facility-submit")), "photo-form")
	if loc := text("#facility-location"); !strings.Contains(loc, "WGS-84") || strings.Contains(loc, "30.635600") {
		t.Errorf("location %q (converted from GCJ-02?)", loc)
	}
	shot("register_facility_show.png")
}

//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"path/filepath"
	"strings"
	"testing"

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
	ctx := browser(t)
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
	shot := func(name string) { t.Logf("screenshot: %s", screenshot(t, ctx, name)) }

	if err := chromedp.Do(ctx, append(append(signIn(base, "worker", pw), chromedp.EmulateViewport(1366, 900)),
		append(navTo("nav-orgs"), chromedp.WaitVisible(chromedp.ID("org-filter")))...)...); err != nil {
		t.Fatalf("open the organizations: %v", err)
	}
	// A new organization: the community is the worker's, preset; a number
	// typed in words is refused beside its field and nothing is saved.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("org-new")),
		chromedp.WaitVisible(chromedp.ID("org-form")),
		chromedp.SendKeys(chromedp.ID("org-name"), "苕秀邻里互助会"),
		chromedp.SetValue(chromedp.ID("org-kind"), "resident_service"),
		chromedp.SetValue(chromedp.ID("org-legal-status"), "filed"),
		chromedp.SendKeys(chromedp.ID("org-filed-with"), "330523001"),
		chromedp.SendKeys(chromedp.ID("org-leader"), "王芳"),
		chromedp.SendKeys(chromedp.ID("org-leader-phone"), "13912345678"),
		chromedp.SendKeys(chromedp.ID("org-members"), "三十"),
		chromedp.Click(chromedp.ID("org-submit")),
		chromedp.WaitVisible(chromedp.ID("org-members-error")),
	); err != nil {
		t.Fatalf("bad form: %v", err)
	}
	community, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("org-community-code")))
	if err != nil || community != "330523001002" {
		t.Errorf("the community is not kept as chosen: %q %v", community, err)
	}
	shot("register_org_form_errors.png")
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("org-members")),
		chromedp.SendKeys(chromedp.ID("org-members"), "30"),
		chromedp.Click(chromedp.ID("org-submit")),
		chromedp.WaitVisible(chromedp.ID("notice")),
	); err != nil {
		t.Fatalf("corrected form: %v", err)
	}
	phone, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("org-leader-phone")))
	if err != nil || phone != "139****5678" {
		t.Errorf("leader's phone shown %q %v", phone, err)
	}
	shot("register_org_show.png")

	// The upload page: a file with bad rows writes nothing and names them.
	bad := writeFile(t, "orgs-bad.csv", "名称,类型,社区代码,法律状态,备案街道,成员人数\n"+
		"桃园舞蹈队,文体娱乐,330523001002,备案,330523001,12\n"+
		"乙协会,游泳,330523001002,备案,330523001,12\n"+ // line 3: kind
		"丙协会,为民服务,330523001002,备案,330523001,很多\n") // line 4: members
	good := writeFile(t, "orgs-good.csv", "名称,类型,社区代码,法律状态,备案街道,成员人数\n"+
		"桃园舞蹈队,文体娱乐,330523001002,备案,330523001,12\n")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/orgs"),
		chromedp.Click(chromedp.ID("org-import")),
		chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-errors")),
	); err != nil {
		t.Fatalf("bad upload: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("import-errors")))
	if err != nil || !strings.Contains(msg, "第 3 行") || !strings.Contains(msg, "第 4 行") || !strings.Contains(msg, "成员人数") {
		t.Errorf("bad lines %q %v", msg, err)
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("import-errors-csv"), "download"))
	if err != nil || !link.Exists || link.Value != "orgs-errors.csv" {
		t.Errorf("errors download %+v %v", link, err)
	}
	shot("register_org_import_errors.png")
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}),
		chromedp.Click(chromedp.ID("import-submit")),
		// The report of the bad file is on screen until the new page comes.
		chromedp.WaitNotPresent(chromedp.ID("import-errors")),
		chromedp.WaitVisible(chromedp.ID("import-report")),
	); err != nil {
		t.Fatalf("good upload: %v", err)
	}
	if rep, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("import-report-heading"))); err != nil || !strings.Contains(rep, "写入 1 行") {
		t.Errorf("report %q %v", rep, err)
	}

	// The county official on a phone: the list filtered by a township
	// picked by name.
	if err := chromedp.Do(ctx, append(append([]chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitNotPresent(chromedp.ID("logout"))}, signIn(base, "official", pw)...),
		// Signed in (the home page came) before going on: a navigation
		// while the sign-in's answer is on its way is aborted.
		chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/orgs"),
		chromedp.WaitVisible(chromedp.ID("org-filter")),
		chromedp.SetValue(chromedp.ID("filter-community"), "330523001"),
		chromedp.Click(chromedp.ID("filter-submit")),
		chromedp.WaitVisible(chromedp.ID("orgs-table")),
	)...); err != nil {
		t.Fatalf("official's list: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#orgs-table tbody tr")))
	if err != nil || len(rows) != 2 {
		t.Errorf("%d organizations in 递铺街道, want 2 (%v)", len(rows), err)
	}
	shot("register_org_list_390.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//table//a[text()="苕秀邻里互助会"]`)),
		chromedp.WaitVisible(chromedp.ID("org-attrs")),
	); err != nil {
		t.Fatalf("official opens the record: %v", err)
	}
	shot("register_org_show_390.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("org-edit")), chromedp.WaitVisible(chromedp.ID("org-form"))); err != nil {
		t.Fatalf("official edits: %v", err)
	}
	shot("register_org_form_390.png")
}

// TestBrowserRegisterPeopleAndPlaces: the community worker registers a
// social worker (qualification and functions picked, the ID number typed
// once), sees the numbers masked and reveals them on a phone; the county
// official registers a facility with its position from a Chinese web map
// and sees its page with the photos section.
func TestBrowserRegisterPeopleAndPlaces(t *testing.T) {
	ctx := browser(t)
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
	shot := func(name string) { t.Logf("screenshot: %s", screenshot(t, ctx, name)) }
	id := validID("33052319850101002")
	if err := chromedp.Do(ctx, append(signIn(base, "worker", pw),
		chromedp.EmulateViewport(1366, 900),
		chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.Navigate(base+"/social-workers/new"),
		chromedp.WaitVisible(chromedp.ID("worker-form")),
		chromedp.SendKeys(chromedp.ID("worker-name"), "陈静"),
		chromedp.SendKeys(chromedp.ID("worker-id-number"), id),
		chromedp.SendKeys(chromedp.ID("worker-phone"), "13812345678"),
		chromedp.SetValue(chromedp.ID("worker-qualification"), "social"),
		chromedp.SendKeys(chromedp.ID("worker-cert-number"), "S2020-1"),
		chromedp.SendKeys(chromedp.ID("worker-cert-year"), "2020"),
		chromedp.Click(chromedp.ID("worker-function-comfort")),
		chromedp.Click(chromedp.ID("worker-area-care")),
	)...); err != nil {
		t.Fatalf("worker form: %v", err)
	}
	shot("register_worker_form.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("worker-submit")),
		chromedp.WaitVisible(chromedp.ID("notice")),
		chromedp.EmulateViewport(390, 844),
	); err != nil {
		t.Fatalf("worker created: %v", err)
	}
	if v, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("worker-id-number"))); err != nil || strings.Contains(v, id) || !strings.Contains(v, "****") {
		t.Errorf("ID number shown %q %v", v, err)
	}
	shot("register_worker_show_390.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("worker-reveal")), chromedp.WaitNotPresent(chromedp.ID("worker-reveal"))); err != nil {
		t.Fatalf("reveal: %v", err)
	}
	if v, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("worker-id-number"))); err != nil || v != id {
		t.Errorf("revealed ID number %q %v", v, err)
	}

	// The official registers a facility, its position from a web map.
	if err := chromedp.Do(ctx, append(append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.ID("logout")), chromedp.WaitNotPresent(chromedp.ID("logout"))}, signIn(base, "official", pw)...),
		chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.Navigate(base+"/facilities/new"),
		chromedp.WaitVisible(chromedp.ID("facility-form")),
		chromedp.SendKeys(chromedp.ID("facility-name"), "苕秀社区综合服务站"),
		chromedp.SetValue(chromedp.ID("facility-kind"), "service_station"),
		chromedp.SetValue(chromedp.ID("facility-community-code"), "330523001002"),
		chromedp.SendKeys(chromedp.ID("facility-location-lat"), "30.6356"),
		chromedp.SendKeys(chromedp.ID("facility-location-lng"), "119.6860"),
		chromedp.Click(chromedp.ID("facility-location-gcj02")),
	)...); err != nil {
		t.Fatalf("facility form: %v", err)
	}
	shot("register_facility_form.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("facility-submit")),
		chromedp.WaitVisible(chromedp.ID("photo-form")),
	); err != nil {
		t.Fatalf("facility created: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("facility-location")))
	if err != nil || !strings.Contains(loc, "WGS-84") || strings.Contains(loc, "30.635600") {
		t.Errorf("location %q (converted from GCJ-02?) %v", loc, err)
	}
	shot("register_facility_show.png")
}

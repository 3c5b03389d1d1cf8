//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ"
)

// TestBrowserLinkageChain walks the whole 三社联动 chain in the browser with
// different roles: a resident raises a need, another finds it while typing
// and supports it, a worker accepts it and designs a project, an official
// approves it and opens the call (readable without an account), two
// organizations bid, three reviewers score, the award and its objection
// period pass (the workflow clock moves), the winning team's social worker
// records an activity, the parties evaluate, the project closes, the
// author sees the need fulfilled and the public page shows it all.
func TestBrowserLinkageChain(t *testing.T) {
	dsn := browserDB(t, "postgres")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const pass = "correct horse battery staple"
	const community = "330523001002"
	for _, u := range [][3]string{{"worker", "community_worker", community}, {"official", "official", "330523"},
		{"om1", "org_member", "330523"}, {"om2", "org_member", "330523"}, {"sw1", "social_worker", "330523"},
		{"rev1", "community_worker", "330523001"}, {"rev2", "community_worker", "330523001"}, {"rev3", "official", "330523"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1], "-scope", u[2],
			"-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	clock := &movableClock{}
	base, m := startLinkageServer(t, dsn, clock)
	// Sixteen sign-ins (argon2id) and some forty pages: more than the usual
	// minute and a half on a loaded machine. The first change of account
	// signs out through the page; afterwards each account's session is
	// kept and put back (browserAccounts).
	j := newJourney(t, base, pass, 4*time.Minute)
	j.switchSignsOut = signOutFirst
	ctx, do, text, as := j.ctx, j.do, j.text, j.as

	// The registers: two organizations with their keepers and social workers.
	cctx := cliContext(context.Background())
	userID := func(name string) string {
		u, err := m.svc.users.FindUserByUsername(cctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	// The residents are in the register; res1 and res2 registered their
	// accounts, which links them (only participants may rate).
	hash, err := m.svc.hasher.Hash(pass)
	if err != nil {
		t.Fatal(err)
	}
	residentOf := map[string]*shequ.Resident{}
	for i, name := range []string{"res1", "res2"} {
		r := &shequ.Resident{Name: "居民" + name, Community: community, Phone: shequ.Phone("1385720010" + string(rune('1'+i))),
			IDNumber: shequ.IDNumber(validID("33052319600101" + string(rune('1'+i)) + "12"))}
		if err := m.svc.residents.CreateResident(cctx, r); err != nil {
			t.Fatalf("resident: %v", err)
		}
		registerLinked(t, m.svc.residents, r, &shequ.User{Username: name, Name: name}, hash)
		residentOf[name] = r
	}
	orgs := map[string]*shequ.SocialOrg{}
	for i, o := range []struct{ name, owner, worker, sw string }{
		{"苕秀为老服务社", "om1", "李社工", "sw1"}, {"递铺公益协会", "om2", "王社工", ""}} {
		org := &shequ.SocialOrg{Name: o.name, Kind: shequ.OrgElderlyCare, Community: community, LegalStatus: shequ.LegalFiled,
			FiledWith: community[:9], Status: shequ.OrgActive, Members: 10, OwnerUserIDs: []string{userID(o.owner)}}
		if err := m.svc.orgs.CreateOrg(cctx, org); err != nil {
			t.Fatal(err)
		}
		orgs[o.owner] = org
		w := &shequ.SocialWorker{Name: o.worker, Community: community, Qualification: shequ.QualSocial, CertNumber: "S00000" + string(rune('1'+i)),
			CertYear: 2020, EmployerKind: shequ.EmployerOrg, EmployerOrgID: org.ID, IDNumber: shequ.IDNumber(validID("33052319850101" + string(rune('1'+i)) + "23"))}
		if o.sw != "" {
			w.UserID = userID(o.sw)
		}
		if err := m.svc.workers.CreateWorker(cctx, w); err != nil {
			t.Fatalf("worker: %v", err)
		}
	}

	idFrom := func(prefix string) string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(loc, prefix)
		id, _, _ := strings.Cut(rest, "?")
		if !ok || id == "" {
			t.Fatalf("no id in %s", loc)
		}
		return id
	}
	step := func(to string) {
		t.Helper()
		do("step "+to, chromedp.Click(chromedp.ID("step-"+to)), chromedp.WaitVisible(chromedp.CSS(`#project-status[data-status="`+to+`"]`)))
	}

	// A resident raises a need.
	as("res1")
	do("raise a need", chromedp.Navigate(base+"/needs"), chromedp.WaitVisible(chromedp.ID("need-form")),
		chromedp.SetValue(chromedp.ID("need-category"), "elderly"),
		chromedp.SendKeys(chromedp.ID("need-title"), "独居老人需要定期探访"),
		chromedp.SendKeys(chromedp.ID("need-description"), "小区里独居老人多，希望有人每周上门看看"),
		chromedp.Click(chromedp.ID("need-submit")), chromedp.WaitVisible(chromedp.ID("need-status")))
	needID := idFrom("/needs/")
	// …with a photo.
	photo := filepath.Join(t.TempDir(), "need.png")
	if err := os.WriteFile(photo, []byte("\x89PNG\r\n\x1a\n not really an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	do("photo of the need", chromedp.SetUploadFiles(chromedp.CSS(`input[name="photo"]`), []string{photo}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.photos img`)))

	// Another finds it while typing and supports it instead of duplicating.
	as("res2")
	do("similar needs while typing", chromedp.Navigate(base+"/needs"), chromedp.WaitVisible(chromedp.ID("need-form")),
		chromedp.SendKeys(chromedp.ID("need-title"), "老人探访"), chromedp.WaitVisible(chromedp.ID("similar-list")))
	t.Logf("screenshot: %s", screenshot(t, ctx, "linkage-similar.png"))
	do("support", chromedp.Click(chromedp.CSS(`#similar-list a[href="/needs/`+needID+`"]`)),
		chromedp.WaitVisible(chromedp.ID("need-support")), chromedp.Click(chromedp.ID("need-support")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	if got := text("#need-supports"); got != "1" {
		t.Errorf("supports = %q", got)
	}

	// A worker accepts it and designs a project from it.
	as("worker")
	now := clock.Now().In(shequ.Shanghai)
	do("accept and design", chromedp.Navigate(base+"/needs/"+needID), chromedp.Click(chromedp.ID("need-accept")),
		chromedp.WaitVisible(chromedp.ID("need-design")), chromedp.Click(chromedp.ID("need-design")),
		chromedp.WaitVisible(chromedp.ID("project-form")),
		chromedp.SendKeys(chromedp.ID("project-target-group"), "独居老人"),
		chromedp.SendKeys(chromedp.ID("project-objectives"), "每周上门探访，每月一次健康讲座"),
		chromedp.SendKeys(chromedp.ID("project-participants"), "20"),
		chromedp.SendKeys(chromedp.ID("project-activities"), "1"),
		chromedp.SendKeys(chromedp.ID("project-budget"), "50000"),
		chromedp.SendKeys(chromedp.ID("milestone-name-0"), "中期"),
		chromedp.SetValue(chromedp.ID("milestone-due-0"), now.AddDate(0, 1, 0).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("milestone-measure-0"), "participants"),
		chromedp.SendKeys(chromedp.ID("milestone-target-0"), "10"),
		chromedp.SendKeys(chromedp.ID("milestone-name-1"), "结项前"),
		chromedp.SetValue(chromedp.ID("milestone-due-1"), now.AddDate(0, 2, 0).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("milestone-measure-1"), "activities"),
		chromedp.SendKeys(chromedp.ID("milestone-target-1"), "1"),
		// A criterion of the project's own: the weights no longer sum to
		// 100 until the price gives 10 of its 20.
		chromedp.Click(chromedp.CSS("#criterion-rows button.add-row")), chromedp.WaitVisible(chromedp.ID("criterion-name-6")),
		chromedp.SendKeys(chromedp.ID("criterion-name-4"), "服务创新"),
		chromedp.SendKeys(chromedp.ID("criterion-weight-4"), "10"),
		chromedp.SetValue(chromedp.ID("project-period-start"), now.AddDate(0, 0, 5).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("project-period-end"), now.AddDate(0, 3, 0).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("project-bid-deadline"), now.AddDate(0, 0, 2).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.ID("project-certified")),
		chromedp.Click(chromedp.ID("project-submit")), chromedp.WaitVisible(chromedp.ID("project-criteria-error")))
	do("fix the weights", chromedp.SetValue(chromedp.ID("criterion-weight-3"), "10"),
		chromedp.Click(chromedp.ID("project-submit")), chromedp.WaitVisible(chromedp.ID("project-status")))
	projectID := idFrom("/projects/")
	project := base + "/projects/" + projectID
	if got := text("#project-number"); !strings.HasPrefix(got, "XM330523-") || !strings.HasSuffix(got, "-0001") {
		t.Errorf("project number = %q", got)
	}
	if got := text("#project-attrs"); !strings.Contains(got, "服务创新 10") || !strings.Contains(got, "报价 10") {
		t.Errorf("criteria = %q", got)
	}
	step("under_review")

	// The official returns it; the worker edits it and submits it again.
	as("official")
	do("return the project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("project-status")),
		chromedp.SendKeys(chromedp.ID("return-comment"), "请增加志愿服务时长指标"),
		chromedp.Click(chromedp.ID("step-returned")), chromedp.WaitVisible(chromedp.CSS(`#project-status[data-status="returned"]`)))
	as("worker")
	// The page of a returned project opens with its design form, prefilled.
	do("edit the returned project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("project-comment")),
		chromedp.WaitVisible(chromedp.ID("edit-project-form")))
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("edit-criterion-name-4"))); err != nil || v != "服务创新" {
		t.Errorf("edit form criterion = %q %v", v, err)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "linkage-edit.png"))
	do("resubmit", chromedp.SendKeys(chromedp.ID("edit-project-volunteer-hours"), "6"),
		chromedp.Click(chromedp.ID("edit-project-resubmit")), chromedp.WaitVisible(chromedp.CSS(`#project-status[data-status="under_review"]`)))
	if got := text(`#progress-table tr[data-measure="volunteer_hours"]`); !strings.Contains(got, "6") {
		t.Errorf("volunteer hours indicator = %q", got)
	}
	if got := text("#timeline"); !strings.Contains(got, "修改项目设计 · 已退回 → 草稿") {
		t.Errorf("timeline = %q", got)
	}

	// The official approves it, opens the call and appoints three reviewers.
	as("official")
	do("open the project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("project-status")))
	step("approved")
	step("open_for_bids")
	do("appoint reviewers", chromedp.Click(chromedp.ID("reviewer-rev1")), chromedp.Click(chromedp.ID("reviewer-rev2")),
		chromedp.Click(chromedp.ID("reviewer-rev3")),
		// The page before had a notice too (the call opened): wait for
		// the count of the new one.
		chromedp.Click(chromedp.ID("reviewers-submit")), chromedp.WaitVisible(chromedp.CSS(`#reviewers-count[data-count="3"]`)))

	// The call is public: readable without an account.
	j.logout()
	do("public call", chromedp.Navigate(base+"/public/projects/"+projectID), chromedp.WaitVisible(chromedp.ID("public-notice")))
	if got := text("#public-notice"); !strings.Contains(got, "招募公告") {
		t.Errorf("public notice = %q", got)
	}

	// Two organizations bid.
	for _, b := range []struct{ user, price string }{{"om1", "48000"}, {"om2", "45000"}} {
		as(b.user)
		do("bid "+b.user, chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("bid-form")),
			chromedp.SendKeys(chromedp.ID("bid-plan"), "每周两次上门探访，每月一次健康讲座，建立独居老人档案。"),
			chromedp.SendKeys(chromedp.ID("bid-price"), b.price),
			chromedp.Click(chromedp.CSS(`#bid-form input[name="team"]`)),
			chromedp.SendKeys(chromedp.ID("bid-experience"), "三年为老服务经验"),
			chromedp.Click(chromedp.ID("bid-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	}

	// The deadline passes; the official closes the call.
	clock.Add(3 * 24 * time.Hour)
	as("official")
	do("open the project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("project-status")))
	step("bid_review")

	// Three reviewers score both bids: the first organization scores higher.
	for _, rev := range []string{"rev1", "rev2", "rev3"} {
		as(rev)
		for i, pct := range []int{90, 70} {
			var acts []chromedp.Action[chromedp.Void]
			acts = append(acts, chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("review-heading")))
			for key, weight := range map[string]int{"plan": 40, "team": 25, "experience": 15, "price": 10, "服务创新": 10} {
				acts = append(acts, chromedp.SendKeys(chromedp.ID("score-"+string(rune('0'+i))+"-"+key), strconv.Itoa(weight*pct/100)))
			}
			// Wait for the new page: its form of this bid says it is
			// scored (the notice alone may be the previous page's).
			acts = append(acts, chromedp.Click(chromedp.ID("review-submit-"+string(rune('0'+i)))),
				chromedp.WaitVisible(chromedp.CSS("#review-"+string(rune('0'+i))+" p.hint")))
			do(rev+" scores bid "+string(rune('0'+i)), acts...)
		}
	}

	// The award, then the objection period of five working days.
	as("official")
	do("open the project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("ranking-table")))
	step("awarded")
	if got := text("#project-winner"); !strings.Contains(got, "苕秀为老服务社") {
		t.Errorf("winner = %q", got)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "linkage-awarded.png"))
	clock.Add(10 * 24 * time.Hour)
	step("in_progress")

	// The winning team's social worker records an activity; progress is
	// computed from it.
	as("sw1")
	do("record an activity", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("activity-form")),
		chromedp.SetValue(chromedp.ID("activity-date"), clock.Now().In(shequ.Shanghai).Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("activity-place"), "苕秀社区活动室"),
		chromedp.SendKeys(chromedp.ID("activity-content"), "健康讲座和血压测量"),
		chromedp.Click(chromedp.ID("function-comfort")),
		chromedp.SendKeys(chromedp.ID("activity-participants"), "25"),
		// res1 from the sign-in sheet, by ID number.
		chromedp.SendKeys(chromedp.ID("activity-participant-ids"), string(residentOf["res1"].IDNumber)),
		chromedp.Click(chromedp.ID("activity-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	if got := text(`#progress-table tr[data-measure="participants"]`); !strings.Contains(got, "100%") {
		t.Errorf("participants progress = %q", got)
	}
	if got := text(`#milestones-table tbody`); !strings.Contains(got, "中期") || !strings.Contains(got, "已达成") {
		t.Errorf("milestone = %q", got)
	}

	as("official")
	do("open the project", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("project-status")))
	step("final_evaluation")

	// Residents rate, the community and the third party score: res2 did
	// not take part in an activity and is told so instead of a form (the
	// API test checks the refusal of a rating all the same).
	as("res2")
	do("a non-participant", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("evaluation-not-participant")))
	if got := text("#evaluation-not-participant"); !strings.Contains(got, "只有参加过本项目活动的居民可以评价") {
		t.Errorf("non-participant = %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#evaluation-form").length`)); err != nil || n != 0 {
		t.Errorf("a non-participant sees the rating form (%d, %v)", n, err)
	}
	as("res1")
	do("resident rates", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("evaluation-form")),
		chromedp.Click(chromedp.ID("rating-5")), chromedp.SendKeys(chromedp.ID("evaluation-comment"), "很满意"),
		chromedp.Click(chromedp.ID("evaluation-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	as("worker")
	do("community scores", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("evaluation-form")),
		chromedp.SendKeys(chromedp.ID("evaluation-score"), "90"),
		chromedp.Click(chromedp.ID("evaluation-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	as("official")
	do("third party scores", chromedp.Navigate(project), chromedp.WaitVisible(chromedp.ID("evaluation-form")),
		chromedp.SendKeys(chromedp.ID("evaluation-score"), "85"),
		chromedp.SendKeys(chromedp.ID("evaluation-assessor"), "湖州市社会工作评估中心"),
		chromedp.Click(chromedp.ID("evaluation-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	step("closed")

	// The author sees the need fulfilled, and a notification says so.
	as("res1")
	do("notified", chromedp.WaitVisible(chromedp.ID("unread-count")), chromedp.Navigate(base+"/needs/"+needID),
		chromedp.WaitVisible(chromedp.CSS(`#need-status[data-status="fulfilled"]`)),
		chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.CSS(`#notifications li[data-kind="need_fulfilled"]`)))

	// The public accountability page shows the whole story, no personal data.
	do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("nav-login")))
	do("public page", chromedp.Navigate(base+"/public/projects/"+projectID),
		chromedp.WaitVisible(chromedp.CSS(`#project-status[data-status="closed"]`)), chromedp.WaitVisible(chromedp.ID("evaluation-final")))
	// residents 5 → 100 × 40% + 90 × 30% + 85 × 30% = 92.5
	if got := text("#evaluation-final"); got != "92.50" {
		t.Errorf("final score = %q", got)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil || !strings.Contains(html, "苕秀社区活动室") || !strings.Contains(html, "苕秀为老服务社") ||
		!strings.Contains(html, "独居老人需要定期探访") {
		t.Errorf("public page misses the need, the activity or the winner (%v)", err)
	}
	for _, personal := range []string{"res1", "res2", "sw1", "李社工"} {
		if strings.Contains(html, personal) {
			t.Errorf("public page shows %q", personal)
		}
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "linkage-public.png"))
}

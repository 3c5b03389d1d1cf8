//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/demo"
)

// TestBrowserWorkforce walks the workforce and training pages of issue 17
// on the demo (安吉县), as each role that uses them, at 1366 and 390
// pixels: the community worker sees the course's attendance and the
// continuing-education list with 孙社工 due soon, opens her page (period,
// hours done and missing, training attended) and her edit form, where the
// linked account and the social worker are picked from lists; the county
// official records an attendance for a rural worker picked from the list
// and removes it again, reads the workforce indicators whose urban-rural
// breakdown shows the rural retention gap; the social worker reads the
// list without any form; the official records that a social worker of the
// register left (status and leaving day, item 5).
func TestBrowserWorkforce(t *testing.T) {
	base, _ := startDemo(t, demoCopy(t, "sqlite"))
	j := newJourney(t, base, demo.Password, 6*time.Minute)
	j.shotPrefix = "workforce-"
	do, text, present, as, shots, eval, open := j.do, j.text, j.present, j.as, j.shots, j.eval, j.open

	// 1. The community worker of 苕秀社区: the course and its attendance
	// (everyone in post here attended: nobody is left to record).
	as("demo-worker")
	open("/courses", "page-title")
	do("open the course", chromedp.Click(chromedp.CSS(`main a[href^="/courses/"]:not([href$="/new"]):not([href$="/import"])`)),
		chromedp.WaitVisible(chromedp.ID("course-attendance")))
	if rows := text("#course-attendance tbody"); !strings.Contains(rows, "孙社工") || !strings.Contains(rows, "16") {
		t.Errorf("attendance: %q", rows)
	}
	if !present("#course-attend-nomembers") {
		t.Error("the worker is offered members who already attended")
	}
	shots("course-worker")
	coursePath := eval(`location.pathname`)

	// The continuing-education list: 孙社工 (助理社会工作师, 16 of 72 hours,
	// her period ending in four months) is due soon.
	open("/workforce", "workforce-ce-link")
	do("open the list", chromedp.Click(chromedp.ID("workforce-ce-link")), chromedp.WaitVisible(chromedp.ID("ce-list")))
	if list := text("#ce-list tbody"); !strings.Contains(list, "孙社工") || !strings.Contains(list, "即将到期") ||
		!strings.Contains(list, "16 / 72") {
		t.Errorf("due soon: %q", list)
	}
	if strings.Contains(text("#ce-list tbody"), "钱主任") {
		t.Error("钱主任 (registered a year ago) is listed as due soon")
	}
	shots("ce-worker")
	do("all certified", chromedp.Click(chromedp.ID("ce-all-tab")), chromedp.WaitVisible(chromedp.CSS(`#ce-all-tab[aria-current="page"]`)))
	if list := text("#ce-list tbody"); !strings.Contains(list, "钱主任") {
		t.Errorf("all certified: %q", list)
	}
	sun := eval(
		`[...document.querySelectorAll("#ce-list a")].find(a => a.textContent.includes("孙社工")).getAttribute("href")`)
	open(sun, "member-ce")
	if ce := text("#member-ce"); !strings.Contains(ce, "72") || !strings.Contains(ce, "56") || !strings.Contains(ce, "即将到期") {
		t.Errorf("her continuing education: %q", ce)
	}
	if tr := text("#member-training"); !strings.Contains(tr, "社区工作者能力提升培训") {
		t.Errorf("her training: %q", tr)
	}
	shots("member-worker")
	// The edit form picks the linked account and the social worker record
	// from lists: nobody types an id.
	do("edit", chromedp.Click(chromedp.ID("workforce-edit")), chromedp.WaitVisible(chromedp.CSS(`select[name="user_id"]`)))
	if !present(`select[name="social_worker_id"]`) {
		t.Error("the social worker record is typed, not picked")
	}
	if opts := text(`select[name="user_id"]`); !strings.Contains(opts, "demo-") && !strings.Contains(opts, "社区工作者") {
		t.Errorf("account choices: %q", opts)
	}
	shots("member-edit-worker")

	// 2. The county official records an attendance for a rural worker
	// picked from the list, with two hours, then removes it.
	as("demo-official")
	open(coursePath, "course-attend-form")
	pick := eval(
		`[...document.querySelectorAll("#course-attend-member option")].find(o => o.textContent.includes("郑书记")).value`)
	do("record", chromedp.SetValue(chromedp.ID("course-attend-member"), pick),
		chromedp.SetValue(chromedp.ID("course-attend-hours"), "2"),
		chromedp.Click(chromedp.ID("course-attend-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	// Ids of rows hold a UUID, which may start with a digit: matched as
	// attributes, not as #id.
	row := `[id="attendance-` + pick + `"]`
	if got := text(row); !strings.Contains(got, "郑书记") || !strings.Contains(got, "2") {
		t.Errorf("recorded row: %q", got)
	}
	shots("course-official")
	// The page after removing has a notice too: wait for the row to go.
	do("remove", chromedp.Click(chromedp.CSS(`[id="attendance-remove-`+pick+`"]`)), chromedp.WaitNotPresent(chromedp.CSS(row)),
		chromedp.WaitVisible(chromedp.ID("notice")))
	// Bad input stays on the course page with the error beside its field
	// and nothing recorded: no member picked, then more hours than the
	// course's (the member stays picked).
	do("no member", chromedp.Click(chromedp.ID("course-attend-submit")), chromedp.WaitVisible(chromedp.ID("course-attend-member-error")))
	if got := text("#form-error"); got == "" {
		t.Error("no alert above the form")
	}
	do("too many hours", chromedp.SetValue(chromedp.ID("course-attend-member"), pick),
		chromedp.SetValue(chromedp.ID("course-attend-hours"), "999"),
		chromedp.Click(chromedp.ID("course-attend-submit")), chromedp.WaitVisible(chromedp.ID("course-attend-hours-error")))
	if got := eval(`document.getElementById("course-attend-member").value`); got != pick {
		t.Errorf("the member picked is lost: %q", got)
	}
	if got := eval(`document.getElementById("course-attend-hours").value`); got != "999" {
		t.Errorf("the hours typed are lost: %q", got)
	}
	if present(row) || present("#course-attend-member-error") {
		t.Error("bad hours recorded an attendance or blamed the member")
	}
	shots("course-attend-error-official")

	// The indicator tables of the volunteer and workforce groups fit a
	// 1366 px screen: no table scrolls sideways (headers wrap instead).
	for _, g := range []string{"volunteer", "volunteer_category", "workforce", "workforce_posts", "workforce_quals", "workforce_leavers"} {
		for _, path := range []string{"/indicators/330523?group=" + g, "/indicators/330523001002?group=" + g} {
			open(path, "page-title")
			wide := eval(`[...document.querySelectorAll("main .table-wrap")].filter(w => w.scrollWidth > w.clientWidth + 1).map(w => (w.querySelector("table").id || w.parentElement.id) + " " + w.scrollWidth + ">" + w.clientWidth).join("; ")`)
			if wide != "" {
				t.Errorf("%s: tables scroll sideways at 1366 px: %s", path, wide)
			}
			if w := eval(`document.documentElement.scrollWidth > window.innerWidth + 1 ? String(document.documentElement.scrollWidth) : ""`); w != "" {
				t.Errorf("%s: the page is %s px wide on a 1366 px screen", path, w)
			}
		}
	}

	// The workforce indicators: the urban communities keep their workers
	// longer than the rural villages (the demo's 留不住).
	open("/indicators/330523?group=workforce", "page-title")
	if page := text("main"); !strings.Contains(page, "12个月留任率") || !strings.Contains(page, "任职年限中位数") {
		t.Errorf("the workforce group lacks its figures: %.300q", page)
	}
	shots("indicators-official")
	// The volunteer group: the demo's volunteers, hours and time bank.
	open("/indicators/330523?group=volunteer", "page-title")
	if page := text("main"); !strings.Contains(page, "每千名居民志愿者数") || !strings.Contains(page, "时间银行已兑换时长") {
		t.Errorf("the volunteer group lacks its figures: %.300q", page)
	}
	shots("indicators-volunteer-official")
	body := eval(`fetch("/api/v1/indicators/330523").then(r => r.text())`, chromedp.EvalAwaitPromise)
	var rep struct {
		Breakdowns map[string][]struct {
			Key     string         `json:"key"`
			Figures map[string]any `json:"figures"`
		} `json:"breakdowns"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("indicators: %v", err)
	}
	fig := map[string]map[string]float64{}
	for _, r := range rep.Breakdowns["community_kind"] {
		fig[r.Key] = map[string]float64{}
		for k, v := range r.Figures {
			if f, ok := v.(float64); ok { // null: nothing to measure; text: a suppressed small count
				fig[r.Key][k] = f
			}
		}
	}
	if u, r := fig["urban"]["wf_retention12"], fig["rural"]["wf_retention12"]; !(u > r) || r == 0 {
		t.Errorf("retention urban %v, rural %v: no rural gap", u, r)
	}
	if u, r := fig["urban"]["wf_median_tenure"], fig["rural"]["wf_median_tenure"]; !(u > r) {
		t.Errorf("median tenure urban %v, rural %v", u, r)
	}
	open("/workforce/ce", "ce-list")
	shots("ce-official")

	// 3. The social worker reads the list and the course, without forms.
	as("demo-social")
	open("/workforce/ce", "ce-list")
	shots("ce-social")
	open(coursePath, "course-attendance")
	if present("#course-attend-form") || present("[id^=attendance-remove-]") {
		t.Error("the social worker is offered the attendance forms")
	}
	shots("course-social")

	// 4. The official records that a social worker of the register left:
	// "left" without the day is refused beside the field; with it, the
	// record shows 已离职.
	as("demo-official")
	open("/social-workers", "page-title")
	worker := eval(`[...document.querySelectorAll("main table a[href^='/social-workers/']")].map(a => a.getAttribute("href")).find(h => /^\/social-workers\/[0-9a-f-]{36}$/.test(h))`)
	open(worker+"/edit", "worker-form")
	do("left without the day", chromedp.SetValue(chromedp.ID("worker-status"), "left"),
		chromedp.Click(chromedp.ID("worker-submit")), chromedp.WaitVisible(chromedp.ID("worker-left-on-error")))
	shots("social-worker-error-official")
	do("left with the day", chromedp.SetValue(chromedp.ID("worker-left-on"), "2026-11-30"),
		chromedp.Click(chromedp.ID("worker-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	if attrs := text("#worker-attrs"); !strings.Contains(attrs, "已离职") || !strings.Contains(attrs, "2026年11月30日") {
		t.Errorf("the worker who left: %q", attrs)
	}
	shots("social-worker-left-official")
}

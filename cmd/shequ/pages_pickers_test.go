package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestPickersAndLabels on both engines with the demo: people pick from
// lists instead of typing codes and ids (community, needs of a project,
// the need to merge into, reviewers, a resident), stored codes are shown
// by their labels (form answers, audit actions, communities), 附议 is no
// button once given, and an organization's bid form shows its bid.
func TestPickersAndLabels(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _ := startDemo(t, dsn)
		must := func(who, page string, wants ...string) string {
			t.Helper()
			code, body := openSession(t, base, who).get(page)
			main := section(body, "<main", "</main>")
			if code != http.StatusOK {
				t.Fatalf("%s %s: %d", who, page, code)
			}
			for _, w := range wants {
				if !strings.Contains(main, w) {
					t.Errorf("%s %s lacks %q", who, page, w)
				}
			}
			return main
		}
		never := func(where, body string, nots ...string) {
			t.Helper()
			for _, n := range nots {
				if strings.Contains(body, n) {
					t.Errorf("%s shows %q", where, n)
				}
			}
		}
		// Community pickers: a county's official picks among its
		// townships' communities by name.
		fac := must("demo-official", "/facilities/new", `<select id="facility-community-code" name="community_code"`, `<optgroup label="递铺街道">`, ">苕秀社区居委会</option>")
		never("the facility form", fac, `id="facility-community-code" name="community_code" value=`)
		// The need to merge into is chosen by its title.
		worker := openSession(t, base, "demo-worker")
		_, home := worker.get("/")
		need := regexp.MustCompile(`href="(/needs/[0-9a-f-]{36})"`).FindStringSubmatch(section(home, `id="home-review"`, "</section>"))
		if need == nil {
			t.Fatal("no need to review on the worker's home")
		}
		merge := must("demo-worker", need[1], `<select id="need-into" name="into"`)
		never("the merge form", merge, `type="text" id="need-into"`)
		// The needs of a project are ticked: the one just accepted among them.
		if code, _, _ := worker.post(need[1]+"/transitions", url.Values{"to": {"accepted"}}); code != http.StatusSeeOther {
			t.Fatalf("accept: %d", code)
		}
		must("demo-worker", "/projects/new", `type="checkbox" name="need_ids" value="`+strings.TrimPrefix(need[1], "/needs/")+`"`)
		// Reviewers are ticked.
		off := openSession(t, base, "demo-official")
		_, calls := off.get("/projects?status=open_for_bids")
		call := regexp.MustCompile(`href="(/projects/[0-9a-f-]{36})"`).FindStringSubmatch(section(calls, `id="projects-table"`, "</table>"))
		if call == nil {
			t.Fatal("no open call")
		}
		must("demo-official", call[1], `id="reviewer-demo-reviewer"`, `name="reviewers"`)
		// A resident is found by name, numbers masked; not by a resident.
		code, pick := worker.get("/residents/pick?q=" + url.QueryEscape("王建国") + "&field=resident_id")
		if code != http.StatusOK || !strings.Contains(pick, `name="resident_id"`) || !strings.Contains(pick, "王建国") || !strings.Contains(pick, "****") {
			t.Errorf("resident pick: %d %s", code, pick)
		}
		if code, _ := openSession(t, base, "demo-resident").get("/residents/pick?q=x&field=resident_id"); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("a resident searches the register: %d", code)
		}
		// Labels: the form's choices, the audit's actions and objects.
		res := openSession(t, base, "demo-resident")
		_, mine := res.get("/requests")
		var elderly string
		for _, m := range regexp.MustCompile(`href="(/requests/[0-9a-f-]{36})">[^<]*</a></td><td>居家养老服务申请`).FindAllStringSubmatch(mine, -1) {
			elderly = m[1]
		}
		if elderly == "" {
			t.Fatalf("no 居家养老服务申请 among the resident's requests")
		}
		req := must("demo-resident", elderly, "助餐、助洁")
		never("the request", section(req, `id="request-values"`, "</dl>"), "meal", "clean")
		audit := must("demo-auditor", "/audit", `<select id="audit-action" name="action"`, `<option value="login"`, "<td>登录</td>",
			`<select id="audit-object-type" name="object_type"`, `<select id="audit-result" name="result"`)
		never("the audit trail", audit, `<td class="code">login</td>`, `<td class="code">request.submit</td>`)
		// 附议 once, then said, not offered.
		_, pool := res.get("/needs")
		var open string
		for _, m := range regexp.MustCompile(`href="(/needs/[0-9a-f-]{36})"`).FindAllStringSubmatch(section(pool, `id="needs-table"`, "</table>"), -1) {
			if _, p := res.get(m[1]); strings.Contains(p, `id="need-support"`) {
				open = m[1]
				break
			}
		}
		if open == "" {
			t.Fatal("no need the resident may support")
		}
		if code, _, _ := res.post(open+"/support", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("support: %d", code)
		}
		after := must("demo-resident", open, `id="need-supported"`)
		never("a supported need", after, `id="need-support"`)
		// The organization's bid form shows its bid.
		org := must("demo-org", call[1], `id="bid-form"`, ">保存修改<")
		if plan := section(org, `id="bid-plan"`, "</textarea>"); len(plan) < len(`id="bid-plan" name="plan" rows="4" maxlength="5000">`)+10 {
			t.Errorf("the bid form is empty: %q", plan)
		}
	})
}

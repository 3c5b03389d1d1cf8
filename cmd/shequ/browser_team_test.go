//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/demo"
)

// TestBrowserVolunteerTeams walks the volunteer teams of issue 17 on the
// demo (安吉县) at 1366 and 390 pixels: the community worker of 苕秀社区
// creates a team, picking its members by name from the searchable list of
// the register form (nobody types an id) and its leader among them; a
// save without a leader comes back with the error and the members still
// ticked; a huge name and malformed member ids sent to the API are field
// errors; the team's page lists the members (ID numbers masked) and the
// opportunity its sister team serves shows on that team's page; the leader
// cannot be removed (no button, and the API answers why); the volunteer
// 王建国 (demo-resident) sees the team on his volunteer page and the
// notification that he joined, and reads the team with the other members'
// names masked.
func TestBrowserVolunteerTeams(t *testing.T) {
	base, _ := startDemo(t, demoCopy(t, "sqlite"))
	j := newJourney(t, base, demo.Password, 6*time.Minute)
	j.shotPrefix = "team-"
	do, text, eval, as, shots, open := j.do, j.text, j.eval, j.as, j.shots, j.open
	// visible lists the labels of the member boxes the search leaves shown.
	visible := func() string {
		return eval(`[...document.querySelectorAll("#team-members .picks-list label")].filter(l => !l.hidden).map(l => l.textContent.trim()).join("|")`)
	}
	// tick ticks the member box whose label holds name.
	tick := func(name string) {
		t.Helper()
		id := eval(`[...document.querySelectorAll("#team-members .picks-list label")].find(l => l.textContent.includes("` + name + `")).querySelector("input").id`)
		do("tick "+name, chromedp.Click(chromedp.ID(id)))
	}

	// 1. The worker's register of teams: the demo's three.
	as("demo-worker")
	open("/volunteer-teams", "teams-table")
	if list := text("#teams-table tbody"); !strings.Contains(list, "苕秀社区助老服务队") || !strings.Contains(list, "苕秀为老服务社") {
		t.Errorf("the teams: %q", list)
	}
	shots("list-worker")

	// 2. A new team: members picked from the list by name.
	do("new team", chromedp.Click(chromedp.ID("team-new")), chromedp.WaitVisible(chromedp.ID("team-members-q")))
	if eval(`document.querySelector("#team-members input[type=text], #team-members input:not([type])") ? "typed" : ""`) != "" {
		t.Error("the members are typed, not picked")
	}
	do("name", chromedp.SendKeys(chromedp.ID("team-name"), "苕秀社区应急服务队"),
		chromedp.Click(chromedp.ID("volunteer-skill-medical")), chromedp.Click(chromedp.ID("volunteer-skill-driving")))
	all := visible()
	for _, name := range demo.VolunteerNames {
		if !strings.Contains(all, name) {
			t.Errorf("%s is not in the list of volunteers: %q", name, all)
		}
	}
	// Typing narrows the list to the names that match.
	do("search", chromedp.SendKeys(chromedp.ID("team-members-q"), "张"))
	if got := visible(); !strings.Contains(got, "张伟") || strings.Contains(got, "刘芳") {
		t.Errorf("searching 张 shows %q", got)
	}
	tick("张伟")
	shots("form-search")
	eval(`var q = document.getElementById("team-members-q"); q.value = ""; q.dispatchEvent(new Event("input")); ""`)
	tick("王建国")
	tick("吴静")
	if n := text("#team-members [data-picks-n]"); n != "3" {
		t.Errorf("picked count %q", n)
	}
	// Saved without a leader: the error, and the members still ticked.
	do("save without leader", chromedp.Click(chromedp.ID("team-submit")), chromedp.WaitVisible(chromedp.CSS(".field-error")))
	if e := text("main"); !strings.Contains(e, "请选择队长") {
		t.Errorf("no leader error: %q", e)
	}
	if n := eval(`String(document.querySelectorAll("#team-members input:checked").length)`); n != "3" {
		t.Errorf("%s members still ticked after the error", n)
	}
	shots("form-error")
	leader := eval(`[...document.querySelectorAll("#team-leader option")].find(o => o.textContent.includes("张伟")).value`)
	do("leader", chromedp.SetValue(chromedp.ID("team-leader"), leader))
	j.submit("save", chromedp.Click(chromedp.ID("team-submit")), "team-members-table")
	teamPath := eval(`location.pathname`)
	members := text("#team-members-table tbody")
	for _, want := range []string{"张伟", "王建国", "吴静", "队长", "*"} {
		if !strings.Contains(members, want) {
			t.Errorf("members %q lack %q", members, want)
		}
	}
	if strings.Contains(members, "刘芳") {
		t.Errorf("刘芳 was not picked: %q", members)
	}
	shots("page-worker")
	// The leader has no remove button; another member has.
	if eval(`document.querySelector("#team-members-table tbody tr:first-child button") ? "button" : ""`) != "" {
		t.Error("the leader can be removed from the page")
	}
	teamID := strings.TrimPrefix(teamPath, "/volunteer-teams/")

	// 3. The API as the worker (the page's session): a huge name, malformed
	// member ids, removing the leader.
	post := func(method, path, body string) string {
		t.Helper()
		return eval(`fetch("`+path+`", {method: "`+method+`", headers: {"Content-Type": "application/json", "Accept": "application/json"}`+
			body+`}).then(r => r.text().then(b => r.status + " " + b))`, chromedp.EvalAwaitPromise)
	}
	huge := post("POST", "/api/v1/volunteer-teams", `, body: JSON.stringify({name: "队".repeat(5000), community_code: "330523001002", organizer_kind: "community", focus: ["general"], members: ["x"], leader: "x"})`)
	if !strings.HasPrefix(huge, "400") || !strings.Contains(huge, `"name"`) {
		t.Errorf("a huge name: %s", huge)
	}
	bad := post("POST", "/api/v1/volunteer-teams/"+teamID+"/members", `, body: JSON.stringify({volunteer_id: "../../' OR 1=1 --"})`)
	if !strings.HasPrefix(bad, "400") || !strings.Contains(bad, "volunteer_id") {
		t.Errorf("a malformed member id: %s", bad)
	}
	bad = post("POST", "/api/v1/volunteer-teams/"+teamID+"/members", `, body: JSON.stringify({volunteer_id: 42})`)
	if !strings.HasPrefix(bad, "400") {
		t.Errorf("a number as member id: %s", bad)
	}
	out := post("DELETE", "/api/v1/volunteer-teams/"+teamID+"/members/"+leader, "")
	if !strings.HasPrefix(out, "409") || !strings.Contains(out, "队长") {
		t.Errorf("removing the leader: %s", out)
	}
	if got := post("GET", "/api/v1/volunteer-teams/"+teamID+"/members", ""); !strings.HasPrefix(got, "200") || strings.Count(got, "volunteer_id") != 3 {
		t.Errorf("the members in the API: %s", got)
	}

	// 4. The sister team's page lists the opportunity it serves.
	open("/volunteer-teams?q=数字", "teams-table")
	do("open the digital team", chromedp.Click(chromedp.CSS(`#teams-table a[data-id]`)), chromedp.WaitVisible(chromedp.ID("team-opportunities")))
	if opp := text("#team-opportunities"); !strings.Contains(opp, "智能手机教学") {
		t.Errorf("the digital team's opportunities: %q", opp)
	}

	// 5. The volunteer: the team on his page, the notification, the team
	// with the other members' names masked.
	as("demo-resident")
	open("/volunteer", "vol-teams")
	if teams := text("#vol-teams"); !strings.Contains(teams, "苕秀社区应急服务队") || !strings.Contains(teams, "苕秀社区助老服务队") {
		t.Errorf("the volunteer's teams: %q", teams)
	}
	shots("hub-resident")
	open("/notifications", "page-title")
	if notes := text("main"); !strings.Contains(notes, "您已加入志愿服务队“苕秀社区应急服务队”") {
		t.Errorf("no notification of joining: %q", notes)
	}
	shots("notifications-resident")
	open(teamPath, "team-members-table")
	page := text("#team-members-table tbody")
	if !strings.Contains(page, "王建国") || strings.Contains(page, "张伟") || strings.Contains(page, "吴静") {
		t.Errorf("the member sees the others unmasked: %q", page)
	}
	if eval(`document.getElementById("team-edit") ? "edit" : ""`) != "" || eval(`document.getElementById("team-add-form") ? "add" : ""`) != "" {
		t.Error("the volunteer is offered to change the team")
	}
	shots("page-resident")

	// 6. The county official reads the team, without forms.
	as("demo-official")
	open(teamPath, "team-members-table")
	if eval(`document.getElementById("team-edit") ? "edit" : ""`) != "" || eval(`document.getElementById("team-add-form") ? "add" : ""`) != "" {
		t.Error("the official is offered to change the team")
	}
}

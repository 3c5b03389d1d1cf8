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
)

// TestBrowserFrontDeskAndDelegation is the story of issue 6's "Done when":
// a worker takes a request at the front desk for a resident who has no
// phone, marks a material missing (the clock stops), receives it,
// transfers the request to a department and completes it. The resident,
// who later gets a phone and an account, signs in, sees the whole timeline
// and rates it. The worker, as the resident's agent under a delegation the
// resident confirmed, files another request; the resident revokes the
// delegation, and the agent is refused at once.
func TestBrowserFrontDeskAndDelegation(t *testing.T) {
	dsn := browserDB(t, "sqlite")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const worker, pass = "worker", "correct horse battery staple"
	if code, out, errs := cli(t, nil, "user", "add", "-username", worker, "-password", pass, "-role", "community_worker",
		"-scope", "330523001002", "-name", "王社工", "-db", dsn); code != exitOK {
		t.Fatalf("user add: %d %s%s", code, out, errs)
	}
	base := startServer(t, dsn, "")
	j := newJourney(t, base, pass, 90*time.Second)
	ctx, run, text, login, logout := j.ctx, j.do, j.text, j.login, j.logout
	run("services", chromedp.Navigate(base+"/services"))
	move := func(to string, field, value string) {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.ID("move-" + to))}
		if field != "" {
			acts = append(acts, chromedp.SendKeys(chromedp.ID(field), value))
		}
		acts = append(acts, chromedp.Click(chromedp.ID("move-"+to+"-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="`+to+`"]`)))
		run("move to "+to, acts...)
	}

	// The resident is registered by the worker, without a phone.
	login(worker, pass)
	id := validID("33052319420312011")
	run("create resident", chromedp.Navigate(base+"/residents/new"), chromedp.WaitVisible(chromedp.ID("resident-form")),
		chromedp.SendKeys(chromedp.ID("resident-name"), "王建国"),
		chromedp.SendKeys(chromedp.ID("resident-id-number"), id),
		chromedp.SetValue(chromedp.ID("resident-community"), "330523001002"),
		chromedp.Click(chromedp.ID("resident-submit")), chromedp.WaitVisible(chromedp.CSS("dd#resident-id-number")))
	residentURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// Front desk: find him by name, pick 高龄津贴申领, tick two of the three
	// required materials, file, get the receipt.
	run("front desk", chromedp.Navigate(base+"/desk"), chromedp.WaitVisible(chromedp.ID("desk-q")),
		chromedp.SendKeys(chromedp.ID("desk-q"), "王建国\n"), chromedp.WaitVisible(chromedp.CSS(".pick-resident")),
		chromedp.Click(chromedp.CSS(".pick-resident")), chromedp.WaitVisible(chromedp.ID("desk-item")),
		chromedp.SetValue(chromedp.ID("desk-item"), "MZ-003"), chromedp.Click(chromedp.ID("desk-item-submit")),
		chromedp.WaitVisible(chromedp.ID("desk-form")),
		chromedp.Click(chromedp.ID("material-0")), chromedp.Click(chromedp.ID("material-1")),
		chromedp.Click(chromedp.ID("desk-submit")), chromedp.WaitVisible(chromedp.ID("receipt-number")))
	number := text("#receipt-number")
	if !strings.HasPrefix(number, "330523-") || !strings.Contains(text("#receipt-materials"), "户口簿") {
		t.Errorf("receipt number %q, materials %q", number, text("#receipt-materials"))
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "receipt.png"))
	run("open request", chromedp.Click(chromedp.ID("receipt-request")), chromedp.WaitVisible(chromedp.ID("request-state")))
	requestURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// Accepted; the bank account is missing: the clock stops.
	move("accepted", "", "")
	move("awaiting_materials", "move-missing", "本人银行账户（社保卡）复印件")
	if due := text("#request-due"); !strings.Contains(due, "计时暂停") {
		t.Errorf("due while awaiting materials = %q, want the clock paused", due)
	}
	if missing := text("#request-missing"); !strings.Contains(missing, "社保卡") {
		t.Errorf("missing = %q", missing)
	}
	// Received: back in process; transferred; back; completed.
	move("in_process", "move-in_process-note", "材料已补齐")
	move("transferred", "move-department", "县民政局养老服务科")
	if dept := text("#request-department"); dept != "县民政局养老服务科" {
		t.Errorf("department = %q", dept)
	}
	move("in_process", "", "")
	move("completed", "move-result", "已核发高龄津贴，按月发放")
	if st := text("#request-state"); st != "已办结" {
		t.Errorf("state = %q", st)
	}

	// He gets a phone; the worker records it and records a delegation to
	// themself for 高龄津贴 and 居家养老, which he must confirm.
	run("add phone", chromedp.Navigate(residentURL), chromedp.Click(chromedp.ID("resident-edit")),
		chromedp.WaitVisible(chromedp.ID("resident-phone")), chromedp.SendKeys(chromedp.ID("resident-phone"), "13857200001"),
		chromedp.Click(chromedp.ID("resident-submit")), chromedp.WaitVisible(chromedp.CSS("dd#resident-phone")))
	residentID, _, _ := strings.Cut(residentURL[strings.LastIndex(residentURL, "/")+1:], "?")
	run("new delegation", chromedp.Navigate(base+"/delegations/new?resident="+residentID),
		chromedp.WaitVisible(chromedp.ID("delegation-form")),
		chromedp.Click(chromedp.ID("item-MZ-003")), chromedp.Click(chromedp.ID("item-MZ-005")),
		chromedp.Click(chromedp.ID("delegation-submit")), chromedp.WaitVisible(chromedp.ID("delegation-state")))
	delegationURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if st := text("#delegation-state"); st != "待确认" {
		t.Errorf("new delegation state = %q", st)
	}
	logout()

	// The resident registers, signs in, finds the request with its whole
	// timeline, rates it, and confirms the delegation.
	const resident, rpass = "wangjianguo", "an old man's long password"
	run("register", chromedp.Navigate(base+"/register"), chromedp.WaitVisible(chromedp.ID("register-form")),
		chromedp.SendKeys(chromedp.ID("register-username"), resident),
		chromedp.SendKeys(chromedp.ID("register-password"), rpass),
		chromedp.SendKeys(chromedp.ID("register-confirm"), rpass),
		chromedp.SendKeys(chromedp.ID("register-id-number"), id),
		chromedp.SendKeys(chromedp.ID("register-phone"), "13857200001"),
		chromedp.Click(chromedp.ID("register-submit")), chromedp.WaitVisible(chromedp.ID("register-done")))
	if err := verifyInBrowser(t, ctx, base, "13857200001"); err != nil {
		t.Fatalf("verify by SMS: %v", err)
	}
	run("after register", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("logout")))
	logout()
	login(resident, rpass)
	run("my requests", chromedp.Click(chromedp.ID("nav-requests")), chromedp.WaitVisible(chromedp.ID("request-list")))
	if list := text("#request-list"); !strings.Contains(list, number) {
		t.Fatalf("the resident's list %q lacks %s", list, number)
	}
	run("open own request", chromedp.Navigate(requestURL), chromedp.WaitVisible(chromedp.ID("timeline")))
	timeline := text("#timeline")
	for _, want := range []string{"已提交", "已受理", "待补正", "社保卡", "办理中", "已转办", "县民政局养老服务科", "已办结", "已核发高龄津贴"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	run("rate", chromedp.Click(chromedp.ID("rate-5")), chromedp.SendKeys(chromedp.ID("rate-note"), "办事很方便"),
		chromedp.Click(chromedp.ID("rate-submit")), chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="rated"]`)))
	if st := text("#request-state"); st != "已评价" {
		t.Errorf("state after rating = %q", st)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "rated.png"))
	run("consent", chromedp.Navigate(delegationURL), chromedp.WaitVisible(chromedp.ID("consent-submit")),
		chromedp.Click(chromedp.ID("consent-submit")), chromedp.WaitVisible(chromedp.CSS(`#delegation-state[data-state="active"]`)))
	if st := text("#delegation-state"); st != "生效中" {
		t.Errorf("state after consent = %q", st)
	}
	logout()

	// The agent files 居家养老服务申请 for him.
	login(worker, pass)
	run("agent files", chromedp.Navigate(delegationURL), chromedp.WaitVisible(chromedp.ID("agent-submit")),
		chromedp.Click(chromedp.ID("agent-submit")), chromedp.WaitVisible(chromedp.ID("desk-item")),
		chromedp.SetValue(chromedp.ID("desk-item"), "MZ-005"), chromedp.Click(chromedp.ID("desk-item-submit")),
		chromedp.WaitVisible(chromedp.ID("desk-form")),
		chromedp.Click(chromedp.ID("attr-services-meal")),
		chromedp.Click(chromedp.ID("desk-submit")), chromedp.WaitVisible(chromedp.ID("receipt-number")))
	agentNumber := text("#receipt-number")
	delegationID, _, _ := strings.Cut(delegationURL[strings.LastIndex(delegationURL, "/")+1:], "?")
	agentFormURL := base + "/desk?delegation=" + delegationID + "&service_code=MZ-003"
	logout()

	// He sees what was done in his name and revokes the delegation.
	login(resident, rpass)
	run("resident's delegation", chromedp.Navigate(delegationURL), chromedp.WaitVisible(chromedp.ID("delegation-requests")))
	if got := text("#delegation-requests"); !strings.Contains(got, agentNumber) {
		t.Errorf("the delegation's requests %q lack the agent's %s", got, agentNumber)
	}
	run("revoke", chromedp.Click(chromedp.ID("revoke-submit")), chromedp.WaitVisible(chromedp.CSS(`#delegation-state[data-state="revoked"]`)))
	if st := text("#delegation-state"); st != "已撤销" {
		t.Errorf("state after revocation = %q", st)
	}
	logout()

	// The agent is refused at once.
	login(worker, pass)
	run("agent after revocation", chromedp.Navigate(agentFormURL), chromedp.WaitVisible(chromedp.ID("desk-form")),
		chromedp.Click(chromedp.ID("desk-submit")), chromedp.WaitVisible(chromedp.ID("error-message")))
	if msg := text("#error-message"); !strings.Contains(msg, "委托") || !strings.Contains(msg, "未生效") {
		t.Errorf("agent after revocation sees %q", msg)
	}
	t.Logf("screenshot: %s", screenshot(t, ctx, "agent-refused.png"))

	// The indicators count both requests: one at the window, rated 5 and
	// completed on time, and one by the agent (figures follow within
	// 200 ms of a change).
	var figures struct {
		Figures map[string]any `json:"figures"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		run("indicators", chromedp.Navigate(base+"/api/v1/indicators/330523001002"), chromedp.WaitReady(chromedp.CSS("body")))
		if err := json.Unmarshal([]byte(text("body")), &figures); err != nil {
			t.Fatalf("indicators: %v", err)
		}
		if figures.Figures["svc_requests"] == 2.0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for key, want := range map[string]float64{"svc_requests": 2, "svc_window": 1, "svc_agency": 1, "svc_completed": 1,
		"svc_on_time": 1, "svc_satisfaction": 5} {
		if got, _ := figures.Figures[key].(float64); got != want {
			t.Errorf("indicator %s = %v, want %v (all: %v)", key, figures.Figures[key], want, figures.Figures)
		}
	}
}

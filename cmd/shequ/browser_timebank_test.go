//go:build !race

package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ"
	"shequ/internal/config"
)

// TestBrowserTimeBankHousehold is the holder's side of the time bank on
// both engines (and the reminder and cancellation of an opportunity): the
// holder adds their spouse from the household list (no
// ID number typed; a missing relation is a field error that keeps the
// pick; another household's neighbour is not offered), the spouse is told
// and sees the account without the form; the holder redeems half an hour
// in a community of another county (通存通兑) and the ledger marks it; the
// neighbour cannot open the account; the serving county's official sees
// what was served for others in the book. The volunteer signed up for
// tomorrow's opportunity finds the reminder the periodic job sent in the
// notification centre; the organizer cancels it on its page and the
// volunteer is told. Pages at 1366 and 390 px (captured on SQLite).
func TestBrowserTimeBankHousehold(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { timebankHousehold(t, engine) })
	}
}

func timebankHousehold(t *testing.T, engine string) {
	dsn := browserDB(t, engine)
	for _, prefix := range []string{"330523", "330522"} {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", prefix, "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
	}
	const pass = "correct horse battery staple"
	const community = "330523001002" // 苕秀社区
	const away = "330522001001"      // 长兴县 钮店湾居委会
	for _, u := range [][3]string{{"changxing", "official", "330522"}, {"tbworker", "community_worker", community}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1],
			"-scope", u[2], "-db", dsn); code != exitOK {
			t.Fatalf("user add: %d %s%s", code, out, errs)
		}
	}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()
	clock := &movableClock{}
	now := time.Now().In(shequ.Shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai)
	clock.Add(today.Add(8 * time.Hour).Sub(time.Now()))
	m.svc.volunteers.Now = clock.Now
	cctx := cliContext(context.Background())

	// Two households: the holder and spouse, the neighbour next door.
	home := &shequ.Household{Community: community, Address: "苕溪路8号"}
	next := &shequ.Household{Community: community, Address: "苕溪路9号"}
	mustOK(t, m.svc.residents.CreateHousehold(cctx, home))
	mustOK(t, m.svc.residents.CreateHousehold(cctx, next))
	hash, err := m.svc.hasher.Hash(pass)
	mustOK(t, err)
	person := func(name, id, phone, hh string, rel shequ.Relation, user string) *shequ.Resident {
		r := &shequ.Resident{Name: name, IDNumber: shequ.IDNumber(idFor(id)), Phone: shequ.Phone(phone), Community: community,
			HouseholdID: hh, Relation: rel}
		mustOK(t, m.svc.residents.CreateResident(cctx, r))
		if user != "" {
			registerLinked(t, m.svc.residents, r, &shequ.User{Username: user}, hash)
		}
		return r
	}
	holder := person("陈户主", "33052319580101301", "13800138101", home.ID, shequ.RelationHead, "chenhz")
	spouse := person("林阿姨", "33052319600101302", "13800138102", home.ID, shequ.RelationSpouse, "linay")
	person("隔壁王", "33052319700101303", "13800138103", next.ID, shequ.RelationHead, "gebiwang")

	// The holder serves two hours of elderly care this morning: 120
	// minutes deposited. They are signed up for tomorrow's opportunity.
	v := &shequ.Volunteer{ResidentID: holder.ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
		Availability: []shequ.Availability{shequ.Availabilities[0]}}
	mustOK(t, m.svc.volunteers.RegisterVolunteer(cctx, v))
	o := &shequ.Opportunity{Title: "陪伴独居老人", Community: community, OrganizerKind: shequ.OrganizerCommunity,
		Category: shequ.CatElderly, Day: today, Start: "09:00", End: "11:00", Place: "日间照料中心", Slots: 3}
	mustOK(t, m.svc.volunteers.CreateOpportunity(cctx, o))
	x, err := m.svc.volunteers.SignUpFor(cctx, v.ID, o.ID)
	mustOK(t, err)
	// In a minute early (counted from the start), out after the end.
	clock.Add(time.Hour - time.Minute)
	_, err = m.svc.volunteers.MarkSignup(cctx, x.ID, shequ.SignupCheckedIn)
	mustOK(t, err)
	clock.Add(2*time.Hour + 2*time.Minute)
	_, err = m.svc.volunteers.MarkSignup(cctx, x.ID, shequ.SignupCheckedOut)
	mustOK(t, err)
	_, err = m.svc.volunteers.ConfirmSignup(cctx, x.ID, shequ.Confirmation{})
	mustOK(t, err)
	acc, err := m.svc.volunteers.AccountOf(cctx, holder.ID)
	mustOK(t, err)
	if acc.Balance != 120 {
		t.Fatalf("balance %d, want 120", acc.Balance)
	}
	tomorrow := &shequ.Opportunity{Title: "社区助餐", Community: community, OrganizerKind: shequ.OrganizerCommunity,
		Category: shequ.CatElderly, Day: today.AddDate(0, 0, 1), Start: "10:00", End: "12:00", Place: "长者食堂", Slots: 5}
	mustOK(t, m.svc.volunteers.CreateOpportunity(cctx, tomorrow))
	_, err = m.svc.volunteers.SignUpFor(cctx, v.ID, tomorrow.ID)
	mustOK(t, err)
	// 11:00 today: tomorrow 10:00 is within the day's notice (the
	// periodic job may have sent it already: once either way).
	if _, err := m.svc.volunteers.Remind(context.Background()); err != nil {
		t.Fatalf("remind: %v", err)
	}

	// The pages are captured on SQLite alone.
	j := newJourney(t, base, pass, 5*time.Minute)
	j.noShots = engine != "sqlite"
	ctx, do, text, shot, as := j.ctx, j.do, j.text, j.shots, j.as
	accURL := base + "/timebank/accounts/" + acc.ID

	// 1. The reminder waits in the volunteer's notification centre.
	as("chenhz")
	do("notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if got := text("#notifications"); strings.Count(got, "社区助餐") != 1 || !strings.Contains(got, "10:00") {
		t.Errorf("want the reminder once: %q", got)
	}
	shot("volunteer-reminder-resident")

	// The organizer cancels tomorrow's opportunity; the volunteer is told.
	as("tbworker")
	do("opportunity", chromedp.Navigate(base+"/opportunities/"+tomorrow.ID), chromedp.WaitVisible(chromedp.ID("opp-cancel-submit")))
	shot("volunteer-opportunity-open-worker")
	// The organizer edits it: the place left empty is refused beside the
	// field with what was typed kept; a new place and start are saved and
	// the volunteer signed up is told.
	do("edit", chromedp.Click(chromedp.ID("opp-edit")), chromedp.WaitVisible(chromedp.ID("opp-form")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("opp-place"))); v != "长者食堂" {
		t.Errorf("the edit form starts with the place %q", v)
	}
	if hint := text("#opp-edit-hint"); !strings.Contains(hint, "已有1人报名") {
		t.Errorf("the edit hint: %q", hint)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.getElementById("opp-place").value = ""; document.getElementById("opp-start").value = "10:30"; true`)); err != nil {
		t.Fatalf("clear the place: %v", err)
	}
	do("no place", chromedp.Click(chromedp.ID("opp-skill-elderly_care")),
		chromedp.Click(chromedp.ID("opp-submit")), chromedp.WaitVisible(chromedp.ID("opp-place-error")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("opp-start"))); v != "10:30" {
		t.Errorf("the refused form lost the start: %q", v)
	}
	if checked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("opp-skill-elderly_care").checked && document.querySelectorAll("#opp-skills input:checked").length === 1`)); !checked {
		t.Error("the skill ticked is lost after a refusal")
	}
	shot("volunteer-opportunity-edit-refused-worker")
	do("save", chromedp.SetValue(chromedp.ID("opp-place"), "长者食堂二楼"), chromedp.Click(chromedp.ID("opp-submit")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	if attrs := text("#opp-attrs"); !strings.Contains(attrs, "长者食堂二楼") || !strings.Contains(attrs, "10:30") {
		t.Errorf("the saved opportunity: %q", attrs)
	}
	shot("volunteer-opportunity-edited-worker")
	do("cancel", chromedp.Click(chromedp.ID("opp-cancel-submit")), chromedp.WaitVisible(chromedp.CSS(`#opp-status[data-status="cancelled"]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#opp-cancel-submit").length`)); n != 0 {
		t.Error("a cancelled opportunity still offers to cancel")
	}
	if got := text(".signup-state"); !strings.Contains(got, "取消") {
		t.Errorf("the sign-up after the cancellation: %q", got)
	}
	shot("volunteer-opportunity-cancelled-worker")
	as("chenhz")
	do("told", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if got := text("#notifications"); !strings.Contains(got, "已取消") {
		t.Errorf("the volunteer was not told of the cancellation: %q", got)
	}
	if got := text("#notifications"); !strings.Contains(got, "时间或地点有变") || !strings.Contains(got, "10:30–12:00，长者食堂二楼") {
		t.Errorf("the volunteer was not told of the new time and place: %q", got)
	}

	// 2. The holder adds the spouse from the household list; the
	// neighbour is not offered; a missing relation keeps the pick.
	do("account", chromedp.Navigate(accURL), chromedp.WaitVisible(chromedp.ID("tb-family-member")))
	opts := text("#tb-family-member")
	if !strings.Contains(opts, "林阿姨") || strings.Contains(opts, "隔壁王") {
		t.Errorf("the household list offers %q", opts)
	}
	do("no relation", chromedp.SetValue(chromedp.ID("tb-family-member"), spouse.ID), chromedp.Click(chromedp.ID("tb-family-submit")),
		chromedp.WaitVisible(chromedp.ID("form-error")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("tb-family-member"))); v != spouse.ID {
		t.Errorf("the refused form lost the pick: %q", v)
	}
	shot("timebank-family-refused-resident")
	do("add spouse", chromedp.SendKeys(chromedp.ID("tb-relation"), "妻子"), chromedp.Click(chromedp.ID("tb-family-submit")),
		chromedp.WaitVisible(chromedp.ID("tb-family-list")))
	if got := text("#tb-family-list"); !strings.Contains(got, "林阿姨") {
		t.Errorf("family list %q", got)
	}
	if got := text("#timebank-family"); !strings.Contains(got, "没有可登记的本户成员") {
		t.Errorf("after the only member: %q", got)
	}

	// 3. Half an hour redeemed in 长兴县: the ledger marks it.
	do("redeem away", chromedp.SetValue(chromedp.ID("tb-community"), away), chromedp.SendKeys(chromedp.ID("tb-hours"), "0.5"),
		chromedp.SendKeys(chromedp.ID("tb-service"), "助餐服务"), chromedp.Click(chromedp.ID("tb-withdraw-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-cross-county="1"]`)))
	if b := text("#tb-balance"); !strings.HasPrefix(b, "1.5") {
		t.Errorf("balance after redeeming 0.5 of 2 h: %q", b)
	}
	shot("timebank-account-holder")

	// 4. The spouse is told, sees the account, redeems, adds nobody.
	as("linay")
	do("spouse notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if got := text("#notifications"); !strings.Contains(got, "家庭成员") {
		t.Errorf("the spouse was not told: %q", got)
	}
	do("spouse account", chromedp.Navigate(accURL), chromedp.WaitVisible(chromedp.ID("tb-withdraw-form")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#tb-family-form").length`)); n != 0 {
		t.Error("a family member is offered the family form")
	}
	// The family member redeems for herself in 长兴县 too (通存通兑 beyond
	// the county), the community found by its name as the holder does.
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("tb-beneficiary"))); got != spouse.ID {
		t.Errorf("the family member's form redeems for %q first, not for herself", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("tb-community"))); got != community {
		t.Errorf("the family member's form starts at %q, not her own community", got)
	}
	do("search away", chromedp.SendKeys(chromedp.ID("tb-community-q"), "钮店湾"),
		chromedp.WaitReady(chromedp.CSS(`#tb-community-list option[value="`+away+`"]`)))
	do("redeem away as family", chromedp.SetValue(chromedp.ID("tb-community"), away),
		chromedp.SendKeys(chromedp.ID("tb-hours"), "0.5"), chromedp.SendKeys(chromedp.ID("tb-service"), "上门理发"), chromedp.Click(chromedp.ID("tb-withdraw-submit")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	minutes := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("tb-balance").dataset.minutes`))
		if err != nil {
			t.Fatalf("balance: %v", err)
		}
		return v
	}
	if b := minutes(); b != "60" {
		t.Errorf("balance after the family member redeemed 0.5 more: %s minutes, want 60", b)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-cross-county="1"]').length`)); n != 2 {
		t.Errorf("%d cross-county entries, want the holder's and the family member's", n)
	}
	if got := text(".ledger-entry"); !strings.Contains(got, "上门理发") || !strings.Contains(got, "林阿姨") {
		t.Errorf("the newest entry does not name the service and the family member: %q", got)
	}
	shot("timebank-account-family")
	// Beyond the province's communities nothing is offered; a code typed
	// anyway is checked as the holder's is.
	do("bad community", chromedp.SetValue(chromedp.ID("tb-community"), "339999999999"), chromedp.SendKeys(chromedp.ID("tb-hours"), "0.5"),
		chromedp.SendKeys(chromedp.ID("tb-service"), "上门理发"), chromedp.Click(chromedp.ID("tb-withdraw-submit")),
		chromedp.WaitVisible(chromedp.ID("tb-community-error")))
	if b := minutes(); b != "60" {
		t.Errorf("a refused redemption changed the balance: %s minutes", b)
	}
	shot("timebank-account-family-refused")

	// 5. The neighbour cannot open the account.
	as("gebiwang")
	do("neighbour", chromedp.Navigate(accURL), chromedp.WaitVisible(chromedp.CSS("main")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#tb-account").length`)); n != 0 {
		t.Error("the neighbour opened the account")
	}

	// 6. The serving county's book shows what it served for others.
	as("changxing")
	do("book", chromedp.Navigate(base+"/timebank"), chromedp.WaitVisible(chromedp.ID("tb-served-others")))
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("tb-served-others").dataset.minutes`)); got != "60" {
		t.Errorf("served for others %q", got)
	}
	shot("timebank-book-serving-official")
}

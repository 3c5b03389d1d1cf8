package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"shequ"
)

// TestTimeBankAPI drives the time bank through the JSON API on both
// engines: a worker opens the volunteer's account (90 deposited minutes),
// registers the mother as family, a redemption beyond the balance is 409,
// 30 minutes for the mother are redeemed, 20 transferred to her account;
// the ledger's entries sum to the balance; the holder reads only their own
// account; the county official sets the policy (a worker may not, a bad cap
// is 400) and reads the book, whose owed minutes are the balances held.
func TestTimeBankAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		clock := &movableClock{}
		base, m := startLinkageServer(t, dsn, clock)
		m.svc.volunteers.Now = clock.Now
		cctx := cliContext(context.Background())
		worker := apiClient{t: t, base: base, token: token(t, dsn, "tbworker", "community_worker", community)}
		county := apiClient{t: t, base: base, token: token(t, dsn, "tbcounty", "official", community[:6])}

		hash, err := m.svc.hasher.Hash("correct horse battery staple")
		mustOK(t, err)
		vol := &shequ.Resident{Name: "李志愿", IDNumber: shequ.IDNumber(idFor("33052319900101201")), Phone: "13800138021", Community: community}
		mother := &shequ.Resident{Name: "李母", IDNumber: shequ.IDNumber(idFor("33052319600101202")), Phone: "13800138022", Community: community}
		mustOK(t, m.svc.residents.CreateResident(cctx, vol))
		mustOK(t, m.svc.residents.CreateResident(cctx, mother))
		registerLinked(t, m.svc.residents, vol, &shequ.User{Username: "tbholder"}, hash)
		code, out, errs := cli(t, nil, "token", "create", "-username", "tbholder", "-db", dsn)
		if code != exitOK {
			t.Fatalf("token: %d %s%s", code, out, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		holder := apiClient{t: t, base: base, token: lines[len(lines)-1]}

		// 90 confirmed minutes of elderly care, deposited 1:1.
		v := &shequ.Volunteer{ResidentID: vol.ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
			Availability: []shequ.Availability{shequ.Availabilities[0]}}
		mustOK(t, m.svc.volunteers.RegisterVolunteer(cctx, v))
		now := clock.Now().In(shequ.Shanghai)
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai).AddDate(0, 0, 1)
		o := &shequ.Opportunity{Title: "陪伴独居老人", Community: community, OrganizerKind: shequ.OrganizerCommunity,
			Category: shequ.CatElderly, Day: day, Start: "09:00", End: "10:30", Place: "日间照料中心", Slots: 3}
		mustOK(t, m.svc.volunteers.CreateOpportunity(cctx, o))
		x, err := m.svc.volunteers.SignUpFor(cctx, v.ID, o.ID)
		mustOK(t, err)
		// Checked in a minute early (counted from the start), out after the end.
		clock.Add(day.Add(9*time.Hour - time.Minute).Sub(clock.Now()))
		_, err = m.svc.volunteers.MarkSignup(cctx, x.ID, shequ.SignupCheckedIn)
		mustOK(t, err)
		clock.Add(92 * time.Minute)
		_, err = m.svc.volunteers.MarkSignup(cctx, x.ID, shequ.SignupCheckedOut)
		mustOK(t, err)
		_, err = m.svc.volunteers.ConfirmSignup(cctx, x.ID, shequ.Confirmation{})
		mustOK(t, err)

		status, acc := worker.do("POST", "/api/v1/timebank/accounts", map[string]any{"resident_id": vol.ID})
		if status != http.StatusOK || acc["balance_minutes"] != float64(90) {
			t.Fatalf("open: %d %v", status, acc)
		}
		id := acc["id"].(string)
		status, body := worker.do("POST", "/api/v1/timebank/accounts/"+id+"/family", map[string]any{"resident_id": mother.ID, "relation": "母亲"})
		if fam, _ := body["family"].([]any); status != http.StatusCreated || len(fam) != 1 {
			t.Fatalf("family: %d %v", status, body)
		}
		redeem := map[string]any{"beneficiary_id": mother.ID, "minutes": 600, "community": community, "service": "上门助浴"}
		if status, body = worker.do("POST", "/api/v1/timebank/accounts/"+id+"/withdrawals", redeem); status != http.StatusConflict {
			t.Errorf("beyond the balance: %d %v", status, body)
		}
		redeem["minutes"] = 30
		if status, body = worker.do("POST", "/api/v1/timebank/accounts/"+id+"/withdrawals", redeem); status != http.StatusCreated ||
			body["balance_minutes"] != float64(60) || body["kind"] != "withdrawal" || body["beneficiary_id"] != mother.ID {
			t.Fatalf("redeem: %d %v", status, body)
		}
		status, macc := worker.do("POST", "/api/v1/timebank/accounts", map[string]any{"resident_id": mother.ID})
		if status != http.StatusOK {
			t.Fatalf("open the mother's: %d %v", status, macc)
		}
		tr := map[string]any{"from_account_id": id, "to_account_id": macc["id"], "minutes": 20, "note": "给母亲"}
		if status, body = worker.do("POST", "/api/v1/timebank/transfers", tr); status != http.StatusCreated || body["minutes"] != float64(-20) {
			t.Fatalf("transfer: %d %v", status, body)
		}

		// The ledger balances: its entries sum to the balance.
		status, led := holder.do("GET", "/api/v1/timebank/accounts/"+id+"/ledger", nil)
		items, _ := led["items"].([]any)
		sum := 0.0
		for _, it := range items {
			sum += it.(map[string]any)["minutes"].(float64)
		}
		if status != http.StatusOK || led["total"] != float64(3) || sum != 40 {
			t.Errorf("ledger: %d total %v sum %v", status, led["total"], sum)
		}
		if status, body = holder.do("GET", "/api/v1/timebank/accounts", nil); status != http.StatusOK || body["total"] != float64(1) {
			t.Errorf("the holder's accounts: %d %v", status, body)
		}
		if status, _ = holder.do("GET", "/api/v1/timebank/accounts/"+macc["id"].(string), nil); status != http.StatusNotFound {
			t.Errorf("the holder read another account: %d", status)
		}

		// The county's rules and book.
		pol := map[string]any{"county": "330523", "eligible": []string{"elderly", "children"}, "yearly_cap_minutes": 6000}
		if status, body = worker.do("PUT", "/api/v1/timebank/policy", pol); status != http.StatusForbidden {
			t.Errorf("a worker set the policy: %d %v", status, body)
		}
		if status, body = county.do("PUT", "/api/v1/timebank/policy", map[string]any{"county": "330523", "eligible": []string{"elderly"},
			"yearly_cap_minutes": -1}); status != http.StatusBadRequest {
			t.Errorf("a negative cap: %d %v", status, body)
		}
		if status, body = county.do("PUT", "/api/v1/timebank/policy", pol); status != http.StatusOK ||
			body["yearly_cap_minutes"] != float64(6000) {
			t.Errorf("set the policy: %d %v", status, body)
		}
		if status, body = worker.do("GET", "/api/v1/timebank/policy", nil); status != http.StatusOK ||
			len(body["eligible"].([]any)) != 2 {
			t.Errorf("read the policy: %d %v", status, body)
		}
		if status, body = county.do("GET", "/api/v1/timebank/book?county=330523", nil); status != http.StatusOK ||
			body["owed_minutes"] != float64(60) || body["redeemed_minutes"] != float64(30) || body["active_volunteers"] != float64(1) {
			t.Errorf("the book: %d %v", status, body)
		}

		// Beyond the county (通存通兑): the holder redeems 10 minutes for
		// themself in a community of 长兴县; the entry names both
		// counties, each county's book shows its side.
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330522", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		away := map[string]any{"minutes": 10, "community": "330522001001", "service": "助餐服务"}
		if status, body = holder.do("POST", "/api/v1/timebank/accounts/"+id+"/withdrawals", away); status != http.StatusCreated ||
			body["cross_county"] != true || body["holder_county"] != "330523" || body["serving_county"] != "330522" ||
			body["balance_minutes"] != float64(30) {
			t.Fatalf("redeem beyond the county: %d %v", status, body)
		}
		away["minutes"] = 600
		if status, body = holder.do("POST", "/api/v1/timebank/accounts/"+id+"/withdrawals", away); status != http.StatusConflict {
			t.Errorf("beyond the balance, beyond the county: %d %v", status, body)
		}
		changxing := apiClient{t: t, base: base, token: token(t, dsn, "tbchangxing", "official", "330522")}
		if status, body = county.do("GET", "/api/v1/timebank/book?county=330523", nil); status != http.StatusOK ||
			body["redeemed_outside_minutes"] != float64(10) || body["owed_minutes"] != float64(50) {
			t.Errorf("the home county's book: %d %v", status, body)
		}
		if status, body = changxing.do("GET", "/api/v1/timebank/book?county=330522", nil); status != http.StatusOK ||
			body["served_for_others_minutes"] != float64(10) || body["owed_minutes"] != float64(0) {
			t.Errorf("the serving county's book: %d %v", status, body)
		}
		if status, body = changxing.do("GET", "/api/v1/timebank/accounts/"+id, nil); status != http.StatusNotFound {
			t.Errorf("the serving county read the account: %d %v", status, body)
		}
	})
}

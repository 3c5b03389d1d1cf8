//go:build !race

// The demo loads the whole country: ten times slower under the race detector
// than the rest of the suite together, so scripts/test runs it in a pass of
// its own without -race (it has no concurrency of its own to check).

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/demo"
)

// TestServeDemo runs what the README's first command runs, `serve -demo` on
// an empty SQLite database: the whole country, 安吉县's attributes, a demo
// account per role and the demo residents.
func TestServeDemo(t *testing.T) {
	cfg := config.Default()
	dir := dataDir(t) // the commands of the test use the same key files
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", filepath.Join(dir, "shequ.db"), dir, true
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()

	if code, list, _ := get(t, base+"/api/v1/divisions"); code != 200 || list["total"].(float64) != 31 {
		t.Errorf("provinces: %d %v", code, list["total"])
	}
	code, d, _ := get(t, base+"/api/v1/divisions/"+demo.Community)
	if code != 200 || d["population"] == nil || d["urban_rural"] == nil || d["lat"] == nil {
		t.Errorf("demo attributes of %s: %d %v", demo.Community, code, d)
	}

	// Every demo account signs in with the published password.
	for _, a := range demo.Accounts {
		resp, err := http.Post(base+"/api/v1/session", "application/json", apiSignInBody(t, base, a.Username, demo.Password))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("demo account %s: sign-in answered %d", a.Username, resp.StatusCode)
		}
	}
	// Two-factor sign-in: the official's password alone is not enough; the
	// console prints the current code of a demo account (published secret),
	// which signs in once; real accounts get no code from the console.
	resp, err := http.Post(base+"/api/v1/session", "application/json",
		strings.NewReader(`{"username":"demo-supervisor","password":"`+demo.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("demo-supervisor without a code: %d", resp.StatusCode)
	}
	code, out, errs := cli(t, nil, "totp", "code", "-username", "demo-supervisor", "-db", cfg.DB, "-data-dir", dir)
	if code != exitOK || len(strings.TrimSpace(out)) != 6 || !strings.Contains(errs, "秒内") {
		t.Fatalf("totp code: %d %q %q", code, out, errs)
	}
	body := `{"username":"demo-supervisor","password":"` + demo.Password + `","code":"` + strings.TrimSpace(out) + `"}`
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		resp, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("sign-in %d with the printed code: %d, want %d (a code is accepted once)", i+1, resp.StatusCode, want)
		}
	}
	if code, _, errs := cli(t, nil, "totp", "code", "-username", "demo-worker", "-db", cfg.DB, "-data-dir", dir); code == exitOK ||
		!strings.Contains(errs, "演示账户") {
		t.Errorf("totp code of an account without two-factor sign-in: %d %q", code, errs)
	}
	// 三社联动: a closed project and an open call are public; the needs
	// pool holds needs of several states, the first one fulfilled.
	if code, list, _ := get(t, base+"/api/v1/projects"); code != 200 || list["total"].(float64) != 2 {
		t.Errorf("demo projects: %d %v", code, list)
	} else {
		statuses := map[any]bool{}
		for _, p := range list["items"].([]any) {
			statuses[p.(map[string]any)["status"]] = true
		}
		if !statuses["closed"] || !statuses["open_for_bids"] {
			t.Errorf("demo project states = %v", statuses)
		}
	}
	resident := apiClient{t: t, base: base, token: token(t, cfg.DB, "demo-check-res", "resident", demo.Community)}
	if code, m := resident.do("GET", "/api/v1/needs?status=fulfilled", nil); code != 200 || m["total"].(float64) != 1 {
		t.Errorf("demo fulfilled needs: %d %v", code, m)
	}
	// The demo worker sees the ten synthetic residents of the demo
	// community, the two people under care the care demo registers there,
	// the eleven households that rate 苕溪花园 in the property demo, and
	// the wife 王建国 adds to his time-bank account in the volunteer demo.
	worker := apiClient{t: t, base: base, token: token(t, cfg.DB, "demo-check", "community_worker", demo.Community)}
	if code, m := worker.do("GET", "/api/v1/residents?community="+demo.Community, nil); code != 200 || m["total"].(float64) != 10+2+11+1 {
		t.Errorf("demo residents: %d %v", code, m["total"])
	}
	// 王建国 redeemed half an hour for his wife in 长兴县 (通存通兑): the
	// serving county's book shows it served for another county.
	changxing := apiClient{t: t, base: base, token: token(t, cfg.DB, "demo-check-cx", "official", "330522")}
	if code, m := changxing.do("GET", "/api/v1/timebank/book?county=330522", nil); code != 200 || m["served_for_others_minutes"] != float64(30) {
		t.Errorf("demo redemption beyond the county: %d %v", code, m)
	}

	checkCareDemo(t, m)
}

// checkCareDemo checks the 三留守 demo through the store as its duty
// holders see it: people of every kind at every risk level, visits on time
// and overdue, the child turning 16 proposed for exit, an open case and a
// closed one, the unacknowledged alert escalated to the county.
func checkCareDemo(t *testing.T, m *Main) {
	t.Helper()
	ctx := context.Background()
	as := func(name string) context.Context {
		u, err := m.svc.users.FindUserByUsername(ctx, name)
		if err != nil {
			t.Fatalf("demo account %s: %v", name, err)
		}
		return shequ.WithActor(ctx, u.Actor())
	}
	sup := as("demo-supervisor")
	people, total, err := m.svc.care.FindCarePersons(sup, shequ.CareFilter{Limit: 100})
	if err != nil || total != 14 {
		t.Fatalf("demo people under care: %d %v", total, err)
	}
	kinds, risks, proposed := map[shequ.CareKind]bool{}, map[shequ.RiskLevel]bool{}, 0
	for _, p := range people {
		kinds[p.Kind], risks[p.Risk] = true, true
		if p.Status == shequ.CareExitProposed {
			proposed++
		}
	}
	overdue, _, err := m.svc.care.FindCarePersons(sup, shequ.CareFilter{Overdue: true, Limit: 100})
	if len(kinds) != 3 || len(risks) != 3 || proposed != 1 || err != nil || len(overdue) < 3 || len(overdue) > 6 {
		t.Errorf("demo care: kinds %v risks %v proposed %d overdue %d (%v)", kinds, risks, proposed, len(overdue), err)
	}
	open, _, err := m.svc.care.FindCases(sup, shequ.CaseFilter{})
	closed, _, err2 := m.svc.care.FindCases(sup, shequ.CaseFilter{Status: shequ.CaseClosed})
	if err != nil || err2 != nil || len(open) != 2 || len(closed) != 1 {
		t.Errorf("demo cases: %d open, %d closed (%v %v)", len(open), len(closed), err, err2)
	}
	alerts, _, err := m.svc.care.FindAlerts(as("demo-official"), shequ.AlertFilter{Escalated: true})
	if err != nil || len(alerts) != 1 || alerts[0].Status != shequ.AlertOpen {
		t.Errorf("demo escalated alerts: %d (%v)", len(alerts), err)
	}
}

package main

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"shequ"
	"shequ/internal/demo"
)

// TestPropertyDemo: the demo of 安吉县 has estates in every management
// mode, two companies of different grades whose every point comes from a
// record, an owners' committee with a 兼任 member, a joint meeting with
// resolutions done, overdue and open, last quarter's ratings shown, this
// quarter's one short, and an appeal waiting; on both engines.
func TestPropertyDemo(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, m := startDemo(t, dsn)
		p := m.svc.property
		official := shequ.WithActor(cliContext(context.Background()),
			&shequ.Actor{UserID: "u-official", Username: "official", Role: shequ.RoleOfficial, Scope: demo.County})
		estates, _, err := p.FindEstates(official, shequ.EstateFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		modes := map[shequ.ManagementMode]int{}
		var greens *shequ.Estate
		for _, e := range estates {
			modes[e.Mode]++
			if e.Name == "苕溪花园" {
				greens = e
			}
		}
		for _, mode := range shequ.ManagementModes {
			if modes[mode] == 0 {
				t.Errorf("no estate managed by %s: %v", mode, modes)
			}
		}
		companies, _, err := p.FindCompanies(official, shequ.CompanyFilter{})
		if err != nil || len(companies) != 2 {
			t.Fatalf("companies %v (%v)", companies, err)
		}
		grades := map[string]shequ.Grade{}
		for _, c := range companies {
			grades[c.Name] = c.Grade
			// Every point from a record: the public file adds up.
			cc, err := p.CompanyCredit(context.Background(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, r := range cc.Records {
				if r.Counts(cc.Day) {
					sum += r.Signed()
				}
			}
			if cc.Score != c.Score || sum != cc.Score {
				t.Errorf("%s: score %d, file %d, records add up to %d", c.Name, c.Score, cc.Score, sum)
			}
		}
		if grades["安吉绿城物业服务有限公司"] != shequ.GradeAAA || grades["安吉安居物业管理有限公司"] != shequ.GradeB {
			t.Errorf("grades %v", grades)
		}
		if greens == nil {
			t.Fatal("no 苕溪花园")
		}
		// The demo resident's household is in 苕溪花园: their page shows it.
		u, err := m.svc.users.FindUserByUsername(cliContext(context.Background()), "demo-resident")
		if err != nil {
			t.Fatal(err)
		}
		if mine, _, err := p.MyEstate(shequ.WithActor(context.Background(), u.Actor())); err != nil || mine.ID != greens.ID {
			t.Errorf("the demo resident's estate: %+v (%v)", mine, err)
		}
		terms, err := p.FindCommittees(official, greens.ID, "", "")
		if err != nil || len(terms) != 1 || !terms[0].HasConcurrent() || terms[0].Status != shequ.FilingFiled {
			t.Errorf("苕溪花园's committee %+v (%v)", terms, err)
		}
		meetings, _, err := p.FindMeetings(official, "", 0, 10)
		if err != nil || len(meetings) != 1 {
			t.Fatalf("meetings %v (%v)", meetings, err)
		}
		full, err := p.FindMeetingByID(official, meetings[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, r := range full.Resolutions {
			states = append(states, string(r.Status))
		}
		if !slices.Equal(states, []string{"done", "overdue", "open"}) {
			t.Errorf("resolutions %v", states)
		}
		appeals, err := p.FindAppeals(official, shequ.AppealSubmitted)
		if err != nil || len(appeals) != 1 {
			t.Errorf("appeals %v (%v)", appeals, err)
		}
		now := m.svc.db.Now()
		last := shequ.PeriodQuarter.PeriodOf(shequ.DateOf(now).AddDate(0, -3, 0))
		if sum, err := p.RatingSummary(official, greens.ID, last); err != nil || !sum.Shown || sum.Count != 12 {
			t.Errorf("last quarter %+v (%v)", sum, err)
		}
		if sum, err := p.RatingSummary(official, greens.ID, ""); err != nil || sum.Shown || sum.Needed != 1 {
			t.Errorf("this quarter %+v (%v)", sum, err)
		}
		complaints, _, err := p.FindComplaints(official, shequ.ComplaintFilter{})
		if err != nil || len(complaints) != 3 {
			t.Errorf("complaints %d (%v)", len(complaints), err)
		}
		alerts, err := p.Alerts(official, "")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[shequ.AlertKind]bool{}
		for _, a := range alerts {
			kinds[a.Kind] = true
		}
		if !kinds[shequ.AlertContractEnding] || !kinds[shequ.AlertTermEnding] {
			t.Errorf("alerts %v", kinds)
		}

		// The same records through the JSON API: an official of the
		// county reads each by id; one of another county gets 404 for
		// each, and an unknown id is 404 too.
		inspections, err := p.FindInspections(official, greens.ID, 1)
		if err != nil || len(inspections) != 1 {
			t.Fatalf("inspections %v (%v)", inspections, err)
		}
		api := apiClient{t: t, base: base, token: token(t, dsn, "papi-official", "official", demo.County)}
		// Another township of the county than 苕溪花园's.
		towns, _, err := m.svc.divisions.FindDivisionChildren(context.Background(), demo.County, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		otherTown := ""
		for _, d := range towns {
			if d.Code != greens.Community[:9] {
				otherTown = d.Code
				break
			}
		}
		other := apiClient{t: t, base: base, token: token(t, dsn, "papi-other", "official", otherTown)}
		for _, c := range []struct{ path, id string }{
			{"/api/v1/committees/", terms[0].ID},
			{"/api/v1/meetings/", full.ID},
			{"/api/v1/inspections/", inspections[0].ID},
		} {
			if status, body := api.do("GET", c.path+c.id, nil); status != http.StatusOK || body["id"] != c.id {
				t.Errorf("GET %s%s: %d %v", c.path, c.id, status, body)
			}
			if status, _ := other.do("GET", c.path+c.id, nil); status != http.StatusNotFound {
				t.Errorf("GET %s%s by another county's official: %d, want 404", c.path, c.id, status)
			}
			if status, _ := api.do("GET", c.path+"0190b1c2-0000-7000-8000-000000000000", nil); status != http.StatusNotFound {
				t.Errorf("GET %s of an unknown id: %d, want 404", c.path, status)
			}
		}
		if status, body := api.do("GET", "/api/v1/property/settings/"+demo.County, nil); status != http.StatusOK || body["county"] != demo.County {
			t.Errorf("settings: %d %v", status, body)
		}
		status, body := api.do("GET", "/api/v1/rectifications?community="+greens.Community, nil)
		if items, _ := body["items"].([]any); status != http.StatusOK || body["total"] == nil || len(items) > 50 {
			t.Errorf("rectifications: %d %v", status, body)
		}
		if status, body := api.do("GET", "/api/v1/rectifications?status=nonsense", nil); status != http.StatusBadRequest {
			t.Errorf("rectifications of an unknown state: %d %v, want 400", status, body)
		}
	})
}

package main

import (
	"context"
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
	engines(t, func(t *testing.T, dsn string) {
		_, m := startDemo(t, dsn)
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
	})
}

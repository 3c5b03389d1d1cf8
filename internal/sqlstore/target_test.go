package sqlstore

import (
	"context"
	"testing"

	"shequ"
)

// mustDivisions imports codes (parents first) with made-up names.
func mustDivisions(tb testing.TB, db *DB, codes ...string) {
	tb.Helper()
	rows := make([]*shequ.Division, len(codes))
	for i, c := range codes {
		rows[i] = &shequ.Division{Code: c, Name: "区划" + c}
		rows[i].Derive()
	}
	err := NewDivisionService(db).ImportDivisions(context.Background(), rows, shequ.DivisionColumns{Name: true}, shequ.DivisionImportOptions{})
	if err != nil {
		tb.Fatalf("import divisions: %v", err)
	}
}

func TestTargets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		cli := shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "cli"})
		mustDivisions(t, db, "33", "3305", "330523", "330523001", "330523001001", "11")
		s := NewTargetService(db)
		changes := 0
		s.OnChange = func() { changes++ }

		// Nothing stored: the plan's defaults apply everywhere.
		got, err := s.EffectiveTargets(ctx, "330523001001", shequ.DefaultPeriod)
		if err != nil {
			t.Fatal(err)
		}
		if got[shequ.TargetOrgsPerUrban] != 10 || got[shequ.TargetOrgsPerRural] != 5 || got[shequ.TargetWorkersPerCommu] != 1 {
			t.Fatalf("defaults = %v", got)
		}

		// A province raises the urban target; a county raises it further.
		if err := s.SetTarget(cli, &shequ.Target{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 12}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTarget(cli, &shequ.Target{Scope: "330523", Key: shequ.TargetOrgsPerUrban, Value: 15}); err != nil {
			t.Fatal(err)
		}
		if changes != 2 {
			t.Errorf("OnChange ran %d times, want 2", changes)
		}
		for code, want := range map[string]float64{"": 10, "11": 10, "33": 12, "3305": 12, "330523001001": 15} {
			got, err := s.EffectiveTargets(ctx, code, shequ.DefaultPeriod)
			if err != nil {
				t.Fatal(err)
			}
			if got[shequ.TargetOrgsPerUrban] != want || got[shequ.TargetOrgsPerRural] != 5 {
				t.Errorf("EffectiveTargets(%q) = %v, want urban %v", code, got, want)
			}
		}
		// Upsert.
		if err := s.SetTarget(cli, &shequ.Target{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 13}); err != nil {
			t.Fatal(err)
		}
		all, err := s.FindTargets(ctx, shequ.DefaultPeriod)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Scope != "33" || all[0].Value != 13 || all[0].SetBy != "cli" || !all[0].SetAt.Equal(testNow.Truncate(1000)) {
			t.Fatalf("FindTargets = %+v", all[0])
		}

		// The plan is a floor, and so is the province's target.
		err = s.SetTarget(cli, &shequ.Target{Scope: "3305", Key: shequ.TargetOrgsPerUrban, Value: 11})
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		if fe := shequ.AsError(err).Fields; fe[0].Key != "target.below_parent" || fe[0].Data["Parent"] != 13.0 {
			t.Errorf("fields = %+v", fe)
		}
		err = s.SetTarget(cli, &shequ.Target{Scope: "", Key: shequ.TargetOrgsPerRural, Value: 4})
		if fe := shequ.AsError(err).Fields; len(fe) != 1 || fe[0].Key != "target.below_parent" {
			t.Errorf("national below plan: %v", err)
		}
		err = s.SetTarget(cli, &shequ.Target{Scope: "33", Key: "bogus", Value: 4})
		if fe := shequ.AsError(err).Fields; len(fe) != 1 || fe[0].Key != "target.key.invalid" {
			t.Errorf("unknown key: %v", err)
		}
		err = s.SetTarget(cli, &shequ.Target{Scope: "34", Key: shequ.TargetOrgsPerRural, Value: 6})
		wantError(t, err, shequ.ENotFound, "division.not_found")

		// Officials within their scope only; community workers not at all.
		official := shequ.WithActor(ctx, &shequ.Actor{UserID: "u1", Username: "zj", Role: shequ.RoleOfficial, Scope: "33"})
		if err := s.SetTarget(official, &shequ.Target{Scope: "3305", Key: shequ.TargetOrgsPerRural, Value: 6}); err != nil {
			t.Fatal(err)
		}
		err = s.SetTarget(official, &shequ.Target{Scope: "11", Key: shequ.TargetOrgsPerRural, Value: 6})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		worker := shequ.WithActor(ctx, &shequ.Actor{UserID: "u2", Role: shequ.RoleCommunityWorker, Scope: "33"})
		err = s.SetTarget(worker, &shequ.Target{Scope: "3305", Key: shequ.TargetOrgsPerRural, Value: 7})
		wantError(t, err, shequ.EForbidden, "error.forbidden")

		// Every write and every refusal is in the trail.
		var set, denied int
		if err := db.db.QueryRowContext(ctx, `SELECT
			SUM(CASE WHEN action = 'target.set' AND result = 'allowed' THEN 1 ELSE 0 END),
			SUM(CASE WHEN action = 'target.set' AND result = 'denied' THEN 1 ELSE 0 END) FROM audit_log`).Scan(&set, &denied); err != nil {
			t.Fatal(err)
		}
		if set != 4 || denied != 2 {
			t.Errorf("audit: %d set, %d denied; want 4, 2", set, denied)
		}
	})
}

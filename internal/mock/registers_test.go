package mock

import (
	"context"
	"testing"

	"shequ"
)

func TestRegisterMocksCallFn(t *testing.T) {
	ctx := context.Background()
	orgs := &OrgService{FindOrgsFn: func(_ context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error) {
		return []*shequ.SocialOrg{{ID: "o1", Kind: f.Kind}}, 1, nil
	}}
	if got, n, err := orgs.FindOrgs(ctx, shequ.OrgFilter{Kind: shequ.OrgCharity}); err != nil || n != 1 || got[0].Kind != shequ.OrgCharity {
		t.Fatalf("FindOrgs = %v %d %v", got, n, err)
	}
	ind := &IndicatorService{GapListFn: func(_ context.Context, code string, k shequ.TargetKey, off, lim int) ([]*shequ.GapRow, int, error) {
		if code != "330523" || k != shequ.TargetOrgsPerRural || off != 5 || lim != 10 {
			t.Errorf("GapList(%q, %q, %d, %d)", code, k, off, lim)
		}
		return nil, 0, nil
	}}
	if _, _, err := ind.GapList(ctx, "330523", shequ.TargetOrgsPerRural, 5, 10); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(){
		"worker": func() { (&SocialWorkerService{}).FindWorkerByID(ctx, "w1", false) },
		"target": func() { (&TargetService{}).EffectiveTargets(ctx, "33", shequ.DefaultPeriod) },
		"trend":  func() { (&IndicatorService{}).Trend(ctx, "33", 12) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: an unset function field must panic", name)
				}
			}()
			call()
		}()
	}
}

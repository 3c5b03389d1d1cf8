package coverage

import (
	"math/rand/v2"
	"testing"

	"shequ"
)

// TestWhatIfGaps: with 按规划设施已建成计算 on, the gap list agrees with the
// figures: the communities a planned facility would reach leave it, as
// many as the figures count newly covered, and the list without the
// switch keeps them (192/218 covered used to come with 31 gaps).
func TestWhatIfGaps(t *testing.T) {
	src := randomCounty(rand.New(rand.NewPCG(5, 6)))
	for _, f := range src.facs {
		if f.Status == shequ.FacilityPlanned {
			f.Status = shequ.FacilityClosed
		}
	}
	e := mustLoad(t, src)
	const scope = "330523104"
	res, err := e.SuggestSites(cli, shequ.SitingRequest{Scope: scope, Kind: shequ.FacilityStation, K: 1})
	if err != nil || len(res.Steps) == 0 {
		t.Fatalf("siting %+v %v", res, err)
	}
	st := res.Steps[0]
	e.FacilityChanged(&shequ.Facility{ID: "plan", Community: st.Community, Name: "规划", Kind: shequ.FacilityStation,
		Status: shequ.FacilityPlanned, Radius: res.Request.Radius, Lat: f64(st.Lat), Lng: f64(st.Lng)}, nil)
	before, _ := e.CoverageReport(cli, scope)
	after, _ := e.WhatIf(cli, scope)
	_, gaps, err := e.CoverageGaps(cli, scope, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	list, whatIf, err := e.WhatIfGaps(cli, scope, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	unlocated := before.Communities - before.Located
	if gaps != before.Located-before.Covered+unlocated {
		t.Errorf("gaps %d, figures %d located − %d covered + %d unlocated", gaps, before.Located, before.Covered, unlocated)
	}
	if after.Covered <= before.Covered || whatIf != after.Located-after.Covered+unlocated {
		t.Errorf("what-if gaps %d, figures %d located − %d covered + %d unlocated", whatIf, after.Located, after.Covered, unlocated)
	}
	for _, g := range list {
		if g.Community.Code == st.Community && g.Located {
			t.Errorf("the planned site's own community %s is still a gap", st.Community)
		}
	}
}

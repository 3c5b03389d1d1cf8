package indicator

import (
	"context"
	"math"
	"testing"

	"shequ"
)

// fakeLinkage serves fixed rows.
type fakeLinkage []LinkageRow

func (f fakeLinkage) LoadLinkage(_ context.Context, _ []string, fn func(LinkageRow) error) error {
	for _, r := range f {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func TestLinkageModule(t *testing.T) {
	const a, b = "330523001002", "330523001205"
	m := LinkageModule(fakeLinkage{
		{Community: a, Kind: LinkNeeds, Category: shequ.NeedElderly, Status: "fulfilled", N: 2, Sum: 7},
		{Community: a, Kind: LinkNeeds, Category: shequ.NeedElderly, Status: "submitted", N: 3, Sum: 1},
		{Community: b, Kind: LinkNeeds, Category: "unknown", Status: "rejected", N: 1},
		{Community: b, Kind: LinkNeeds, Category: shequ.NeedHealth, Status: "accepted", N: 1},
		{Community: a, Kind: LinkProjects, Category: shequ.NeedElderly, Status: "closed", N: 1, Sum: 5_000_049},
		{Community: a, Kind: LinkProjects, Category: shequ.NeedElderly, Status: "draft", N: 4, Sum: 9_000_000},
		{Community: b, Kind: LinkProjects, Category: shequ.NeedHealth, Status: "cancelled", N: 1, Sum: 9_000_000},
		{Community: a, Kind: LinkRatings, Status: "5", N: 3},
		{Community: b, Kind: LinkRatings, Status: "2", N: 1},
		{Community: a, Kind: LinkToProject, N: 1, Sum: 0},
		{Community: a, Kind: LinkToProject, N: 1, Sum: 20},
		{Community: b, Kind: LinkToProject, N: 1, Sum: 400},
	})
	sum := make([]int32, m.Width())
	perCommunity := map[string]int{}
	if err := m.Load(context.Background(), nil, func(c string, v []int32) {
		perCommunity[c]++
		for i := range v {
			sum[i] += v[i]
		}
	}); err != nil {
		t.Fatal(err)
	}
	var s shequ.IndicatorStats
	m.Stats(sum, &s)
	f := s.Linkage
	if f.NeedsRaised != 7 || f.NeedsAccepted != 3 || f.NeedsFulfilled != 2 || f.Supports != 8 {
		t.Errorf("needs = %+v", f)
	}
	if f.NeedsByCategory[shequ.NeedOther] != 1 || f.NeedsByCategory[shequ.NeedElderly] != 5 {
		t.Errorf("unknown category not counted as other: %v", f.NeedsByCategory)
	}
	// Drafts and cancelled projects are no supply; budget in 千元, rounded.
	if f.Projects != 1 || f.BudgetFen != 5_000_000 || f.ProjectsByCategory[shequ.NeedElderly] != 1 || f.ProjectsByCategory[shequ.NeedHealth] != 0 {
		t.Errorf("projects = %+v", f)
	}
	if f.Ratings != 4 || f.RatingSum != 17 || f.Satisfaction() != 0.75 || f.MeanRating() != 4.25 {
		t.Errorf("ratings = %+v", f)
	}
	// Days 0, 20, 400: buckets ≤7, ≤30 and +Inf; the median is in ≤30.
	if f.NeedsToProject != 3 || f.MedianDays() != 30 {
		t.Errorf("days = %d, median %v", f.NeedsToProject, f.MedianDays())
	}
	var empty shequ.IndicatorStats
	m.Stats(make([]int32, m.Width()), &empty)
	if !math.IsNaN(empty.Linkage.MedianDays()) || empty.Linkage.FulfilmentRate() != 0 || !math.IsNaN(empty.Linkage.MeanRating()) {
		t.Errorf("empty = %+v", empty.Linkage)
	}
}

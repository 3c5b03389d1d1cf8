package indicator

import (
	"context"
	"math"
	"testing"

	"shequ"
)

// fakeProperty serves fixed rows.
type fakeProperty []PropertyRow

func (f fakeProperty) LoadProperty(_ context.Context, _ []string, fn func(PropertyRow) error) error {
	for _, r := range f {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func TestPropertyModule(t *testing.T) {
	// The counter layout reserves one counter per mode and grade.
	if len(shequ.ManagementModes) != 4 || len(shequ.Grades) != 5 {
		t.Fatalf("layout expects 4 modes and 5 grades, have %d and %d", len(shequ.ManagementModes), len(shequ.Grades))
	}
	const a, b = "330523001002", "330523001205"
	m := PropertyModule(fakeProperty{
		{Community: a, Kind: PropEstates, Key: "company", N: 3},
		{Community: a, Kind: PropEstates, Key: "company", Flag: true, N: 1},
		{Community: a, Kind: PropEstates, Key: "rc_self", Flag: true, N: 2},
		{Community: b, Kind: PropEstates, Key: "owner_self", Flag: true, N: 1},
		{Community: b, Kind: PropEstates, Key: "none", N: 1},
		{Community: b, Kind: PropEstates, Key: "bogus", N: 9},
		{Community: a, Kind: PropCommittee, N: 1, Flag: true},
		{Community: a, Kind: PropCommittee, N: 1},
		{Community: a, Kind: PropGrade, Key: "AAA", N: 1},
		{Community: a, Kind: PropGrade, Key: "B", N: 3},
		{Community: a, Kind: PropComplaints, N: 4},
		{Community: a, Kind: PropComplaintDone, N: 1, Flag: true, Sum: 1},
		{Community: a, Kind: PropComplaintDone, N: 1, Flag: true, Sum: 4},
		{Community: b, Kind: PropComplaintDone, N: 1, Sum: 40},
		{Community: a, Kind: PropRatings, N: 10, Sum: 10 * 27},
		{Community: a, Kind: PropRatings, Flag: true, N: 8},
		{Community: a, Kind: PropMeetings, N: 2},
		{Community: b, Kind: PropMeetings, N: 1},
		{Community: b, Kind: PropResolutionsLate, N: 2},
		{Community: a, Kind: PropRectificationsLate, N: 1},
	})
	sum := make([]int32, m.Width())
	if err := m.Load(context.Background(), nil, func(c string, v []int32) {
		if len(v) != m.Width() {
			t.Fatalf("%d counters", len(v))
		}
		for i := range v {
			sum[i] += v[i]
		}
	}); err != nil {
		t.Fatal(err)
	}
	s := shequ.IndicatorStats{Communities: 2}
	m.Stats(sum, &s)
	f := s.Property
	if f.Estates != 8 || f.ByMode[shequ.ModeCompany] != 4 || f.ByMode[shequ.ModeRCSelf] != 2 || f.ByMode[shequ.ModeNone] != 1 {
		t.Errorf("estates %+v", f)
	}
	// Old: 1 company + 2 rc_self + 1 owner_self; self-managed of them 3.
	if f.Old != 4 || f.OldSelfManaged != 3 || f.OldSelfShare() != 0.75 {
		t.Errorf("old %d, self %d", f.Old, f.OldSelfManaged)
	}
	if f.WithCommittee != 2 || f.WithConcurrent != 1 || f.CommitteeShare() != 0.25 {
		t.Errorf("committees %d %d", f.WithCommittee, f.WithConcurrent)
	}
	if f.EstatesByGrade[shequ.GradeAAA] != 1 || f.EstatesByGrade[shequ.GradeB] != 3 || f.EstatesByGrade[shequ.GradeC] != 0 {
		t.Errorf("grades %v", f.EstatesByGrade)
	}
	// Days 1, 4, 40: buckets ≤1, ≤5, ≤45; the median in ≤5.
	if f.Complaints != 4 || f.ComplaintsDone != 3 || f.ComplaintsOnTime != 2 || f.MedianDays() != 5 {
		t.Errorf("complaints %+v, median %v", f, f.MedianDays())
	}
	if f.Ratings != 10 || f.MeanRating() != 4.5 || f.Satisfaction() != 0.8 {
		t.Errorf("ratings %+v", f)
	}
	if f.MeetingsQuarter != 3 || f.CommunitiesWithMeeting != 2 || f.ResolutionsOverdue != 2 || f.RectificationsOverdue != 1 {
		t.Errorf("meetings and overdue %+v", f)
	}
	var empty shequ.IndicatorStats
	m.Stats(make([]int32, m.Width()), &empty)
	if !math.IsNaN(empty.Property.MedianDays()) || !math.IsNaN(empty.Property.MeanRating()) || empty.Property.OnTimeRate() != 0 {
		t.Errorf("empty %+v", empty.Property)
	}
}

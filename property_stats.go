package shequ

import "math"

// PropertyFigures are the property oversight figures of a set of
// communities (the indicator module "property"). Every one is a sum over
// communities, or computed from sums, so that the engine rolls them up to
// any node and breakdown. An estate counts in its primary community.
type PropertyFigures struct {
	Estates int
	ByMode  map[ManagementMode]int
	// Old estates (老旧小区), and those of them under self-management
	// (居委会自管 or 业主自管: 无物业老旧小区自治管理).
	Old, OldSelfManaged int
	// Estates with an owners' committee filed and in its term, and those
	// whose committee has a residents'-committee member (兼任).
	WithCommittee, WithConcurrent int
	// Estates under a contract in force, by the grade of the company today.
	EstatesByGrade map[Grade]int
	// Complaints filed; finished (confirmed or closed); finished with no
	// step of the community, company or street past its limit; the median
	// calendar days from filing to the end (to within a bucket).
	Complaints, ComplaintsDone, ComplaintsOnTime int
	MedianComplaintDays                          float64
	// Residents' ratings of the current and the previous period: how many,
	// the sum of their scores (six dimensions each), how many averaged 4
	// stars or more.
	Ratings, RatingScoreSum, RatingsSatisfied int
	// Joint meetings held this quarter, and the communities that held one.
	MeetingsQuarter, CommunitiesWithMeeting int
	// Resolutions and rectification orders overdue now.
	ResolutionsOverdue, RectificationsOverdue int
}

// CommitteeShare is the share of estates with an owners' committee.
func (f *PropertyFigures) CommitteeShare() float64 { return Rate(f.WithCommittee, f.Estates) }

// ConcurrentShare is the share of estates whose committee has a 兼任 member.
func (f *PropertyFigures) ConcurrentShare() float64 { return Rate(f.WithConcurrent, f.Estates) }

// OldSelfShare is the share of old estates under self-management.
func (f *PropertyFigures) OldSelfShare() float64 { return Rate(f.OldSelfManaged, f.Old) }

// OnTimeRate is the share of finished complaints handled within every
// limit.
func (f *PropertyFigures) OnTimeRate() float64 { return Rate(f.ComplaintsOnTime, f.ComplaintsDone) }

// MedianDays is the median days a complaint took, NaN with none finished.
func (f *PropertyFigures) MedianDays() float64 {
	if f.ComplaintsDone == 0 {
		return math.NaN()
	}
	return f.MedianComplaintDays
}

// MeanRating is the residents' mean score (1–5), NaN without ratings.
func (f *PropertyFigures) MeanRating() float64 {
	if f.Ratings == 0 {
		return math.NaN()
	}
	return float64(f.RatingScoreSum) / float64(f.Ratings*len(RatingDimensions))
}

// Satisfaction is the share of ratings averaging 4 stars or more.
func (f *PropertyFigures) Satisfaction() float64 { return Rate(f.RatingsSatisfied, f.Ratings) }

// propertyDefs are the property entries of IndicatorDefs (group
// "property"): estates and their management, committees, complaints,
// ratings, meetings and what is overdue, with the estates by management
// mode and by the grade of their company.
func propertyDefs() []IndicatorDef {
	g := "property"
	defs := []IndicatorDef{
		{Key: "pr_estates", Count: func(s *IndicatorStats) int { return s.Property.Estates }, Group: g},
	}
	for _, m := range ManagementModes {
		defs = append(defs, IndicatorDef{Key: "pr_mode_" + string(m), Count: func(s *IndicatorStats) int { return s.Property.ByMode[m] }, Group: g})
	}
	defs = append(defs,
		IndicatorDef{Key: "pr_old", Count: func(s *IndicatorStats) int { return s.Property.Old }, Group: g},
		IndicatorDef{Key: "pr_old_self", Count: func(s *IndicatorStats) int { return s.Property.OldSelfManaged }, Group: g},
		IndicatorDef{Key: "pr_old_self_share", Rate: func(s *IndicatorStats) float64 { return s.Property.OldSelfShare() },
			Whole: whole(func(s *IndicatorStats) int { return s.Property.Old }), Group: g},
		IndicatorDef{Key: "pr_committee_share", Rate: func(s *IndicatorStats) float64 { return s.Property.CommitteeShare() },
			Whole: whole(func(s *IndicatorStats) int { return s.Property.Estates }), Group: g},
		IndicatorDef{Key: "pr_concurrent_share", Rate: func(s *IndicatorStats) float64 { return s.Property.ConcurrentShare() },
			Whole: whole(func(s *IndicatorStats) int { return s.Property.Estates }), Group: g},
		IndicatorDef{Key: "pr_complaints", Count: func(s *IndicatorStats) int { return s.Property.Complaints }, Group: g},
		IndicatorDef{Key: "pr_complaints_done", Count: func(s *IndicatorStats) int { return s.Property.ComplaintsDone }, Group: g},
		IndicatorDef{Key: "pr_on_time", Rate: func(s *IndicatorStats) float64 { return s.Property.OnTimeRate() },
			Whole: whole(func(s *IndicatorStats) int { return s.Property.ComplaintsDone }), Group: g},
		IndicatorDef{Key: "pr_median_days", Value: func(s *IndicatorStats) float64 { return s.Property.MedianDays() }, Unit: "unit.days", Group: g},
		IndicatorDef{Key: "pr_ratings", Count: func(s *IndicatorStats) int { return s.Property.Ratings }, Group: g},
		IndicatorDef{Key: "pr_mean_rating", Value: func(s *IndicatorStats) float64 { return s.Property.MeanRating() }, Unit: "unit.stars", Group: g},
		IndicatorDef{Key: "pr_satisfaction", Rate: func(s *IndicatorStats) float64 { return s.Property.Satisfaction() },
			Whole: whole(func(s *IndicatorStats) int { return s.Property.Ratings }), Group: g},
		IndicatorDef{Key: "pr_meetings_quarter", Count: func(s *IndicatorStats) int { return s.Property.MeetingsQuarter }, Group: g},
		IndicatorDef{Key: "pr_meetings_per_community", Value: func(s *IndicatorStats) float64 {
			if s.Communities == 0 {
				return math.NaN()
			}
			return float64(s.Property.MeetingsQuarter) / float64(s.Communities)
		}, Unit: "unit.meetings", Group: g},
		IndicatorDef{Key: "pr_meeting_coverage", Rate: func(s *IndicatorStats) float64 { return Rate(s.Property.CommunitiesWithMeeting, s.Communities) },
			Whole: whole(func(s *IndicatorStats) int { return s.Communities }), Group: g},
		IndicatorDef{Key: "pr_resolutions_overdue", Count: func(s *IndicatorStats) int { return s.Property.ResolutionsOverdue }, Group: g},
		IndicatorDef{Key: "pr_rectifications_overdue", Count: func(s *IndicatorStats) int { return s.Property.RectificationsOverdue }, Group: g},
	)
	for _, gr := range Grades {
		defs = append(defs, IndicatorDef{Key: "pr_grade_" + string(gr), Count: func(s *IndicatorStats) int { return s.Property.EstatesByGrade[gr] }, Group: g})
	}
	return defs
}

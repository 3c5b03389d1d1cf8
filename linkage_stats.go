package shequ

import "math"

// LinkageFigures are the 三社联动 figures of a set of communities (the
// indicator module "linkage"): demand (needs and their support) against
// supply (projects and their budget) by category, so that officials see
// where the two are out of step (供需脱节), and how well the chain works.
// Every figure is a sum over communities, or computed from sums.
type LinkageFigures struct {
	NeedsRaised    int // every need raised or recorded
	NeedsAccepted  int // accepted at some point: accepted, planned, fulfilled or closed
	NeedsFulfilled int
	Supports       int // 附议 of the needs
	// Projects whose call was approved (approved and later, not cancelled),
	// and their budget in 分.
	Projects  int
	BudgetFen int64
	// Days from a need to the project made from it: the median (to within
	// a bucket of the module's histogram) and how many needs it measures.
	MedianDaysToProject float64
	NeedsToProject      int
	// Residents' ratings (1–5): count, sum, and how many gave 4 or 5.
	Ratings, RatingSum, Satisfied int
	// Demand and supply by category of need; a project counts under the
	// category of its first need.
	NeedsByCategory    map[NeedCategory]int
	ProjectsByCategory map[NeedCategory]int
	BudgetByCategory   map[NeedCategory]int64
}

// FulfilmentRate is the share of accepted needs that were fulfilled.
func (f *LinkageFigures) FulfilmentRate() float64 { return Rate(f.NeedsFulfilled, f.NeedsAccepted) }

// Satisfaction is the share of residents' ratings of 4 or 5.
func (f *LinkageFigures) Satisfaction() float64 { return Rate(f.Satisfied, f.Ratings) }

// MedianDays is the median number of days from a need to its project, NaN
// when no need has reached a project.
func (f *LinkageFigures) MedianDays() float64 {
	if f.NeedsToProject == 0 {
		return math.NaN()
	}
	return f.MedianDaysToProject
}

// BudgetWan is the budget in 万元 (10,000 yuan).
func (f *LinkageFigures) BudgetWan() float64 { return float64(f.BudgetFen) / 1_000_000 }

// MeanRating is the residents' mean rating, NaN without ratings.
func (f *LinkageFigures) MeanRating() float64 {
	if f.Ratings == 0 {
		return math.NaN()
	}
	return float64(f.RatingSum) / float64(f.Ratings)
}

// linkageDefs are the linkage entries of IndicatorDefs: the chain's figures
// (group "linkage") and demand against supply per category (group
// "linkage_category").
func linkageDefs() []IndicatorDef {
	defs := []IndicatorDef{
		{Key: "lk_needs", Count: func(s *IndicatorStats) int { return s.Linkage.NeedsRaised }, Group: "linkage"},
		{Key: "lk_supports", Count: func(s *IndicatorStats) int { return s.Linkage.Supports }, Group: "linkage"},
		{Key: "lk_accepted", Count: func(s *IndicatorStats) int { return s.Linkage.NeedsAccepted }, Group: "linkage"},
		{Key: "lk_fulfilled", Count: func(s *IndicatorStats) int { return s.Linkage.NeedsFulfilled }, Group: "linkage"},
		{Key: "lk_fulfilment_rate", Rate: func(s *IndicatorStats) float64 { return s.Linkage.FulfilmentRate() },
			Whole: whole(func(s *IndicatorStats) int { return s.Linkage.NeedsAccepted }), Group: "linkage"},
		{Key: "lk_median_days", Value: func(s *IndicatorStats) float64 { return s.Linkage.MedianDays() }, Unit: "unit.days", Group: "linkage"},
		{Key: "lk_projects", Count: func(s *IndicatorStats) int { return s.Linkage.Projects }, Group: "linkage"},
		{Key: "lk_budget", Value: func(s *IndicatorStats) float64 { return s.Linkage.BudgetWan() }, Unit: "unit.wan_yuan", Group: "linkage"},
		{Key: "lk_ratings", Count: func(s *IndicatorStats) int { return s.Linkage.Ratings }, Group: "linkage"},
		{Key: "lk_mean_rating", Value: func(s *IndicatorStats) float64 { return s.Linkage.MeanRating() }, Unit: "unit.stars", Group: "linkage"},
		{Key: "lk_satisfaction", Rate: func(s *IndicatorStats) float64 { return s.Linkage.Satisfaction() },
			Whole: whole(func(s *IndicatorStats) int { return s.Linkage.Ratings }), Group: "linkage"},
	}
	for _, c := range NeedCategories {
		defs = append(defs,
			IndicatorDef{Key: "lk_needs_" + string(c), Count: func(s *IndicatorStats) int { return s.Linkage.NeedsByCategory[c] }, Group: "linkage_category"},
			IndicatorDef{Key: "lk_projects_" + string(c), Count: func(s *IndicatorStats) int { return s.Linkage.ProjectsByCategory[c] }, Group: "linkage_category"})
	}
	return defs
}

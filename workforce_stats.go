package shequ

import "math"

// VolunteerFigures are the volunteer-service and time-bank figures of a
// set of communities (the indicator module "volunteer", issue 17): sums
// over communities, counted where the volunteer (or the time-bank account)
// is registered; none names a person.
type VolunteerFigures struct {
	// Residents are the residents registered in the platform, the
	// denominator of volunteers per 1,000 residents.
	Residents int
	// Registered volunteers (active), and of them those with confirmed
	// service in the last 12 months.
	Registered, Active12 int
	// MinutesByCategory are the confirmed service minutes (corrections
	// counted as corrected) by category.
	MinutesByCategory map[ServiceCategory]int
	// OwedMinutes are the time-bank balances (hours owed to the holders);
	// RedeemedMinutes the hours withdrawn as services.
	OwedMinutes, RedeemedMinutes int
}

// PerThousand is registered volunteers per 1,000 residents, NaN without
// residents.
func (f *VolunteerFigures) PerThousand() float64 {
	if f.Residents == 0 {
		return math.NaN()
	}
	return float64(f.Registered) * 1000 / float64(f.Residents)
}

// Hours is the confirmed service in hours.
func (f *VolunteerFigures) Hours() float64 {
	n := 0
	for _, m := range f.MinutesByCategory {
		n += m
	}
	return float64(n) / 60
}

// PerCommunity is n over the communities, NaN for none.
func (s *IndicatorStats) PerCommunity(n int) float64 {
	if s.Communities == 0 {
		return math.NaN()
	}
	return float64(n) / float64(s.Communities)
}

// TrainingHoursPerWorker is the training hours of the last year per
// worker employed now, NaN when nobody works.
func (f *WorkforceFigures) TrainingHoursPerWorker() float64 {
	if f.Employed == 0 {
		return math.NaN()
	}
	return float64(f.TrainingMinutes12) / 60 / float64(f.Employed)
}

// workforceDefs are the volunteer and workforce entries of IndicatorDefs
// (groups "volunteer", "volunteer_category", "workforce",
// "workforce_posts", "workforce_quals", "workforce_leavers"; the structure
// is two groups so that each table fits a desktop screen).
func workforceDefs() []IndicatorDef {
	hours := func(key, group string, f func(*IndicatorStats) float64) IndicatorDef {
		return IndicatorDef{Key: key, Value: f, Unit: "unit.hours", Group: group}
	}
	employed := whole(func(s *IndicatorStats) int { return s.Workforce.Employed })
	defs := []IndicatorDef{
		{Key: "vol_registered", Count: func(s *IndicatorStats) int { return s.Volunteer.Registered }, Group: "volunteer"},
		{Key: "vol_per_thousand", Value: func(s *IndicatorStats) float64 { return s.Volunteer.PerThousand() },
			Unit: "unit.per_thousand", Group: "volunteer"},
		{Key: "vol_active12", Count: func(s *IndicatorStats) int { return s.Volunteer.Active12 }, Group: "volunteer"},
		{Key: "vol_active_share", Rate: func(s *IndicatorStats) float64 { return Rate(s.Volunteer.Active12, s.Volunteer.Registered) },
			Whole: whole(func(s *IndicatorStats) int { return s.Volunteer.Registered }), Group: "volunteer"},
		hours("vol_hours", "volunteer", func(s *IndicatorStats) float64 { return s.Volunteer.Hours() }),
		hours("vol_tb_owed", "volunteer", func(s *IndicatorStats) float64 { return float64(s.Volunteer.OwedMinutes) / 60 }),
		hours("vol_tb_redeemed", "volunteer", func(s *IndicatorStats) float64 { return float64(s.Volunteer.RedeemedMinutes) / 60 }),
	}
	for _, c := range ServiceCategories {
		defs = append(defs, hours("vol_hours_"+string(c), "volunteer_category",
			func(s *IndicatorStats) float64 { return float64(s.Volunteer.MinutesByCategory[c]) / 60 }))
	}
	defs = append(defs,
		IndicatorDef{Key: "wf_employed", Count: func(s *IndicatorStats) int { return s.Workforce.Employed }, Group: "workforce"},
		IndicatorDef{Key: "wf_per_community", Value: func(s *IndicatorStats) float64 { return s.PerCommunity(s.Workforce.Employed) },
			Unit: "unit.per_community", Group: "workforce"},
		IndicatorDef{Key: "wf_retention12", Rate: func(s *IndicatorStats) float64 { return s.Workforce.Retention() },
			Whole: whole(func(s *IndicatorStats) int { return s.Workforce.Base12 }), Group: "workforce"},
		IndicatorDef{Key: "wf_median_tenure", Value: func(s *IndicatorStats) float64 { return s.Workforce.Median() },
			Unit: "unit.years", Group: "workforce"},
		IndicatorDef{Key: "wf_leavers12", Count: func(s *IndicatorStats) int { return s.Workforce.Leavers12 }, Group: "workforce"},
		IndicatorDef{Key: "wf_training_per_worker", Value: func(s *IndicatorStats) float64 { return s.Workforce.TrainingHoursPerWorker() },
			Unit: "unit.hours", Group: "workforce"},
	)
	for _, p := range Posts {
		defs = append(defs, IndicatorDef{Key: "wf_post_" + string(p), Unit: "unit.per_community", Group: "workforce_posts",
			Value: func(s *IndicatorStats) float64 { return s.PerCommunity(s.Workforce.ByPost[p]) }})
	}
	for _, e := range Educations {
		defs = append(defs, IndicatorDef{Key: "wf_edu_" + string(e), Whole: employed, Group: "workforce_quals",
			Rate: func(s *IndicatorStats) float64 { return Rate(s.Workforce.ByEducation[e], s.Workforce.Employed) }})
	}
	for _, q := range Qualifications {
		defs = append(defs, IndicatorDef{Key: "wf_qual_" + string(q), Whole: employed, Group: "workforce_quals",
			Rate: func(s *IndicatorStats) float64 { return Rate(s.Workforce.ByQual[q], s.Workforce.Employed) }})
	}
	for _, r := range LeaveReasons {
		defs = append(defs, IndicatorDef{Key: "wf_left_" + string(r), Group: "workforce_leavers",
			Count: func(s *IndicatorStats) int { return s.Workforce.LeaversByWhy[r] }})
	}
	return defs
}

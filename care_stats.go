package shequ

import "math"

// CareFigures are the 三留守 care and social-work figures of a set of
// communities (the indicator module "care"). Every figure is a sum over
// communities or computed from sums; none names a person. Pages that an
// official exports suppress counts under SmallCount (SuppressSmall).
type CareFigures struct {
	// People under care (active or proposed for exit) by kind and risk.
	ByKindRisk map[CareKind]map[RiskLevel]int
	// Children under care, and those whose guardian's capacity is assessed.
	Children, ChildrenAssessed int
	// Visit plans: on time (next visit not yet overdue) and overdue.
	PlansOnTime, PlansOverdue int
	// Visits of the last 90 days, and those made by their due day.
	Visits90, Visits90OnTime int
	// Alerts raised, acknowledged within 24 hours, escalated; response
	// times (hours) in a histogram, its median read to within a bucket.
	Alerts, AlertsAckIn24h, AlertsEscalated int
	MedianResponseHours                     float64
	AlertsAcknowledged                      int
	// Communities with a 儿童主任.
	WithDirector int
	// Cases opened (ever), closed, and open now.
	CasesOpened, CasesClosed, CasesOpen int
	// Referrals made and accepted.
	Referrals, ReferralsAccepted int
	// Communities where a social worker logged service in the last 90 days.
	ServedBySocialWorker int
	// Service minutes by area and by function.
	MinutesByArea     map[ServiceArea]int
	MinutesByFunction map[ServiceFunction]int
}

// UnderCare is the number of people under care.
func (f *CareFigures) UnderCare() int {
	n := 0
	for _, m := range f.ByKindRisk {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// OfKind is the number under care of a kind.
func (f *CareFigures) OfKind(k CareKind) int {
	n := 0
	for _, c := range f.ByKindRisk[k] {
		n += c
	}
	return n
}

// OfRisk is the number under care at a risk level.
func (f *CareFigures) OfRisk(r RiskLevel) int {
	n := 0
	for _, m := range f.ByKindRisk {
		n += m[r]
	}
	return n
}

// ServiceHours is the total of service minutes in hours.
func (f *CareFigures) ServiceHours() float64 {
	n := 0
	for _, m := range f.MinutesByArea {
		n += m
	}
	return float64(n) / 60
}

// MedianResponse is the median hours from an alert to its acknowledgement,
// NaN when none was acknowledged.
func (f *CareFigures) MedianResponse() float64 {
	if f.AlertsAcknowledged == 0 {
		return math.NaN()
	}
	return f.MedianResponseHours
}

// SmallCount is the threshold below which a count of people is suppressed
// on exported pages: a count of 1 to 4 in a small village can point at a
// child.
const SmallCount = 5

// SuppressSmall reports whether a count is shown as "<5" on an exported
// page: 1 to SmallCount-1 (0 says nothing about anyone).
func SuppressSmall(n int) bool { return n > 0 && n < SmallCount }

// careDefs are the care entries of IndicatorDefs (group "care"). They are
// Sensitive: counts of people are suppressed under SmallCount on exports.
func careDefs() []IndicatorDef {
	c := func(key string, f func(*CareFigures) int) IndicatorDef {
		return IndicatorDef{Key: key, Count: func(s *IndicatorStats) int { return f(&s.Care) }, Group: "care", Sensitive: true}
	}
	// r is a rate of two counts; its whole tells a rate of nothing (—).
	r := func(key string, part, of func(*CareFigures) int) IndicatorDef {
		return IndicatorDef{Key: key, Rate: func(s *IndicatorStats) float64 { return Rate(part(&s.Care), of(&s.Care)) },
			Whole: func(s *IndicatorStats) int64 { return int64(of(&s.Care)) }, Group: "care"}
	}
	defs := []IndicatorDef{
		c("care_under_care", (*CareFigures).UnderCare),
	}
	for _, k := range CareKinds {
		defs = append(defs, c("care_kind_"+string(k), func(f *CareFigures) int { return f.OfKind(k) }))
	}
	for _, rl := range RiskLevels {
		defs = append(defs, c("care_risk_"+string(rune('0'+rl)), func(f *CareFigures) int { return f.OfRisk(rl) }))
	}
	defs = append(defs,
		c("care_children", func(f *CareFigures) int { return f.Children }),
		r("care_guardian_assessed", func(f *CareFigures) int { return f.ChildrenAssessed }, func(f *CareFigures) int { return f.Children }),
		c("care_plans_overdue", func(f *CareFigures) int { return f.PlansOverdue }),
		r("care_plans_on_time", func(f *CareFigures) int { return f.PlansOnTime }, func(f *CareFigures) int { return f.PlansOnTime + f.PlansOverdue }),
		IndicatorDef{Key: "care_visits_90", Count: func(s *IndicatorStats) int { return s.Care.Visits90 }, Group: "care"},
		r("care_visits_on_time", func(f *CareFigures) int { return f.Visits90OnTime }, func(f *CareFigures) int { return f.Visits90 }),
		c("care_alerts", func(f *CareFigures) int { return f.Alerts }),
		r("care_alerts_ack_24h", func(f *CareFigures) int { return f.AlertsAckIn24h }, func(f *CareFigures) int { return f.Alerts }),
		c("care_alerts_escalated", func(f *CareFigures) int { return f.AlertsEscalated }),
		IndicatorDef{Key: "care_median_response", Value: func(s *IndicatorStats) float64 { return s.Care.MedianResponse() },
			Unit: "unit.hours", Group: "care"},
		IndicatorDef{Key: "care_without_director", Count: func(s *IndicatorStats) int { return s.Communities - s.Care.WithDirector },
			Group: "care"},
		c("care_cases_opened", func(f *CareFigures) int { return f.CasesOpened }),
		c("care_cases_closed", func(f *CareFigures) int { return f.CasesClosed }),
		c("care_cases_open", func(f *CareFigures) int { return f.CasesOpen }),
		c("care_referrals", func(f *CareFigures) int { return f.Referrals }),
		r("care_referrals_accepted", func(f *CareFigures) int { return f.ReferralsAccepted }, func(f *CareFigures) int { return f.Referrals }),
		IndicatorDef{Key: "care_sw_served", Count: func(s *IndicatorStats) int { return s.Care.ServedBySocialWorker }, Group: "care"},
		IndicatorDef{Key: "care_sw_served_rate", Group: "care",
			Rate:  func(s *IndicatorStats) float64 { return Rate(s.Care.ServedBySocialWorker, s.Communities) },
			Whole: whole(func(s *IndicatorStats) int { return s.Communities })},
		IndicatorDef{Key: "care_service_hours", Value: func(s *IndicatorStats) float64 { return s.Care.ServiceHours() },
			Unit: "unit.hours", Group: "care"},
	)
	for _, a := range ServiceAreas {
		defs = append(defs, IndicatorDef{Key: "care_hours_" + string(a), Group: "care_service", Unit: "unit.hours",
			Value: func(s *IndicatorStats) float64 { return float64(s.Care.MinutesByArea[a]) / 60 }})
	}
	for _, fn := range ServiceFunctions {
		defs = append(defs, IndicatorDef{Key: "care_hours_fn_" + string(fn), Group: "care_service", Unit: "unit.hours",
			Value: func(s *IndicatorStats) float64 { return float64(s.Care.MinutesByFunction[fn]) / 60 }})
	}
	return defs
}

package shequ

import "math"

// ServiceStats are the request (办件) figures over a set of communities
// (indicator module "services"). Every figure is a sum over communities;
// the median comes from a summed histogram of handling days.
type ServiceStats struct {
	Requests                      int // filed
	Online, Window, Agency, Phone int // by channel
	Completed                     int // completed (then maybe rated or closed), refusals not counted
	OnTime                        int // completed by their due date
	Rated, RatingSum, Satisfied   int // rated; sum of stars; rated 4 or 5
	RuralRequests, RuralAgency    int // filed in rural communities (村); by an agent there
	// MedianDays is the median of working days from filing to completion,
	// NaN when none; left out of the JSON of snapshots, which has no NaN.
	MedianDays float64 `json:"-"`
}

// OnTimeRate is the share of completed requests completed by their due date.
func (s ServiceStats) OnTimeRate() float64 { return Rate(s.OnTime, s.Completed) }

// RuralAgencyShare is the share of requests in rural communities filed by
// an agent under a delegation (全程委托代理).
func (s ServiceStats) RuralAgencyShare() float64 { return Rate(s.RuralAgency, s.RuralRequests) }

// MeanRating is the mean of the ratings (1–5 stars), NaN when none.
func (s ServiceStats) MeanRating() float64 {
	if s.Rated == 0 {
		return math.NaN()
	}
	return float64(s.RatingSum) / float64(s.Rated)
}

// SatisfiedRate is the share of rated requests rated 4 or 5 stars.
func (s ServiceStats) SatisfiedRate() float64 { return Rate(s.Satisfied, s.Rated) }

// ServiceCountRow is a group of requests of one community with the same
// channel, outcome, handling days and rating: what the indicator module
// "services" loads.
type ServiceCountRow struct {
	Community string
	ItemCode  string
	Channel   Channel
	Done      bool // completed (refusals are not)
	OnTime    bool // completed by the due date
	Days      int  // working days from filing to completion, when Done
	Rating    int  // 0 unrated
	N         int
}

// ItemRequestCount is the number of requests of one item in a division,
// by channel: the breakdown "requests by item and channel".
type ItemRequestCount struct {
	ItemCode  string
	ItemName  string
	Total     int
	ByChannel map[Channel]int
}

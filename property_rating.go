package shequ

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// RatingPeriod is how long a rating round of residents lasts.
type RatingPeriod string

// Rating periods.
const (
	PeriodQuarter RatingPeriod = "quarter" // 季度 (default)
	PeriodHalf    RatingPeriod = "half"    // 半年
	PeriodYear    RatingPeriod = "year"    // 年度
)

// RatingPeriods lists them.
var RatingPeriods = []RatingPeriod{PeriodQuarter, PeriodHalf, PeriodYear}

// PeriodOf returns the key of the period holding t in Asia/Shanghai:
// "2026Q4", "2026H2" or "2026".
func (p RatingPeriod) PeriodOf(t time.Time) string {
	t = t.In(Shanghai)
	y, m := t.Year(), int(t.Month())
	switch p {
	case PeriodHalf:
		return fmt.Sprintf("%dH%d", y, (m-1)/6+1)
	case PeriodYear:
		return strconv.Itoa(y)
	}
	return fmt.Sprintf("%dQ%d", y, (m-1)/3+1)
}

// PeriodBounds returns the first day of the period key and the first day
// after it, in Asia/Shanghai; ok is false for a malformed key.
func PeriodBounds(key string) (start, end time.Time, ok bool) {
	if len(key) < 4 {
		return time.Time{}, time.Time{}, false
	}
	y, err := strconv.Atoi(key[:4])
	if err != nil || y < 2000 || y > 2100 {
		return time.Time{}, time.Time{}, false
	}
	months, first := 12, 1
	switch {
	case len(key) == 4:
	case len(key) == 6 && key[4] == 'Q' && key[5] >= '1' && key[5] <= '4':
		months, first = 3, int(key[5]-'1')*3+1
	case len(key) == 6 && key[4] == 'H' && (key[5] == '1' || key[5] == '2'):
		months, first = 6, int(key[5]-'1')*6+1
	default:
		return time.Time{}, time.Time{}, false
	}
	start = time.Date(y, time.Month(first), 1, 0, 0, 0, 0, Shanghai)
	return start, start.AddDate(0, months, 0), true
}

// RatingDimension is an aspect of property service residents score.
type RatingDimension string

// Rating dimensions.
const (
	RateAttitude RatingDimension = "attitude" // 服务态度
	RateCleaning RatingDimension = "cleaning" // 保洁
	RateGreening RatingDimension = "greening" // 绿化
	RateSecurity RatingDimension = "security" // 秩序维护/安全
	RateRepairs  RatingDimension = "repairs"  // 维修
	RateFees     RatingDimension = "fees"     // 收费透明
)

// RatingDimensions lists them in display order.
var RatingDimensions = []RatingDimension{RateAttitude, RateCleaning, RateGreening, RateSecurity, RateRepairs, RateFees}

// Rating thresholds: a period's result is shown only when at least
// MinRatings households rated and at least MinRatingShare percent of the
// estate's households, so that one angry or one friendly household cannot
// rank a company.
const (
	MinRatings     = 10
	MinRatingShare = 10 // percent
)

// RatingShown reports whether n ratings of an estate of households
// households are enough to show a result.
func RatingShown(n, households int) bool {
	return n >= MinRatings && n*100 >= MinRatingShare*households
}

// PropertyRating is one household's rating of its estate in a period.
type PropertyRating struct {
	ID          string
	EstateID    string
	Community   string
	HouseholdID string
	CompanyID   string // the company in charge when rated, "" none
	Period      string
	Scores      map[RatingDimension]int // 1–5 each
	Comment     string
	RatedBy     string
	CreatedAt   time.Time
}

// Validate checks the scores and the comment.
func (r *PropertyRating) Validate() error {
	var fe FieldErrors
	for _, d := range RatingDimensions {
		if s, ok := r.Scores[d]; !ok || s < 1 || s > 5 {
			fe.Add("score."+string(d), "rating.score.invalid", "Give 1 to 5 stars.", nil)
		}
	}
	if len(r.Scores) != len(RatingDimensions) {
		for d := range r.Scores {
			if !oneOf(d, RatingDimensions) {
				fe.Add("score."+string(d), "rating.dimension.unknown", "Unknown rating dimension.", nil)
			}
		}
	}
	if !trimText(&r.Comment, 0, 500) {
		fe.Add("comment", "rating.comment.long", "The comment has at most 500 characters.", nil)
	}
	return fe.Err()
}

// Mean returns the mean of the rating's scores.
func (r *PropertyRating) Mean() float64 {
	sum := 0
	for _, s := range r.Scores {
		sum += s
	}
	if len(r.Scores) == 0 {
		return math.NaN()
	}
	return float64(sum) / float64(len(r.Scores))
}

// RatingSummary is an estate's result in a period. Means are NaN and Shown
// false below the threshold: then only the count is told.
type RatingSummary struct {
	EstateID   string
	Period     string
	Households int
	Count      int
	Shown      bool
	Means      map[RatingDimension]float64
	Overall    float64
	// Needed is how many more households must rate before a result shows.
	Needed int
}

// Summarize computes the summary of an estate's ratings in a period.
func Summarize(estateID, period string, households int, ratings []*PropertyRating) *RatingSummary {
	s := &RatingSummary{EstateID: estateID, Period: period, Households: households, Count: len(ratings),
		Means: map[RatingDimension]float64{}, Overall: math.NaN()}
	s.Shown = RatingShown(s.Count, households)
	if !s.Shown {
		need := max(MinRatings, (MinRatingShare*households+99)/100)
		s.Needed = max(0, need-s.Count)
		for _, d := range RatingDimensions {
			s.Means[d] = math.NaN()
		}
		return s
	}
	total := 0.0
	for _, d := range RatingDimensions {
		sum := 0
		for _, r := range ratings {
			sum += r.Scores[d]
		}
		s.Means[d] = float64(sum) / float64(s.Count)
		total += s.Means[d]
	}
	s.Overall = total / float64(len(RatingDimensions))
	return s
}

// RatingService takes residents' ratings.
type RatingService interface {
	// RateEstate records the signed-in resident's household's rating of
	// the estate their household lives in, for the current period: once per
	// household and period (EConflict after).
	RateEstate(ctx context.Context, r *PropertyRating) error
	// RatingSummary returns an estate's result for a period ("" the
	// current one), hiding means below the threshold.
	RatingSummary(ctx context.Context, estateID, period string) (*RatingSummary, error)
	// RatedThisPeriod reports whether the signed-in resident's household
	// has rated the estate in the current period.
	RatedThisPeriod(ctx context.Context, estateID string) (bool, error)
}

package shequ

import (
	"sort"
	"time"
)

// The span of dates people give (a founding, an opening, a validity, a
// project's period): a day before EarliestDate or after LatestDate is a
// typing error or an empty date picker's zero (0001-01-01), never a fact.
var (
	EarliestDate = time.Date(1900, 1, 1, 0, 0, 0, 0, Shanghai)
	LatestDate   = time.Date(2100, 12, 31, 23, 59, 59, 0, Shanghai)
)

// ErrDateSpan is the field error of a date outside the span.
var ErrDateSpan = Errorf(EInvalid, "date.span", "Give a date between 1900-01-01 and 2100-12-31.")

// PlausibleDate reports whether t lies between EarliestDate and LatestDate.
func PlausibleDate(t time.Time) bool {
	return !t.Before(EarliestDate) && !t.After(LatestDate)
}

// checkDates adds ErrDateSpan to fe for every set date outside the span.
func checkDates(fe *FieldErrors, dates map[string]*time.Time) {
	for _, field := range sortedKeys(dates) {
		if t := dates[field]; t != nil && !PlausibleDate(*t) {
			fe.Add(field, ErrDateSpan.Key, ErrDateSpan.Message, nil)
		}
	}
}

// StartOfDay returns the first instant of t's day in Asia/Shanghai.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

// sortedKeys returns a map's keys in order, so errors come in a stable
// order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package shequ

import (
	"testing"
	"time"
)

// TestDatesOutsideSpan: dates before 1900 or after 2100 are typing errors
// (issue 14: a facility opened on 0001-01-01 was accepted), refused by
// each register's Validate on the field.
func TestDatesOutsideSpan(t *testing.T) {
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
		return &t
	}
	fieldKey := func(err error, field string) string {
		if err == nil {
			return ""
		}
		for _, f := range AsError(err).Fields {
			if f.Field == field {
				return f.Key
			}
		}
		return ""
	}
	fac := func(opened *time.Time) *Facility {
		return &Facility{Name: "综合服务站", Kind: FacilityStation, Community: "330523001002", Status: FacilityInUse, OpenedOn: opened}
	}
	for _, c := range []struct {
		name, field, key string
		err              error
	}{
		{"facility in year one", "opened_on", "date.span", fac(day(1, 1, 1)).Validate()},
		{"facility in 1899", "opened_on", "date.span", fac(day(1899, 12, 31)).Validate()},
		{"facility in 2101", "opened_on", "date.span", fac(day(2101, 1, 1)).Validate()},
		{"facility in 2015", "opened_on", "", fac(day(2015, 6, 1)).Validate()},
		{"org founded in year one", "founded_on", "date.span", org(day(1, 1, 1), nil).Validate()},
		{"org graded before it was founded", "graded_on", "org.date.before_founded", org(day(2015, 1, 1), day(2014, 1, 1)).Validate()},
		{"org graded after founding", "graded_on", "", org(day(2015, 1, 1), day(2019, 1, 1)).Validate()},
		{"project in year one", "period_start", "date.span", project(*day(1, 1, 1)).Validate()},
	} {
		if got := fieldKey(c.err, c.field); got != c.key {
			t.Errorf("%s: %s=%q, want %q (%v)", c.name, c.field, got, c.key, c.err)
		}
	}
	if !PlausibleDate(EarliestDate) || !PlausibleDate(LatestDate) || PlausibleDate(EarliestDate.Add(-time.Second)) {
		t.Error("span ends")
	}
}

func org(founded, graded *time.Time) *SocialOrg {
	o := &SocialOrg{Name: "夕阳红志愿队", Kind: OrgKinds[0], Community: "330523001002", LegalStatus: LegalIncubating,
		Incubator: "社区", Status: OrgStatuses[0], FoundedOn: founded, GradedOn: graded}
	if graded != nil {
		o.Grade = 3
	}
	return o
}

func project(start time.Time) *Project {
	return &Project{Title: "助老服务", PeriodStart: start, PeriodEnd: start.AddDate(0, 6, 0), BidDeadline: start.AddDate(0, 0, -10)}
}

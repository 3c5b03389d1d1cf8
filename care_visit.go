package shequ

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VisitPolicy is a county's visit frequency by risk level and the grace
// period after which an overdue visit is escalated to the township's
// 儿童督导员. Counties without their own use DefaultVisitPolicy.
type VisitPolicy struct {
	County string // 6 digits; "" for the default
	// Days between visits, by risk level 1–3.
	Low, Medium, High int
	// GraceDays after the due date before escalation.
	GraceDays int
	// Replanned is how many visit plans of the county got a new interval
	// or due date when the policy was set (SetVisitPolicy).
	Replanned int
}

// DefaultVisitPolicy is the frequency of the issue: risk 3 weekly, 2
// monthly, 1 quarterly, escalated a week after the due date.
var DefaultVisitPolicy = VisitPolicy{Low: 90, Medium: 30, High: 7, GraceDays: 7}

// Interval returns the days between visits for a risk level.
func (p VisitPolicy) Interval(r RiskLevel) int {
	switch r {
	case RiskHigh:
		return p.High
	case RiskMedium:
		return p.Medium
	}
	return p.Low
}

// Validate checks a policy: intervals of 1 to 366 days, shorter for higher
// risk, a grace period of 0 to 60 days.
func (p *VisitPolicy) Validate() error {
	var fe FieldErrors
	for field, d := range map[string]int{"low": p.Low, "medium": p.Medium, "high": p.High} {
		if d < 1 || d > 366 {
			fe.Add(field, "care.policy.days.invalid", "Days between visits are 1 to 366.", nil)
		}
	}
	if p.High > p.Medium || p.Medium > p.Low {
		fe.Add("high", "care.policy.order", "Higher risk needs visits at least as often as lower risk.", nil)
	}
	if p.GraceDays < 0 || p.GraceDays > 60 {
		fe.Add("grace_days", "care.policy.grace.invalid", "The grace period is 0 to 60 days.", nil)
	}
	return fe.Err()
}

// NextVisitDue is the day the next visit falls due: every days after the
// last visit, or after registration when there was none yet.
func NextVisitDue(last time.Time, days int) time.Time {
	return Day(last).AddDate(0, 0, days)
}

// PlannedVisitDue is the due day of a visit plan under the interval every:
// one interval after the last visit; before any, one interval after
// registration, and within a week for high risk.
func PlannedVisitDue(registered time.Time, last *time.Time, risk RiskLevel, every int) time.Time {
	if last != nil {
		return NextVisitDue(*last, every)
	}
	if risk == RiskHigh {
		return NextVisitDue(registered, min(every, 7))
	}
	return NextVisitDue(registered, every)
}

// VisitOverdue reports whether a visit due on due is overdue on now: the
// due day has passed.
func VisitOverdue(due, now time.Time) bool {
	return Day(now).After(Day(due))
}

// VisitEscalationDue reports whether an overdue visit is to be escalated to
// the township supervisor on now: more than grace days past the due day.
func VisitEscalationDue(due time.Time, grace int, now time.Time) bool {
	return Day(now).After(Day(due).AddDate(0, 0, grace))
}

// DaysOverdue is how many days past due a visit is on now (0 when not).
func DaysOverdue(due, now time.Time) int {
	d := int(Day(now).Sub(Day(due)).Hours()/24 + 0.5)
	return max(d, 0)
}

// VisitMode is how a visit was made.
type VisitMode string

// Visit modes.
const (
	VisitHome   VisitMode = "home"   // 入户走访
	VisitPhone  VisitMode = "phone"  // 电话联系
	VisitSchool VisitMode = "school" // 到校了解
)

// VisitModes lists the modes.
var VisitModes = []VisitMode{VisitHome, VisitPhone, VisitSchool}

// CareNeedKind is a need found on a visit. Needs carry only their kind and
// counts into the needs pool (RaiseCareNeed), never names.
type CareNeedKind string

// Needs found on visits.
const (
	NeedAfterSchool   CareNeedKind = "after_school"  // 课后托管
	NeedTutoring      CareNeedKind = "tutoring"      // 学业辅导
	NeedPsychological CareNeedKind = "psychological" // 心理关爱
	NeedHealthCare    CareNeedKind = "health_care"   // 健康照护
	NeedDailyCare     CareNeedKind = "daily_care"    // 生活照料
	NeedFinancial     CareNeedKind = "financial"     // 经济困难
	NeedSafetyEdu     CareNeedKind = "safety_edu"    // 安全教育
)

// CareNeedKinds lists the needs.
var CareNeedKinds = []CareNeedKind{NeedAfterSchool, NeedTutoring, NeedPsychological, NeedHealthCare, NeedDailyCare,
	NeedFinancial, NeedSafetyEdu}

// Category returns the needs-pool category a found need is raised under.
func (k CareNeedKind) Category() NeedCategory {
	switch k {
	case NeedAfterSchool, NeedTutoring, NeedSafetyEdu:
		return NeedChildren
	case NeedHealthCare, NeedPsychological:
		return NeedHealth
	case NeedDailyCare:
		return NeedElderly
	}
	return NeedOther
}

// Visit is one visit (走访) to a person under care, with its checklist.
// Notes are sealed at rest.
type Visit struct {
	ID        string
	PersonID  string
	Community string
	Date      time.Time // the day, Asia/Shanghai
	Mode      VisitMode
	ByID      string
	ByName    string
	// The checklist.
	LivingAlone     bool // 独居（无人照料）
	GuardianPresent bool // 监护人在家
	GuardianAble    bool // 监护人能履行监护职责
	AttendingSchool bool // 正常上学 (children)
	HealthConcern   bool // 健康状况需关注
	SafetyConcern   bool // 安全隐患
	Needs           []CareNeedKind
	Notes           string // sealed
	// AlertID is the alert the visit raised (a child under 16 found living
	// alone), "" when none.
	AlertID   string
	CreatedAt time.Time
}

// MaxVisitNotes bounds a visit's notes, in characters.
const MaxVisitNotes = 2000

// Validate checks a visit of person p on today: the mode, a day neither
// in the future nor before the person was registered, known needs (sorted,
// without repeats), bounded notes.
func (v *Visit) Validate(p *CarePerson, today time.Time) error {
	var fe FieldErrors
	v.Notes = strings.TrimSpace(v.Notes)
	if !oneOf(v.Mode, VisitModes) {
		fe.Add("mode", "care.visit.mode.invalid", "Pick how the visit was made.", nil)
	}
	if v.Date.IsZero() || Day(v.Date).After(Day(today)) || Day(v.Date).Before(Day(p.CreatedAt).AddDate(0, 0, -30)) {
		fe.Add("date", "care.visit.date.invalid", "Give the day of the visit: not after today, nor long before the person was registered.", nil)
	}
	for _, n := range v.Needs {
		if !oneOf(n, CareNeedKinds) {
			fe.Add("needs", "care.visit.need.invalid", "Unknown need.", nil)
			break
		}
	}
	slices.Sort(v.Needs)
	v.Needs = slices.Compact(v.Needs)
	if utf8.RuneCountInString(v.Notes) > MaxVisitNotes {
		fe.Add("notes", "care.visit.notes.too_long", "Notes have at most 2000 characters.", nil)
	}
	if p.Kind != CareChild {
		v.AttendingSchool = false
	}
	return fe.Err()
}

// RaisesAlert reports whether the visit must raise an alert: a child under
// ChildExitAge found living alone (the same alert as a mandatory report).
func (v *Visit) RaisesAlert(p *CarePerson) bool {
	return p.Kind == CareChild && v.LivingAlone && AgeAt(p.BirthDate, v.Date) < ChildExitAge
}

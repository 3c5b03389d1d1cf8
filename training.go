package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Training of the community workforce (issue 17): courses with their
// organizer, hours, topic and date; attendance records; continuing
// education of certified social workers, which the national rule sets at
// 72 hours per three-year registration period for 助理社会工作师 and 90
// hours for 社会工作师 and above.

// CourseTopic is what a course teaches.
type CourseTopic string

// Topics.
const (
	TopicPolicy     CourseTopic = "policy"      // 政策法规
	TopicSocialWork CourseTopic = "social_work" // 社会工作实务
	TopicElderly    CourseTopic = "elderly"     // 养老服务
	TopicChildren   CourseTopic = "children"    // 儿童保护
	TopicGovernance CourseTopic = "governance"  // 基层治理
	TopicDigital    CourseTopic = "digital"     // 信息化
	TopicEmergency  CourseTopic = "emergency"   // 应急管理
	TopicOther      CourseTopic = "other"       // 其他
)

// CourseTopics lists them.
var CourseTopics = []CourseTopic{TopicPolicy, TopicSocialWork, TopicElderly, TopicChildren, TopicGovernance,
	TopicDigital, TopicEmergency, TopicOther}

// Course is a training course.
type Course struct {
	ID        string
	Title     string
	Organizer string
	// Community is the community it was held in, or where its organizer
	// sits (the register names it; scope follows it).
	Community string
	Topic     CourseTopic
	Day       time.Time
	Minutes   int // the course's hours, in minutes
	Place     string
	Attendees int // read only
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a course.
func (c *Course) Validate() error {
	var fe FieldErrors
	c.Title = strings.TrimSpace(c.Title)
	if n := utf8.RuneCountInString(c.Title); n < 2 || n > 100 {
		fe.Add("title", "course.title.invalid", "The title has 2 to 100 characters.", nil)
	}
	c.Organizer = strings.TrimSpace(c.Organizer)
	if n := utf8.RuneCountInString(c.Organizer); n < 2 || n > 100 {
		fe.Add("organizer", "course.organizer.invalid", "Name the organizer (2 to 100 characters).", nil)
	}
	if !oneOf(c.Topic, CourseTopics) {
		fe.Add("topic", "course.topic.invalid", "Choose the topic.", nil)
	}
	if c.Day.IsZero() {
		fe.Add("day", "course.day.required", "Give the date.", nil)
	}
	if c.Minutes < 30 || c.Minutes > 200*60 {
		fe.Add("hours", "course.hours.invalid", "A course lasts 0.5 to 200 hours.", nil)
	}
	c.Place = strings.TrimSpace(c.Place)
	if utf8.RuneCountInString(c.Place) > 200 {
		fe.Add("place", "course.place.long", "The place has at most 200 characters.", nil)
	}
	return fe.Err()
}

// CourseFilter selects courses.
type CourseFilter struct {
	Community string
	Topic     CourseTopic
	From, To  *time.Time
	Query     string
	Offset    int
	Limit     int
}

// Attendance is a member's attendance of a course with the hours credited
// (the course's, or fewer for a partial attendance).
type Attendance struct {
	CourseID string
	MemberID string
	Name     string // the member's (read only)
	Course   string // the course's title (read only)
	// CourseCommunity is where the course was held (read only): its page
	// is visible to those whose area holds it.
	CourseCommunity string
	Day             time.Time
	Minutes         int
	Community       string // the member's
	RecordedBy      string
	CreatedAt       time.Time
}

// CEPeriodYears is the length of a registration period.
const CEPeriodYears = 3

// CEDueSoonDays is how close the end of a period must be for a member short
// of the hours to be listed as due soon.
const CEDueSoonDays = 180

// CERequiredMinutes is the continuing education a qualification needs per
// period; 0 for none.
func CERequiredMinutes(q Qualification) int {
	switch q {
	case QualAssistant:
		return 72 * 60
	case QualSocial, QualSenior:
		return 90 * 60
	}
	return 0
}

// CEPeriod returns the registration period containing day for a
// registration on registered: [start, end) in whole periods of three years.
func CEPeriod(registered, day time.Time) (start, end time.Time) {
	r, d := dayOf(registered), dayOf(day)
	start = r
	for !start.AddDate(CEPeriodYears, 0, 0).After(d) {
		start = start.AddDate(CEPeriodYears, 0, 0)
	}
	return start, start.AddDate(CEPeriodYears, 0, 0)
}

// CEStatus is a certified member's continuing education in the current
// period.
type CEStatus struct {
	Member     *WorkforceMember
	Start, End time.Time
	Required   int // minutes
	Done       int // minutes attended in the period
	DaysLeft   int
}

// LastDay is the last day of the period (End is the first day after it).
func (s *CEStatus) LastDay() time.Time { return s.End.AddDate(0, 0, -1) }

// Short is the minutes still missing.
func (s *CEStatus) Short() int { return max(0, s.Required-s.Done) }

// DueSoon reports whether the period ends within CEDueSoonDays and hours
// are still missing.
func (s *CEStatus) DueSoon() bool { return s.Short() > 0 && s.DaysLeft <= CEDueSoonDays }

// ComputeCE is the status of m as of day given the attendance of m (only
// those inside the current period count); nil when m needs none.
func ComputeCE(m *WorkforceMember, attended []*Attendance, day time.Time) *CEStatus {
	req := CERequiredMinutes(m.Qualification)
	if req == 0 || m.RegisteredOn == nil || !m.EmployedOn(day) {
		return nil
	}
	s, e := CEPeriod(*m.RegisteredOn, day)
	st := &CEStatus{Member: m, Start: s, End: e, Required: req,
		DaysLeft: int(e.Sub(dayOf(day)).Hours() / 24)}
	for _, a := range attended {
		d := dayOf(a.Day)
		if !d.Before(s) && d.Before(e) {
			st.Done += a.Minutes
		}
	}
	return st
}

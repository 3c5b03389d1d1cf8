package shequ

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The community workforce register (社区工作者队伍, issue 17): everyone
// working in a community — 书记, 主任, 委员, 专职社区工作者, 网格员, 专职社工 —
// with post, education, age band, qualification, when they were hired and
// when and why they left. The plan names the rural weakness
// (农村社区工作者素质偏低…专业社会工作人才存在"留不住"现象); retention and tenure
// measure it where it happens.

// Post is a position in a community.
type Post string

// Posts.
const (
	PostSecretary Post = "secretary"  // 党组织书记
	PostDirector  Post = "director"   // 居（村）委会主任
	PostMember    Post = "member"     // 两委委员
	PostFullTime  Post = "full_time"  // 专职社区工作者
	PostGrid      Post = "grid"       // 网格员
	PostSocialWkr Post = "social_wkr" // 专职社工
)

// Posts lists them.
var Posts = []Post{PostSecretary, PostDirector, PostMember, PostFullTime, PostGrid, PostSocialWkr}

// AgeBand is an age group (the register keeps no birth date).
type AgeBand string

// Age bands.
const (
	AgeUnder30 AgeBand = "under_30"
	Age30s     AgeBand = "30_39"
	Age40s     AgeBand = "40_49"
	Age50s     AgeBand = "50_59"
	Age60Plus  AgeBand = "60_plus"
)

// AgeBands lists them.
var AgeBands = []AgeBand{AgeUnder30, Age30s, Age40s, Age50s, Age60Plus}

// LeaveReason is why someone left.
type LeaveReason string

// Leave reasons.
const (
	LeavePay        LeaveReason = "pay"        // 待遇偏低
	LeaveCareer     LeaveReason = "career"     // 职业发展
	LeaveFamily     LeaveReason = "family"     // 家庭原因
	LeaveRelocation LeaveReason = "relocation" // 迁居外地
	LeaveRetirement LeaveReason = "retirement" // 退休
	LeaveElection   LeaveReason = "election"   // 换届未连任
	LeaveDismissal  LeaveReason = "dismissal"  // 解聘
	LeaveOther      LeaveReason = "other"      // 其他
)

// LeaveReasons lists them.
var LeaveReasons = []LeaveReason{LeavePay, LeaveCareer, LeaveFamily, LeaveRelocation, LeaveRetirement,
	LeaveElection, LeaveDismissal, LeaveOther}

// WorkforceMember is one person's work in a community: one record per
// engagement (a return after leaving is a new record).
type WorkforceMember struct {
	ID            string
	Name          string
	Community     string // 12 digits
	Post          Post
	Education     Education
	AgeBand       AgeBand
	Qualification Qualification
	// RegisteredOn starts the continuing-education periods of a certified
	// social worker (the registration of the certificate).
	RegisteredOn *time.Time
	HiredOn      time.Time
	LeftOn       *time.Time
	LeaveReason  LeaveReason
	UserID       string // the linked account, if any
	// SocialWorkerID links a 专职社工 to the social worker register.
	SocialWorkerID string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks a member as of now.
func (m *WorkforceMember) Validate(now time.Time) error {
	var fe FieldErrors
	m.Name = strings.TrimSpace(m.Name)
	if n := utf8.RuneCountInString(m.Name); n == 0 || n > MaxVolunteerName {
		fe.Add("name", "resident.name.invalid", "The name has 1 to 50 characters.", nil)
	}
	if !oneOf(m.Post, Posts) {
		fe.Add("post", "workforce.post.invalid", "Choose the post.", nil)
	}
	if !oneOf(m.Education, Educations) {
		fe.Add("education", "workforce.education.invalid", "Choose the education.", nil)
	}
	if !oneOf(m.AgeBand, AgeBands) {
		fe.Add("age_band", "workforce.age_band.invalid", "Choose the age band.", nil)
	}
	if m.Qualification == "" {
		m.Qualification = QualNone
	}
	if !oneOf(m.Qualification, Qualifications) {
		fe.Add("qualification", "workforce.qualification.invalid", "Choose the qualification.", nil)
	}
	today := now.In(Shanghai)
	if m.HiredOn.IsZero() || m.HiredOn.After(today) || m.HiredOn.Year() < 1950 {
		fe.Add("hired_on", "workforce.hired_on.invalid", "Give the day of hiring (not in the future).", nil)
	}
	if m.LeftOn != nil {
		if m.LeftOn.Before(m.HiredOn) || m.LeftOn.After(today) {
			fe.Add("left_on", "workforce.left_on.invalid", "The leaving day lies between hiring and today.", nil)
		}
		if !oneOf(m.LeaveReason, LeaveReasons) {
			fe.Add("leave_reason", "workforce.leave_reason.required", "Say why they left.", nil)
		}
	} else {
		m.LeaveReason = ""
	}
	if m.RegisteredOn != nil && !m.Qualification.Certified() {
		m.RegisteredOn = nil
	}
	if m.RegisteredOn != nil && m.RegisteredOn.After(today) {
		fe.Add("registered_on", "workforce.registered_on.invalid", "The registration day is not in the future.", nil)
	}
	return fe.Err()
}

// EmployedOn reports whether the member worked on day: hired on or before
// it and not yet left (the leaving day is the first day away).
func (m *WorkforceMember) EmployedOn(day time.Time) bool {
	d := dayOf(day)
	return !dayOf(m.HiredOn).After(d) && (m.LeftOn == nil || dayOf(*m.LeftOn).After(d))
}

// TenureYears is the completed years from hiring to day (or to leaving,
// when earlier).
func (m *WorkforceMember) TenureYears(day time.Time) int {
	end := dayOf(day)
	if m.LeftOn != nil && dayOf(*m.LeftOn).Before(end) {
		end = dayOf(*m.LeftOn)
	}
	return CompletedYears(dayOf(m.HiredOn), end)
}

// dayOf is the calendar day of t in Asia/Shanghai at midnight.
func dayOf(t time.Time) time.Time {
	t = t.In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// CompletedYears is the whole years from a to b (0 if b is before a).
func CompletedYears(a, b time.Time) int {
	if b.Before(a) {
		return 0
	}
	y := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		y--
	}
	return max(y, 0)
}

// RetentionWindow is the look-back of the retention figure.
const RetentionWindow = 12 // months

// TenureCapYears caps the median tenure: 20 stands for 20 years or more
// (the indicator engine keeps one counter per whole year up to it).
const TenureCapYears = 20

// WorkforceFigures are the workforce figures over a set of members as of a
// day (the indicator module "workforce"): who works now by post,
// education and qualification; of those employed a year before, how many
// still are; the median completed years of service of those employed now;
// the leavers of the last year by reason; the training hours of the last
// year. Every figure is a sum over members, so over communities; the
// median is read from the histogram of whole years.
type WorkforceFigures struct {
	Employed      int
	Base12        int // employed a year before
	Retained12    int // of them, employed now
	MedianTenure  int // completed years, lower median, at most TenureCapYears; -1 when nobody works
	LeaversByWhy  map[LeaveReason]int
	Leavers12     int
	TenureByYears []int // histogram of completed years of those employed now
	ByPost        map[Post]int
	ByEducation   map[Education]int
	ByQual        map[Qualification]int
	// TrainingMinutes12 are the course minutes attended in the last year
	// by the members of the communities (counted where they work).
	TrainingMinutes12 int
}

// Retention is Retained12 / Base12, 0 for an empty base.
func (f WorkforceFigures) Retention() float64 { return Rate(f.Retained12, f.Base12) }

// ComputeWorkforce computes the figures of members as of day. A leaver of
// the last year is one whose leaving day lies in (day − 12 months, day].
// It is the reference the indicator engine's counters are checked against.
func ComputeWorkforce(members []*WorkforceMember, day time.Time) WorkforceFigures {
	d := dayOf(day)
	yearAgo := d.AddDate(0, -RetentionWindow, 0)
	f := WorkforceFigures{MedianTenure: -1, LeaversByWhy: map[LeaveReason]int{}, ByPost: map[Post]int{},
		ByEducation: map[Education]int{}, ByQual: map[Qualification]int{}}
	var tenures []int
	for _, m := range members {
		if m.EmployedOn(d) {
			f.Employed++
			tenures = append(tenures, m.TenureYears(d))
			f.ByPost[m.Post]++
			f.ByEducation[m.Education]++
			f.ByQual[m.Qualification]++
		}
		if m.EmployedOn(yearAgo) {
			f.Base12++
			if m.EmployedOn(d) {
				f.Retained12++
			}
		}
		if m.LeftInYearTo(d) {
			f.Leavers12++
			f.LeaversByWhy[m.LeaveReason]++
		}
	}
	if len(tenures) > 0 {
		slices.Sort(tenures)
		f.MedianTenure = min(tenures[(len(tenures)+1)/2-1], TenureCapYears)
		f.TenureByYears = make([]int, tenures[len(tenures)-1]+1)
		for _, t := range tenures {
			f.TenureByYears[t]++
		}
	}
	return f
}

// LeftInYearTo reports whether the member left in the twelve months up to
// day: the leaving day lies in (day − 12 months, day].
func (m *WorkforceMember) LeftInYearTo(day time.Time) bool {
	if m.LeftOn == nil {
		return false
	}
	d := dayOf(day)
	l := dayOf(*m.LeftOn)
	return l.After(d.AddDate(0, -RetentionWindow, 0)) && !l.After(d)
}

// Median is the median tenure in years, NaN when nobody works.
func (f *WorkforceFigures) Median() float64 {
	if f.Employed == 0 || f.MedianTenure < 0 {
		return math.NaN()
	}
	return float64(f.MedianTenure)
}

// WorkforceFilter selects members.
type WorkforceFilter struct {
	Community string
	Post      Post
	// Current keeps those still employed (today).
	Current bool
	Query   string
	Offset  int
	Limit   int
}

// WorkforceService keeps the workforce register and training.
type WorkforceService interface {
	CreateMember(ctx context.Context, m *WorkforceMember) error
	UpdateMember(ctx context.Context, m *WorkforceMember) error
	FindMemberByID(ctx context.Context, id string) (*WorkforceMember, error)
	FindMembers(ctx context.Context, f WorkforceFilter) ([]*WorkforceMember, int, error)
	ImportMembers(ctx context.Context, ms []*WorkforceMember) error
	// Retention computes the figures of the members at and below a
	// division as of today.
	Retention(ctx context.Context, division string) (WorkforceFigures, error)

	CreateCourse(ctx context.Context, c *Course) error
	UpdateCourse(ctx context.Context, c *Course) error
	FindCourseByID(ctx context.Context, id string) (*Course, error)
	FindCourses(ctx context.Context, f CourseFilter) ([]*Course, int, error)
	ImportCourses(ctx context.Context, cs []*Course) error
	RecordAttendance(ctx context.Context, a *Attendance) error
	RemoveAttendance(ctx context.Context, courseID, memberID string) error
	FindAttendance(ctx context.Context, courseID string) ([]*Attendance, error)
	MemberTraining(ctx context.Context, memberID string) ([]*Attendance, error)
	// ContinuingEducation lists the certified members at and below a
	// division with their current period's hours (dueSoon: only those whose
	// period ends within CEDueSoonDays short of the hours, or is past).
	ContinuingEducation(ctx context.Context, division string, dueSoon bool) ([]*CEStatus, error)
	// CESweep notifies the community of members due soon (system work).
	CESweep(ctx context.Context) (int, error)
	// AccountCandidates lists the accounts of community and social workers
	// in the actor's area a member may be linked to (at most limit).
	AccountCandidates(ctx context.Context, limit int) ([]*User, error)
}

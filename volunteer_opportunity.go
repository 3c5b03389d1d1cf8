package shequ

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ServiceCategory is the kind of volunteer service (志愿服务类别): the hours
// are counted by it, and a county lists which of them deposit into the time
// bank.
type ServiceCategory string

// Categories.
const (
	CatElderly     ServiceCategory = "elderly"     // 助老服务
	CatChildren    ServiceCategory = "children"    // 关爱儿童
	CatDisability  ServiceCategory = "disability"  // 助残服务
	CatEnvironment ServiceCategory = "environment" // 环境保护
	CatCulture     ServiceCategory = "culture"     // 文化体育
	CatGovernance  ServiceCategory = "governance"  // 社区治理
	CatEmergency   ServiceCategory = "emergency"   // 应急救援
	CatHealth      ServiceCategory = "health"      // 医疗卫生
	CatOther       ServiceCategory = "other"       // 其他
)

// ServiceCategories lists them.
var ServiceCategories = []ServiceCategory{CatElderly, CatChildren, CatDisability, CatEnvironment, CatCulture,
	CatGovernance, CatEmergency, CatHealth, CatOther}

// OpportunityLink is what an opportunity serves.
type OpportunityLink string

// Links.
const (
	LinkNone    OpportunityLink = "none"    // the organizer's own activity
	LinkProject OpportunityLink = "project" // an activity of a 三社联动 project
	LinkNeed    OpportunityLink = "need"    // a need of the needs pool
	// LinkCare is accompanied care visits (关爱走访): the opportunity names
	// no person under care, whose records are need-to-know.
	LinkCare OpportunityLink = "care"
)

// OpportunityLinks lists them.
var OpportunityLinks = []OpportunityLink{LinkNone, LinkProject, LinkNeed, LinkCare}

// OpportunityStatus is where an opportunity stands.
type OpportunityStatus string

// Opportunity statuses.
const (
	OpportunityOpen      OpportunityStatus = "open"      // 招募中
	OpportunityClosed    OpportunityStatus = "closed"    // 已结束
	OpportunityCancelled OpportunityStatus = "cancelled" // 已取消
)

// OpportunityStatuses lists them.
var OpportunityStatuses = []OpportunityStatus{OpportunityOpen, OpportunityClosed, OpportunityCancelled}

// Opportunity is a volunteer service opportunity (志愿服务活动) published by
// an organizer: when and where, how many volunteers, which skills.
type Opportunity struct {
	ID            string
	Title         string
	Community     string // where it takes place (12 digits)
	OrganizerKind OrganizerKind
	OrgID         string // OrganizerOrg
	OrgName       string // read only
	TeamID        string // optional: the team that serves it
	TeamName      string // read only
	Category      ServiceCategory
	Link          OpportunityLink
	ProjectID     string // LinkProject
	ProjectTitle  string // read only
	NeedID        string // LinkNeed
	NeedTitle     string // read only
	Day           time.Time
	Start, End    string // "HH:MM", Asia/Shanghai
	Place         string
	Slots         int
	Skills        []VolunteerSkill
	Description   string
	Status        OpportunityStatus
	SignedUp      int // read only: sign-ups not cancelled
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// StartsAt and EndsAt are the opportunity's instants (zero if malformed).
func (o *Opportunity) StartsAt() time.Time { return dayClock(o.Day, o.Start) }

// EndsAt is when the opportunity ends.
func (o *Opportunity) EndsAt() time.Time { return dayClock(o.Day, o.End) }

// dayClock is the instant of "HH:MM" on day in Asia/Shanghai.
func dayClock(day time.Time, hm string) time.Time {
	t, err := time.Parse("15:04", hm)
	if err != nil || day.IsZero() {
		return time.Time{}
	}
	d := day.In(Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, Shanghai)
}

// Validate checks an opportunity.
func (o *Opportunity) Validate() error {
	var fe FieldErrors
	o.Title = strings.TrimSpace(o.Title)
	if n := utf8.RuneCountInString(o.Title); n < 2 || n > 100 {
		fe.Add("title", "opportunity.title.invalid", "The title has 2 to 100 characters.", nil)
	}
	if !oneOf(o.OrganizerKind, OrganizerKinds) {
		fe.Add("organizer_kind", "team.organizer_kind.invalid", "Choose who organizes the team.", nil)
	}
	if o.OrganizerKind == OrganizerOrg && o.OrgID == "" {
		fe.Add("org_id", "team.org_id.required", "Pick the organization.", nil)
	}
	if o.OrganizerKind != OrganizerOrg {
		o.OrgID = ""
	}
	if !oneOf(o.Category, ServiceCategories) {
		fe.Add("category", "opportunity.category.invalid", "Choose the category of service.", nil)
	}
	if o.Link == "" {
		o.Link = LinkNone
	}
	switch o.Link {
	case LinkProject:
		if o.ProjectID == "" {
			fe.Add("project_id", "opportunity.project.required", "Pick the project.", nil)
		}
		o.NeedID = ""
	case LinkNeed:
		if o.NeedID == "" {
			fe.Add("need_id", "opportunity.need.required", "Pick the need.", nil)
		}
		o.ProjectID = ""
	case LinkNone, LinkCare:
		o.ProjectID, o.NeedID = "", ""
	default:
		fe.Add("link", "opportunity.link.invalid", "Unknown link.", nil)
	}
	if o.Day.IsZero() {
		fe.Add("day", "opportunity.day.required", "Give the date.", nil)
	}
	s, e := o.StartsAt(), o.EndsAt()
	switch {
	case s.IsZero():
		fe.Add("start", "opportunity.time.invalid", "Give the time as HH:MM.", nil)
	case e.IsZero():
		fe.Add("end", "opportunity.time.invalid", "Give the time as HH:MM.", nil)
	case !e.After(s):
		fe.Add("end", "opportunity.end.before", "It ends after it starts.", nil)
	}
	o.Place = strings.TrimSpace(o.Place)
	if n := utf8.RuneCountInString(o.Place); n < 2 || n > 200 {
		fe.Add("place", "opportunity.place.invalid", "Name the place (2 to 200 characters).", nil)
	}
	if o.Slots < 1 || o.Slots > 1000 {
		fe.Add("slots", "opportunity.slots.invalid", "Slots are 1 to 1000.", nil)
	}
	o.Skills = uniqueSorted(o.Skills, VolunteerSkills)
	for _, sk := range o.Skills {
		if !oneOf(sk, VolunteerSkills) {
			fe.Add("skills", "volunteer.skills.invalid", "Unknown skill.", map[string]any{"Value": string(sk)})
			break
		}
	}
	o.Description = strings.TrimSpace(o.Description)
	if utf8.RuneCountInString(o.Description) > 2000 {
		fe.Add("description", "opportunity.description.long", "The description has at most 2000 characters.", nil)
	}
	if o.Status == "" {
		o.Status = OpportunityOpen
	}
	if !oneOf(o.Status, OpportunityStatuses) {
		fe.Add("status", "opportunity.status.invalid", "Unknown status.", nil)
	}
	return fe.Err()
}

// SignupState is where a volunteer's sign-up for an opportunity stands.
type SignupState string

// Sign-up states: signed → checked_in → checked_out → confirmed, with
// no_show and cancelled as the other ends.
const (
	SignupSigned     SignupState = "signed"      // 已报名
	SignupCheckedIn  SignupState = "checked_in"  // 已签到
	SignupCheckedOut SignupState = "checked_out" // 已签退
	SignupConfirmed  SignupState = "confirmed"   // 时长已确认
	SignupNoShow     SignupState = "no_show"     // 未到
	SignupCancelled  SignupState = "cancelled"   // 已取消
)

// SignupStates lists them.
var SignupStates = []SignupState{SignupSigned, SignupCheckedIn, SignupCheckedOut, SignupConfirmed, SignupNoShow,
	SignupCancelled}

// signupTransitions is the sign-up workflow.
var signupTransitions = map[SignupState][]SignupState{
	SignupSigned:     {SignupCheckedIn, SignupNoShow, SignupCancelled},
	SignupCheckedIn:  {SignupCheckedOut},
	SignupCheckedOut: {SignupConfirmed},
}

// CanSignupTransition checks a move of a sign-up; an illegal one is
// EConflict naming the current state.
func CanSignupTransition(from, to SignupState) error {
	for _, s := range signupTransitions[from] {
		if s == to {
			return nil
		}
	}
	return Errorf(EConflict, "signup.transition.invalid", "The sign-up is %s and cannot become %s.", from, to).
		With(map[string]any{"From": string(from), "To": string(to)})
}

// Open reports whether a sign-up still holds a slot.
func (s SignupState) Open() bool { return s != SignupCancelled && s != SignupNoShow }

// Signup is a volunteer's sign-up for an opportunity.
type Signup struct {
	ID            string
	OpportunityID string
	VolunteerID   string
	Community     string // the opportunity's community
	Name          string // the volunteer's name (read only)
	State         SignupState
	CheckedInAt   *time.Time
	CheckedOutAt  *time.Time
	// ByOrganizer marks a check-in or check-out the organizer recorded
	// (the volunteer had no phone), not a scan.
	ByOrganizer bool
	Minutes     int // the confirmed minutes (SignupConfirmed)
	RecordID    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Check-in window: a volunteer may check in from this long before the
// start until the end, and check out until this long after the end.
const (
	CheckInEarly = time.Hour
	CheckOutLate = 2 * time.Hour
)

// ServedMinutes is the time actually served between a check-in and a
// check-out, within the opportunity's hours (an early arrival does not
// count before the start, a late check-out not after the end).
func ServedMinutes(o *Opportunity, in, out time.Time) int {
	s, e := o.StartsAt(), o.EndsAt()
	if in.Before(s) {
		in = s
	}
	if out.After(e) {
		out = e
	}
	if !out.After(in) {
		return 0
	}
	return int(out.Sub(in) / time.Minute)
}

// CheckScanWindow checks that now lies in the window of a scan for a
// check-in (in) or a check-out.
func CheckScanWindow(o *Opportunity, now time.Time, in bool) error {
	s, e := o.StartsAt(), o.EndsAt()
	if in && (now.Before(s.Add(-CheckInEarly)) || now.After(e)) {
		return Errorf(EConflict, "signup.checkin.window", "Check-in opens an hour before the start and closes at the end.")
	}
	if !in && now.After(e.Add(CheckOutLate)) {
		return Errorf(EConflict, "signup.checkout.window", "Check-out closes two hours after the end; ask the organizer.")
	}
	return nil
}

// HoursText formats minutes as hours with one decimal ("2.5").
func HoursText(minutes int) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(minutes)/60), ".0")
}

// DefaultReminderLead is how long before an opportunity starts its
// signed-up volunteers are reminded, when nothing else is configured.
const DefaultReminderLead = 24 * time.Hour

// ReminderDue reports whether an open opportunity not yet reminded is due
// its reminder at now: it starts within lead from now and has not started.
func ReminderDue(o *Opportunity, now time.Time, lead time.Duration) bool {
	s := o.StartsAt()
	return o.Status == OpportunityOpen && !s.IsZero() && now.Before(s) && !now.Add(lead).Before(s)
}

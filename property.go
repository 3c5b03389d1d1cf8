package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// 物业服务监管 (DESIGN §1, module 6): the government side of property
// services. Communities and streets keep the register of estates (小区)
// with their management mode, the property companies and their contracts,
// the owners' committees (业主委员会) and their filing; the community's
// environment and property management committee (环境和物业管理委员会)
// inspects estates and issues rectification orders (整改); the community
// calls joint meetings (联席会议) whose resolutions are followed up;
// residents complain about property service and rate it (居民评价); and
// every company gets a credit score (企业诚信) in which every point comes
// from a record. The types of each part live in property_*.go; this file
// holds the per-county settings and the service interface.

// Object types of the property module on timelines, notifications and the
// audit trail.
const (
	ObjEstate        = "estate"
	ObjCompany       = "property_company"
	ObjContract      = "property_contract"
	ObjCommittee     = "owners_committee"
	ObjInspection    = "inspection"
	ObjRectification = "rectification"
	ObjMeeting       = "joint_meeting"
	ObjResolution    = "resolution"
	ObjComplaint     = "complaint"
	ObjRating        = "property_rating"
	ObjCreditRecord  = "credit_record"
	ObjAppeal        = "credit_appeal"
)

// ChecklistItem is one line of the inspection checklist: what is looked
// at, the most points it gives and the points below which it fails (and
// becomes a rectification order).
type ChecklistItem struct {
	Key  string // identifier, e.g. "cleaning"
	Name string // shown name, e.g. 保洁
	Max  int    // full marks, 1–100
	Pass int    // pass mark, 0–Max
}

// DefaultChecklist is the checklist of a county that configured none: the
// six items the guidance names, ten points each, six to pass.
var DefaultChecklist = []ChecklistItem{
	{Key: "cleaning", Name: "保洁", Max: 10, Pass: 6},
	{Key: "greening", Name: "绿化", Max: 10, Pass: 6},
	{Key: "order", Name: "秩序维护", Max: 10, Pass: 6},
	{Key: "equipment", Name: "设施设备", Max: 10, Pass: 6},
	{Key: "fire_lanes", Name: "消防通道", Max: 10, Pass: 6},
	{Key: "waste_sorting", Name: "垃圾分类", Max: 10, Pass: 6},
}

// ComplaintLimits are the time limits of a complaint's steps, in working
// days counted on the holiday table (as the requests' are).
type ComplaintLimits struct {
	Forward int // accepted → forwarded to the company (community)
	Answer  int // forwarded → answered (company)
	Confirm int // answered → confirmed or disputed (resident); then confirmed by default
	Street  int // escalated to the street → decided (street)
	Housing int // escalated to the housing department → closed
}

// PropertySettings are the rules a county may set for its property
// oversight; DefaultPropertySettings holds the defaults. Points are
// magnitudes: good and base records add them, bad ones subtract them.
type PropertySettings struct {
	County       string
	Checklist    []ChecklistItem
	RatingPeriod RatingPeriod
	// Points of the records written by the rules (complaint upheld,
	// rectification overdue…); records an official writes by hand carry
	// their own points within the kind's bounds.
	Points map[CreditKind]int
	// RecordValidDays is how long a record counts unless it says
	// otherwise (one year).
	RecordValidDays int
	Complaint       ComplaintLimits
	// RectifyDays is the default time for a rectification, calendar days.
	RectifyDays int
	// AlertDays is how far ahead contract and committee-term ends are
	// announced (90 days).
	AlertDays int
	// EarlyDays: a resolution done at least this many days before its due
	// date earns its owner company a good record.
	EarlyDays int
	// HighRating is the mean overall rating (in tenths of a star, 45 =
	// 4.5) from which a shown period's result earns a good record.
	HighRating int
}

// DefaultPropertySettings returns the defaults for county.
func DefaultPropertySettings(county string) *PropertySettings {
	return &PropertySettings{
		County:       county,
		Checklist:    append([]ChecklistItem(nil), DefaultChecklist...),
		RatingPeriod: PeriodQuarter,
		Points: map[CreditKind]int{
			CreditBaseRegistered:    70,
			CreditHighRating:        5,
			CreditResolutionEarly:   2,
			CreditComplaintUpheld:   3,
			CreditRectificationLate: 5,
			CreditInspectionFailed:  3,
			CreditResolutionOverdue: 3,
		},
		RecordValidDays: 365,
		Complaint:       ComplaintLimits{Forward: 1, Answer: 5, Confirm: 5, Street: 10, Housing: 15},
		RectifyDays:     15,
		AlertDays:       90,
		EarlyDays:       3,
		HighRating:      45,
	}
}

// Validate checks settings an official saves and returns every field error
// at once.
func (s *PropertySettings) Validate() error {
	var fe FieldErrors
	if len(s.County) != 6 || ValidateDivisionCode(s.County) != nil {
		fe.Add("county", "property.settings.county", "Settings belong to a county (6-digit code).", nil)
	}
	if err := ValidateChecklist(s.Checklist); err != nil {
		fe = append(fe, AsError(err).Fields...)
	}
	if !oneOf(s.RatingPeriod, RatingPeriods) {
		fe.Add("rating_period", "property.settings.period", "The rating period is a quarter, a half year or a year.", nil)
	}
	for _, k := range CreditKinds {
		if !k.Manual() && (s.Points[k] < 0 || s.Points[k] > k.MaxPoints()) {
			fe.Add("points."+string(k), "property.settings.points", "Points of a record are 0 to {{.Max}}.",
				map[string]any{"Max": k.MaxPoints()})
		}
	}
	bounds := []struct {
		field     string
		v, lo, hi int
	}{
		{"record_valid_days", s.RecordValidDays, 30, 3650},
		{"complaint.forward", s.Complaint.Forward, 1, 30},
		{"complaint.answer", s.Complaint.Answer, 1, 60},
		{"complaint.confirm", s.Complaint.Confirm, 1, 30},
		{"complaint.street", s.Complaint.Street, 1, 60},
		{"complaint.housing", s.Complaint.Housing, 1, 90},
		{"rectify_days", s.RectifyDays, 1, 180},
		{"alert_days", s.AlertDays, 7, 365},
		{"early_days", s.EarlyDays, 1, 60},
		{"high_rating", s.HighRating, 30, 50},
	}
	for _, b := range bounds {
		if b.v < b.lo || b.v > b.hi {
			fe.Add(b.field, "property.settings.range", "The value is {{.Min}} to {{.Max}}.",
				map[string]any{"Min": b.lo, "Max": b.hi})
		}
	}
	return fe.Err()
}

// ValidateChecklist checks an inspection checklist: 1–20 items with
// distinct keys of lowercase letters, digits and underscores, names of 1–20
// characters, full marks 1–100 and a pass mark within them.
func ValidateChecklist(items []ChecklistItem) error {
	var fe FieldErrors
	if len(items) == 0 || len(items) > 20 {
		fe.Add("checklist", "property.checklist.count", "A checklist has 1 to 20 items.", nil)
	}
	seen := map[string]bool{}
	for i, it := range items {
		data := map[string]any{"Line": i + 1}
		if !validKey(it.Key) || seen[it.Key] {
			fe.Add("checklist", "property.checklist.key", "Item {{.Line}}: the key is 1–30 lowercase letters, digits or _ and unique.", data)
		}
		seen[it.Key] = true
		if n := utf8.RuneCountInString(it.Name); n < 1 || n > 20 {
			fe.Add("checklist", "property.checklist.name", "Item {{.Line}}: the name has 1 to 20 characters.", data)
		}
		if it.Max < 1 || it.Max > 100 || it.Pass < 0 || it.Pass > it.Max {
			fe.Add("checklist", "property.checklist.marks", "Item {{.Line}}: full marks are 1–100 and the pass mark at most full marks.", data)
		}
	}
	return fe.Err()
}

// validKey reports whether s is 1–30 of a-z, 0-9 and _.
func validKey(s string) bool {
	if len(s) == 0 || len(s) > 30 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// CountyOf returns the county (6 digits) of a division code of at least 6
// digits, "" for a province or city.
func CountyOf(code string) string {
	if len(code) < 6 {
		return ""
	}
	return code[:6]
}

// trimText trims s and reports whether it has min to max characters of
// valid UTF-8.
func trimText(s *string, min, max int) bool {
	*s = strings.TrimSpace(*s)
	n := utf8.RuneCountInString(*s)
	return n >= min && n <= max && utf8.ValidString(*s)
}

// PropertyAlert is something coming up or late that someone must act on:
// a contract or an owners' committee term ending within the alert window,
// a resolution or rectification past its due date, a complaint step past
// its time limit.
type PropertyAlert struct {
	Kind       AlertKind
	ObjectType string
	ObjectID   string
	Community  string
	EstateID   string
	Title      string    // estate name, company name or complaint number
	Due        time.Time // the end date or time limit concerned
	Days       int       // days left (negative: days late)
}

// AlertKind is what a PropertyAlert is about.
type AlertKind string

// Alert kinds.
const (
	AlertContractEnding  AlertKind = "contract_ending"  // 物业服务合同即将到期
	AlertTermEnding      AlertKind = "term_ending"      // 业主委员会任期即将届满
	AlertResolutionLate  AlertKind = "resolution_late"  // 联席会议决议逾期
	AlertRectifyLate     AlertKind = "rectify_late"     // 整改逾期
	AlertComplaintLate   AlertKind = "complaint_late"   // 投诉办理超时
	AlertCommitteeAbsent AlertKind = "committee_absent" // 小区没有业主委员会
)

// DeadlineRun reports what one pass of the deadline rules did.
type DeadlineRun struct {
	Alerts               int // alerts sent (each once per object and kind)
	ResolutionsOverdue   int
	RectificationsLate   int
	ComplaintsEscalated  int
	ComplaintsConfirmed  int
	RatingPeriodsClosed  int
	RecordsWritten       int
	OverdueNotifications int
}

// PropertyService is the property oversight module. Every write is
// authorized (role × scope × ownership: property staff act for their own
// company only), validated, and commits its change, timeline events,
// notifications and audit record in one transaction.
type PropertyService interface {
	EstateService
	CompanyService
	CommitteeService
	InspectionService
	MeetingService
	ComplaintService
	RatingService
	CreditService

	// Settings returns the settings of the county of a division (the
	// defaults when it has none).
	Settings(ctx context.Context, division string) (*PropertySettings, error)
	// SaveSettings stores a county's settings (officials of the county).
	SaveSettings(ctx context.Context, s *PropertySettings) error
	// Alerts lists what is coming up or late in a division (within the
	// actor's scope) at the service's clock.
	Alerts(ctx context.Context, division string) ([]*PropertyAlert, error)
	// RunDeadlines applies the time rules once at the service's clock:
	// alerts 90 days before contracts and terms end, overdue resolutions
	// and rectifications (escalated, with their bad records), complaint
	// steps past their limits, rating periods that ended. Each effect
	// happens once however often it runs. Console or scheduler only.
	RunDeadlines(ctx context.Context) (*DeadlineRun, error)
	// PropertyTimeline returns the history of an object of the module.
	PropertyTimeline(ctx context.Context, objectType, id string) ([]*TimelineEvent, error)
}

package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Social-work service records (社会工作服务记录): every social worker logs
// what they did, so that "配备" (a social worker assigned to each community)
// can be told from "发挥作用" (the social worker actually serving there).

// WorkMethod is the method of a service.
type WorkMethod string

// Methods of social work.
const (
	MethodIndividual WorkMethod = "individual" // 个案工作
	MethodGroup      WorkMethod = "group"      // 小组工作
	MethodCommunity  WorkMethod = "community"  // 社区工作
)

// WorkMethods lists the methods.
var WorkMethods = []WorkMethod{MethodIndividual, MethodGroup, MethodCommunity}

// BeneficiaryKind is who a service was for.
type BeneficiaryKind string

// Beneficiaries.
const (
	ForPerson    BeneficiaryKind = "person"    // 一名居民
	ForGroup     BeneficiaryKind = "group"     // 一个小组
	ForCommunity BeneficiaryKind = "community" // 整个社区
)

// BeneficiaryKinds lists the kinds.
var BeneficiaryKinds = []BeneficiaryKind{ForPerson, ForGroup, ForCommunity}

// WorkLog is one service record of a social worker. The notes are sealed.
type WorkLog struct {
	ID            string
	UserID        string // the social worker's account
	UserName      string
	Community     string
	Date          time.Time
	Method        WorkMethod
	Area          ServiceArea
	Function      ServiceFunction
	Minutes       int
	Beneficiary   BeneficiaryKind
	ResidentID    string // for a person
	Beneficiaries int    // how many people were served
	CaseID        string // the case it belongs to, if any
	ProjectID     string // the project it belongs to, if any
	Notes         string
	CreatedAt     time.Time
}

// Validate checks a record on today: known method, area, function and
// beneficiary; 5 to 720 minutes; a day in the last year and not in the
// future; a person named for a service to a person, and a count of at
// least one (one for a person).
func (l *WorkLog) Validate(today time.Time) error {
	var fe FieldErrors
	l.Notes = strings.TrimSpace(l.Notes)
	if !oneOf(l.Method, WorkMethods) {
		fe.Add("method", "worklog.method.invalid", "Pick the method: individual, group or community work.", nil)
	}
	if !oneOf(l.Area, ServiceAreas) {
		fe.Add("area", "case.area.invalid", "Pick the area of social work.", nil)
	}
	if !oneOf(l.Function, ServiceFunctions) {
		fe.Add("function", "case.note.function.required", "Pick the function of the service.", nil)
	}
	if l.Minutes < 5 || l.Minutes > 720 {
		fe.Add("minutes", "worklog.minutes.invalid", "Minutes are 5 to 720.", nil)
	}
	if l.Date.IsZero() || Day(l.Date).After(Day(today)) || Day(l.Date).Before(Day(today).AddDate(-1, 0, 0)) {
		fe.Add("date", "worklog.date.invalid", "Give a day in the last year, not after today.", nil)
	}
	switch l.Beneficiary {
	case ForPerson:
		if l.ResidentID == "" && l.CaseID == "" {
			fe.Add("resident_id", "worklog.person.required", "Pick the person served, or the case.", nil)
		}
		l.Beneficiaries = 1
	case ForGroup, ForCommunity:
		l.ResidentID = ""
		if l.Beneficiaries < 1 || l.Beneficiaries > 100_000 {
			fe.Add("beneficiaries", "worklog.beneficiaries.invalid", "Give how many people were served (1 to 100000).", nil)
		}
	default:
		fe.Add("beneficiary", "worklog.beneficiary.invalid", "Pick who was served.", nil)
	}
	if utf8.RuneCountInString(l.Notes) > MaxCareText*4 {
		fe.Add("notes", "care.visit.notes.too_long", "Notes have at most 2000 characters.", nil)
	}
	return fe.Err()
}

// ServedPerson is a resident a social worker names as served without a
// case: enough to tell people of the same name apart, nothing more.
type ServedPerson struct {
	ResidentID string
	Name       string
	IDMasked   string
	Age        int
}

// MaxServedPeople bounds the residents of one name offered to pick from.
const MaxServedPeople = 10

// Supervision is a supervision session (督导) of a social worker by a
// supervisor. The notes are sealed.
type Supervision struct {
	ID             string
	SupervisorID   string
	SupervisorName string
	WorkerUserID   string
	WorkerName     string
	Community      string
	Date           time.Time
	Minutes        int
	Topic          string
	Notes          string
	CreatedAt      time.Time
}

// Validate checks a supervision record.
func (s *Supervision) Validate(today time.Time) error {
	var fe FieldErrors
	s.Topic, s.Notes = strings.TrimSpace(s.Topic), strings.TrimSpace(s.Notes)
	if s.WorkerUserID == "" {
		fe.Add("worker_user_id", "supervision.worker.required", "Pick the social worker supervised.", nil)
	}
	if n := utf8.RuneCountInString(s.Topic); n < 2 || n > 100 {
		fe.Add("topic", "supervision.topic.invalid", "Give the topic (2 to 100 characters).", nil)
	}
	if s.Minutes < 10 || s.Minutes > 480 {
		fe.Add("minutes", "supervision.minutes.invalid", "Minutes are 10 to 480.", nil)
	}
	if s.Date.IsZero() || Day(s.Date).After(Day(today)) || Day(s.Date).Before(Day(today).AddDate(-1, 0, 0)) {
		fe.Add("date", "worklog.date.invalid", "Give a day in the last year, not after today.", nil)
	}
	if utf8.RuneCountInString(s.Notes) > MaxCareText*4 {
		fe.Add("notes", "care.visit.notes.too_long", "Notes have at most 2000 characters.", nil)
	}
	return fe.Err()
}

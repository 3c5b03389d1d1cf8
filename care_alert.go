package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Mandatory reports (强制报告) and alerts (应急处置). Anyone — a teacher, a
// doctor, a villager, with or without an account — reports a suspected
// neglect, abuse or a child living alone; the report raises an alert to the
// community's 儿童主任 and the township's 儿童督导员 at once. The alert must
// be acknowledged within AlertAckWindow, or it is escalated to the county;
// its handling is a list of timed steps.

// Concern is what a report or an alert is about.
type Concern string

// Concerns.
const (
	ConcernNeglect     Concern = "neglect"      // 疑似监护缺失、疏于照料
	ConcernAbuse       Concern = "abuse"        // 疑似遭受侵害、虐待
	ConcernLivingAlone Concern = "living_alone" // 独自居住、无人照料
	ConcernOther       Concern = "other"        // 其他危险情形
)

// Concerns lists the concerns.
var Concerns = []Concern{ConcernNeglect, ConcernAbuse, ConcernLivingAlone, ConcernOther}

// ReporterKind is who made a report.
type ReporterKind string

// Reporter kinds; teachers and doctors are mandatory reporters (强制报告
// 义务主体).
const (
	ReporterTeacher  ReporterKind = "teacher"  // 教师
	ReporterDoctor   ReporterKind = "doctor"   // 医生
	ReporterVillager ReporterKind = "villager" // 村（居）民
	ReporterRelative ReporterKind = "relative" // 亲属
	ReporterStaff    ReporterKind = "staff"    // 工作人员
	ReporterOther    ReporterKind = "other"    // 其他
)

// ReporterKinds lists the kinds.
var ReporterKinds = []ReporterKind{ReporterTeacher, ReporterDoctor, ReporterVillager, ReporterRelative, ReporterStaff,
	ReporterOther}

// CareReport is a mandatory report. Everything a reporter writes is sealed
// at rest. The tracking token is given to the reporter once (hashed at
// rest); with it they see what happened to the report, never the child's
// record.
type CareReport struct {
	ID           string
	Number       string // 报告编号, readable
	Community    string // where the child lives
	ReporterKind ReporterKind
	ReporterName string // optional: a report may be anonymous
	ReporterOrg  string // school, clinic…, optional
	Phone        Phone  // optional, to call the reporter back
	ChildName    string // as the reporter knows it
	ChildAge     int    // 0 when not known
	Where        string // address or how to find the child
	Concern      Concern
	Details      string
	UserID       string // the reporter's account, "" for the public form
	AlertID      string
	Token        string // only on creation: the tracking token in clear
	ReportedAt   time.Time
}

// Limits of a report's texts, in characters.
const (
	MaxReportDetails = 2000
	MaxReportWhere   = 200
)

// Validate checks a report and returns every field error at once. Texts
// are trimmed.
func (r *CareReport) Validate() error {
	var fe FieldErrors
	r.ReporterName, r.ReporterOrg = strings.TrimSpace(r.ReporterName), strings.TrimSpace(r.ReporterOrg)
	r.ChildName, r.Where, r.Details = strings.TrimSpace(r.ChildName), strings.TrimSpace(r.Where), strings.TrimSpace(r.Details)
	if ValidateDivisionCode(r.Community) != nil || len(r.Community) != 12 {
		fe.Add("community", "care.report.community.invalid", "Pick the village or community where the child lives.", nil)
	}
	if !oneOf(r.ReporterKind, ReporterKinds) {
		fe.Add("reporter_kind", "care.report.reporter_kind.invalid", "Say who you are: teacher, doctor, villager…", nil)
	}
	if !oneOf(r.Concern, Concerns) {
		fe.Add("concern", "care.report.concern.invalid", "Pick what you are worried about.", nil)
	}
	if utf8.RuneCountInString(r.ReporterName) > MaxCareName || utf8.RuneCountInString(r.ReporterOrg) > 100 {
		fe.Add("reporter_name", "care.report.reporter.too_long", "Your name has at most 50 characters, your school or unit at most 100.", nil)
	}
	if n := utf8.RuneCountInString(r.ChildName); n > MaxCareName {
		fe.Add("child_name", "care.report.child_name.too_long", "The child's name has at most 50 characters.", nil)
	}
	if r.ChildAge < 0 || r.ChildAge > 17 {
		fe.Add("child_age", "care.report.child_age.invalid", "The child's age is 0 to 17, or leave it empty.", nil)
	}
	if n := utf8.RuneCountInString(r.Where); n < 2 || n > MaxReportWhere {
		fe.Add("where", "care.report.where.invalid", "Say where the child can be found (2 to 200 characters).", nil)
	}
	if n := utf8.RuneCountInString(r.Details); n < 5 || n > MaxReportDetails {
		fe.Add("details", "care.report.details.invalid", "Describe what you saw (5 to 2000 characters).", nil)
	}
	return fe.Err()
}

// AlertStatus is where an alert stands.
type AlertStatus string

// Alert statuses. Escalation is not a status: an open alert past its
// acknowledgement deadline gets EscalatedAt and stays open.
const (
	AlertOpen         AlertStatus = "open"         // 待响应
	AlertAcknowledged AlertStatus = "acknowledged" // 处置中
	AlertClosed       AlertStatus = "closed"       // 已办结
)

// AlertStatuses lists the statuses.
var AlertStatuses = []AlertStatus{AlertOpen, AlertAcknowledged, AlertClosed}

// alertTransitions: an alert is acknowledged before it is handled and
// closed.
var alertTransitions = map[AlertStatus][]AlertStatus{
	AlertOpen:         {AlertAcknowledged},
	AlertAcknowledged: {AlertClosed},
}

// AlertAckWindow is the time within which an alert must be acknowledged.
const AlertAckWindow = 24 * time.Hour

// AlertSource is what raised an alert.
type AlertSource string

// Alert sources.
const (
	AlertFromReport AlertSource = "report" // a mandatory report
	AlertFromVisit  AlertSource = "visit"  // a visit found a child living alone
)

// StepKind is one step of an alert's handling.
type StepKind string

// Steps. Acknowledge, escalate and close are recorded by the workflow;
// the others by the duty holder as they happen.
const (
	StepAcknowledge StepKind = "acknowledge" // 确认接报
	StepVisit       StepKind = "visit"       // 上门核查
	StepPolice      StepKind = "police"      // 报警、移交公安
	StepPlacement   StepKind = "placement"   // 临时安置
	StepGuardian    StepKind = "guardian"    // 联系父母或监护人
	StepOther       StepKind = "other"       // 其他处置
	StepEscalate    StepKind = "escalate"    // 超时上报县级
	StepClose       StepKind = "close"       // 办结
)

// HandlingSteps are the steps a duty holder records.
var HandlingSteps = []StepKind{StepVisit, StepPolice, StepPlacement, StepGuardian, StepOther}

// StepKinds lists every step kind.
var StepKinds = []StepKind{StepAcknowledge, StepVisit, StepPolice, StepPlacement, StepGuardian, StepOther, StepEscalate,
	StepClose}

// AlertStep is a timed step of an alert's handling; its note is sealed.
type AlertStep struct {
	ID     string
	Kind   StepKind
	At     time.Time
	ByID   string
	ByName string
	Note   string
}

// CareAlert is an alert (预警) to the duty holders of a community.
type CareAlert struct {
	ID             string
	Number         string
	Community      string
	Source         AlertSource
	ReportID       string // the report that raised it
	VisitID        string // or the visit
	PersonID       string // the person under care, when known
	Concern        Concern
	Status         AlertStatus
	RaisedAt       time.Time
	AckDue         time.Time // RaisedAt + AlertAckWindow
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	EscalatedAt    *time.Time
	ClosedAt       *time.Time
	Outcome        string // the closing note, sealed
	CaseID         string // the case opened from it, if any
	Steps          []*AlertStep
}

// CanTransition returns nil when the alert may go to to, else an EConflict
// naming the current state.
func (a *CareAlert) CanTransition(to AlertStatus) error {
	return checkTransition("alert", alertTransitions, a.Status, to)
}

// AckOverdue reports whether the alert is unacknowledged past its deadline
// on now.
func (a *CareAlert) AckOverdue(now time.Time) bool {
	return a.Status == AlertOpen && now.After(a.AckDue)
}

// ResponseTime is the time from raising to acknowledgement (0 when not
// acknowledged).
func (a *CareAlert) ResponseTime() time.Duration {
	if a.AcknowledgedAt == nil {
		return 0
	}
	return a.AcknowledgedAt.Sub(a.RaisedAt)
}

// AlertStepInput is a step a duty holder records, or the closing of the
// alert (Kind StepClose, Note the outcome).
type AlertStepInput struct {
	Kind StepKind
	Note string
}

// Validate checks a step: a handling step or close, with a note (required
// to close, at most 1000 characters).
func (s *AlertStepInput) Validate() error {
	var fe FieldErrors
	s.Note = strings.TrimSpace(s.Note)
	if s.Kind != StepClose && !oneOf(s.Kind, HandlingSteps) {
		fe.Add("kind", "care.step.kind.invalid", "Pick what was done.", nil)
	}
	if s.Kind == StepClose && s.Note == "" {
		fe.Add("note", "care.step.outcome.required", "Say how the alert was resolved.", nil)
	}
	if utf8.RuneCountInString(s.Note) > 1000 {
		fe.Add("note", "care.step.note.too_long", "At most 1000 characters.", nil)
	}
	return fe.Err()
}

// ReportStatus is what a reporter sees through the tracking token: where
// the report stands, never the child's record.
type ReportStatus struct {
	Number         string
	ReportedAt     time.Time
	Status         AlertStatus
	AcknowledgedAt *time.Time
	ClosedAt       *time.Time
	Escalated      bool
}

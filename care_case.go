package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Cases (个案管理): intake → assessment → plan → services → review → closed.
// The township's supervisor (儿童督导员) approves the assessment, the plan
// and the closure: the worker requests, the supervisor approves (the case
// moves on) or returns with a reason (it stays). A case and its notes are
// readable only by the assigned worker and the supervisor; an official may
// read one with a recorded reason (break-the-glass), which is audited and
// reported to the auditor.

// CaseStatus is a case's stage.
type CaseStatus string

// Case stages.
const (
	CaseIntake     CaseStatus = "intake"     // 接案
	CaseAssessment CaseStatus = "assessment" // 预估
	CasePlan       CaseStatus = "plan"       // 计划
	CaseServices   CaseStatus = "services"   // 服务
	CaseReview     CaseStatus = "review"     // 评估
	CaseClosed     CaseStatus = "closed"     // 结案
)

// CaseStatuses lists the stages in order.
var CaseStatuses = []CaseStatus{CaseIntake, CaseAssessment, CasePlan, CaseServices, CaseReview, CaseClosed}

// caseTransitions is the table of every move. Moves into plan, services and
// closed happen only through an approval (ApprovalStage.Target); the others
// are the worker's.
var caseTransitions = map[CaseStatus][]CaseStatus{
	CaseIntake:     {CaseAssessment, CaseClosed},
	CaseAssessment: {CasePlan, CaseClosed},
	CasePlan:       {CaseServices, CaseClosed},
	CaseServices:   {CaseReview, CaseClosed},
	CaseReview:     {CaseServices, CaseClosed},
}

// CanTransition returns nil when the case may go to to, else an EConflict
// naming the current stage.
func (c *Case) CanTransition(to CaseStatus) error {
	return checkTransition("case", caseTransitions, c.Status, to)
}

// NeedsApproval reports whether a move into to needs the supervisor's
// approval (and so cannot be made directly by the worker).
func NeedsApproval(to CaseStatus) bool {
	return to == CasePlan || to == CaseServices || to == CaseClosed
}

// ApprovalStage is what a supervisor approves.
type ApprovalStage string

// Stages of approval.
const (
	ApproveAssessment ApprovalStage = "assessment" // 预估审核
	ApprovePlan       ApprovalStage = "plan"       // 计划审核
	ApproveClosure    ApprovalStage = "closure"    // 结案审核
)

// ApprovalStages lists the stages.
var ApprovalStages = []ApprovalStage{ApproveAssessment, ApprovePlan, ApproveClosure}

// Target is the stage the case moves to when the approval is granted.
func (s ApprovalStage) Target() CaseStatus {
	switch s {
	case ApproveAssessment:
		return CasePlan
	case ApprovePlan:
		return CaseServices
	}
	return CaseClosed
}

// CanRequest returns nil when the worker may request the approval of
// stage in the case's current state: the assessment in assessment, the
// plan in plan, the closure in any open stage; and never while another
// request waits.
func (c *Case) CanRequest(stage ApprovalStage) error {
	if c.Pending != nil {
		return Errorf(EConflict, "case.approval.pending", "An approval is already waiting for the supervisor.")
	}
	ok := false
	switch stage {
	case ApproveAssessment:
		ok = c.Status == CaseAssessment
	case ApprovePlan:
		ok = c.Status == CasePlan
	case ApproveClosure:
		ok = c.Status != CaseClosed
	default:
		return Errorf(EInvalid, "case.approval.stage.invalid", "Unknown approval stage.")
	}
	if !ok {
		return Errorf(EConflict, "case.approval.wrong_stage", "The case is not at the stage this approval is for.").
			With(map[string]any{"From": Label{"case.status", string(c.Status)}})
	}
	return c.CanTransition(stage.Target())
}

// ApprovalStatus is where an approval request stands.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalRequested ApprovalStatus = "requested" // 待审核
	ApprovalApproved  ApprovalStatus = "approved"  // 已批准
	ApprovalReturned  ApprovalStatus = "returned"  // 已退回
)

// Approval is a request for the supervisor's approval and its answer.
type Approval struct {
	ID          string
	CaseID      string
	Stage       ApprovalStage
	Status      ApprovalStatus
	RequestedBy string
	RequestedAt time.Time
	Note        string // the worker's summary for the supervisor (sealed)
	DecidedBy   string
	DecidedAt   *time.Time
	Reason      string // why it was returned (sealed)
}

// ApprovalDecision is a supervisor's answer.
type ApprovalDecision struct {
	Approve bool
	Reason  string // required when returning
}

// Validate checks a decision: a return needs a reason.
func (d *ApprovalDecision) Validate() error {
	d.Reason = strings.TrimSpace(d.Reason)
	var fe FieldErrors
	if !d.Approve && d.Reason == "" {
		fe.Add("reason", "case.approval.reason.required", "Say why the request is returned; the worker sees it.", nil)
	}
	if utf8.RuneCountInString(d.Reason) > MaxCareText {
		fe.Add("reason", "care.text.too_long", "At most 500 characters.", nil)
	}
	return fe.Err()
}

// CaseOrigin is how a case came in.
type CaseOrigin string

// Origins. 社区矫正 and 社区戒毒 cases come on referral from the justice
// (司法所) or public-security side.
const (
	OriginCare    CaseOrigin = "care"    // 关爱对象
	OriginAlert   CaseOrigin = "alert"   // 预警处置
	OriginJustice CaseOrigin = "justice" // 司法行政转介（社区矫正）
	OriginPolice  CaseOrigin = "police"  // 公安转介（社区戒毒）
	OriginWalkIn  CaseOrigin = "walk_in" // 主动求助
	OriginOther   CaseOrigin = "other"   // 其他转介
)

// CaseOrigins lists the origins.
var CaseOrigins = []CaseOrigin{OriginCare, OriginAlert, OriginJustice, OriginPolice, OriginWalkIn, OriginOther}

// Case is a social-work case (个案) of one resident.
type Case struct {
	ID               string
	Number           string // 个案编号
	Community        string
	ResidentID       string
	PersonID         string // the care register's record, when under care
	AlertID          string // the alert it was opened from, if any
	Name             string // the resident's name, for those who may read the case
	Area             ServiceArea
	Origin           CaseOrigin
	Status           CaseStatus
	WorkerID         string // the assigned worker's account
	WorkerName       string
	Summary          string // the presenting problem (sealed)
	NextAssessmentOn *time.Time
	OpenedAt         time.Time
	ClosedAt         *time.Time
	UpdatedAt        time.Time
	Pending          *Approval // the approval waiting, if any
}

// Validate checks a new case.
func (c *Case) Validate() error {
	var fe FieldErrors
	c.Summary = strings.TrimSpace(c.Summary)
	if c.ResidentID == "" {
		fe.Add("resident_id", "case.resident.required", "Pick the person from the resident register.", nil)
	}
	if !oneOf(c.Area, ServiceAreas) {
		fe.Add("area", "case.area.invalid", "Pick the area of social work.", nil)
	}
	if !oneOf(c.Origin, CaseOrigins) {
		fe.Add("origin", "case.origin.invalid", "Pick how the case came in.", nil)
	}
	if (c.Origin == OriginJustice && c.Area != AreaCorrection) || (c.Origin == OriginPolice && c.Area != AreaDrugRehab) {
		fe.Add("area", "case.area.origin_mismatch", "A referral from the justice side is 社区矫正, from the police 社区戒毒.", nil)
	}
	if n := utf8.RuneCountInString(c.Summary); n < 2 || n > MaxCaseNote {
		fe.Add("summary", "case.summary.invalid", "Describe the presenting problem (2 to 4000 characters).", nil)
	}
	return fe.Err()
}

// CaseNoteKind is what a case note records.
type CaseNoteKind string

// Note kinds.
const (
	NoteIntake     CaseNoteKind = "intake"     // 接案记录
	NoteAssessment CaseNoteKind = "assessment" // 预估报告
	NotePlan       CaseNoteKind = "plan"       // 服务计划
	NoteService    CaseNoteKind = "service"    // 服务记录
	NoteReview     CaseNoteKind = "review"     // 评估记录
	NoteConference CaseNoteKind = "conference" // 个案会议
	NoteClosure    CaseNoteKind = "closure"    // 结案小结
)

// CaseNoteKinds lists the kinds.
var CaseNoteKinds = []CaseNoteKind{NoteIntake, NoteAssessment, NotePlan, NoteService, NoteReview, NoteConference,
	NoteClosure}

// MaxCaseNote bounds a note's body, in characters.
const MaxCaseNote = 4000

// CaseNote is an entry of a case file; its body and attendees are sealed.
type CaseNote struct {
	ID        string
	CaseID    string
	Kind      CaseNoteKind
	Function  ServiceFunction // for service notes
	Minutes   int             // for service notes and conferences
	Attendees string          // for conferences: who took part
	Body      string
	ByID      string
	ByName    string
	At        time.Time
}

// Validate checks a note: a service note names its function, a conference
// its attendees; minutes 0 to 1440.
func (n *CaseNote) Validate() error {
	var fe FieldErrors
	n.Body, n.Attendees = strings.TrimSpace(n.Body), strings.TrimSpace(n.Attendees)
	if !oneOf(n.Kind, CaseNoteKinds) {
		fe.Add("kind", "case.note.kind.invalid", "Pick what the note records.", nil)
	}
	if n.Kind == NoteService && !oneOf(n.Function, ServiceFunctions) {
		fe.Add("function", "case.note.function.required", "Pick the function of the service.", nil)
	}
	if n.Kind != NoteService {
		n.Function = ""
	}
	if n.Kind == NoteConference && n.Attendees == "" {
		fe.Add("attendees", "case.note.attendees.required", "Say who took part in the case conference.", nil)
	}
	if utf8.RuneCountInString(n.Attendees) > MaxCareText {
		fe.Add("attendees", "care.text.too_long", "At most 500 characters.", nil)
	}
	if n.Minutes < 0 || n.Minutes > 1440 {
		fe.Add("minutes", "case.note.minutes.invalid", "Minutes are 0 to 1440.", nil)
	}
	if c := utf8.RuneCountInString(n.Body); c < 2 || c > MaxCaseNote {
		fe.Add("body", "case.note.body.invalid", "Write the note (2 to 4000 characters).", nil)
	}
	return fe.Err()
}

// ReferralTarget is where a case is referred.
type ReferralTarget string

// Referral targets.
const (
	ReferToOrg     ReferralTarget = "org"          // a social organization of the register
	ReferToService ReferralTarget = "service_item" // a catalogue service item: a request is filed for the person
	ReferToWorker  ReferralTarget = "worker"       // another worker (the case is handed over when accepted)
)

// ReferralTargets lists the targets.
var ReferralTargets = []ReferralTarget{ReferToOrg, ReferToService, ReferToWorker}

// ReferralStatus is where a referral stands.
type ReferralStatus string

// Referral statuses.
const (
	ReferralPending  ReferralStatus = "pending"  // 待接收
	ReferralAccepted ReferralStatus = "accepted" // 已接收
	ReferralRefused  ReferralStatus = "refused"  // 已拒绝
)

// referralTransitions: a referral is answered once.
var referralTransitions = map[ReferralStatus][]ReferralStatus{
	ReferralPending: {ReferralAccepted, ReferralRefused},
}

// Referral (转介) of a case to an organization, a service item or another
// worker. The receiver sees what is asked (the note), never the case notes.
type Referral struct {
	ID            string
	CaseID        string
	CaseNumber    string
	Community     string
	Target        ReferralTarget
	OrgID         string
	OrgName       string
	ServiceItemID string
	ServiceName   string
	WorkerUserID  string
	RequestID     string // the request filed for a service item
	RequestNumber string // its readable number
	RequestState  RequestState
	// Values are the answers to the service item's form, filed with the
	// request (its required fields must be answered, as at the window).
	Values     map[string][]string
	Note       string // what is asked of the receiver (sealed)
	Status     ReferralStatus
	Reason     string // why it was refused
	CreatedAt  time.Time
	AnsweredAt *time.Time
	AnsweredBy string
}

// CanTransition returns nil when the referral may go to to.
func (r *Referral) CanTransition(to ReferralStatus) error {
	return checkTransition("referral", referralTransitions, r.Status, to)
}

// Validate checks a new referral: one target named, a note of 2 to 500
// characters.
func (r *Referral) Validate() error {
	var fe FieldErrors
	r.Note = strings.TrimSpace(r.Note)
	switch r.Target {
	case ReferToOrg:
		if r.OrgID == "" {
			fe.Add("org_id", "referral.org.required", "Pick the organization.", nil)
		}
	case ReferToService:
		if r.ServiceItemID == "" {
			fe.Add("service_item_id", "referral.service.required", "Pick the service item.", nil)
		}
	case ReferToWorker:
		if r.WorkerUserID == "" {
			fe.Add("worker_user_id", "referral.worker.required", "Pick the worker.", nil)
		}
	default:
		fe.Add("target", "referral.target.invalid", "Pick where the case is referred.", nil)
	}
	if n := utf8.RuneCountInString(r.Note); n < 2 || n > MaxCareText {
		fe.Add("note", "referral.note.invalid", "Say what is asked of the receiver (2 to 500 characters).", nil)
	}
	return fe.Err()
}

// ReferralAnswer is the receiver's answer.
type ReferralAnswer struct {
	Accept bool
	Reason string // required when refusing
}

// Validate checks an answer: a refusal needs a reason.
func (a *ReferralAnswer) Validate() error {
	a.Reason = strings.TrimSpace(a.Reason)
	var fe FieldErrors
	if !a.Accept && a.Reason == "" {
		fe.Add("reason", "referral.reason.required", "Say why the referral is refused.", nil)
	}
	if utf8.RuneCountInString(a.Reason) > MaxCareText {
		fe.Add("reason", "care.text.too_long", "At most 500 characters.", nil)
	}
	return fe.Err()
}

// BreakGlass is an official's recorded reason to read a case they are not
// assigned to (紧急调阅). It is audited and reported to the auditors of the
// case's scope.
type BreakGlass struct {
	ID       string
	CaseID   string
	Number   string
	UserID   string
	UserName string
	Reason   string
	At       time.Time
	Division string
}

// MinBreakGlassReason is the shortest reason accepted, in characters: a
// reason must say something.
const MinBreakGlassReason = 10

// ValidateBreakGlassReason checks an official's reason.
func ValidateBreakGlassReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < MinBreakGlassReason || n > MaxCareText {
		return reason, FieldErrors{{Field: "reason", Key: "case.break_glass.reason.invalid",
			Message: "Give the reason for reading this case (10 to 500 characters); it is recorded and reported to the auditor."}}.Err()
	}
	return reason, nil
}

package shequ

import (
	"context"
	"time"
)

// ComplaintState is the state of a complaint about property service.
type ComplaintState string

// Complaint states. accepted → forwarded to the company → answered →
// confirmed by the resident; a complaint the company does not answer in
// time, or whose answer the resident disputes, is escalated to the street,
// which decides it (upheld or dismissed) or sends it on to the housing
// department; both end closed. While the community waits for the resident
// to complete it (补正) its time limit stands still.
const (
	ComplaintAccepted         ComplaintState = "accepted"          // 已受理
	ComplaintAwaitingInfo     ComplaintState = "awaiting_info"     // 待补正
	ComplaintForwarded        ComplaintState = "forwarded"         // 已转物业
	ComplaintAnswered         ComplaintState = "answered"          // 物业已答复
	ComplaintConfirmed        ComplaintState = "confirmed"         // 居民已确认
	ComplaintEscalatedStreet  ComplaintState = "escalated_street"  // 已提请街道
	ComplaintEscalatedHousing ComplaintState = "escalated_housing" // 已移交住建部门
	ComplaintClosed           ComplaintState = "closed"            // 已办结
)

// ComplaintStates lists the states in workflow order.
var ComplaintStates = []ComplaintState{ComplaintAccepted, ComplaintAwaitingInfo, ComplaintForwarded,
	ComplaintAnswered, ComplaintConfirmed, ComplaintEscalatedStreet, ComplaintEscalatedHousing, ComplaintClosed}

var complaintTransitions = map[ComplaintState][]ComplaintState{
	ComplaintAccepted:         {ComplaintAwaitingInfo, ComplaintForwarded, ComplaintClosed},
	ComplaintAwaitingInfo:     {ComplaintAccepted, ComplaintClosed},
	ComplaintForwarded:        {ComplaintAnswered, ComplaintEscalatedStreet},
	ComplaintAnswered:         {ComplaintConfirmed, ComplaintEscalatedStreet},
	ComplaintEscalatedStreet:  {ComplaintEscalatedHousing, ComplaintClosed},
	ComplaintEscalatedHousing: {ComplaintClosed},
}

// CanTransition returns nil when the complaint may go to state to.
func (c *Complaint) CanTransition(to ComplaintState) error {
	return checkTransition("complaint", complaintTransitions, c.State, to)
}

// NextComplaintStates lists the states a complaint in state s may go to.
func NextComplaintStates(s ComplaintState) []ComplaintState { return complaintTransitions[s] }

// Open reports whether the complaint is still being handled.
func (s ComplaintState) Open() bool { return s != ComplaintConfirmed && s != ComplaintClosed }

// ComplaintActor returns the action a move to state to needs from state
// from, and whether only the complainant (the resident owning it) may make
// it: the company answers, the resident confirms or disputes an answer and
// completes a complaint awaiting information, the street decides
// escalations, the community handles the rest.
func ComplaintActor(from, to ComplaintState) (act Action, complainant bool) {
	switch {
	case to == ComplaintAnswered:
		return ActionComplaintAnswer, false
	case to == ComplaintConfirmed, from == ComplaintAnswered && to == ComplaintEscalatedStreet,
		from == ComplaintAwaitingInfo && to == ComplaintAccepted:
		return ActionComplaintSubmit, true
	case from == ComplaintEscalatedStreet, from == ComplaintEscalatedHousing:
		return ActionComplaintDecide, false
	}
	return ActionComplaintHandle, false
}

// ComplaintCategory is what a complaint is about.
type ComplaintCategory string

// Complaint categories.
const (
	ComplainAttitude ComplaintCategory = "attitude" // 服务态度
	ComplainCleaning ComplaintCategory = "cleaning" // 保洁
	ComplainGreening ComplaintCategory = "greening" // 绿化
	ComplainSecurity ComplaintCategory = "security" // 秩序维护/安全
	ComplainRepairs  ComplaintCategory = "repairs"  // 维修
	ComplainFees     ComplaintCategory = "fees"     // 收费
	ComplainOther    ComplaintCategory = "other"    // 其他
)

// ComplaintCategories lists them.
var ComplaintCategories = []ComplaintCategory{ComplainAttitude, ComplainCleaning, ComplainGreening, ComplainSecurity,
	ComplainRepairs, ComplainFees, ComplainOther}

// Verdict is the street's (or the housing department's) finding on an
// escalated complaint.
type Verdict string

// Verdicts.
const (
	VerdictUpheld    Verdict = "upheld"    // 投诉成立
	VerdictDismissed Verdict = "dismissed" // 投诉不成立
)

// Verdicts lists them.
var Verdicts = []Verdict{VerdictUpheld, VerdictDismissed}

// Complaint is a resident's complaint about the property service of an
// estate (物业服务投诉).
type Complaint struct {
	ID          string
	Number      string // readable: WY-330523-20261129-0001
	EstateID    string
	EstateName  string // read-only
	Community   string
	CompanyID   string // the company in charge when filed, "" none
	CompanyName string // read-only
	ResidentID  string // "" for an anonymous phone complaint
	OwnerUserID string // the complainant's account, "" none
	Channel     Channel
	Category    ComplaintCategory
	Description string
	State       ComplaintState
	Missing     string // awaiting_info: what the resident must add
	Answer      string // the company's answer
	AnsweredAt  *time.Time
	AnswerLate  bool // answered after its time limit
	// WasLate: a step of the community, the company or the street ran
	// past its time limit (the resident's own step does not count).
	WasLate   bool
	Dispute   string
	Verdict   Verdict
	Result    string // the decision or closing note
	DueAt     time.Time
	PausedAt  *time.Time
	ClosedAt  *time.Time
	FiledBy   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Overdue reports whether the step in hand is past its time limit at now.
func (c *Complaint) Overdue(now time.Time) bool {
	return c.State.Open() && c.PausedAt == nil && now.After(c.DueAt)
}

// ServiceStep reports whether a step of state s is the community's, the
// company's or the street's (not the resident's), whose lateness counts
// against the on-time rate.
func (s ComplaintState) ServiceStep() bool {
	switch s {
	case ComplaintAccepted, ComplaintForwarded, ComplaintEscalatedStreet, ComplaintEscalatedHousing:
		return true
	}
	return false
}

// StepLimit returns the working days the step of state s has.
func (l ComplaintLimits) StepLimit(s ComplaintState) int {
	switch s {
	case ComplaintAccepted:
		return l.Forward
	case ComplaintForwarded:
		return l.Answer
	case ComplaintAnswered:
		return l.Confirm
	case ComplaintEscalatedStreet:
		return l.Street
	case ComplaintEscalatedHousing:
		return l.Housing
	}
	return 0
}

// ComplaintInput is what filing a complaint takes.
type ComplaintInput struct {
	EstateID    string
	Channel     Channel // online (a resident), window or phone (a community worker)
	ResidentID  string  // window/phone: the resident, optional for phone
	Category    ComplaintCategory
	Description string
}

// Validate checks the input's own fields.
func (in *ComplaintInput) Validate() error {
	var fe FieldErrors
	if in.EstateID == "" {
		fe.Add("estate_id", "contract.estate.required", "Pick the estate.", nil)
	}
	if in.Channel != ChannelOnline && in.Channel != ChannelWindow && in.Channel != ChannelPhone {
		fe.Add("channel", "complaint.channel.invalid", "A complaint comes online, at the window or by phone.", nil)
	}
	if !oneOf(in.Category, ComplaintCategories) {
		fe.Add("category", "complaint.category.invalid", "Pick what the complaint is about.", nil)
	}
	if !trimText(&in.Description, 5, 2000) {
		fe.Add("description", "complaint.description.invalid", "Describe the problem in 5 to 2000 characters.", nil)
	}
	if in.Channel == ChannelWindow && in.ResidentID == "" {
		fe.Add("resident_id", "complaint.resident.required", "A complaint at the window names the resident.", nil)
	}
	return fe.Err()
}

// ComplaintMove is a step of a complaint with what it needs: the missing
// information (awaiting_info), the company's answer (answered), the
// resident's objection (disputed: escalated_street from answered), the
// verdict and result (closed after an escalation), a reason (closed
// otherwise, escalated_housing).
type ComplaintMove struct {
	To      ComplaintState
	Text    string
	Verdict Verdict
}

// Check validates a move from state from.
func (m *ComplaintMove) Check(from ComplaintState) error {
	var fe FieldErrors
	if !oneOf(m.To, ComplaintStates) {
		fe.Add("to", "complaint.to.invalid", "Unknown complaint state.", nil)
		return fe.Err()
	}
	min := 2
	if m.To == ComplaintConfirmed || m.To == ComplaintForwarded || m.To == ComplaintAccepted {
		min = 0
	}
	if !trimText(&m.Text, min, 2000) {
		fe.Add("text", "complaint.text.invalid", "Write 2 to 2000 characters.", nil)
	}
	closingEscalation := m.To == ComplaintClosed && (from == ComplaintEscalatedStreet || from == ComplaintEscalatedHousing)
	if closingEscalation && !oneOf(m.Verdict, Verdicts) {
		fe.Add("verdict", "complaint.verdict.required", "Decide whether the complaint is upheld.", nil)
	}
	if !closingEscalation && m.Verdict != "" {
		fe.Add("verdict", "complaint.verdict.unexpected", "Only an escalated complaint gets a verdict.", nil)
	}
	return fe.Err()
}

// ComplaintFilter selects complaints.
type ComplaintFilter struct {
	Division  string
	EstateID  string
	CompanyID string
	States    []ComplaintState
	Overdue   bool
	Offset    int
	Limit     int
}

// ComplaintService takes and follows complaints. A resident sees their
// own, property staff those forwarded to their company (without the
// complainant's identity), workers and officials those of their scope.
type ComplaintService interface {
	FileComplaint(ctx context.Context, in *ComplaintInput) (*Complaint, error)
	FindComplaintByID(ctx context.Context, id string) (*Complaint, error)
	FindComplaints(ctx context.Context, f ComplaintFilter) ([]*Complaint, int, error)
	// MoveComplaint moves a complaint (see ComplaintActor for who may).
	// The company may also answer an escalated complaint it has not
	// answered yet: the answer is recorded, late, and the state stays.
	MoveComplaint(ctx context.Context, id string, m ComplaintMove) (*Complaint, error)
	// ComplaintTimeline returns the complaint's history for whoever may
	// read it (staff names hidden from the complainant and the company).
	ComplaintTimeline(ctx context.Context, id string) ([]*TimelineEvent, error)
}

package shequ

import (
	"context"
	"time"
)

// InspectionScore is the score of one checklist item in an inspection.
type InspectionScore struct {
	Key   string
	Name  string
	Max   int
	Pass  int
	Score int
	Note  string // the finding, required when the item fails
}

// Failed reports whether the item scored below its pass mark.
func (s InspectionScore) Failed() bool { return s.Score < s.Pass }

// Inspection is a visit of the environment and property management
// committee to an estate, scored on the county's checklist. Every failed
// item becomes a rectification order to the company managing the estate.
type Inspection struct {
	ID         string
	EstateID   string
	EstateName string // read-only
	Community  string
	CompanyID  string // the company in charge on the day, "" when none
	Day        time.Time
	Inspectors string // who inspected (names, units)
	Items      []InspectionScore
	Total, Max int
	Note       string
	RecordedBy string
	Photos     int
	// Read-only: the orders it raised.
	Rectifications []*Rectification
	CreatedAt      time.Time
}

// Passed reports whether no item failed.
func (in *Inspection) Passed() bool {
	for _, it := range in.Items {
		if it.Failed() {
			return false
		}
	}
	return true
}

// InspectionInput is what recording an inspection takes: the scores by
// checklist key, the notes of failed items, and the due date of their
// rectification (default: the county's rectification days).
type InspectionInput struct {
	EstateID   string
	Day        time.Time
	Inspectors string
	Scores     map[string]int
	Notes      map[string]string
	Note       string
	DueOn      *time.Time
}

// Score checks the input against the checklist and returns the scored
// inspection (without ids); every error at once. now bounds the day.
func (in *InspectionInput) Score(list []ChecklistItem, now time.Time) (*Inspection, error) {
	var fe FieldErrors
	if in.EstateID == "" {
		fe.Add("estate_id", "contract.estate.required", "Pick the estate.", nil)
	}
	if in.Day.IsZero() || DateOf(in.Day).After(DateOf(now)) || DateOf(in.Day).Before(DateOf(now).AddDate(-1, 0, 0)) {
		fe.Add("day", "inspection.day.invalid", "The day of the inspection is within the last year, not in the future.", nil)
	}
	if !trimText(&in.Inspectors, 2, 200) {
		fe.Add("inspectors", "inspection.inspectors.invalid", "Name the inspectors in 2 to 200 characters.", nil)
	}
	if !trimText(&in.Note, 0, 2000) {
		fe.Add("note", "request.note.long", "The note has at most 2000 characters.", nil)
	}
	out := &Inspection{EstateID: in.EstateID, Day: DateOf(in.Day), Inspectors: in.Inspectors, Note: in.Note}
	for _, it := range list {
		score, ok := in.Scores[it.Key]
		data := map[string]any{"Item": it.Name, "Max": it.Max}
		if !ok || score < 0 || score > it.Max {
			fe.Add("score."+it.Key, "inspection.score.invalid", "{{.Item}}: score 0 to {{.Max}}.", data)
			continue
		}
		s := InspectionScore{Key: it.Key, Name: it.Name, Max: it.Max, Pass: it.Pass, Score: score, Note: in.Notes[it.Key]}
		if !trimText(&s.Note, 0, 500) {
			fe.Add("note."+it.Key, "inspection.finding.long", "{{.Item}}: the finding has at most 500 characters.", data)
		}
		if s.Failed() && s.Note == "" {
			fe.Add("note."+it.Key, "inspection.finding.required", "{{.Item}} failed: describe what must be put right.", data)
		}
		out.Items = append(out.Items, s)
		out.Total += score
		out.Max += it.Max
	}
	for k := range in.Scores {
		if !checklistHas(list, k) {
			fe.Add("score."+k, "inspection.item.unknown", "The checklist has no such item.", nil)
		}
	}
	if in.DueOn != nil && !DateOf(*in.DueOn).After(DateOf(now)) {
		fe.Add("due_on", "rectification.due.invalid", "The rectification is due after today.", nil)
	}
	return out, fe.Err()
}

func checklistHas(list []ChecklistItem, key string) bool {
	for _, it := range list {
		if it.Key == key {
			return true
		}
	}
	return false
}

// RectificationStatus is the state of a rectification order (整改).
type RectificationStatus string

// Rectification states: open → reported (the company says it is done) →
// verified (the follow-up inspection passed) | open again (it failed, with
// a new due date); open past its due date → overdue, which the company may
// still report.
const (
	RectifyOpen     RectificationStatus = "open"     // 待整改
	RectifyReported RectificationStatus = "reported" // 已报整改
	RectifyVerified RectificationStatus = "verified" // 已复查通过
	RectifyOverdue  RectificationStatus = "overdue"  // 逾期未整改
)

// RectificationStatuses lists the states.
var RectificationStatuses = []RectificationStatus{RectifyOpen, RectifyReported, RectifyVerified, RectifyOverdue}

var rectifyTransitions = map[RectificationStatus][]RectificationStatus{
	RectifyOpen:     {RectifyReported, RectifyOverdue},
	RectifyOverdue:  {RectifyReported},
	RectifyReported: {RectifyVerified, RectifyOpen},
}

// CanTransition returns nil when the order may go to state to.
func (r *Rectification) CanTransition(to RectificationStatus) error {
	return checkTransition("rectification", rectifyTransitions, r.Status, to)
}

// Rectification is an order to a company to put right a failed checklist
// item of an inspection by a due date, checked by a follow-up inspection.
type Rectification struct {
	ID           string
	InspectionID string
	EstateID     string
	EstateName   string // read-only
	Community    string
	CompanyID    string
	ItemKey      string
	ItemName     string
	Finding      string
	DueOn        time.Time
	Status       RectificationStatus
	Report       string // what the company did
	ReportedAt   *time.Time
	FollowUp     string // the follow-up inspection's finding
	VerifiedAt   *time.Time
	OverdueAt    *time.Time // when it went overdue (once)
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Late reports whether the order is past its due date at now and not put
// right.
func (r *Rectification) Late(now time.Time) bool {
	return (r.Status == RectifyOpen || r.Status == RectifyOverdue) && DateOf(now).After(r.DueOn)
}

// RectificationMove is a step of a rectification: the company's report, or
// the follow-up inspection's result (verified, or open with a new due date).
type RectificationMove struct {
	To    RectificationStatus
	Text  string     // the report or the follow-up finding
	DueOn *time.Time // back to open: the new due date
}

// Check validates the move's fields at now.
func (m *RectificationMove) Check(now time.Time) error {
	var fe FieldErrors
	if !oneOf(m.To, []RectificationStatus{RectifyReported, RectifyVerified, RectifyOpen}) {
		fe.Add("to", "rectification.to.invalid", "Report the rectification, or verify or reopen it.", nil)
	}
	if !trimText(&m.Text, 2, 2000) {
		fe.Add("text", "rectification.text.invalid", "Describe it in 2 to 2000 characters.", nil)
	}
	if m.To == RectifyOpen && (m.DueOn == nil || !DateOf(*m.DueOn).After(DateOf(now))) {
		fe.Add("due_on", "rectification.due.invalid", "The rectification is due after today.", nil)
	}
	return fe.Err()
}

// RectificationFilter selects rectification orders.
type RectificationFilter struct {
	Division  string
	EstateID  string
	CompanyID string
	Status    RectificationStatus
	Offset    int
	Limit     int
}

// InspectionService records inspections and follows their rectification
// orders.
type InspectionService interface {
	// RecordInspection scores an inspection on the county's checklist and
	// raises a rectification order to the company for every failed item;
	// a failed inspection is a bad credit record.
	RecordInspection(ctx context.Context, in *InspectionInput) (*Inspection, error)
	FindInspectionByID(ctx context.Context, id string) (*Inspection, error)
	FindInspections(ctx context.Context, estateID string, limit int) ([]*Inspection, error)
	AddInspectionPhoto(ctx context.Context, inspectionID string, data []byte) error
	InspectionPhotos(ctx context.Context, inspectionID string) ([]*LinkagePhoto, error)
	FindRectificationByID(ctx context.Context, id string) (*Rectification, error)
	FindRectifications(ctx context.Context, f RectificationFilter) ([]*Rectification, int, error)
	// MoveRectification reports (property staff of the company) or
	// verifies or reopens (community workers) an order.
	MoveRectification(ctx context.Context, id string, m RectificationMove) (*Rectification, error)
}

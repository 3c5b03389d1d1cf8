package shequ

// The request (办件) contract. These signatures are stable: later work adds
// methods and fields, it does not change these.
//
//	type ServiceItemService interface {
//		ListItems(ctx context.Context, division string) ([]*ServiceItem, error)
//		GetItem(ctx context.Context, code string) (*ServiceItem, error)
//		SaveItems(ctx context.Context, items []*ServiceItem) error
//	}
//	func (it *ServiceItem) CheckValues(in map[string][]string, now time.Time) (map[string][]string, error)
//
//	type RequestService interface {
//		Submit(ctx context.Context, in *RequestInput) (*ServiceRequest, error)
//		Get(ctx context.Context, id string) (*ServiceRequest, error)
//		GetByToken(ctx context.Context, token string) (*ServiceRequest, error)
//		Find(ctx context.Context, f RequestFilter) ([]*ServiceRequest, int, error)
//		Transition(ctx context.Context, id string, to RequestState, in TransitionInput) (*ServiceRequest, error)
//		Timeline(ctx context.Context, id string) ([]*RequestEvent, error)
//	}
//
// The actor comes from the context (WithActor). Submit by a resident account
// files the request for the resident linked to it; a worker (window, phone)
// names the resident or leaves ResidentID empty for an anonymous report
// (Open311), an agent names the delegation.

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestState is the state of a request (DESIGN §6).
type RequestState string

// Request states.
const (
	RequestSubmitted         RequestState = "submitted"          // 已提交
	RequestAccepted          RequestState = "accepted"           // 已受理
	RequestRefused           RequestState = "refused"            // 不予受理
	RequestInProcess         RequestState = "in_process"         // 办理中
	RequestAwaitingMaterials RequestState = "awaiting_materials" // 待补正 (SLA clock paused)
	RequestTransferred       RequestState = "transferred"        // 已转办
	RequestCompleted         RequestState = "completed"          // 已办结
	RequestRated             RequestState = "rated"              // 已评价
	RequestClosed            RequestState = "closed"             // 已归档
)

// RequestStates lists the states in workflow order.
var RequestStates = []RequestState{RequestSubmitted, RequestAccepted, RequestRefused, RequestInProcess,
	RequestAwaitingMaterials, RequestTransferred, RequestCompleted, RequestRated, RequestClosed}

// Valid reports whether s is one of RequestStates.
func (s RequestState) Valid() bool { return oneOf(s, RequestStates) }

// Open reports whether the request is still being handled: Open311 shows
// "open" for these and "closed" for refused, completed, rated and closed.
func (s RequestState) Open() bool {
	switch s {
	case RequestRefused, RequestCompleted, RequestRated, RequestClosed:
		return false
	}
	return true
}

// requestTransitions is the workflow: submitted → accepted | refused;
// accepted → in_process ⇄ awaiting_materials; in_process → transferred →
// in_process; in_process → completed → rated | closed; rated → closed.
// Transfer is allowed from accepted too, and refused requests may be closed.
var requestTransitions = map[RequestState][]RequestState{
	RequestSubmitted:         {RequestAccepted, RequestRefused},
	RequestAccepted:          {RequestInProcess, RequestAwaitingMaterials, RequestTransferred},
	RequestInProcess:         {RequestAwaitingMaterials, RequestTransferred, RequestCompleted},
	RequestAwaitingMaterials: {RequestInProcess},
	RequestTransferred:       {RequestInProcess},
	RequestCompleted:         {RequestRated, RequestClosed},
	RequestRated:             {RequestClosed},
	RequestRefused:           {RequestClosed},
}

// NextStates lists the states a request in state s may move to.
func NextStates(s RequestState) []RequestState { return requestTransitions[s] }

// CanTransition returns nil when the request may move to state to, else an
// EConflict naming the current state.
func (r *ServiceRequest) CanTransition(to RequestState) error {
	if oneOf(to, requestTransitions[r.State]) {
		return nil
	}
	return Errorf(EConflict, "request.transition", "A request that is %s cannot become %s.", r.State, to).
		With(map[string]any{"From": Label{"request.state", string(r.State)}, "To": Label{"request.state", string(to)}})
}

// ServiceRequest is one request (办件).
type ServiceRequest struct {
	ID           string
	Number       string // readable, unique per county: 330523-20261129-000123
	Token        string // tracks the request without login; secret
	ItemCode     string
	ItemName     string // from the catalogue, for display
	Community    string // 12-digit community code
	ResidentID   string // "" for an anonymous report
	OwnerUserID  string // the resident's account, "" when none
	Channel      Channel
	Description  string
	Values       map[string][]string // the form's values, normalized by CheckValues
	Lat, Lng     *float64            // WGS-84, optional
	Address      string
	State        RequestState
	Department   string   // the department handling it now (承办部门, or the one transferred to)
	DelegationID string   // agency: the delegation it was filed under
	AgentID      string   // agency: the agent's user id
	SubmittedBy  string   // user id of whoever filed it ("" for a public report)
	IdentityNote string   // window/phone: how the resident's identity was checked
	Materials    []string // materials handed over at intake
	Missing      []string // awaiting_materials: exactly what is missing
	Result       string   // completed: the result
	Reason       string   // refused: the reason
	Rating       int      // 1–5 once rated
	RatingNote   string
	DueAt        time.Time  // end of the last working day of the time limit, moved on by paused days
	PausedAt     *time.Time // set while awaiting_materials
	CompletedAt  *time.Time
	HandlingDays int // working days from filing to completion, once completed
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DueSoonDays is how many working days before the due date a request is
// flagged as due soon.
const DueSoonDays = 2

// Overdue reports whether the request is past its due date at now and still
// open; the clock does not run while it awaits materials.
func (r *ServiceRequest) Overdue(now time.Time) bool {
	end := now
	if r.PausedAt != nil {
		end = *r.PausedAt
	}
	if r.CompletedAt != nil {
		return r.CompletedAt.After(r.DueAt)
	}
	return r.State.Open() && end.After(r.DueAt)
}

// DueSoon reports whether an open request not yet overdue is due within
// DueSoonDays working days of now.
func (r *ServiceRequest) DueSoon(cal *Calendar, now time.Time) bool {
	if !r.State.Open() || r.PausedAt != nil || r.Overdue(now) {
		return false
	}
	return !cal.AddWorkdays(now, DueSoonDays).Before(r.DueAt)
}

// DueDate returns the due date of a request filed at t for an item with a
// time limit of days working days.
func DueDate(cal *Calendar, t time.Time, days int) time.Time { return cal.AddWorkdays(t, days) }

// Resume returns the due date moved on by the working days spent awaiting
// materials from pausedAt up to now: the SLA clock stops while the
// resident gathers what is missing.
func Resume(cal *Calendar, due, pausedAt, now time.Time) time.Time {
	n := cal.WorkdaysBetween(pausedAt, now)
	if n == 0 {
		return due
	}
	return cal.AddWorkdays(due, n)
}

// RequestInput is what Submit needs.
type RequestInput struct {
	ItemCode     string
	Community    string // required unless the resident (or delegation) gives it
	ResidentID   string // window/phone: the resident acted for; agency: from the delegation
	Channel      Channel
	Description  string
	Values       map[string][]string
	Lat, Lng     *float64
	Address      string
	DelegationID string   // agency
	IdentityNote string   // window: how identity was checked (e.g. 身份证原件核验); required at the window
	Materials    []string // names of the checklist's materials handed over
}

// Validate checks the input's own fields (not the form, which needs the
// item) and returns every field error at once.
func (in *RequestInput) Validate() error {
	var fe FieldErrors
	in.Description = strings.TrimSpace(in.Description)
	in.Address = strings.TrimSpace(in.Address)
	in.IdentityNote = strings.TrimSpace(in.IdentityNote)
	if !validItemCode(in.ItemCode) {
		fe.Add("service_code", "request.item.invalid", "Pick a service item.", nil)
	}
	if in.Community != "" && (len(in.Community) != 12 || ValidateDivisionCode(in.Community) != nil) {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if !in.Channel.Valid() {
		fe.Add("channel", "request.channel.invalid", "The channel is online, window, agency or phone.", nil)
	}
	if utf8.RuneCountInString(in.Description) > 4000 || !utf8.ValidString(in.Description) {
		fe.Add("description", "request.description.long", "The description has at most 4000 characters.", nil)
	}
	if utf8.RuneCountInString(in.Address) > 200 || !utf8.ValidString(in.Address) {
		fe.Add("address_string", "request.address.long", "The address has at most 200 characters.", nil)
	}
	if (in.Lat == nil) != (in.Lng == nil) || in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180 || *in.Lat != *in.Lat || *in.Lng != *in.Lng) {
		fe.Add("lat", "request.location.invalid", "Give both latitude (-90 to 90) and longitude (-180 to 180) in WGS-84, or neither.", nil)
	}
	if in.Channel == ChannelWindow && in.IdentityNote == "" {
		fe.Add("identity_note", "request.identity.required", "Record how the resident's identity was checked.", nil)
	}
	if in.Channel == ChannelAgency && in.DelegationID == "" {
		fe.Add("delegation_id", "request.delegation.required", "A request by an agent names the delegation.", nil)
	}
	if utf8.RuneCountInString(in.IdentityNote) > 200 {
		fe.Add("identity_note", "request.identity.long", "The identity note has at most 200 characters.", nil)
	}
	return fe.Err()
}

// TransitionInput carries what a transition needs besides the new state.
type TransitionInput struct {
	Note       string   // any transition: a note on the timeline
	Reason     string   // refused: required
	Missing    []string // awaiting_materials: required, exactly what is missing
	Department string   // transferred: required, the department it goes to
	Result     string   // completed: required
	Rating     int      // rated: 1–5, by the resident
}

// Check validates the input for a transition to state to.
func (in *TransitionInput) Check(to RequestState) error {
	var fe FieldErrors
	in.Note = strings.TrimSpace(in.Note)
	in.Reason = strings.TrimSpace(in.Reason)
	in.Department = strings.TrimSpace(in.Department)
	in.Result = strings.TrimSpace(in.Result)
	var missing []string
	for _, m := range in.Missing {
		if m = strings.TrimSpace(m); m != "" {
			missing = append(missing, m)
		}
	}
	in.Missing = missing
	if utf8.RuneCountInString(in.Note) > 2000 {
		fe.Add("note", "request.note.long", "The note has at most 2000 characters.", nil)
	}
	switch to {
	case RequestRefused:
		if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 2000 {
			fe.Add("reason", "request.reason.required", "Say why the request is refused.", nil)
		}
	case RequestAwaitingMaterials:
		if len(in.Missing) == 0 || len(in.Missing) > 50 {
			fe.Add("missing", "request.missing.required", "Say exactly which materials are missing.", nil)
		}
	case RequestTransferred:
		if in.Department == "" || utf8.RuneCountInString(in.Department) > 100 {
			fe.Add("department", "request.department.required", "Name the department the request goes to.", nil)
		}
	case RequestCompleted:
		if in.Result == "" || utf8.RuneCountInString(in.Result) > 2000 {
			fe.Add("result", "request.result.required", "Give the result.", nil)
		}
	case RequestRated:
		if in.Rating < 1 || in.Rating > 5 {
			fe.Add("rating", "request.rating.invalid", "The rating is 1 to 5 stars.", nil)
		}
	}
	return fe.Err()
}

// RequestEvent is one entry of a request's timeline.
type RequestEvent struct {
	ID        string
	RequestID string
	At        time.Time
	ActorID   string // user id, "" for the public
	ActorName string
	Kind      string       // "state", "attachment", "custody", "note"
	From, To  RequestState // for "state"
	Note      string       // reason, result, missing materials, department, file name…
	OnBehalf  string       // agent acting under a delegation: the delegation id
}

// RequestFilter selects requests; empty fields are not filtered on.
type RequestFilter struct {
	Division   string         // community at or below this code (always narrowed to the caller's scope)
	States     []RequestState // any of these
	ItemCode   string
	Channel    Channel
	ResidentID string
	IDs        []string  // these ids only (Open311 service_request_id)
	From, To   time.Time // created at or after From and before To, when set
	Overdue    bool      // only open requests past their due date
	// DueBefore, when set, keeps the requests whose clock runs (not
	// paused) and that are due before it: with the open states, what is
	// overdue or due soon.
	DueBefore time.Time
	// Keyset paging for the queue, ordered by due date then id: requests
	// after (AfterDue, AfterID). Offset is for the other lists.
	AfterDue *time.Time
	AfterID  string
	Offset   int
	Limit    int // 1–1000; 0 means 50
	// OrderByCreated orders by creation time, newest first, instead of by
	// due date (Open311 lists).
	OrderByCreated bool
}

// QueueCounts is the number of requests per state in a queue's division,
// for the filter tabs.
type QueueCounts map[RequestState]int

// QueuePage is a page of the worker queue as its page shows it: brief rows
// by due date (id, number, item, community, state, channel and the due,
// paused, completed and created times; no form values, materials, texts or
// owner), the counts per state and the counts by item and channel of the
// scope.
type QueuePage struct {
	Rows   []*ServiceRequest
	Counts QueueCounts
	ByItem []*ItemRequestCount
}

// RequestService keeps requests (办件).
type RequestService interface {
	// Submit files a request: request + timeline event + audit in one
	// transaction. The due date counts the item's working days.
	Submit(ctx context.Context, in *RequestInput) (*ServiceRequest, error)
	// Get returns a request the actor may see.
	Get(ctx context.Context, id string) (*ServiceRequest, error)
	// GetByToken returns a request by its tracking token, without sign-in.
	GetByToken(ctx context.Context, token string) (*ServiceRequest, error)
	// Lookup returns, without sign-in, the request numbered number whose
	// applicant (the resident it was filed for) has the ID number
	// idNumber; anything else is ENotFound, whichever part did not match.
	// Every lookup is audited.
	Lookup(ctx context.Context, number, idNumber string) (*ServiceRequest, error)
	// Find lists requests in the actor's scope and the total matching.
	Find(ctx context.Context, f RequestFilter) ([]*ServiceRequest, int, error)
	// Transition moves a request to state to (workers; residents only rate):
	// new state + timeline event + audit in one transaction.
	Transition(ctx context.Context, id string, to RequestState, in TransitionInput) (*ServiceRequest, error)
	// Timeline returns the request's events, oldest first.
	Timeline(ctx context.Context, id string) ([]*RequestEvent, error)
	// RevealRequest returns a request with the personal values of its form
	// in clear (every other read masks them): it needs
	// ActionResidentReveal over the request and is audited.
	RevealRequest(ctx context.Context, id string) (*ServiceRequest, error)
}

// RequestDesk is the front desk's and the queue's side of the requests,
// beside RequestService.
type RequestDesk interface {
	// Queue returns a page of the worker queue by due date (keyset after
	// f.AfterDue/AfterID) with the counts per state of the scope, in a
	// fixed number of queries whatever the page size.
	Queue(ctx context.Context, f RequestFilter) ([]*ServiceRequest, QueueCounts, error)
	// QueuePage returns the worker queue page of f: brief rows, the counts
	// per state and by item of the scope, in one query.
	QueuePage(ctx context.Context, f RequestFilter) (*QueuePage, error)
	// BulkTransfer transfers requests to a department, all or nothing.
	BulkTransfer(ctx context.Context, ids []string, department, note string) (int, error)
	// TimelineByToken is the public timeline of a tracked request.
	TimelineByToken(ctx context.Context, token string) ([]*RequestEvent, error)
	// AddAttachment stores a file of a "request" or a "delegation";
	// contentType is sniffed by the caller, CheckAttachment sets limits.
	AddAttachment(ctx context.Context, objectType, objectID, name, contentType string, data []byte) (*Attachment, error)
	Attachments(ctx context.Context, objectType, objectID string) ([]*Attachment, error)
	OpenAttachment(ctx context.Context, id string) (*Attachment, []byte, error)
	// CountByItem counts the requests of a division (within the actor's
	// scope) by item and channel, most requested first.
	CountByItem(ctx context.Context, division string) ([]*ItemRequestCount, error)
}

// HolidayCalendar gives the working-day calendar of the holiday table; a
// page says when a year is not covered (weekends alone then).
type HolidayCalendar interface {
	Calendar(ctx context.Context) (*Calendar, error)
}

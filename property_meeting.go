package shequ

import (
	"context"
	"time"
)

// PartyKind is a party to a joint meeting (联席会议).
type PartyKind string

// Parties of a joint meeting.
const (
	PartyCPC       PartyKind = "party_org"        // 社区党组织
	PartyRC        PartyKind = "rc"               // 居委会
	PartyOwners    PartyKind = "owners_committee" // 业主委员会
	PartyCompany   PartyKind = "company"          // 物业服务企业
	PartyPolice    PartyKind = "police"           // 派出所
	PartyOtherKind PartyKind = "other"            // 其他单位
)

// PartyKinds lists them in display order.
var PartyKinds = []PartyKind{PartyCPC, PartyRC, PartyOwners, PartyCompany, PartyPolice, PartyOtherKind}

// MeetingParty is one party present at a meeting.
type MeetingParty struct {
	Kind      PartyKind
	Name      string // the unit or person attending
	CompanyID string // Kind company: the company
}

// ResolutionStatus is the state of a resolution of a joint meeting.
type ResolutionStatus string

// Resolution states: open → done | overdue (past its due date, escalated to
// the street); overdue → done (late).
const (
	ResolutionOpen    ResolutionStatus = "open"    // 落实中
	ResolutionDone    ResolutionStatus = "done"    // 已落实
	ResolutionOverdue ResolutionStatus = "overdue" // 逾期未落实
)

// ResolutionStatuses lists the states.
var ResolutionStatuses = []ResolutionStatus{ResolutionOpen, ResolutionDone, ResolutionOverdue}

var resolutionTransitions = map[ResolutionStatus][]ResolutionStatus{
	ResolutionOpen:    {ResolutionDone, ResolutionOverdue},
	ResolutionOverdue: {ResolutionDone},
}

// CanTransition returns nil when the resolution may go to state to.
func (r *Resolution) CanTransition(to ResolutionStatus) error {
	return checkTransition("resolution", resolutionTransitions, r.Status, to)
}

// Resolution is a decision of a joint meeting: what, whose task (a party,
// and the company when it is the property company's), by when.
type Resolution struct {
	ID          string
	MeetingID   string
	Community   string
	EstateID    string // optional: the estate it concerns
	Text        string
	Owner       PartyKind
	CompanyID   string // Owner company: the company
	DueOn       time.Time
	Status      ResolutionStatus
	DoneOn      *time.Time
	DoneNote    string
	EscalatedAt *time.Time // when it went overdue and the street was told
	// FollowUps are the notes of later meetings on it.
	FollowUps []ResolutionFollowUp
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ResolutionFollowUp is a later meeting's note on a resolution.
type ResolutionFollowUp struct {
	MeetingID string
	Day       time.Time
	Note      string
}

// JointMeeting is a joint meeting on property services called by a
// community (社区物业服务管理联席会议).
type JointMeeting struct {
	ID          string
	Community   string
	EstateID    string // optional: the estate it is about
	Day         time.Time
	Place       string
	Parties     []MeetingParty
	Agenda      string
	Minutes     string
	Resolutions []*Resolution
	// FollowUps are this meeting's notes on open resolutions of earlier
	// meetings of the community (input and read-only).
	FollowUps []MeetingFollowUp
	CalledBy  string
	CreatedAt time.Time
}

// MeetingFollowUp is a note taken at a meeting on an earlier resolution.
type MeetingFollowUp struct {
	ResolutionID string
	Note         string
}

// Validate checks a meeting with its resolutions and follow-ups at now:
// held within the last year, not in the future, at least two parties, an
// agenda, minutes, resolutions due after the meeting.
func (m *JointMeeting) Validate(now time.Time) error {
	var fe FieldErrors
	if len(m.Community) != 12 || ValidateDivisionCode(m.Community) != nil {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if m.Day.IsZero() || DateOf(m.Day).After(DateOf(now)) || DateOf(m.Day).Before(DateOf(now).AddDate(-1, 0, 0)) {
		fe.Add("day", "meeting.day.invalid", "The meeting was held within the last year, not in the future.", nil)
	} else {
		m.Day = DateOf(m.Day)
	}
	if !trimText(&m.Place, 0, 100) {
		fe.Add("place", "meeting.place.long", "The place has at most 100 characters.", nil)
	}
	kinds := map[PartyKind]bool{}
	for i, p := range m.Parties {
		data := map[string]any{"Line": i + 1}
		if !oneOf(p.Kind, PartyKinds) {
			fe.Add("parties", "meeting.party.kind", "Party {{.Line}}: pick the kind of party.", data)
		}
		if !trimText(&m.Parties[i].Name, 1, 60) {
			fe.Add("parties", "meeting.party.name", "Party {{.Line}}: name it in 1 to 60 characters.", data)
		}
		if p.Kind == PartyCompany && p.CompanyID == "" {
			fe.Add("parties", "meeting.party.company", "Party {{.Line}}: pick the property company.", data)
		}
		kinds[p.Kind] = true
	}
	if len(kinds) < 2 || len(m.Parties) > 30 {
		fe.Add("parties", "meeting.parties.few", "A joint meeting has at least two kinds of parties (at most 30 parties).", nil)
	}
	if !trimText(&m.Agenda, 2, 2000) {
		fe.Add("agenda", "meeting.agenda.invalid", "Give the agenda in 2 to 2000 characters.", nil)
	}
	if !trimText(&m.Minutes, 2, 10000) {
		fe.Add("minutes", "meeting.minutes.invalid", "Give the minutes in 2 to 10000 characters.", nil)
	}
	if len(m.Resolutions) > 30 {
		fe.Add("resolutions", "meeting.resolutions.many", "A meeting takes at most 30 resolutions.", nil)
	}
	for i, r := range m.Resolutions {
		data := map[string]any{"Line": i + 1}
		if !trimText(&r.Text, 2, 500) {
			fe.Add("resolutions", "resolution.text.invalid", "Resolution {{.Line}}: state it in 2 to 500 characters.", data)
		}
		if !oneOf(r.Owner, PartyKinds) || !kinds[r.Owner] {
			fe.Add("resolutions", "resolution.owner.invalid", "Resolution {{.Line}}: its owner is one of the parties present.", data)
		}
		if r.DueOn.IsZero() || !DateOf(r.DueOn).After(m.Day) || DateOf(r.DueOn).After(m.Day.AddDate(2, 0, 0)) {
			fe.Add("resolutions", "resolution.due.invalid", "Resolution {{.Line}}: due after the meeting, within two years.", data)
		} else {
			r.DueOn = DateOf(r.DueOn)
		}
	}
	seen := map[string]bool{}
	for i := range m.FollowUps {
		f := &m.FollowUps[i]
		if f.ResolutionID == "" || seen[f.ResolutionID] || !trimText(&f.Note, 1, 500) {
			fe.Add("follow_ups", "meeting.follow_up.invalid", "A follow-up names an earlier resolution once, with a note of at most 500 characters.", nil)
			break
		}
		seen[f.ResolutionID] = true
	}
	return fe.Err()
}

// ResolutionFilter selects resolutions.
type ResolutionFilter struct {
	Division  string
	CompanyID string
	Statuses  []ResolutionStatus
	Offset    int
	Limit     int
}

// MeetingService keeps the joint meetings of communities and follows their
// resolutions.
type MeetingService interface {
	// RecordMeeting records a meeting with its resolutions and its
	// follow-ups of earlier ones (community workers).
	RecordMeeting(ctx context.Context, m *JointMeeting) error
	FindMeetingByID(ctx context.Context, id string) (*JointMeeting, error)
	// FindMeetings lists a division's meetings, newest first.
	FindMeetings(ctx context.Context, division string, offset, limit int) ([]*JointMeeting, int, error)
	FindResolutions(ctx context.Context, f ResolutionFilter) ([]*Resolution, int, error)
	// CompleteResolution marks a resolution done with a note (community
	// workers); done early, the owner company earns a good record.
	CompleteResolution(ctx context.Context, id, note string) (*Resolution, error)
}

package shequ

import (
	"context"
	"time"
)

// CommitteePost is a member's post on an owners' committee.
type CommitteePost string

// Posts of an owners' committee.
const (
	OCDirector CommitteePost = "director" // 主任
	OCDeputy   CommitteePost = "deputy"   // 副主任
	OCMember   CommitteePost = "member"   // 委员
)

// CommitteePosts lists the posts in rank order.
var CommitteePosts = []CommitteePost{OCDirector, OCDeputy, OCMember}

// FilingStatus is the state of an owners' committee's filing with the
// street (备案).
type FilingStatus string

// Filing states: submitted → filed | returned; returned → submitted.
const (
	FilingSubmitted FilingStatus = "submitted" // 已提交备案
	FilingFiled     FilingStatus = "filed"     // 已备案
	FilingReturned  FilingStatus = "returned"  // 已退回
)

// FilingStatuses lists the states.
var FilingStatuses = []FilingStatus{FilingSubmitted, FilingFiled, FilingReturned}

var filingTransitions = map[FilingStatus][]FilingStatus{
	FilingSubmitted: {FilingFiled, FilingReturned},
	FilingReturned:  {FilingSubmitted},
}

// CanTransition returns nil when the committee's filing may go to state
// to, else an EConflict naming the current state and the allowed ones.
func (c *OwnersCommittee) CanTransition(to FilingStatus) error {
	return checkTransition("committee", filingTransitions, c.Status, to)
}

// CommitteeTermYears is the term of an owners' committee (5 years).
const CommitteeTermYears = 5

// Bounds of an owners' committee's size (5 to 11 members, an odd number).
const (
	MinCommitteeMembers = 5
	MaxCommitteeMembers = 11
)

// OwnersCommittee is one term (届) of an estate's owners' committee
// (业主委员会).
type OwnersCommittee struct {
	ID           string
	EstateID     string
	EstateName   string // read-only
	Community    string // the estate's primary community
	Term         int    // 第几届, from 1
	ElectedOn    time.Time
	TermEnd      time.Time // the last day of the term: ElectedOn + 5 years − 1 day
	Status       FilingStatus
	ReturnReason string
	FiledOn      *time.Time
	Members      []CommitteeMember
	SubmittedBy  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CommitteeMember is a member of an owners' committee: a resident of the
// estate's communities, with a post, and whether they also sit on the
// residents' committee (兼任, through the legal procedure).
type CommitteeMember struct {
	ResidentID string
	Name       string // read-only, from the register
	Post       CommitteePost
	Concurrent bool // 兼任: a member of the residents' committee
}

// TermEndOf returns the last day of a term elected on day.
func TermEndOf(elected time.Time) time.Time {
	return DateOf(elected).AddDate(CommitteeTermYears, 0, -1)
}

// Current reports whether the committee is filed and its term runs on day.
func (c *OwnersCommittee) Current(day time.Time) bool {
	d := DateOf(day)
	return c.Status == FilingFiled && !d.Before(DateOf(c.ElectedOn)) && !d.After(c.TermEnd)
}

// HasConcurrent reports whether a member sits on the residents' committee
// too.
func (c *OwnersCommittee) HasConcurrent() bool {
	for _, m := range c.Members {
		if m.Concurrent {
			return true
		}
	}
	return false
}

// Validate checks a committee submitted for filing: elected not in the
// future, 5 to 11 members (an odd number), distinct residents, exactly one
// director, and sets TermEnd.
func (c *OwnersCommittee) Validate(now time.Time) error {
	var fe FieldErrors
	if c.EstateID == "" {
		fe.Add("estate_id", "contract.estate.required", "Pick the estate.", nil)
	}
	if c.ElectedOn.IsZero() || DateOf(c.ElectedOn).After(DateOf(now)) {
		fe.Add("elected_on", "committee.elected.invalid", "Give the election date, not in the future.", nil)
	} else {
		c.ElectedOn = DateOf(c.ElectedOn)
		c.TermEnd = TermEndOf(c.ElectedOn)
	}
	n := len(c.Members)
	if n < MinCommitteeMembers || n > MaxCommitteeMembers || n%2 == 0 {
		fe.Add("members", "committee.members.count", "An owners' committee has 5 to 11 members, an odd number.", nil)
	}
	seen := map[string]bool{}
	directors := 0
	for i, m := range c.Members {
		data := map[string]any{"Line": i + 1}
		if m.ResidentID == "" || seen[m.ResidentID] {
			fe.Add("members", "committee.member.resident", "Member {{.Line}}: pick a resident, each once.", data)
		}
		seen[m.ResidentID] = true
		if !oneOf(m.Post, CommitteePosts) {
			fe.Add("members", "committee.member.post", "Member {{.Line}}: pick the post.", data)
		}
		if m.Post == OCDirector {
			directors++
		}
	}
	if n > 0 && directors != 1 {
		fe.Add("members", "committee.director", "An owners' committee has exactly one director.", nil)
	}
	return fe.Err()
}

// EPMCMember is a member of a community's environment and property
// management committee (环境和物业管理委员会), which sits under the residents'
// committee and inspects the estates.
type EPMCMember struct {
	ID        string
	Community string
	Name      string
	Unit      string // 居委会, 业委会, 物业服务企业, 居民代表, 党组织…
	Post      string // 主任, 委员…
	CreatedAt time.Time
}

// Validate checks a member.
func (m *EPMCMember) Validate() error {
	var fe FieldErrors
	if !trimText(&m.Name, 2, 30) {
		fe.Add("name", "epmc.name.invalid", "The name has 2 to 30 characters.", nil)
	}
	if !trimText(&m.Unit, 1, 50) {
		fe.Add("unit", "epmc.unit.invalid", "Name the member's unit in 1 to 50 characters.", nil)
	}
	if !trimText(&m.Post, 1, 20) {
		fe.Add("post", "epmc.post.invalid", "Name the post in 1 to 20 characters.", nil)
	}
	return fe.Err()
}

// CommitteeService keeps owners' committees and the communities'
// environment and property management committees.
type CommitteeService interface {
	// SubmitCommittee records a new term and submits it for filing
	// (community workers of the estate).
	SubmitCommittee(ctx context.Context, c *OwnersCommittee) error
	// ResubmitCommittee corrects a returned committee and submits it again.
	ResubmitCommittee(ctx context.Context, id string, electedOn time.Time, members []CommitteeMember) (*OwnersCommittee, error)
	// FileCommittee files a submitted committee or returns it with a
	// reason (officials of the street).
	FileCommittee(ctx context.Context, id string, to FilingStatus, reason string) (*OwnersCommittee, error)
	FindCommitteeByID(ctx context.Context, id string) (*OwnersCommittee, error)
	// FindCommittees lists the terms of an estate, newest first, or those
	// of a division in a filing state when estateID is "".
	FindCommittees(ctx context.Context, estateID, division string, status FilingStatus) ([]*OwnersCommittee, error)

	// SetEPMC replaces the members of a community's committee.
	SetEPMC(ctx context.Context, community string, members []*EPMCMember) error
	FindEPMC(ctx context.Context, community string) ([]*EPMCMember, error)
}

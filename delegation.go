package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// DelegationState is the state of a delegation (委托代理, DESIGN §6):
// requested → active (consent recorded) → completed | revoked | expired.
type DelegationState string

// Delegation states. Expired is never stored: a delegation whose validity
// has ended reads as expired (Effective), so it stops the agent at once.
const (
	DelegationRequested DelegationState = "requested" // 待确认
	DelegationActive    DelegationState = "active"    // 生效中
	DelegationCompleted DelegationState = "completed" // 已完成
	DelegationRevoked   DelegationState = "revoked"   // 已撤销
	DelegationExpired   DelegationState = "expired"   // 已过期
)

// DelegationStates lists the states.
var DelegationStates = []DelegationState{DelegationRequested, DelegationActive, DelegationCompleted,
	DelegationRevoked, DelegationExpired}

var delegationTransitions = map[DelegationState][]DelegationState{
	DelegationRequested: {DelegationActive, DelegationRevoked},
	DelegationActive:    {DelegationCompleted, DelegationRevoked},
}

// ConsentMethod is how a resident's consent to a delegation was recorded.
type ConsentMethod string

// Consent methods.
const (
	ConsentPortal     ConsentMethod = "portal"      // the resident confirmed in the portal
	ConsentSignedForm ConsentMethod = "signed_form" // a worker uploaded the signed 授权委托书
)

// Delegation is a resident's authorization of an agent (a community worker)
// to handle chosen items for them during a validity period.
type Delegation struct {
	ID            string
	ResidentID    string
	ResidentName  string // for display
	OwnerUserID   string // the resident's account, "" when none
	Community     string
	AgentID       string // user id of the agent (community_worker)
	AgentName     string
	Items         []string // item codes it covers
	ValidFrom     time.Time
	ValidUntil    time.Time // end of the last day
	State         DelegationState
	ConsentMethod ConsentMethod
	ConsentAt     *time.Time
	ConsentFileID string // signed_form: the attachment
	Note          string
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Effective returns the state at now: an active or requested delegation
// past its validity is expired.
func (d *Delegation) Effective(now time.Time) DelegationState {
	if (d.State == DelegationActive || d.State == DelegationRequested) && now.After(d.ValidUntil) {
		return DelegationExpired
	}
	return d.State
}

// Covers reports whether the delegation lets its agent act on item at now:
// active, within its validity, and listing the item.
func (d *Delegation) Covers(item string, now time.Time) bool {
	return d.Effective(now) == DelegationActive && !now.Before(d.ValidFrom) && oneOf(item, d.Items)
}

// CanTransition returns nil when the delegation may move to state to at
// now, else an EConflict naming the current (effective) state.
func (d *Delegation) CanTransition(to DelegationState, now time.Time) error {
	cur := d.Effective(now)
	if oneOf(to, delegationTransitions[cur]) {
		return nil
	}
	return Errorf(EConflict, "delegation.transition", "A delegation that is %s cannot become %s.", cur, to).
		With(map[string]any{"From": Label{"delegation.state", string(cur)}, "To": Label{"delegation.state", string(to)}})
}

// ErrDelegationInactive is the answer to an agent acting under a delegation
// that is not active (revoked, expired, completed, not yet consented) or does
// not cover the item.
var ErrDelegationInactive = Errorf(EForbidden, "delegation.inactive",
	"The delegation is not active for this item: the agent may not act for the resident.")

// MaxDelegationDays bounds a delegation's validity.
const MaxDelegationDays = 366

// Validate checks a new delegation and returns every field error at once.
func (d *Delegation) Validate() error {
	var fe FieldErrors
	if d.ResidentID == "" {
		fe.Add("resident_id", "delegation.resident.required", "Pick the resident.", nil)
	}
	if d.AgentID == "" {
		fe.Add("agent_id", "delegation.agent.required", "Pick the agent.", nil)
	}
	var items []string
	for _, it := range d.Items {
		if it = strings.TrimSpace(it); it != "" && !oneOf(it, items) {
			if !validItemCode(it) {
				fe.Add("items", "request.item.invalid", "Pick a service item.", nil)
			}
			items = append(items, it)
		}
	}
	d.Items = items
	if len(items) == 0 {
		fe.Add("items", "delegation.items.required", "Choose at least one item.", nil)
	}
	if d.ValidFrom.IsZero() || d.ValidUntil.IsZero() || d.ValidUntil.Before(d.ValidFrom) ||
		d.ValidUntil.Sub(d.ValidFrom) > MaxDelegationDays*24*time.Hour {
		fe.Add("valid_until", "delegation.validity.invalid", "The validity period ends after it starts and lasts at most a year.", nil)
	}
	checkDates(&fe, map[string]*time.Time{"valid_from": &d.ValidFrom, "valid_until": &d.ValidUntil})
	if d.Note = strings.TrimSpace(d.Note); utf8.RuneCountInString(d.Note) > 500 {
		fe.Add("note", "request.note.long", "The note has at most 2000 characters.", nil)
	}
	return fe.Err()
}

// CustodyAction is what happened to a material in an agent's custody.
type CustodyAction string

// Custody actions.
const (
	CustodyReceived  CustodyAction = "received"  // 接收: from the resident
	CustodyForwarded CustodyAction = "forwarded" // 转交: to a department
	CustodyReturned  CustodyAction = "returned"  // 退还: back to the resident
)

// CustodyActions lists the custody actions.
var CustodyActions = []CustodyAction{CustodyReceived, CustodyForwarded, CustodyReturned}

// CustodyEntry is one line of a delegation's custody log of materials.
type CustodyEntry struct {
	ID           string
	DelegationID string
	RequestID    string // optional
	Material     string
	Action       CustodyAction
	Party        string // the department forwarded to, or who received it back
	ByID         string
	ByName       string
	At           time.Time
}

// Validate checks a custody entry.
func (c *CustodyEntry) Validate() error {
	var fe FieldErrors
	c.Material, c.Party = strings.TrimSpace(c.Material), strings.TrimSpace(c.Party)
	if n := utf8.RuneCountInString(c.Material); n == 0 || n > 200 {
		fe.Add("material", "custody.material.invalid", "Name the material (at most 200 characters).", nil)
	}
	if !oneOf(c.Action, CustodyActions) {
		fe.Add("action", "custody.action.invalid", "The action is received, forwarded or returned.", nil)
	}
	if c.Action == CustodyForwarded && c.Party == "" {
		fe.Add("party", "custody.party.required", "Name the department the material goes to.", nil)
	}
	if utf8.RuneCountInString(c.Party) > 100 {
		fe.Add("party", "custody.party.invalid", "At most 100 characters.", nil)
	}
	return fe.Err()
}

// DelegationService keeps delegations.
type DelegationService interface {
	// CreateDelegation records a requested delegation (a worker at the
	// front desk, or the resident in the portal).
	CreateDelegation(ctx context.Context, d *Delegation) error
	GetDelegation(ctx context.Context, id string) (*Delegation, error)
	// FindDelegations lists delegations of a resident ("" all in scope) or
	// of the agent signed in (agentOnly).
	FindDelegations(ctx context.Context, residentID string, agentOnly bool) ([]*Delegation, error)
	// Consent activates a requested delegation: the resident themself
	// (ConsentPortal) or a worker with the signed form (fileID).
	Consent(ctx context.Context, id string, method ConsentMethod, fileID string) (*Delegation, error)
	// EndDelegation completes or revokes a delegation.
	EndDelegation(ctx context.Context, id string, to DelegationState) (*Delegation, error)
	AddCustody(ctx context.Context, c *CustodyEntry) error
	Custody(ctx context.Context, delegationID string) ([]*CustodyEntry, error)
}

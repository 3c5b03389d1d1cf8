package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// OrgKind is the kind of a community social organization (社区社会组织).
type OrgKind string

// Organization kinds, as the API names them.
const (
	OrgResidentService OrgKind = "resident_service" // 为民服务
	OrgElderlyCare     OrgKind = "elderly_care"     // 养老照护
	OrgCharity         OrgKind = "charity"          // 公益慈善
	OrgHarmony         OrgKind = "harmony"          // 促进和谐
	OrgCultureSports   OrgKind = "culture_sports"   // 文体娱乐
	OrgRuralProduction OrgKind = "rural_production" // 农村生产技术服务
)

// OrgKinds lists the kinds in the plan's order.
var OrgKinds = []OrgKind{OrgResidentService, OrgElderlyCare, OrgCharity, OrgHarmony, OrgCultureSports, OrgRuralProduction}

// LegalStatus is how an organization exists in law.
type LegalStatus string

// Legal statuses.
const (
	LegalRegistered LegalStatus = "registered" // 登记: has a unified social credit code
	LegalFiled      LegalStatus = "filed"      // 备案: filed with the street/township
	LegalIncubating LegalStatus = "incubating" // 孵化中: supported by another organization
)

// LegalStatuses lists the legal statuses.
var LegalStatuses = []LegalStatus{LegalRegistered, LegalFiled, LegalIncubating}

// OrgStatus is whether an organization works.
type OrgStatus string

// Organization statuses.
const (
	OrgActive    OrgStatus = "active"    // 活跃
	OrgDormant   OrgStatus = "dormant"   // 休眠
	OrgDissolved OrgStatus = "dissolved" // 已注销
)

// OrgStatuses lists the statuses.
var OrgStatuses = []OrgStatus{OrgActive, OrgDormant, OrgDissolved}

func oneOf[T ~string](v T, set []T) bool {
	for _, x := range set {
		if v == x {
			return true
		}
	}
	return false
}

// SocialOrg is a community social organization. The leader's phone is
// personal data: encrypted at rest and masked on screen like a resident's.
type SocialOrg struct {
	ID           string
	Name         string
	Kind         OrgKind
	Community    string   // home community (12 digits); the organization belongs to it
	Serves       []string // other communities served
	LegalStatus  LegalStatus
	CreditCode   CreditCode // registered only
	FiledWith    string     // filed: the township (9 digits) it is filed with
	Incubator    string     // incubating: the supporting organization
	FoundedOn    *time.Time // a date, Asia/Shanghai
	Leader       string
	LeaderPhone  Phone
	Members      int
	Grade        int // capacity grade 1–5 (1A–5A); 0 none
	GradedOn     *time.Time
	Status       OrgStatus
	StatusSince  *time.Time
	OwnerUserIDs []string // org_member accounts that keep the profile
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Validate checks an organization and returns every field error at once.
func (o *SocialOrg) Validate() error {
	var fe FieldErrors
	o.Name = strings.TrimSpace(o.Name)
	if n := utf8.RuneCountInString(o.Name); n == 0 || n > 100 {
		fe.Add("name", "org.name.invalid", "The name has 1 to 100 characters.", nil)
	}
	if !oneOf(o.Kind, OrgKinds) {
		fe.Add("kind", "org.kind.invalid", "Unknown kind of organization.", map[string]any{"Value": string(o.Kind)})
	}
	if ValidateDivisionCode(o.Community) != nil || len(o.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	for _, c := range o.Serves {
		if ValidateDivisionCode(c) != nil || len(c) != 12 {
			fe.Add("serves", "org.serves.invalid", "Every community served is a 12-digit code.", nil)
			break
		}
	}
	switch o.LegalStatus {
	case LegalRegistered:
		if _, err := ParseCreditCode(string(o.CreditCode)); err != nil {
			fe.Add("credit_code", "credit_code.invalid", ErrCreditCode.Message, nil)
		}
	case LegalFiled:
		if len(o.FiledWith) != 9 || ValidateDivisionCode(o.FiledWith) != nil || !strings.HasPrefix(o.Community, o.FiledWith) {
			fe.Add("filed_with", "org.filed_with.invalid", "A filed organization names the 9-digit code of its own street or township.", nil)
		}
	case LegalIncubating:
		if strings.TrimSpace(o.Incubator) == "" {
			fe.Add("incubator", "org.incubator.required", "An incubating organization names its supporting organization.", nil)
		}
	default:
		fe.Add("legal_status", "org.legal_status.invalid", "The legal status is registered, filed or incubating.", nil)
	}
	if o.LegalStatus != LegalRegistered && o.CreditCode != "" {
		fe.Add("credit_code", "org.credit_code.unexpected", "Only a registered organization has a credit code.", nil)
	}
	if o.Members < 0 || o.Members > 1_000_000 {
		fe.Add("members", "org.members.invalid", "The number of members is from 0 to 1000000.", nil)
	}
	if o.Grade < 0 || o.Grade > 5 || (o.Grade > 0) != (o.GradedOn != nil) {
		fe.Add("grade", "org.grade.invalid", "A capacity grade is 1A to 5A and comes with its date.", nil)
	}
	if !oneOf(o.Status, OrgStatuses) {
		fe.Add("status", "org.status.invalid", "The status is active, dormant or dissolved.", nil)
	}
	if utf8.RuneCountInString(o.Leader) > 50 {
		fe.Add("leader", "org.leader.long", "The leader's name has at most 50 characters.", nil)
	}
	checkDates(&fe, map[string]*time.Time{"founded_on": o.FoundedOn, "graded_on": o.GradedOn, "status_since": o.StatusSince})
	// Nothing happens to an organization before it is founded.
	for _, d := range []struct {
		field string
		t     *time.Time
	}{{"graded_on", o.GradedOn}, {"status_since", o.StatusSince}} {
		if d.t != nil && o.FoundedOn != nil && d.t.Before(*o.FoundedOn) && PlausibleDate(*d.t) {
			fe.Add(d.field, "org.date.before_founded", "This date cannot lie before the founding date.", nil)
		}
	}
	return fe.Err()
}

// OrgFilter selects organizations; empty fields are not filtered on.
type OrgFilter struct {
	Community string // at or below this division (home community)
	Kind      OrgKind
	Status    OrgStatus
	Query     string // part of the name
	Offset    int
	Limit     int
}

// OrgService keeps the register of community social organizations. It
// authorizes with Authorize (ActionOrgRead/ActionOrgWrite, and ownership for
// org_member accounts) and audits writes in the same transaction.
type OrgService interface {
	CreateOrg(ctx context.Context, o *SocialOrg) error
	FindOrgByID(ctx context.Context, id string) (*SocialOrg, error)
	FindOrgs(ctx context.Context, f OrgFilter) ([]*SocialOrg, int, error)
	// UpdateOrg replaces the editable fields of the stored organization with
	// those of o (o.ID names it), validating the whole.
	UpdateOrg(ctx context.Context, o *SocialOrg) error
	// ImportOrgs creates organizations in one transaction (all or nothing).
	ImportOrgs(ctx context.Context, os []*SocialOrg) error
}

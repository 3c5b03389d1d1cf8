package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// 三留守 care (issue 16): left-behind children, women and elderly people of
// rural communities under care (关爱服务). Everything about a child is
// sensitive personal information (PIPL art. 28, 31): the store seals the
// free texts and contacts of this file like ID numbers, shows them only to
// the community's care duty holders, and audits every read.

// CareKind is who is under care.
type CareKind string

// Kinds of people under care.
const (
	CareChild   CareKind = "child"   // 留守儿童
	CareWoman   CareKind = "woman"   // 留守妇女
	CareElderly CareKind = "elderly" // 留守老人
)

// CareKinds lists the kinds.
var CareKinds = []CareKind{CareChild, CareWoman, CareElderly}

// CareReason is why a person is left behind.
type CareReason string

// Reasons. A child is left behind when both parents work away, or one does
// and the other cannot act as guardian (the State Council's definition,
// 国发〔2016〕13号); a woman or an elderly person when their family works
// away.
const (
	ReasonBothParentsAway    CareReason = "both_parents_away"     // 父母双方外出务工
	ReasonOneAwayOtherUnable CareReason = "one_away_other_unable" // 一方外出务工、另一方无监护能力
	ReasonSpouseAway         CareReason = "spouse_away"           // 配偶外出务工
	ReasonChildrenAway       CareReason = "children_away"         // 子女外出务工
)

// CareReasons lists the reasons.
var CareReasons = []CareReason{ReasonBothParentsAway, ReasonOneAwayOtherUnable, ReasonSpouseAway, ReasonChildrenAway}

// ReasonsFor lists the reasons that fit a kind.
func ReasonsFor(k CareKind) []CareReason {
	switch k {
	case CareChild:
		return []CareReason{ReasonBothParentsAway, ReasonOneAwayOtherUnable}
	case CareWoman:
		return []CareReason{ReasonSpouseAway}
	case CareElderly:
		return []CareReason{ReasonChildrenAway, ReasonSpouseAway}
	}
	return nil
}

// RiskLevel is how closely a person is followed: 1 low, 2 medium, 3 high.
// It sets the visit frequency (VisitIntervals).
type RiskLevel int

// Risk levels.
const (
	RiskLow    RiskLevel = 1
	RiskMedium RiskLevel = 2
	RiskHigh   RiskLevel = 3
)

// RiskLevels lists the levels, lowest first.
var RiskLevels = []RiskLevel{RiskLow, RiskMedium, RiskHigh}

// Valid reports whether r is 1, 2 or 3.
func (r RiskLevel) Valid() bool { return r >= RiskLow && r <= RiskHigh }

// GuardianCapacity is the result of a guardian's capacity assessment
// (监护能力评估).
type GuardianCapacity string

// Capacity results.
const (
	CapacityAble    GuardianCapacity = "able"    // 有监护能力
	CapacityPartial GuardianCapacity = "partial" // 监护能力不足
	CapacityUnable  GuardianCapacity = "unable"  // 无监护能力
)

// GuardianCapacities lists the results.
var GuardianCapacities = []GuardianCapacity{CapacityAble, CapacityPartial, CapacityUnable}

// CareStatus is where a person stands in the register.
type CareStatus string

// Statuses. A child reaching 16 is proposed for exit (exit_proposed) by
// ProposeExits; a worker confirms the exit or keeps the child.
const (
	CareActive       CareStatus = "active"        // 关爱中
	CareExitProposed CareStatus = "exit_proposed" // 建议退出
	CareExited       CareStatus = "exited"        // 已退出
)

// CareStatuses lists the statuses.
var CareStatuses = []CareStatus{CareActive, CareExitProposed, CareExited}

// ExitCause is why a person left care.
type ExitCause string

// Exit causes.
const (
	ExitReturned ExitCause = "returned" // 父母（家人）返乡
	ExitAge16    ExitCause = "age_16"   // 年满16周岁
	ExitMoved    ExitCause = "moved"    // 迁出
	ExitDied     ExitCause = "died"     // 死亡
	ExitOther    ExitCause = "other"    // 其他
)

// ExitCauses lists the causes.
var ExitCauses = []ExitCause{ExitReturned, ExitAge16, ExitMoved, ExitDied, ExitOther}

// ChildExitAge is the age at which a left-behind child leaves care: the
// definition covers children under 16.
const ChildExitAge = 16

// Guardian is a child's entrusted guardian (委托监护人): a resident of the
// register or a named person, and the assessment of their capacity.
type Guardian struct {
	ResidentID string // "" when the guardian is not in the register
	Name       string // sealed at rest; the resident's name when ResidentID is set
	Relation   string // 与儿童关系: 祖父母, 外祖父母, 亲属…
	Phone      Phone  // sealed at rest, optional
	Capacity   GuardianCapacity
	AssessedOn *time.Time // date of the assessment, nil when not assessed
	AssessedBy string     // who assessed (a name or the worker)
}

// Assessed reports whether the guardian's capacity was assessed.
func (g *Guardian) Assessed() bool { return g.AssessedOn != nil && g.Capacity != "" }

// CarePerson is a person in the care register. Name, masked ID number and
// birth date come from the resident register.
type CarePerson struct {
	ID         string
	ResidentID string
	Community  string
	Name       string    // the resident's name
	IDMasked   string    // the resident's ID number, masked
	BirthDate  time.Time // from the ID number
	Kind       CareKind
	Reason     CareReason
	// For a child: the guardian, the parents' whereabouts and contacts
	// (sealed) and the school (sealed).
	Guardian Guardian
	Parents  string
	School   string
	// Risk and why (the reason is sealed).
	Risk       RiskLevel
	RiskReason string
	Status     CareStatus
	// Leaving care: the proposal (by ProposeExits) and the exit.
	ExitProposedAt *time.Time
	ExitCause      ExitCause
	ExitNote       string
	ExitedOn       *time.Time
	// The visit plan: every VisitEveryDays days, next due on NextVisitDue
	// (a date); the last visit; when the overdue visit was escalated to the
	// township supervisor (cleared by the next visit).
	VisitEveryDays     int
	NextVisitDue       time.Time
	LastVisitOn        *time.Time
	OverdueEscalatedAt *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// AgeAt returns the person's age on a day.
func (p *CarePerson) AgeAt(day time.Time) int { return AgeAt(p.BirthDate, day) }

// ExitAgeDate is the day a child reaches ChildExitAge (zero for adults).
func (p *CarePerson) ExitAgeDate() time.Time {
	if p.Kind != CareChild || p.BirthDate.IsZero() {
		return time.Time{}
	}
	return p.BirthDate.AddDate(ChildExitAge, 0, 0)
}

// ShouldProposeExit reports whether an active child has reached
// ChildExitAge on day and is not yet proposed for exit.
func (p *CarePerson) ShouldProposeExit(day time.Time) bool {
	return p.Kind == CareChild && p.Status == CareActive && !p.BirthDate.IsZero() && p.AgeAt(day) >= ChildExitAge
}

// Open reports whether the person is still under care (active or proposed
// for exit but not yet exited).
func (p *CarePerson) Open() bool { return p.Status == CareActive || p.Status == CareExitProposed }

// Limits of the register's texts, in characters.
const (
	MaxCareText     = 500
	MaxCareName     = 50
	MaxCareRelation = 20
)

// Validate checks a person before it is stored (new or edited) and returns
// every field error at once. Texts are trimmed. The risk reason is needed
// from medium risk up; a child needs a guardian's name or resident.
func (p *CarePerson) Validate() error {
	var fe FieldErrors
	p.Parents, p.School = strings.TrimSpace(p.Parents), strings.TrimSpace(p.School)
	p.RiskReason = strings.TrimSpace(p.RiskReason)
	p.Guardian.Name, p.Guardian.Relation = strings.TrimSpace(p.Guardian.Name), strings.TrimSpace(p.Guardian.Relation)
	p.Guardian.AssessedBy = strings.TrimSpace(p.Guardian.AssessedBy)
	if p.ResidentID == "" {
		fe.Add("resident_id", "care.resident.required", "Pick the person from the resident register.", nil)
	}
	if !oneOf(p.Kind, CareKinds) {
		fe.Add("kind", "care.kind.invalid", "Pick who is left behind: a child, a woman or an elderly person.", nil)
	} else if !oneOf(p.Reason, ReasonsFor(p.Kind)) {
		fe.Add("reason", "care.reason.invalid", "Pick why the person is left behind.", nil)
	}
	if !p.Risk.Valid() {
		fe.Add("risk", "care.risk.invalid", "Pick a risk level from 1 (low) to 3 (high).", nil)
	} else if p.Risk >= RiskMedium && p.RiskReason == "" {
		fe.Add("risk_reason", "care.risk_reason.required", "Say why the risk is medium or high.", nil)
	}
	for field, s := range map[string]string{"parents": p.Parents, "school": p.School, "risk_reason": p.RiskReason} {
		if utf8.RuneCountInString(s) > MaxCareText {
			fe.Add(field, "care.text.too_long", "At most 500 characters.", nil)
		}
	}
	if p.Kind == CareChild {
		p.validateGuardian(&fe)
	}
	return fe.Err()
}

// validateGuardian checks a child's guardian.
func (p *CarePerson) validateGuardian(fe *FieldErrors) {
	g := &p.Guardian
	if g.ResidentID == "" && g.Name == "" {
		fe.Add("guardian_name", "care.guardian.required", "Give the entrusted guardian: a resident or a name.", nil)
	}
	if utf8.RuneCountInString(g.Name) > MaxCareName {
		fe.Add("guardian_name", "care.guardian.name.invalid", "The guardian's name has at most 50 characters.", nil)
	}
	if g.Relation == "" || utf8.RuneCountInString(g.Relation) > MaxCareRelation {
		fe.Add("guardian_relation", "care.guardian.relation.invalid", "Give the guardian's relation to the child (at most 20 characters).", nil)
	}
	if g.Capacity != "" && !oneOf(g.Capacity, GuardianCapacities) {
		fe.Add("guardian_capacity", "care.guardian.capacity.invalid", "Pick the result of the capacity assessment.", nil)
	}
	if (g.Capacity == "") != (g.AssessedOn == nil) {
		fe.Add("guardian_assessed_on", "care.guardian.assessment.incomplete", "Give both the date and the result of the capacity assessment.", nil)
	}
	if g.AssessedOn != nil && g.AssessedBy == "" {
		fe.Add("guardian_assessed_by", "care.guardian.assessed_by.required", "Say who assessed the guardian.", nil)
	}
	if utf8.RuneCountInString(g.AssessedBy) > MaxCareName {
		fe.Add("guardian_assessed_by", "care.guardian.assessed_by.required", "Say who assessed the guardian.", nil)
	}
}

// CareExit is a worker's decision that a person leaves care.
type CareExit struct {
	Cause ExitCause
	Note  string
	On    time.Time // the day, Asia/Shanghai
}

// Validate checks an exit against the person: the cause must be known, an
// exit for age only for a child who has reached ChildExitAge, and the day
// not in the future.
func (e *CareExit) Validate(p *CarePerson, today time.Time) error {
	var fe FieldErrors
	e.Note = strings.TrimSpace(e.Note)
	if !oneOf(e.Cause, ExitCauses) {
		fe.Add("cause", "care.exit.cause.invalid", "Pick why the person leaves care.", nil)
	}
	if e.Cause == ExitAge16 && (p.Kind != CareChild || AgeAt(p.BirthDate, e.On) < ChildExitAge) {
		fe.Add("cause", "care.exit.not_16", "The child is not yet 16 on that day.", nil)
	}
	if e.Cause == ExitOther && e.Note == "" {
		fe.Add("note", "care.exit.note.required", "Say why the person leaves care.", nil)
	}
	if utf8.RuneCountInString(e.Note) > MaxCareText {
		fe.Add("note", "care.text.too_long", "At most 500 characters.", nil)
	}
	if e.On.IsZero() || Day(e.On).After(Day(today)) {
		fe.Add("on", "care.exit.date.invalid", "Give the day of the exit, not after today.", nil)
	}
	return fe.Err()
}

// Day returns the calendar day of t in Asia/Shanghai, at midnight there.
func Day(t time.Time) time.Time {
	t = t.In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// CareCandidate is a resident the register suggests for care: tagged as
// left behind, or a child whose household has no parent living in the
// community. A worker confirms it by registering the person.
type CareCandidate struct {
	ResidentID string
	Name       string
	IDMasked   string
	Community  string
	Age        int
	Kind       CareKind
	Why        string // "tag" or "household"
}

package shequ

import (
	"context"
	"fmt"
	"time"
)

// CareFilter selects people of the care register.
type CareFilter struct {
	Community string // at or below this division
	Kind      CareKind
	Risk      RiskLevel // 0 any
	Status    CareStatus
	Overdue   bool // only those whose visit is overdue
	// DueWithin, when positive, lists only the plans due within that many
	// days from today, overdue ones included, soonest due first.
	DueWithin int
	Offset    int
	Limit     int
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Community string
	Status    AlertStatus
	Escalated bool // only escalated ones
	Offset    int
	Limit     int
}

// CaseFilter selects cases. Lists show only the cases the actor may read:
// those assigned to them and those of the townships they supervise.
type CaseFilter struct {
	Community string
	Status    CaseStatus
	Pending   bool // only cases with an approval waiting (the supervisor's queue)
	Offset    int
	Limit     int
}

// WorkLogFilter selects service records.
type WorkLogFilter struct {
	Community string
	UserID    string // one worker's records
	From, To  time.Time
	Offset    int
	Limit     int
}

// CaseFile is a case with everything recorded on it, for those who may
// read it.
type CaseFile struct {
	Case      *Case
	Person    *CarePerson // when the case is of a person under care
	Notes     []*CaseNote
	Approvals []*Approval
	Referrals []*Referral
	Timeline  []*TimelineEvent
}

// AlertFile is an alert with the report that raised it.
type AlertFile struct {
	Alert  *CareAlert
	Report *CareReport // nil for an alert raised by a visit
	Person *CarePerson // the person under care, when known
}

// SweepResult counts what a periodic sweep did.
type SweepResult struct {
	AlertsEscalated int
	VisitsEscalated int
	ExitsProposed   int
}

// CareService keeps the 三留守 care register, visits, mandatory reports and
// alerts, cases with approvals and referrals, and social workers' service
// records. Every method authorizes the actor of the context, checks the
// need-to-know rules on top (care duties, case assignment), audits writes
// and every read of personal data, and writes state, timeline event,
// notifications and audit record in one transaction.
type CareService interface {
	// Duties.
	AssignDuty(ctx context.Context, userID string, kind CareDutyKind, division string) (*CareDuty, error)
	EndDuty(ctx context.Context, id string) error
	FindDuties(ctx context.Context, division string) ([]*CareDuty, error)
	// DutyCandidates lists the active accounts of DutyRoles within the
	// actor's area (care.duty): those an official may name (at most
	// MaxDutyCandidates, by area and user name).
	DutyCandidates(ctx context.Context) ([]*User, error)
	// MyCareAccess returns the signed-in actor's duties.
	MyCareAccess(ctx context.Context) (CareAccess, error)
	SetVisitPolicy(ctx context.Context, p *VisitPolicy) error
	VisitPolicyFor(ctx context.Context, community string) (VisitPolicy, error)

	// The register.
	CareCandidates(ctx context.Context, community string) ([]*CareCandidate, error)
	RegisterCarePerson(ctx context.Context, p *CarePerson) error
	// ImportCarePersons takes the rows of an import file into care, all or
	// nothing; a refused row is named in its error's Data["Row"].
	ImportCarePersons(ctx context.Context, ps []*CarePerson) error
	UpdateCarePerson(ctx context.Context, p *CarePerson) (*CarePerson, error)
	FindCarePersonByID(ctx context.Context, id string) (*CarePerson, error)
	FindCarePersons(ctx context.Context, f CareFilter) ([]*CarePerson, int, error)
	ExitCarePerson(ctx context.Context, id string, e CareExit) (*CarePerson, error)

	// Visits.
	RecordVisit(ctx context.Context, v *Visit) error
	FindVisits(ctx context.Context, personID string) ([]*Visit, error)

	// Reports and alerts. SubmitReport needs no account (the public form).
	SubmitReport(ctx context.Context, r *CareReport) error
	TrackReport(ctx context.Context, token string) (*ReportStatus, error)
	FindAlerts(ctx context.Context, f AlertFilter) ([]*CareAlert, int, error)
	FindAlertByID(ctx context.Context, id string) (*AlertFile, error)
	AcknowledgeAlert(ctx context.Context, id string) (*CareAlert, error)
	RecordAlertStep(ctx context.Context, id string, in AlertStepInput) (*CareAlert, error)

	// Sweep runs the periodic rules on the clock: unacknowledged alerts
	// escalate to the county after AlertAckWindow, overdue visits to the
	// township supervisor after the grace period, children reaching 16 are
	// proposed for exit. It is system work and needs no actor.
	Sweep(ctx context.Context) (SweepResult, error)

	// Cases.
	OpenCase(ctx context.Context, c *Case) error
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, int, error)
	FindCaseByID(ctx context.Context, id string) (*CaseFile, error)
	BreakGlassCase(ctx context.Context, id, reason string) (*CaseFile, error)
	FindBreakGlass(ctx context.Context, division string, limit int) ([]*BreakGlass, error)
	AddCaseNote(ctx context.Context, caseID string, n *CaseNote) error
	MoveCase(ctx context.Context, id string, to CaseStatus, note string) (*Case, error)
	ScheduleAssessment(ctx context.Context, id string, day time.Time) (*Case, error)
	RequestApproval(ctx context.Context, id string, stage ApprovalStage, note string) (*Case, error)
	DecideApproval(ctx context.Context, id string, d ApprovalDecision) (*Case, error)
	ReferCase(ctx context.Context, caseID string, r *Referral) error
	// ReferralWorkers lists the workers a case's worker may refer it to:
	// the active community and social workers whose area covers the case's
	// community, its own worker left out (the case's worker only).
	ReferralWorkers(ctx context.Context, caseID string) ([]*User, error)
	FindReferrals(ctx context.Context, community string) ([]*Referral, error)
	AnswerReferral(ctx context.Context, id string, a ReferralAnswer) (*Referral, error)

	// Social-work service records and supervision.
	RecordWorkLog(ctx context.Context, l *WorkLog) error
	FindWorkLogs(ctx context.Context, f WorkLogFilter) ([]*WorkLog, int, error)
	RecordSupervision(ctx context.Context, s *Supervision) error
	FindSupervisions(ctx context.Context, f WorkLogFilter) ([]*Supervision, int, error)
	// ServedPeople finds, for a social worker's service record, the
	// residents of one community of their area with exactly the name given
	// (at most MaxServedPeople, name and masked ID number only; audited).
	ServedPeople(ctx context.Context, community, name string) ([]*ServedPerson, error)

	// RaiseCareNeed puts a need found on visits into the needs pool, with
	// the number of people of the community whose latest visit found it,
	// never their names.
	RaiseCareNeed(ctx context.Context, community string, kind CareNeedKind) (*Need, error)
}

// Prefixes of the care module's readable numbers.
const (
	ReportPrefix = "BG" // 强制报告
	AlertPrefix  = "YJ" // 预警
	CasePrefix   = "GA" // 个案
)

// CareNumber formats a readable number of the care module: prefix, county,
// year and sequence, e.g. GA330523-2026-0001.
func CareNumber(prefix, county string, year int, seq int64) string {
	return fmt.Sprintf("%s%s-%d-%04d", prefix, county, year, seq)
}

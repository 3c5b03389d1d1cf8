package shequ

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ProjectStatus is the state of a service project (DESIGN §6).
type ProjectStatus string

// Project states.
const (
	ProjectDraft           ProjectStatus = "draft"            // 草稿
	ProjectUnderReview     ProjectStatus = "under_review"     // 待审批
	ProjectReturned        ProjectStatus = "returned"         // 已退回
	ProjectApproved        ProjectStatus = "approved"         // 已批准
	ProjectOpenForBids     ProjectStatus = "open_for_bids"    // 招募中
	ProjectBidReview       ProjectStatus = "bid_review"       // 评审中
	ProjectAwarded         ProjectStatus = "awarded"          // 已中标（公示期）
	ProjectInProgress      ProjectStatus = "in_progress"      // 实施中
	ProjectFinalEvaluation ProjectStatus = "final_evaluation" // 终期评估
	ProjectClosed          ProjectStatus = "closed"           // 已结项
	ProjectCancelled       ProjectStatus = "cancelled"        // 已撤销
)

// ProjectStatuses lists the states in workflow order.
var ProjectStatuses = []ProjectStatus{ProjectDraft, ProjectUnderReview, ProjectReturned, ProjectApproved,
	ProjectOpenForBids, ProjectBidReview, ProjectAwarded, ProjectInProgress, ProjectFinalEvaluation, ProjectClosed,
	ProjectCancelled}

// projectTransitions: draft → under_review → (returned → draft) | approved
// → open_for_bids → bid_review → awarded → (objection period) → in_progress
// → final_evaluation → closed; any state before in_progress → cancelled.
var projectTransitions = map[ProjectStatus][]ProjectStatus{
	ProjectDraft:           {ProjectUnderReview, ProjectCancelled},
	ProjectUnderReview:     {ProjectReturned, ProjectApproved, ProjectCancelled},
	ProjectReturned:        {ProjectDraft, ProjectCancelled},
	ProjectApproved:        {ProjectOpenForBids, ProjectCancelled},
	ProjectOpenForBids:     {ProjectBidReview, ProjectCancelled},
	ProjectBidReview:       {ProjectAwarded, ProjectCancelled},
	ProjectAwarded:         {ProjectInProgress, ProjectCancelled},
	ProjectInProgress:      {ProjectFinalEvaluation},
	ProjectFinalEvaluation: {ProjectClosed},
}

// Label names the state in messages (the catalogue entry project.status.<state>).
func (s ProjectStatus) Label() Label { return Label{"project.status", string(s)} }

// CanTransition returns nil when the project may go to state to, else an
// EConflict naming the current state and the allowed ones.
func (p *Project) CanTransition(to ProjectStatus) error {
	return checkTransition("project", projectTransitions, p.Status, to)
}

// Editable reports whether the project's design may still be edited: as
// a draft, or when returned with the official's comments (the edit then
// takes it back to draft, to be submitted again).
func (p *Project) Editable() bool {
	return p.Status == ProjectDraft || p.Status == ProjectReturned
}

// EditError is the EConflict answer to editing a project that is not
// Editable, naming its state.
func (p *Project) EditError() error {
	return Errorf(EConflict, "project.update.state",
		"Only a draft or a returned project can be edited; this one is %s.", p.Status).
		With(map[string]any{"From": p.Status.Label()})
}

// Public reports whether the project's call and history are public (公示):
// from the open call on, and not cancelled before it.
func (p *Project) Public() bool {
	switch p.Status {
	case ProjectDraft, ProjectUnderReview, ProjectReturned, ProjectApproved, ProjectCancelled:
		return false
	}
	return true
}

// TransitionActor says which permission a project transition needs: the
// community's design work (submit, revise, cancel a draft) or the
// official's approval and management of the call.
func TransitionActor(to ProjectStatus, from ProjectStatus) Action {
	switch to {
	case ProjectUnderReview, ProjectDraft:
		return ActionProjectDesign
	case ProjectCancelled:
		if from == ProjectDraft || from == ProjectReturned {
			return ActionProjectDesign
		}
	}
	return ActionProjectApprove
}

// Measure is what a project indicator counts, computed from the activities.
type Measure string

// Measures.
const (
	MeasureActivities     Measure = "activities"      // 开展活动（次）
	MeasureParticipants   Measure = "participants"    // 服务人次
	MeasureVolunteerHours Measure = "volunteer_hours" // 志愿服务时长（小时）
)

// Measures lists the measures.
var Measures = []Measure{MeasureActivities, MeasureParticipants, MeasureVolunteerHours}

// ProjectIndicator is a measurable target of a project (e.g. 服务人次 ≥ 300).
type ProjectIndicator struct {
	Measure Measure
	Target  int
}

// Milestone is a target to reach by a day of the period (e.g. 中期: 服务人次
// ≥ 150 by 2027年3月31日).
type Milestone struct {
	Name    string
	Due     time.Time // a day, Asia/Shanghai
	Measure Measure
	Target  int
}

// Criterion is a scoring criterion of the bid review with its weight: a
// reviewer gives each criterion 0 to its weight points.
type Criterion struct {
	Key    string // plan, team, experience, price, or a key of the project's own
	Weight int
}

// DefaultCriteria are the default scoring criteria (服务方案 40, 团队配置 25,
// 相关经验 15, 报价 20).
func DefaultCriteria() []Criterion {
	return []Criterion{{"plan", 40}, {"team", 25}, {"experience", 15}, {"price", 20}}
}

// EvalWeights weigh the final evaluation: residents, community, third party
// (default 40, 30, 30; they sum to 100).
type EvalWeights struct {
	Residents, Community, ThirdParty int
}

// DefaultEvalWeights are 40/30/30.
var DefaultEvalWeights = EvalWeights{40, 30, 30}

// DefaultObjectionDays is the default 公示期 in working days.
const DefaultObjectionDays = 5

// Project is a community service project (服务项目) bought from a social
// organization (政府购买服务).
type Project struct {
	ID               string
	Number           string // 项目编号, e.g. XM330523-2026-0001 (ProjectNumber)
	Community        string
	Title            string
	TargetGroup      string
	Objectives       string
	Indicators       []ProjectIndicator
	Milestones       []Milestone
	BudgetFen        int64
	PeriodStart      time.Time // a day, Asia/Shanghai
	PeriodEnd        time.Time
	OrgKinds         []OrgKind // kinds that may bid; empty: any
	BidDeadline      time.Time // an instant
	RequireCertified bool      // a bid's team needs a certified social worker
	Criteria         []Criterion
	Weights          EvalWeights
	ObjectionDays    int
	NeedIDs          []string
	Status           ProjectStatus
	Comment          string // the official's comment on returning it
	WinnerBidID      string
	AwardedAt        *time.Time
	ObjectionEnds    *time.Time
	Reviewers        []string // appointed reviewer accounts
	CreatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ProjectNumber is the readable number (项目编号) of the seq-th project
// created in county (6 digits) in year (Asia/Shanghai):
// XM330523-2026-0001. Numbers are unique per county and year.
func ProjectNumber(county string, year int, seq int64) string {
	return fmt.Sprintf("XM%s-%d-%04d", county, year, seq)
}

// MaxBudgetFen bounds a budget (10 亿元).
const MaxBudgetFen = 100_000_000_000

// Validate checks a project being designed and returns every field error.
func (p *Project) Validate() error {
	var fe FieldErrors
	p.Title = strings.TrimSpace(p.Title)
	p.TargetGroup = strings.TrimSpace(p.TargetGroup)
	p.Objectives = strings.TrimSpace(p.Objectives)
	if c := utf8.RuneCountInString(p.Title); c < 2 || c > 100 {
		fe.Add("title", "project.title.invalid", "The title has 2 to 100 characters.", nil)
	}
	if c := utf8.RuneCountInString(p.TargetGroup); c < 1 || c > 200 {
		fe.Add("target_group", "project.target_group.invalid", "Name the target group (at most 200 characters).", nil)
	}
	if c := utf8.RuneCountInString(p.Objectives); c < 1 || c > 2000 {
		fe.Add("objectives", "project.objectives.invalid", "State the objectives (at most 2000 characters).", nil)
	}
	if ValidateDivisionCode(p.Community) != nil || len(p.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if len(p.NeedIDs) == 0 {
		fe.Add("need_ids", "project.needs.required", "A project comes from at least one accepted need.", nil)
	}
	if len(p.Indicators) == 0 {
		fe.Add("indicators", "project.indicators.required", "Give at least one measurable indicator with its target.", nil)
	}
	seen := map[Measure]bool{}
	for _, in := range p.Indicators {
		if !oneOf(in.Measure, Measures) || in.Target <= 0 || in.Target > 1_000_000 || seen[in.Measure] {
			fe.Add("indicators", "project.indicator.invalid", "Each indicator is activities, participants or volunteer_hours, once, with a target from 1 to 1000000.", nil)
			break
		}
		seen[in.Measure] = true
	}
	for _, m := range p.Milestones {
		if c := utf8.RuneCountInString(strings.TrimSpace(m.Name)); c < 1 || c > 50 || !oneOf(m.Measure, Measures) ||
			m.Target <= 0 || m.Target > 1_000_000 || m.Due.Before(p.PeriodStart) || m.Due.After(p.PeriodEnd) {
			fe.Add("milestones", "project.milestone.invalid", "Each milestone has a name, a day in the period, a measure and a target.", nil)
			break
		}
	}
	if len(p.Milestones) > 20 {
		fe.Add("milestones", "project.milestone.invalid", "Each milestone has a name, a day in the period, a measure and a target.", nil)
	}
	if p.BudgetFen <= 0 || p.BudgetFen > MaxBudgetFen {
		fe.Add("budget", "project.budget.invalid", "The budget is more than 0 and at most 1000000000.00 yuan.", nil)
	}
	if p.PeriodStart.IsZero() || p.PeriodEnd.IsZero() || p.PeriodEnd.Before(p.PeriodStart) {
		fe.Add("period_end", "project.period.invalid", "The period ends on or after the day it starts.", nil)
	}
	for _, k := range p.OrgKinds {
		if !oneOf(k, OrgKinds) {
			fe.Add("org_kinds", "org.kind.invalid", "Unknown kind of organization.", map[string]any{"Value": string(k)})
			break
		}
	}
	if p.BidDeadline.IsZero() || (!p.PeriodStart.IsZero() && !p.BidDeadline.Before(p.PeriodStart)) {
		fe.Add("bid_deadline", "project.deadline.invalid", "The bid deadline comes before the period starts.", nil)
	}
	dates := map[string]*time.Time{}
	for field, t := range map[string]time.Time{"period_start": p.PeriodStart, "period_end": p.PeriodEnd, "bid_deadline": p.BidDeadline} {
		if !t.IsZero() { // a missing date has its own error above
			dates[field] = &t
		}
	}
	for _, m := range p.Milestones {
		if !PlausibleDate(m.Due) {
			dates["milestones"] = &m.Due
		}
	}
	checkDates(&fe, dates)
	if len(p.Criteria) == 0 {
		p.Criteria = DefaultCriteria()
	}
	sum := 0
	keys := map[string]bool{}
	for _, c := range p.Criteria {
		if c.Weight <= 0 || c.Key == "" || utf8.RuneCountInString(c.Key) > 20 || keys[c.Key] {
			sum = -1
			break
		}
		keys[c.Key] = true
		sum += c.Weight
	}
	if sum != 100 {
		fe.Add("criteria", "project.criteria.invalid", "The scoring criteria are distinct, with positive weights summing to 100.", nil)
	}
	if p.Weights == (EvalWeights{}) {
		p.Weights = DefaultEvalWeights
	}
	if w := p.Weights; w.Residents < 0 || w.Community < 0 || w.ThirdParty < 0 || w.Residents+w.Community+w.ThirdParty != 100 {
		fe.Add("weights", "project.weights.invalid", "The evaluation weights are not negative and sum to 100.", nil)
	}
	if p.ObjectionDays == 0 {
		p.ObjectionDays = DefaultObjectionDays
	}
	if p.ObjectionDays < 1 || p.ObjectionDays > 30 {
		fe.Add("objection_days", "project.objection_days.invalid", "The objection period is 1 to 30 working days.", nil)
	}
	return fe.Err()
}

// ProjectTransition is a step of a project's workflow.
type ProjectTransition struct {
	To      ProjectStatus
	Comment string // required to return a project
	BidID   string // the winner, to award; "" awards the top of the ranking
}

// Objection is an objection (异议) lodged during the 公示期 of an award,
// which an official must answer before the project can start.
type Objection struct {
	ID         string
	ProjectID  string
	AuthorID   string
	Text       string
	Answer     string
	AnsweredBy string
	CreatedAt  time.Time
	AnsweredAt *time.Time
}

// ProjectFilter selects projects.
type ProjectFilter struct {
	Community string // at or below
	Status    ProjectStatus
	Query     string // part of the number (项目编号) or of the title
	Public    bool   // only projects whose call is public
	Offset    int
	Limit     int
}

// ProjectService designs, approves and runs the call of projects.
type ProjectService interface {
	// CreateProject designs a draft project from accepted needs of its
	// community.
	CreateProject(ctx context.Context, p *Project) error
	// UpdateProject replaces the design of the draft or returned project
	// p.ID with p (validated as on creation; its community and needs stay
	// as designed). A returned project goes back to draft, to be
	// submitted for approval again. p is filled with the stored project.
	UpdateProject(ctx context.Context, p *Project) error
	FindProjectByID(ctx context.Context, id string) (*Project, error)
	FindProjects(ctx context.Context, f ProjectFilter) ([]*Project, int, error)
	// PublicProject returns a public project without any account (招募公告
	// and accountability page); a project not public answers ENotFound.
	PublicProject(ctx context.Context, id string) (*Project, error)
	TransitionProject(ctx context.Context, id string, t ProjectTransition) (*Project, error)
	// ReviewerCandidates lists the accounts AppointReviewers would take
	// for the project (enabled, allowed to score, their scope holding its
	// community), for the official to pick from.
	ReviewerCandidates(ctx context.Context, projectID string) ([]*User, error)
	// AppointReviewers sets the reviewers of a project in review (at least
	// three accounts who may score, in the project's scope).
	AppointReviewers(ctx context.Context, id string, userIDs []string) (*Project, error)
	LodgeObjection(ctx context.Context, projectID, text string) (*Objection, error)
	AnswerObjection(ctx context.Context, objectionID, answer string) (*Objection, error)
	FindObjections(ctx context.Context, projectID string) ([]*Objection, error)
	// ProjectNeeds returns the needs a project came from, to whoever may
	// read the project (public ones to anyone), without who raised them.
	ProjectNeeds(ctx context.Context, projectID string) ([]*Need, error)
}

// NextStates lists the states the project may go to from its current one.
func (p *Project) NextStates() []ProjectStatus { return projectTransitions[p.Status] }

// NextStates lists the states the need may go to from its current one.
func (n *Need) NextStates() []NeedStatus { return needTransitions[n.Status] }

package shequ

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Activity is an execution record of a project (活动): what the winning
// organization's social workers did with residents on one day.
type Activity struct {
	ID           string
	ProjectID    string
	Date         time.Time // a day, Asia/Shanghai
	Place        string
	Content      string
	Functions    []ServiceFunction
	Participants int      // 服务人次
	ResidentIDs  []string // participants from the register, when known
	// ParticipantIDs are participants' ID numbers (身份证号), as a sign-in
	// sheet has them: the store finds each in the register near the
	// project and adds it to ResidentIDs. The numbers are not stored.
	ParticipantIDs []string
	// Volunteers and VolunteerMinutes are derived, never typed: the
	// volunteers and minutes of the project's standing service records on
	// the activity's day (the first activity of a day carries them).
	Volunteers       int
	VolunteerMinutes int
	RecordedBy       string
	CreatedAt        time.Time
}

// Validate checks an activity of project p recorded on now.
func (a *Activity) Validate(p *Project, now time.Time) error {
	var fe FieldErrors
	a.Place = strings.TrimSpace(a.Place)
	a.Content = strings.TrimSpace(a.Content)
	if a.Date.IsZero() || (p != nil && (a.Date.Before(p.PeriodStart) || a.Date.After(p.PeriodEnd))) ||
		a.Date.After(now.In(Shanghai)) {
		fe.Add("date", "activity.date.invalid", "The date lies in the project's period and not in the future.", nil)
	}
	if c := utf8.RuneCountInString(a.Place); c < 1 || c > 200 {
		fe.Add("place", "activity.place.invalid", "Name the place (at most 200 characters).", nil)
	}
	if c := utf8.RuneCountInString(a.Content); c < 2 || c > 2000 {
		fe.Add("content", "activity.content.invalid", "Describe the activity (2 to 2000 characters).", nil)
	}
	if len(a.Functions) == 0 {
		fe.Add("functions", "activity.functions.required", "Choose at least one service function.", nil)
	}
	for _, f := range a.Functions {
		if !oneOf(f, ServiceFunctions) {
			fe.Add("functions", "activity.function.invalid", "Unknown service function.", map[string]any{"Value": string(f)})
			break
		}
	}
	for i, raw := range a.ParticipantIDs {
		id, err := ParseIDNumber(raw, now)
		if err != nil {
			fe.Add("participant_id_numbers", "activity.participant_id.invalid",
				"A participant's ID number is not valid.", map[string]any{"Line": i + 1})
			break
		}
		a.ParticipantIDs[i] = string(id)
	}
	if a.Participants < 0 || a.Participants > 100_000 || a.Participants < len(a.ResidentIDs)+len(a.ParticipantIDs) {
		fe.Add("participants", "activity.participants.invalid", "Participants are 0 to 100000, at least the residents named.", nil)
	}
	return fe.Err()
}

// IndicatorProgress is a project indicator with what the activities
// achieved: computed, never typed.
type IndicatorProgress struct {
	ProjectIndicator
	Achieved int
}

// Percent is the achievement as a percentage of the target, capped at 100.
func (ip IndicatorProgress) Percent() int {
	if ip.Target <= 0 {
		return 0
	}
	return int(math.Min(100, math.Floor(100*float64(ip.Achieved)/float64(ip.Target))))
}

// Met reports whether the target is reached.
func (ip IndicatorProgress) Met() bool { return ip.Achieved >= ip.Target }

// VolunteerHours is the derived volunteer time as hours ("2.5").
func (a *Activity) VolunteerHours() string { return HoursText(a.VolunteerMinutes) }

// ComputeProgress sums the activities against each indicator of p
// (volunteer hours in whole hours of the summed minutes).
func ComputeProgress(p *Project, acts []*Activity) []IndicatorProgress {
	out := make([]IndicatorProgress, len(p.Indicators))
	for i, in := range p.Indicators {
		out[i].ProjectIndicator = in
		minutes := 0
		for _, a := range acts {
			switch in.Measure {
			case MeasureActivities:
				out[i].Achieved++
			case MeasureParticipants:
				out[i].Achieved += a.Participants
			case MeasureVolunteerHours:
				minutes += a.VolunteerMinutes
			}
		}
		if in.Measure == MeasureVolunteerHours {
			out[i].Achieved = minutes / 60
		}
	}
	return out
}

// MilestoneProgress is a milestone with what the activities up to its day
// achieved.
type MilestoneProgress struct {
	Milestone
	Achieved int
	Met      bool
	Overdue  bool // its day has passed without reaching the target
}

// ComputeMilestones sums the activities dated on or before each milestone's
// day against its target, as of now.
func ComputeMilestones(p *Project, acts []*Activity, now time.Time) []MilestoneProgress {
	out := make([]MilestoneProgress, len(p.Milestones))
	for i, m := range p.Milestones {
		var upTo []*Activity
		for _, a := range acts {
			if !a.Date.After(m.Due) {
				upTo = append(upTo, a)
			}
		}
		q := &Project{Indicators: []ProjectIndicator{{Measure: m.Measure, Target: m.Target}}}
		out[i] = MilestoneProgress{Milestone: m, Achieved: ComputeProgress(q, upTo)[0].Achieved}
		out[i].Met = out[i].Achieved >= m.Target
		out[i].Overdue = !out[i].Met && now.In(Shanghai).After(m.Due.AddDate(0, 0, 1))
	}
	return out
}

// EvaluationKind is who evaluates.
type EvaluationKind string

// Evaluation kinds.
const (
	EvalResident   EvaluationKind = "resident"    // a resident's rating 1–5
	EvalCommunity  EvaluationKind = "community"   // the community's score 0–100
	EvalThirdParty EvaluationKind = "third_party" // the third-party assessor's score 0–100
)

// EvaluationKinds lists the kinds.
var EvaluationKinds = []EvaluationKind{EvalResident, EvalCommunity, EvalThirdParty}

// Evaluation is one party's evaluation of a project (评估).
type Evaluation struct {
	ID          string
	ProjectID   string
	Kind        EvaluationKind
	Score       int // 1–5 for residents, 0–100 otherwise
	Comment     string
	Assessor    string // the third-party assessor's name
	EvaluatorID string
	CreatedAt   time.Time
}

// Validate checks an evaluation.
func (e *Evaluation) Validate() error {
	var fe FieldErrors
	e.Comment = strings.TrimSpace(e.Comment)
	e.Assessor = strings.TrimSpace(e.Assessor)
	switch e.Kind {
	case EvalResident:
		if e.Score < 1 || e.Score > 5 {
			fe.Add("score", "evaluation.rating.invalid", "Rate from 1 to 5.", nil)
		}
	case EvalCommunity, EvalThirdParty:
		if e.Score < 0 || e.Score > 100 {
			fe.Add("score", "evaluation.score.invalid", "The score is from 0 to 100.", nil)
		}
		if e.Kind == EvalThirdParty && e.Assessor == "" {
			fe.Add("assessor", "evaluation.assessor.required", "Name the third-party assessor.", nil)
		}
	default:
		fe.Add("kind", "evaluation.kind.invalid", "The kind is resident, community or third_party.", nil)
	}
	if utf8.RuneCountInString(e.Comment) > 1000 {
		fe.Add("comment", "evaluation.comment.long", "The comment has at most 1000 characters.", nil)
	}
	return fe.Err()
}

// EvaluationResult is the weighted final score of a project.
type EvaluationResult struct {
	Ratings      int     // resident ratings
	RatingMean   float64 // 1–5
	Community    *int
	ThirdParty   *int
	Final        float64 // 0–100
	Satisfaction float64 // share of resident ratings of 4 or 5
	Complete     bool    // every party has evaluated
}

// Evaluate weighs the evaluations of p: the residents' mean rating scaled
// to 100 (×20), the community's and the third party's latest scores, by
// p.Weights.
func Evaluate(p *Project, evs []*Evaluation) EvaluationResult {
	var r EvaluationResult
	sum, satisfied := 0, 0
	for _, e := range evs {
		switch e.Kind {
		case EvalResident:
			r.Ratings++
			sum += e.Score
			if e.Score >= 4 {
				satisfied++
			}
		case EvalCommunity:
			v := e.Score
			r.Community = &v
		case EvalThirdParty:
			v := e.Score
			r.ThirdParty = &v
		}
	}
	if r.Ratings > 0 {
		r.RatingMean = float64(sum) / float64(r.Ratings)
		r.Satisfaction = float64(satisfied) / float64(r.Ratings)
	}
	r.Complete = r.Ratings > 0 && r.Community != nil && r.ThirdParty != nil
	final := r.RatingMean * 20 * float64(p.Weights.Residents)
	if r.Community != nil {
		final += float64(*r.Community * p.Weights.Community)
	}
	if r.ThirdParty != nil {
		final += float64(*r.ThirdParty * p.Weights.ThirdParty)
	}
	r.Final = math.Round(final) / 100
	return r
}

// ExecutionService records activities and evaluations.
type ExecutionService interface {
	// RecordActivity records an activity of a project in progress by a
	// member of the winning team (or of the winning organization).
	RecordActivity(ctx context.Context, a *Activity) error
	FindActivities(ctx context.Context, projectID string) ([]*Activity, error)
	// SubmitEvaluation records an evaluation of a project in final
	// evaluation; a resident rates once.
	SubmitEvaluation(ctx context.Context, e *Evaluation) error
	FindEvaluations(ctx context.Context, projectID string) ([]*Evaluation, error)
	// Participated reports whether the signed-in resident is recorded as a
	// participant of one of the project's activities (through the
	// register entry linked to the account), which a resident's rating
	// needs.
	Participated(ctx context.Context, projectID string) (bool, error)
}

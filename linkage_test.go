package shequ

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNeedTransitions(t *testing.T) {
	tests := []struct {
		from, to NeedStatus
		ok       bool
		allowed  string
	}{
		{NeedSubmitted, NeedAccepted, true, ""},
		{NeedSubmitted, NeedRejected, true, ""},
		{NeedSubmitted, NeedMerged, true, ""},
		{NeedSubmitted, NeedPlanned, false, "accepted, rejected, merged"},
		{NeedAccepted, NeedPlanned, true, ""},
		{NeedAccepted, NeedMerged, true, ""},
		{NeedAccepted, NeedRejected, false, "planned, merged"},
		{NeedPlanned, NeedFulfilled, true, ""},
		{NeedPlanned, NeedClosed, true, ""},
		{NeedPlanned, NeedAccepted, false, "fulfilled, closed"},
		{NeedRejected, NeedAccepted, false, "none"},
		{NeedMerged, NeedSubmitted, false, "none"},
		{NeedFulfilled, NeedClosed, false, "none"},
	}
	for _, tt := range tests {
		n := &Need{Status: tt.from}
		err := n.CanTransition(tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
			continue
		}
		if err != nil {
			e := AsError(err)
			if e.Code != EConflict || e.Key != "transition.illegal" || fmt.Sprint(e.Data["From"]) != string(tt.from) || fmt.Sprint(e.Data["Allowed"]) != tt.allowed {
				t.Errorf("%s → %s: %s %s %v", tt.from, tt.to, e.Code, e.Key, e.Data)
			}
		}
	}
}

func TestProjectTransitions(t *testing.T) {
	// Every pair of states: allowed exactly when the DESIGN §6 chain says.
	chain := map[ProjectStatus][]ProjectStatus{
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
	for _, from := range ProjectStatuses {
		for _, to := range ProjectStatuses {
			want := false
			for _, x := range chain[from] {
				want = want || x == to
			}
			err := (&Project{Status: from}).CanTransition(to)
			if (err == nil) != want {
				t.Errorf("%s → %s: err %v, want allowed %v", from, to, err, want)
			}
			if err != nil && (ErrorCode(err) != EConflict || !strings.Contains(AsError(err).Message, string(from))) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
		}
	}
	if TransitionActor(ProjectApproved, ProjectUnderReview) != ActionProjectApprove ||
		TransitionActor(ProjectUnderReview, ProjectDraft) != ActionProjectDesign ||
		TransitionActor(ProjectCancelled, ProjectDraft) != ActionProjectDesign ||
		TransitionActor(ProjectCancelled, ProjectOpenForBids) != ActionProjectApprove {
		t.Error("TransitionActor")
	}
}

func TestBidTransitions(t *testing.T) {
	tests := []struct {
		from, to BidStatus
		ok       bool
	}{
		{BidSubmitted, BidWithdrawn, true},
		{BidSubmitted, BidShortlisted, true},
		{BidSubmitted, BidRejected, true},
		{BidSubmitted, BidWon, false},
		{BidShortlisted, BidWon, true},
		{BidShortlisted, BidLost, true},
		{BidShortlisted, BidWithdrawn, false},
		{BidWithdrawn, BidSubmitted, false},
		{BidWon, BidLost, false},
	}
	for _, tt := range tests {
		err := (&Bid{Status: tt.from}).CanTransition(tt.to)
		if (err == nil) != tt.ok || (err != nil && ErrorCode(err) != EConflict) {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

// fieldsOf lists the fields of a validation error.
func fieldsOf(err error) string {
	if err == nil {
		return ""
	}
	var out []string
	for _, f := range AsError(err).Fields {
		out = append(out, f.Field+":"+f.Key)
	}
	return strings.Join(out, " ")
}

func TestNeedValidate(t *testing.T) {
	ok := func() *Need {
		return &Need{Community: "330523001002", Category: NeedElderly, Title: "独居老人陪伴", Channel: NeedOnline}
	}
	tests := []struct {
		name string
		mod  func(n *Need)
		want string
	}{
		{"valid", func(*Need) {}, ""},
		{"short title", func(n *Need) { n.Title = " 老 " }, "title:need.title.invalid"},
		{"long title", func(n *Need) { n.Title = strings.Repeat("老", 61) }, "title:need.title.invalid"},
		{"long description", func(n *Need) { n.Description = strings.Repeat("x", 2001) }, "description:need.description.long"},
		{"category", func(n *Need) { n.Category = "food" }, "category:need.category.invalid"},
		{"channel", func(n *Need) { n.Channel = "phone" }, "channel:need.channel.invalid"},
		{"community", func(n *Need) { n.Community = "330523001" }, "community_code:resident.community.invalid"},
	}
	for _, tt := range tests {
		n := ok()
		tt.mod(n)
		if got := fieldsOf(n.Validate()); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		tr   NeedTransition
		want string
	}{
		{NeedTransition{To: NeedAccepted}, ""},
		{NeedTransition{To: NeedRejected}, "reason:need.reason.required"},
		{NeedTransition{To: NeedRejected, Reason: strings.Repeat("因", 501)}, "reason:reason.long"},
		{NeedTransition{To: NeedMerged}, "into:need.into.required"},
		{NeedTransition{To: NeedPlanned}, "to:need.to.invalid"},
	} {
		if got := fieldsOf(tt.tr.Validate()); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.tr, got, tt.want)
		}
	}
}

func validProject() *Project {
	start := time.Date(2026, 12, 10, 0, 0, 0, 0, Shanghai)
	return &Project{Community: "330523001002", Title: "银龄陪伴", TargetGroup: "独居老人", Objectives: "陪伴",
		Indicators: []ProjectIndicator{{MeasureParticipants, 300}}, BudgetFen: 100, PeriodStart: start,
		PeriodEnd: start.AddDate(0, 6, 0), BidDeadline: start.Add(-time.Hour), NeedIDs: []string{"n"}}
}

func TestProjectValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(p *Project)
		want string
	}{
		{"valid", func(*Project) {}, ""},
		{"title", func(p *Project) { p.Title = "" }, "title:project.title.invalid"},
		{"target group", func(p *Project) { p.TargetGroup = "" }, "target_group:project.target_group.invalid"},
		{"objectives", func(p *Project) { p.Objectives = " " }, "objectives:project.objectives.invalid"},
		{"community", func(p *Project) { p.Community = "33" }, "community_code:resident.community.invalid"},
		{"needs", func(p *Project) { p.NeedIDs = nil }, "need_ids:project.needs.required"},
		{"no indicators", func(p *Project) { p.Indicators = nil }, "indicators:project.indicators.required"},
		{"indicator target", func(p *Project) { p.Indicators[0].Target = 0 }, "indicators:project.indicator.invalid"},
		{"indicator twice", func(p *Project) { p.Indicators = append(p.Indicators, p.Indicators[0]) }, "indicators:project.indicator.invalid"},
		{"budget", func(p *Project) { p.BudgetFen = 0 }, "budget:project.budget.invalid"},
		{"budget too high", func(p *Project) { p.BudgetFen = MaxBudgetFen + 1 }, "budget:project.budget.invalid"},
		{"period", func(p *Project) { p.PeriodEnd = p.PeriodStart.AddDate(0, 0, -1) }, "period_end:project.period.invalid"},
		{"org kind", func(p *Project) { p.OrgKinds = []OrgKind{"bank"} }, "org_kinds:org.kind.invalid"},
		{"deadline", func(p *Project) { p.BidDeadline = p.PeriodStart }, "bid_deadline:project.deadline.invalid"},
		{"criteria sum", func(p *Project) { p.Criteria = []Criterion{{"plan", 50}, {"price", 40}} }, "criteria:project.criteria.invalid"},
		{"criteria twice", func(p *Project) { p.Criteria = []Criterion{{"plan", 50}, {"plan", 50}} }, "criteria:project.criteria.invalid"},
		{"weights", func(p *Project) { p.Weights = EvalWeights{50, 50, 10} }, "weights:project.weights.invalid"},
		{"objection days", func(p *Project) { p.ObjectionDays = 31 }, "objection_days:project.objection_days.invalid"},
	}
	for _, tt := range tests {
		p := validProject()
		tt.mod(p)
		if got := fieldsOf(p.Validate()); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	p := validProject()
	if p.Validate() != nil || len(p.Criteria) != 4 || p.Weights != DefaultEvalWeights || p.ObjectionDays != DefaultObjectionDays {
		t.Errorf("defaults = %+v", p)
	}
}

func TestBidAndReviewValidate(t *testing.T) {
	p := validProject()
	_ = p.Validate()
	tests := []struct {
		name string
		b    Bid
		want string
	}{
		{"valid", Bid{Plan: "每周两次上门探访老人", PriceFen: 100, OrgID: "o", Team: []string{"w", "w"}}, ""},
		{"plan", Bid{Plan: "短", PriceFen: 100, OrgID: "o", Team: []string{"w"}}, "plan:bid.plan.invalid"},
		{"price over budget", Bid{Plan: "每周两次上门探访老人", PriceFen: 101, OrgID: "o", Team: []string{"w"}}, "price:bid.price.invalid"},
		{"price zero", Bid{Plan: "每周两次上门探访老人", OrgID: "o", Team: []string{"w"}}, "price:bid.price.invalid"},
		{"org", Bid{Plan: "每周两次上门探访老人", PriceFen: 1, Team: []string{"w"}}, "org_id:bid.org.required"},
		{"team", Bid{Plan: "每周两次上门探访老人", PriceFen: 1, OrgID: "o"}, "team:bid.team.invalid"},
	}
	for _, tt := range tests {
		if got := fieldsOf(tt.b.Validate(p)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	r := &Review{Scores: map[string]int{"plan": 40, "team": 20, "experience": 10, "price": 15}}
	if err := r.Validate(p); err != nil || r.Total != 85 {
		t.Errorf("review: %v total %d", err, r.Total)
	}
	for name, sc := range map[string]map[string]int{
		"scores.plan:review.score.invalid":  {"plan": 41, "team": 20, "experience": 10, "price": 15},
		"scores.price:review.score.invalid": {"plan": 40, "team": 20, "experience": 10},
		"scores:review.criterion.unknown":   {"plan": 40, "team": 20, "experience": 10, "price": 15, "looks": 1},
	} {
		if got := fieldsOf((&Review{Scores: sc}).Validate(p)); got != name {
			t.Errorf("scores %v: %q", sc, got)
		}
	}
}

func TestRankBids(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	bids := []*Bid{
		{ID: "a", PriceFen: 100, SubmittedAt: t0.Add(2 * time.Hour), Status: BidShortlisted},
		{ID: "b", PriceFen: 90, SubmittedAt: t0.Add(3 * time.Hour), Status: BidShortlisted},
		{ID: "c", PriceFen: 90, SubmittedAt: t0.Add(1 * time.Hour), Status: BidShortlisted},
		{ID: "d", PriceFen: 10, SubmittedAt: t0, Status: BidWithdrawn},
		{ID: "e", PriceFen: 10, SubmittedAt: t0, Status: BidShortlisted},
	}
	rev := func(bid string, totals ...int) []*Review {
		var out []*Review
		for _, v := range totals {
			out = append(out, &Review{BidID: bid, Total: v})
		}
		return out
	}
	var reviews []*Review
	// a: five reviews, 100 and 10 dropped → mean 80.
	reviews = append(reviews, rev("a", 100, 80, 80, 80, 10)...)
	// b and c tie at 80 with equal prices: c was submitted first.
	reviews = append(reviews, rev("b", 80, 80, 80)...)
	reviews = append(reviews, rev("c", 70, 90, 80)...)
	reviews = append(reviews, rev("d", 100)...)
	got := RankBids(bids, reviews)
	var order []string
	for _, r := range got {
		order = append(order, r.BidID)
	}
	// b and c (80, price 90) beat a (80, price 100); c before b by time;
	// e has no reviews and ranks last; withdrawn d is out.
	if strings.Join(order, "") != "cbae" {
		t.Fatalf("order = %v (%+v)", order, got)
	}
	if got[2].Score != 80 || got[2].Counted != 3 || got[2].Reviewers != 5 || got[0].Rank != 1 {
		t.Errorf("a = %+v", got[2])
	}
	// Four reviews: nothing dropped.
	four := RankBids(bids[:1], rev("a", 100, 80, 80, 10))
	if four[0].Score != 67.5 || four[0].Counted != 4 {
		t.Errorf("four reviews = %+v", four[0])
	}
}

func TestProgressAndEvaluation(t *testing.T) {
	p := validProject()
	p.Indicators = []ProjectIndicator{{MeasureActivities, 2}, {MeasureParticipants, 50}, {MeasureVolunteerHours, 10}}
	_ = p.Validate()
	// Volunteer minutes sum before whole hours are taken: 4.5 h + 2 h = 6 h.
	acts := []*Activity{{Participants: 30, VolunteerMinutes: 270}, {Participants: 25, VolunteerMinutes: 120}}
	prog := ComputeProgress(p, acts)
	if prog[0].Achieved != 2 || !prog[0].Met() || prog[1].Achieved != 55 || prog[1].Percent() != 100 ||
		prog[2].Achieved != 6 || prog[2].Met() || prog[2].Percent() != 60 {
		t.Errorf("progress = %+v", prog)
	}
	c, tp := 80, 90
	evs := []*Evaluation{{Kind: EvalResident, Score: 5}, {Kind: EvalResident, Score: 3},
		{Kind: EvalCommunity, Score: c}, {Kind: EvalThirdParty, Score: tp}}
	r := Evaluate(p, evs)
	// residents 4.0 → 80 × 0.4 + 80 × 0.3 + 90 × 0.3 = 32 + 24 + 27 = 83.
	if !r.Complete || r.Final != 83 || r.Satisfaction != 0.5 || r.Ratings != 2 {
		t.Errorf("evaluation = %+v", r)
	}
	if Evaluate(p, evs[:3]).Complete {
		t.Error("complete without the third party")
	}
	for _, tt := range []struct {
		e    Evaluation
		want string
	}{
		{Evaluation{Kind: EvalResident, Score: 5}, ""},
		{Evaluation{Kind: EvalResident, Score: 6}, "score:evaluation.rating.invalid"},
		{Evaluation{Kind: EvalResident, Score: 0}, "score:evaluation.rating.invalid"},
		{Evaluation{Kind: EvalCommunity, Score: 101}, "score:evaluation.score.invalid"},
		{Evaluation{Kind: EvalThirdParty, Score: 90}, "assessor:evaluation.assessor.required"},
		{Evaluation{Kind: "boss", Score: 1}, "kind:evaluation.kind.invalid"},
	} {
		if got := fieldsOf(tt.e.Validate()); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
	now := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	day := time.Date(2027, 1, 5, 0, 0, 0, 0, Shanghai)
	for _, tt := range []struct {
		a    Activity
		want string
	}{
		{Activity{Date: day, Place: "活动室", Content: "讲座", Functions: []ServiceFunction{FuncComfort}, Participants: 3}, ""},
		{Activity{Date: now.AddDate(0, 0, 2), Place: "活动室", Content: "讲座", Functions: []ServiceFunction{FuncComfort}}, "date:activity.date.invalid"},
		{Activity{Date: day, Content: "讲座", Functions: []ServiceFunction{FuncComfort}}, "place:activity.place.invalid"},
		{Activity{Date: day, Place: "活动室", Content: "讲", Functions: []ServiceFunction{FuncComfort}}, "content:activity.content.invalid"},
		{Activity{Date: day, Place: "活动室", Content: "讲座"}, "functions:activity.functions.required"},
		{Activity{Date: day, Place: "活动室", Content: "讲座", Functions: []ServiceFunction{"fun"}}, "functions:activity.function.invalid"},
		{Activity{Date: day, Place: "活动室", Content: "讲座", Functions: []ServiceFunction{FuncComfort}, Participants: 1, ResidentIDs: []string{"a", "b"}}, "participants:activity.participants.invalid"},
	} {
		if got := fieldsOf(tt.a.Validate(p, now)); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestSimilarityTerms(t *testing.T) {
	got := strings.Join(SimilarityTerms("独居老人 wifi 陪伴!"), "|")
	if got != "独居|居老|老人|wifi|陪伴" {
		t.Errorf("terms = %s", got)
	}
	if len(SimilarityTerms(strings.Repeat("老人家", 50))) > 20 {
		t.Error("terms not bounded")
	}
}

func FuzzSimilarityTerms(f *testing.F) {
	f.Add("独居老人需要陪伴")
	f.Add("wifi 信号差 ABC")
	f.Fuzz(func(t *testing.T, s string) {
		terms := SimilarityTerms(s)
		if len(terms) > 20 {
			t.Fatalf("%d terms", len(terms))
		}
		for _, x := range terms {
			if x == "" || !strings.Contains(strings.ToLower(s), x) {
				t.Fatalf("term %q not in %q", x, s)
			}
		}
	})
}

func FuzzNeedValidate(f *testing.F) {
	f.Add("独居老人陪伴", "描述", "elderly", "330523001002")
	f.Fuzz(func(t *testing.T, title, desc, cat, comm string) {
		n := &Need{Title: title, Description: desc, Category: NeedCategory(cat), Community: comm, Channel: NeedOnline}
		if err := n.Validate(); err != nil && ErrorCode(err) != EInvalid {
			t.Fatalf("error code %s", ErrorCode(err))
		}
	})
}

func TestMilestones(t *testing.T) {
	p := validProject()
	day := func(d int) time.Time { return p.PeriodStart.AddDate(0, 0, d) }
	p.Milestones = []Milestone{{"中期", day(30), MeasureParticipants, 50}, {"末期", day(150), MeasureActivities, 3}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	acts := []*Activity{{Date: day(10), Participants: 30}, {Date: day(30), Participants: 25}, {Date: day(40), Participants: 5}}
	got := ComputeMilestones(p, acts, day(60))
	if got[0].Achieved != 55 || !got[0].Met || got[0].Overdue || got[1].Achieved != 3 || !got[1].Met {
		t.Errorf("milestones = %+v", got)
	}
	got = ComputeMilestones(p, acts[:1], day(60))
	if got[0].Met || !got[0].Overdue || got[1].Overdue {
		t.Errorf("late milestone = %+v", got)
	}
	for name, m := range map[string]Milestone{
		"no name":      {"", day(1), MeasureActivities, 1},
		"before start": {"早", day(-1), MeasureActivities, 1},
		"after end":    {"晚", p.PeriodEnd.AddDate(0, 0, 1), MeasureActivities, 1},
		"measure":      {"x", day(1), "smiles", 1},
		"target":       {"x", day(1), MeasureActivities, 0},
	} {
		q := validProject()
		q.Milestones = []Milestone{m}
		if got := fieldsOf(q.Validate()); got != "milestones:project.milestone.invalid" {
			t.Errorf("%s: %q", name, got)
		}
	}
}

// TestProjectEditable: the design is edited as a draft or when returned,
// never once it is under review or later; the refusal names the state.
func TestProjectEditable(t *testing.T) {
	for _, st := range ProjectStatuses {
		p := &Project{Status: st}
		want := st == ProjectDraft || st == ProjectReturned
		if p.Editable() != want {
			t.Errorf("%s: editable %v, want %v", st, p.Editable(), want)
		}
		e := AsError(p.EditError())
		if e.Code != EConflict || e.Key != "project.update.state" || e.Data["From"] != st.Label() || !strings.Contains(e.Message, string(st)) {
			t.Errorf("%s: %+v", st, e)
		}
	}
}

package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// The JSON API of the 三社联动 chain (issue 5). Requests are decoded into
// the *Request types below, which the HTML forms fill too, so that pages and
// API share one path to the service. State names and category identifiers
// are those of the shequ package (DESIGN §6).

// needRequest is the body of POST /api/v1/needs.
type needRequest struct {
	CommunityCode string `json:"community_code"`
	Category      string `json:"category"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Channel       string `json:"channel"`
	ResidentID    string `json:"resident_id"`
}

func (req *needRequest) need() *shequ.Need {
	return &shequ.Need{Community: strings.TrimSpace(req.CommunityCode), Category: shequ.NeedCategory(strings.TrimSpace(req.Category)),
		Title: req.Title, Description: req.Description, Channel: shequ.NeedChannel(strings.TrimSpace(req.Channel)),
		ResidentID: strings.TrimSpace(req.ResidentID)}
}

// transitionRequest is the body of the transitions endpoints.
type transitionRequest struct {
	To      string `json:"to"`
	Reason  string `json:"reason"`
	Into    string `json:"into"`
	Comment string `json:"comment"`
	BidID   string `json:"bid_id"`
}

// timelineJSON is one event of an object's history. Who acted is shown to
// accounts only, never on public pages.
type timelineJSON struct {
	Action string `json:"action"`
	From   string `json:"from"`
	To     string `json:"to"`
	Note   string `json:"note"`
	Actor  string `json:"actor,omitempty"`
	Time   string `json:"time"`
}

func newTimelineJSON(events []*shequ.TimelineEvent, public bool) []timelineJSON {
	out := make([]timelineJSON, 0, len(events))
	for _, e := range events {
		j := timelineJSON{Action: e.Action, From: e.From, To: e.To, Note: e.Note, Time: apiTime(e.Time)}
		if !public {
			j.Actor = e.ActorName
		}
		out = append(out, j)
	}
	return out
}

// needJSON is the API form of a need.
type needJSON struct {
	ID            string         `json:"id"`
	CommunityCode string         `json:"community_code"`
	Category      string         `json:"category"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Channel       string         `json:"channel"`
	Status        string         `json:"status"`
	SupportCount  int            `json:"support_count"`
	Reason        string         `json:"reason"`
	MergedInto    string         `json:"merged_into"`
	ProjectID     string         `json:"project_id"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     string         `json:"updated_at"`
	Timeline      []timelineJSON `json:"timeline,omitempty"`
}

func newNeedJSON(n *shequ.Need) needJSON {
	return needJSON{ID: n.ID, CommunityCode: n.Community, Category: string(n.Category), Title: n.Title,
		Description: n.Description, Channel: string(n.Channel), Status: string(n.Status), SupportCount: n.Supports,
		Reason: n.Reason, MergedInto: n.MergedInto, ProjectID: n.ProjectID, CreatedAt: apiTime(n.CreatedAt),
		UpdatedAt: apiTime(n.UpdatedAt)}
}

// linkage answers 503 when the module is not wired in.
func (s *Server) linkage(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Linkage == nil {
		s.error(w, r, errNoService)
		return false
	}
	return true
}

// pathID is the {id} of the path, bounded.
func pathID(r *http.Request, name string) string {
	id := r.PathValue(name)
	if len(id) > maxIDLen {
		return ""
	}
	return id
}

// handleAPINeedCreate serves POST /api/v1/needs.
func (s *Server) handleAPINeedCreate(w http.ResponseWriter, r *http.Request) {
	var req needRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionNeedRaise, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	n := req.need()
	if err := s.cfg.Linkage.CreateNeed(r.Context(), n); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/needs/"+n.ID)
	writeJSON(w, http.StatusCreated, newNeedJSON(n))
}

// handleAPINeedList serves GET /api/v1/needs: ranked by support.
func (s *Server) handleAPINeedList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	q := readListQuery(r)
	f := needFilter(q, a)
	if q.refused(s, w, r) { // the filters' problems first, as before
		return
	}
	f.Limit, f.Offset = q.Page(registerAPIDefaultLimit, registerAPIMaxLimit)
	if q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Linkage.FindNeeds(r.Context(), f)
	answerList(s, w, r, list, total, err, newNeedJSON)
}

// needFilter reads community (the actor's scope when absent), status,
// category and q of a needs list; problems are left in q.
func needFilter(q *listQuery, a *shequ.Actor) shequ.NeedFilter {
	f := shequ.NeedFilter{Community: q.Trim("community")}
	if f.Community == "" && a != nil {
		f.Community = a.Scope
	}
	q.Community(f.Community)
	f.Status = listChoice(q, "status", q.Trim("status"), shequ.NeedStatuses, "need.status.invalid", "Unknown state of a need.", nil)
	f.Category = listChoice(q, "category", q.Trim("category"), shequ.NeedCategories, "need.category.invalid",
		"Unknown category of need.", map[string]any{"Value": q.Trim("category")})
	f.Query = q.Text(q.Clean("q"))
	return f
}

// handleAPINeedGet serves GET /api/v1/needs/{id} with its timeline.
func (s *Server) handleAPINeedGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil); !ok {
		return
	}
	n, err := s.cfg.Linkage.FindNeedByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	tl, err := s.cfg.Linkage.Timeline(r.Context(), "need", n.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	j := newNeedJSON(n)
	j.Timeline = newTimelineJSON(tl, false)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

// handleAPINeedSupport serves POST /api/v1/needs/{id}/support.
func (s *Server) handleAPINeedSupport(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionNeedRaise, s.cfg.Linkage != nil); !ok {
		return
	}
	n, err := s.cfg.Linkage.SupportNeed(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, n, err, newNeedJSON)
}

// handleAPINeedTransition serves POST /api/v1/needs/{id}/transitions.
func (s *Server) handleAPINeedTransition(w http.ResponseWriter, r *http.Request) {
	var req transitionRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionNeedManage, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	n, err := s.cfg.Linkage.TransitionNeed(r.Context(), pathID(r, "id"),
		shequ.NeedTransition{To: shequ.NeedStatus(strings.TrimSpace(req.To)), Reason: req.Reason, Into: req.Into})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newNeedJSON(n))
}

// projectRequest is the body of POST /api/v1/projects; the design form
// fills it too. Money is integer 分; the bid deadline an RFC 3339 instant;
// the period dates YYYY-MM-DD.
type projectRequest struct {
	CommunityCode    string                 `json:"community_code"`
	Title            string                 `json:"title"`
	TargetGroup      string                 `json:"target_group"`
	Objectives       string                 `json:"objectives"`
	Indicators       []projectIndicatorJSON `json:"indicators"`
	Milestones       []milestoneJSON        `json:"milestones"`
	BudgetFen        int64                  `json:"budget_fen"`
	PeriodStart      string                 `json:"period_start"`
	PeriodEnd        string                 `json:"period_end"`
	OrgKinds         []string               `json:"org_kinds"`
	BidDeadline      string                 `json:"bid_deadline"`
	RequireCertified bool                   `json:"require_certified"`
	Criteria         []criterionJSON        `json:"criteria"`
	Weights          *weightsJSON           `json:"weights"`
	ObjectionDays    int                    `json:"objection_days"`
	NeedIDs          []string               `json:"need_ids"`
}

type projectIndicatorJSON struct {
	Measure  string `json:"measure"`
	Target   int    `json:"target"`
	Achieved *int   `json:"achieved,omitempty"`
}

// milestoneJSON is a milestone: a target to reach by a day; Achieved and
// Met are computed from the activities on answers.
type milestoneJSON struct {
	Name     string `json:"name"`
	Due      string `json:"due"`
	Measure  string `json:"measure"`
	Target   int    `json:"target"`
	Achieved *int   `json:"achieved,omitempty"`
	Met      *bool  `json:"met,omitempty"`
}

type criterionJSON struct {
	Key    string `json:"key"`
	Weight int    `json:"weight"`
}

type weightsJSON struct {
	Residents  int `json:"residents"`
	Community  int `json:"community"`
	ThirdParty int `json:"third_party"`
}

// project turns the request into a project, with the parse errors in fe.
func (req *projectRequest) project(fe *shequ.FieldErrors) *shequ.Project {
	p := &shequ.Project{Community: strings.TrimSpace(req.CommunityCode), Title: req.Title, TargetGroup: req.TargetGroup,
		Objectives: req.Objectives, BudgetFen: req.BudgetFen, RequireCertified: req.RequireCertified,
		ObjectionDays: req.ObjectionDays, NeedIDs: cleanCodes(req.NeedIDs)}
	for _, in := range req.Indicators {
		p.Indicators = append(p.Indicators, shequ.ProjectIndicator{Measure: shequ.Measure(in.Measure), Target: in.Target})
	}
	for _, c := range req.Criteria {
		p.Criteria = append(p.Criteria, shequ.Criterion{Key: strings.TrimSpace(c.Key), Weight: c.Weight})
	}
	for _, m := range req.Milestones {
		ms := shequ.Milestone{Name: strings.TrimSpace(m.Name), Measure: shequ.Measure(m.Measure), Target: m.Target}
		if d := parseDateField(fe, "milestones", m.Due); d != nil {
			ms.Due = *d
		}
		p.Milestones = append(p.Milestones, ms)
	}
	for _, k := range cleanCodes(req.OrgKinds) {
		p.OrgKinds = append(p.OrgKinds, shequ.OrgKind(k))
	}
	if req.Weights != nil {
		p.Weights = shequ.EvalWeights{Residents: req.Weights.Residents, Community: req.Weights.Community, ThirdParty: req.Weights.ThirdParty}
	}
	if d := parseDateField(fe, "period_start", req.PeriodStart); d != nil {
		p.PeriodStart = *d
	}
	if d := parseDateField(fe, "period_end", req.PeriodEnd); d != nil {
		p.PeriodEnd = *d
	}
	if s := strings.TrimSpace(req.BidDeadline); s != "" {
		t, err := parseInstant(s)
		if err != nil {
			fe.Add("bid_deadline", "datetime.invalid", "Give a time as YYYY-MM-DDTHH:MM (Beijing time) or RFC 3339.", nil)
		}
		p.BidDeadline = t
	}
	return p
}

// parseInstant reads RFC 3339, or a local date and time in Asia/Shanghai
// as an <input type="datetime-local"> sends it.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, shequ.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadJSON
}

// validateProject checks p after parsing, with the parse errors in fe.
func validateProject(a *shequ.Actor, p *shequ.Project, fe shequ.FieldErrors) error {
	if err := p.Validate(); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return outOfScope(a, "community_code", p.Community)
}

// projectJSON is the API form of a project, with what is computed from its
// activities and evaluations.
type projectJSON struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	projectRequest
	Status        string         `json:"status"`
	Comment       string         `json:"comment"`
	WinnerBidID   string         `json:"winner_bid_id"`
	AwardedAt     *string        `json:"awarded_at"`
	ObjectionEnds *string        `json:"objection_ends"`
	Reviewers     int            `json:"reviewers"`
	Evaluation    *evaluationSum `json:"evaluation,omitempty"`
	Timeline      []timelineJSON `json:"timeline,omitempty"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     string         `json:"updated_at"`
}

// evaluationSum is the weighted result of the evaluations.
type evaluationSum struct {
	Ratings      int     `json:"ratings"`
	RatingMean   float64 `json:"rating_mean"`
	Community    *int    `json:"community"`
	ThirdParty   *int    `json:"third_party"`
	Final        float64 `json:"final"`
	Satisfaction float64 `json:"satisfaction"`
	Complete     bool    `json:"complete"`
}

func optAPITime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

func newProjectJSON(p *shequ.Project) projectJSON {
	j := projectJSON{ID: p.ID, Number: p.Number, projectRequest: projectRequest{CommunityCode: p.Community, Title: p.Title,
		TargetGroup: p.TargetGroup, Objectives: p.Objectives, BudgetFen: p.BudgetFen,
		PeriodStart: p.PeriodStart.In(shequ.Shanghai).Format(time.DateOnly), PeriodEnd: p.PeriodEnd.In(shequ.Shanghai).Format(time.DateOnly),
		OrgKinds: []string{}, BidDeadline: apiTime(p.BidDeadline), RequireCertified: p.RequireCertified,
		Weights:       &weightsJSON{p.Weights.Residents, p.Weights.Community, p.Weights.ThirdParty},
		ObjectionDays: p.ObjectionDays, NeedIDs: append([]string{}, p.NeedIDs...)},
		Status: string(p.Status), Comment: p.Comment, WinnerBidID: p.WinnerBidID, AwardedAt: optAPITime(p.AwardedAt),
		ObjectionEnds: optAPITime(p.ObjectionEnds), Reviewers: len(p.Reviewers), CreatedAt: apiTime(p.CreatedAt),
		UpdatedAt: apiTime(p.UpdatedAt)}
	for _, in := range p.Indicators {
		j.Indicators = append(j.Indicators, projectIndicatorJSON{Measure: string(in.Measure), Target: in.Target})
	}
	for _, c := range p.Criteria {
		j.Criteria = append(j.Criteria, criterionJSON{c.Key, c.Weight})
	}
	j.Milestones = []milestoneJSON{}
	for _, m := range p.Milestones {
		j.Milestones = append(j.Milestones, milestoneJSON{Name: m.Name, Due: m.Due.In(shequ.Shanghai).Format(time.DateOnly),
			Measure: string(m.Measure), Target: m.Target})
	}
	for _, k := range p.OrgKinds {
		j.OrgKinds = append(j.OrgKinds, string(k))
	}
	return j
}

// handleAPIProjectCreate serves POST /api/v1/projects.
func (s *Server) handleAPIProjectCreate(w http.ResponseWriter, r *http.Request) {
	var req projectRequest
	a, ok := s.guardJSON(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil, &req)
	if !ok {
		return
	}
	var fe shequ.FieldErrors
	p := req.project(&fe)
	err := validateProject(a, p, fe)
	if err == nil {
		err = s.cfg.Linkage.CreateProject(r.Context(), p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+p.ID)
	writeJSON(w, http.StatusCreated, newProjectJSON(p))
}

// handleAPIProjectUpdate serves PUT /api/v1/projects/{id}: the new design
// of a draft or returned project, with the fields of POST (its community
// and needs stay as designed and may be left out).
func (s *Server) handleAPIProjectUpdate(w http.ResponseWriter, r *http.Request) {
	var req projectRequest
	a, ok := s.guardJSON(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil, &req)
	if !ok {
		return
	}
	old, err := s.cfg.Linkage.FindProjectByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	var fe shequ.FieldErrors
	if c := strings.TrimSpace(req.CommunityCode); c != "" && c != old.Community {
		fe.Add("community_code", "project.community.fixed", "The community of a project is fixed when it is designed.", nil)
	}
	req.CommunityCode = old.Community
	if len(req.NeedIDs) == 0 {
		req.NeedIDs = old.NeedIDs
	}
	p := req.project(&fe)
	p.ID = old.ID
	err = validateProject(a, p, fe)
	if err == nil {
		err = s.cfg.Linkage.UpdateProject(r.Context(), p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newProjectJSON(p))
}

// handleAPIProjectList serves GET /api/v1/projects: public projects to
// anyone, every project of the scope to designers and officials.
func (s *Server) handleAPIProjectList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	q := readListQuery(r)
	f := shequ.ProjectFilter{Community: q.Community(q.Trim("community")), Status: shequ.ProjectStatus(q.Trim("status")),
		Query: q.Trim("q")}
	if f.Status != "" && !oneOfStr(string(f.Status), shequ.ProjectStatuses) {
		q.fe.Add("status", "project.status.invalid", "Unknown state of a project.", nil)
	}
	if q.refused(s, w, r) {
		return
	}
	if f.Limit, f.Offset = q.Page(registerAPIDefaultLimit, registerAPIMaxLimit); q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Linkage.FindProjects(r.Context(), f)
	answerList(s, w, r, list, total, err, newProjectJSON)
}

// readProject loads the project of the path for the caller: public ones
// without an account.
func (s *Server) readProject(r *http.Request) (*shequ.Project, error) {
	id := pathID(r, "id")
	if shequ.ActorFrom(r.Context()) == nil {
		return s.cfg.Linkage.PublicProject(r.Context(), id)
	}
	return s.cfg.Linkage.FindProjectByID(r.Context(), id)
}

// handleAPIProjectGet serves GET /api/v1/projects/{id} with its progress,
// evaluation and timeline; public projects need no account.
func (s *Server) handleAPIProjectGet(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	p, err := s.readProject(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	ctx := r.Context()
	acts, err := s.cfg.Linkage.FindActivities(ctx, p.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	evs, err := s.cfg.Linkage.FindEvaluations(ctx, p.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	tl, err := s.cfg.Linkage.Timeline(ctx, "project", p.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	j := newProjectJSON(p)
	for i, pr := range shequ.ComputeProgress(p, acts) {
		v := pr.Achieved
		j.Indicators[i].Achieved = &v
	}
	for i, mp := range shequ.ComputeMilestones(p, acts, s.now()) {
		v, met := mp.Achieved, mp.Met
		j.Milestones[i].Achieved, j.Milestones[i].Met = &v, &met
	}
	res := shequ.Evaluate(p, evs)
	j.Evaluation = &evaluationSum{Ratings: res.Ratings, RatingMean: res.RatingMean, Community: res.Community,
		ThirdParty: res.ThirdParty, Final: res.Final, Satisfaction: res.Satisfaction, Complete: res.Complete}
	j.Timeline = newTimelineJSON(tl, shequ.ActorFrom(ctx) == nil)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

// handleAPIProjectTransition serves POST /api/v1/projects/{id}/transitions.
func (s *Server) handleAPIProjectTransition(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.linkage(w, r) {
		return
	}
	var req transitionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.cfg.Linkage.TransitionProject(r.Context(), pathID(r, "id"), shequ.ProjectTransition{
		To: shequ.ProjectStatus(strings.TrimSpace(req.To)), Comment: req.Comment, BidID: strings.TrimSpace(req.BidID)})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newProjectJSON(p))
}

// reviewersRequest is the body of POST /api/v1/projects/{id}/reviewers.
type reviewersRequest struct {
	Reviewers []string `json:"reviewers"`
}

// handleAPIProjectReviewers serves POST /api/v1/projects/{id}/reviewers.
func (s *Server) handleAPIProjectReviewers(w http.ResponseWriter, r *http.Request) {
	var req reviewersRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionProjectApprove, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	p, err := s.cfg.Linkage.AppointReviewers(r.Context(), pathID(r, "id"), cleanCodes(req.Reviewers))
	answerJSON(s, w, r, http.StatusOK, p, err, newProjectJSON)
}

package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ"
)

// The pages of service projects: the list, the design form, one project
// with every step of its call that the signed-in account may take, the
// public call and accountability pages (no account needed) and the
// notifications.

// projectsPage is the data of templates/projects.html and of the public
// list.
type projectsPage struct {
	Projects  []*shequ.Project
	Total     int
	Query     string // the number or title searched for
	CanDesign bool
	Public    bool
	Base      string // the list's own path, which its links extend
	Status    shequ.ProjectStatus
	Tabs      []projectTab
}

// projectTab is one filter of the project list: a state the people who
// work on it look for (待审批 for the officials who approve, 招募中 for the
// organizations who bid, 实施中 for the teams who record activities).
type projectTab struct {
	Status shequ.ProjectStatus // "" all
	Href   string
}

// projectTabs are the staff list's filters.
var projectTabs = []shequ.ProjectStatus{"", shequ.ProjectUnderReview, shequ.ProjectOpenForBids, shequ.ProjectInProgress,
	shequ.ProjectClosed}

// projectStatusQuery is the state filter of r's list, "" for none or one
// that is not a state.
func projectStatusQuery(r *http.Request) shequ.ProjectStatus {
	st := shequ.ProjectStatus(r.URL.Query().Get("status"))
	if slices.Contains(shequ.ProjectStatuses, st) {
		return st
	}
	return ""
}

// handleProjectList serves GET /projects.
func (s *Server) handleProjectList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionProjectRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	q, st := projectQuery(r), projectStatusQuery(r)
	list, total, err := s.cfg.Linkage.FindProjects(r.Context(), shequ.ProjectFilter{Query: q, Status: st, Limit: 200})
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &projectsPage{Projects: list, Total: total, Query: q, CanDesign: a.Can(shequ.ActionProjectDesign), Base: "/projects", Status: st}
	for _, t := range projectTabs {
		href := "/projects"
		if t != "" {
			href += "?status=" + string(t)
		}
		p.Tabs = append(p.Tabs, projectTab{Status: t, Href: href})
	}
	l := s.localizer(r)
	title := l.T("project.list.title")
	if st != "" {
		title += " · " + l.T("project.status."+string(st))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "projects", title, p)
}

// projectQuery is the search of a project list: part of a number or title.
func projectQuery(r *http.Request) string {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > 100 {
		q = string([]rune(q)[:100])
	}
	return q
}

// handlePublicProjects serves GET /public/projects: the open calls and
// the projects under way, for everyone.
func (s *Server) handlePublicProjects(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	ctx := shequ.WithActor(r.Context(), nil)
	q := projectQuery(r)
	list, total, err := s.cfg.Linkage.FindProjects(ctx, shequ.ProjectFilter{Public: true, Query: q, Limit: 200})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "projects", s.localizer(r).T("project.public.list_title"),
		&projectsPage{Projects: list, Total: total, Query: q, Public: true, Base: "/public/projects"})
}

// projectPage is the data of templates/project.html and
// templates/public_project.html.
type projectPage struct {
	P           *shequ.Project
	Public      bool
	Progress    []shequ.IndicatorProgress
	Milestones  []shequ.MilestoneProgress
	Needs       []*shequ.Need
	Bids        []*shequ.Bid
	BidByID     map[string]*shequ.Bid
	Ranking     []shequ.BidRank
	Reviewed    map[string]bool // bids the signed-in reviewer scored
	Objections  []*shequ.Objection
	Activities  []*shequ.Activity
	Evaluations []*shequ.Evaluation
	Result      shequ.EvaluationResult
	Timeline    []*shequ.TimelineEvent
	// What the signed-in account may do now.
	Steps      []shequ.ProjectStatus
	CanAppoint bool
	Reviewable []reviewerChoice // the accounts that may be appointed, when CanAppoint
	CanEdit    bool             // the design may be edited (draft or returned)
	Edit       *projectForm     // the design form, prefilled, when CanEdit
	CanBid     bool
	MyOrgs     []*shequ.SocialOrg
	MyOrgIDs   map[string]bool
	MyWorkers  []*shequ.SocialWorker
	MyBid      *shequ.Bid // the organization's submitted bid, which the form edits
	IsReviewer bool
	CanObject  bool
	CanAnswer  bool
	CanRecord  bool
	Photos     map[string][]*shequ.LinkagePhoto // by activity, signed-in pages only
	EvalKind   shequ.EvaluationKind
	// NotParticipant: a resident who took part in no activity of the
	// project, and may not rate it.
	NotParticipant bool
	Functions      []shequ.ServiceFunction
	Ratings        []int
	Today          string
	// Volunteering is the project's volunteer service, derived from the
	// standing service records of its opportunities (nil without the
	// volunteer service or before the award).
	Volunteering  *projectVolunteering
	ObjectionOpen bool
	// CalendarCovered: the holiday table covers the year of the objection
	// period; otherwise it counts weekends alone and the page says so.
	CalendarCovered bool
	Notice          string
	Error           string
	Errors          map[string]string
}

// loadProjectPage gathers a project and everything around it for the
// caller (public: nothing personal, no actions).
func (s *Server) loadProjectPage(r *http.Request, public bool) (*projectPage, error) {
	ctx := r.Context()
	if public {
		ctx = shequ.WithActor(ctx, nil)
	}
	id := pathID(r, "id")
	var p *shequ.Project
	var err error
	if public {
		p, err = s.cfg.Linkage.PublicProject(ctx, id)
	} else {
		p, err = s.cfg.Linkage.FindProjectByID(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	pg := &projectPage{P: p, Public: public, BidByID: map[string]*shequ.Bid{}, Reviewed: map[string]bool{}, Functions: shequ.ServiceFunctions,
		Ratings: []int{1, 2, 3, 4, 5}}
	l := s.cfg.Linkage
	if pg.Bids, err = l.FindBids(ctx, p.ID); err != nil {
		return nil, err
	}
	for _, b := range pg.Bids {
		pg.BidByID[b.ID] = b
	}
	if pg.Ranking, err = l.Ranking(ctx, p.ID); err != nil {
		return nil, err
	}
	if pg.Objections, err = l.FindObjections(ctx, p.ID); err != nil {
		return nil, err
	}
	if pg.Activities, err = l.FindActivities(ctx, p.ID); err != nil {
		return nil, err
	}
	if pg.Evaluations, err = l.FindEvaluations(ctx, p.ID); err != nil {
		return nil, err
	}
	if pg.Timeline, err = l.Timeline(ctx, "project", p.ID); err != nil {
		return nil, err
	}
	if public {
		// The public sees what happened, not who did it.
		for _, e := range pg.Timeline {
			e.ActorName = ""
		}
	}
	if pg.Needs, err = l.ProjectNeeds(ctx, p.ID); err != nil {
		return nil, err
	}
	now := s.now()
	pg.Progress = shequ.ComputeProgress(p, pg.Activities)
	pg.Milestones = shequ.ComputeMilestones(p, pg.Activities, now)
	pg.Result = shequ.Evaluate(p, pg.Evaluations)
	pg.Today = now.In(shequ.Shanghai).Format(time.DateOnly)
	pg.ObjectionOpen = p.Status == shequ.ProjectAwarded && p.ObjectionEnds != nil
	year := now.In(shequ.Shanghai).Year()
	if p.AwardedAt != nil {
		year = p.AwardedAt.In(shequ.Shanghai).Year()
	}
	pg.CalendarCovered = s.calendar(r).Covers(year)
	if s.cfg.Volunteers != nil && p.AwardedAt != nil {
		v := &projectVolunteering{}
		if v.Volunteers, v.Minutes, err = s.cfg.Volunteers.ProjectService(ctx, p.ID); err != nil {
			return nil, err
		}
		if a := shequ.ActorFrom(ctx); !public && a != nil && a.Can(shequ.ActionOpportunityManage) &&
			(p.Status == shequ.ProjectAwarded || p.Status == shequ.ProjectInProgress) {
			v.CanPublish = true
		}
		pg.Volunteering = v
	}
	if !public {
		s.projectActions(r, pg)
	}
	return pg, nil
}

// projectVolunteering is the volunteer service of a project.
type projectVolunteering struct {
	Volunteers int // distinct volunteers with standing records
	Minutes    int
	CanPublish bool // the actor may publish an opportunity linked to it
}

// projectActions fills what the signed-in account may do on the page; the
// service still makes every real check.
func (s *Server) projectActions(r *http.Request, pg *projectPage) {
	a := shequ.ActorFrom(r.Context())
	if a == nil {
		return
	}
	p := pg.P
	for _, to := range p.NextStates() {
		if a.Can(shequ.TransitionActor(to, p.Status)) {
			pg.Steps = append(pg.Steps, to)
		}
	}
	pg.CanEdit = a.Can(shequ.ActionProjectDesign) && p.Editable()
	if pg.CanEdit {
		pg.Edit = projectFormOf(s.localizer(r), p)
		pg.Edit.P = "edit-"
	}
	pg.CanAppoint = a.Can(shequ.ActionProjectApprove) && (p.Status == shequ.ProjectOpenForBids || p.Status == shequ.ProjectBidReview)
	if pg.CanAppoint {
		// Like the page's other extras, best effort: a failed read
		// shows no candidates rather than no page.
		pg.Reviewable, _ = s.reviewerChoices(r, p)
	}
	pg.IsReviewer = p.Status == shequ.ProjectBidReview && slices.Contains(p.Reviewers, a.UserID)
	if pg.IsReviewer {
		if reviews, err := s.cfg.Linkage.FindReviews(r.Context(), p.ID); err == nil {
			for _, rv := range reviews {
				if rv.ReviewerID == a.UserID {
					pg.Reviewed[rv.BidID] = true
				}
			}
		}
	}
	pg.CanObject = pg.ObjectionOpen
	pg.CanAnswer = a.Can(shequ.ActionProjectApprove)
	pg.CanRecord = a.Can(shequ.ActionActivityRecord) && p.Status == shequ.ProjectInProgress
	pg.Photos = map[string][]*shequ.LinkagePhoto{}
	for _, act := range pg.Activities {
		if ph, err := s.cfg.Linkage.FindPhotos(r.Context(), "activity", act.ID); err == nil {
			pg.Photos[act.ID] = ph
		}
	}
	if a.Can(shequ.ActionEvaluate) && p.Status == shequ.ProjectFinalEvaluation {
		switch a.Role {
		case shequ.RoleResident:
			// Only participants rate: the others are told why there is
			// no form (the service refuses them anyway).
			if ok, err := s.cfg.Linkage.Participated(r.Context(), p.ID); err == nil && ok {
				pg.EvalKind = shequ.EvalResident
			} else {
				pg.NotParticipant = true
			}
		case shequ.RoleCommunityWorker:
			pg.EvalKind = shequ.EvalCommunity
		case shequ.RoleOfficial:
			pg.EvalKind = shequ.EvalThirdParty
		}
	}
	if a.Can(shequ.ActionBidSubmit) && p.Status == shequ.ProjectOpenForBids && s.cfg.Orgs != nil {
		orgs, _, err := s.cfg.Orgs.FindOrgs(r.Context(), shequ.OrgFilter{Limit: 500})
		if err == nil {
			for _, o := range orgs {
				if slices.Contains(o.OwnerUserIDs, a.UserID) {
					pg.MyOrgs = append(pg.MyOrgs, o)
				}
			}
		}
		if s.cfg.Workers != nil && len(pg.MyOrgs) > 0 {
			ws, _, err := s.cfg.Workers.FindWorkers(r.Context(), shequ.WorkerFilter{Limit: 500})
			if err == nil {
				for _, w := range ws {
					if slices.ContainsFunc(pg.MyOrgs, func(o *shequ.SocialOrg) bool { return o.ID == w.EmployerOrgID }) {
						pg.MyWorkers = append(pg.MyWorkers, w)
					}
				}
			}
		}
		pg.CanBid = len(pg.MyOrgs) > 0
		pg.MyOrgIDs = map[string]bool{}
		for _, o := range pg.MyOrgs {
			pg.MyOrgIDs[o.ID] = true
		}
		// The organization's bid, when it has one still open to edits:
		// the form shows it to change, not an empty form.
		for _, b := range pg.Bids {
			if pg.MyOrgIDs[b.OrgID] && b.Status == shequ.BidSubmitted {
				pg.MyBid = b
				break
			}
		}
	}
}

// handleProjectShow serves GET /projects/{id}.
func (s *Server) handleProjectShow(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionProjectRead, s.cfg.Linkage != nil); !ok {
		return
	}
	pg, err := s.loadProjectPage(r, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if n := r.URL.Query().Get("notice"); n != "" && len(n) < 40 {
		pg.Notice = s.localizer(r).T("project.notice." + n)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "project", pg.P.Title, pg)
}

// handlePublicProject serves GET /public/projects/{id}: the call (招募公告)
// and the accountability page, readable without an account.
func (s *Server) handlePublicProject(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	pg, err := s.loadProjectPage(r, true)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_project", pg.P.Title, pg)
}

// handleProjectStep serves the forms of a project's page: POST
// /projects/{id}/{step} with step transition, reviewers, bid, withdraw,
// review, objection, activity or evaluation. Errors show the page again with the
// message.
func (s *Server) handleProjectStep(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.linkage(w, r) || !s.readForm(w, r) {
		return
	}
	ctx, id, pf := r.Context(), pathID(r, "id"), r.PostForm
	g := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	atoi := func(k string) int { n, _ := strconv.Atoi(g(k)); return n }
	l := s.cfg.Linkage
	var err error
	var fe shequ.FieldErrors
	step := r.PathValue("step")
	switch step {
	case "transition":
		_, err = l.TransitionProject(ctx, id, shequ.ProjectTransition{To: shequ.ProjectStatus(g("to")), Comment: g("comment")})
	case "reviewers":
		var ids []string
		var names []string
		for _, v := range pf["reviewers"] { // ticked, one a value (or typed, comma-separated)
			names = append(names, splitList(v)...)
		}
		for _, name := range names {
			u, uerr := s.cfg.Users.FindUserByUsername(ctx, name)
			if uerr != nil {
				fe.Add("reviewers", "project.reviewer.invalid", "Every reviewer is an account that may score bids in the project's area.", nil)
				break
			}
			ids = append(ids, u.ID)
		}
		if err = fe.Err(); err == nil {
			_, err = l.AppointReviewers(ctx, id, ids)
		}
	case "bid":
		var price int64
		if price, err = shequ.ParseYuan(g("price")); err != nil {
			fe.Add("price", "money.invalid", shequ.ErrYuan.Message, nil)
			err = fe.Err()
			break
		}
		err = l.SubmitBid(ctx, &shequ.Bid{ProjectID: id, OrgID: g("org_id"), Plan: pf.Get("plan"), PriceFen: price,
			Team: cleanCodes(pf["team"]), Experience: pf.Get("experience")})
	case "review":
		sc := map[string]int{}
		for k, v := range pf {
			if c, ok := strings.CutPrefix(k, "score_"); ok && len(v) > 0 {
				n, aerr := strconv.Atoi(strings.TrimSpace(v[0]))
				if aerr != nil {
					n = -1
				}
				sc[c] = n
			}
		}
		err = l.SubmitReview(ctx, &shequ.Review{ProjectID: id, BidID: g("bid_id"), Scores: sc})
	case "withdraw":
		_, err = l.WithdrawBid(ctx, g("bid_id"))
	case "objection":
		_, err = l.LodgeObjection(ctx, id, pf.Get("text"))
	case "activity":
		req := activityRequest{Date: g("date"), Place: pf.Get("place"), Content: pf.Get("content"), Functions: pf["functions"],
			ResidentIDs: splitList(g("resident_ids")), ParticipantIDs: splitList(g("participant_id_numbers")),
			Participants: atoi("participants")}
		act := req.activity(id, &fe)
		if err = fe.Err(); err == nil {
			err = l.RecordActivity(ctx, act)
		}
	case "evaluation":
		err = l.SubmitEvaluation(ctx, &shequ.Evaluation{ProjectID: id, Kind: shequ.EvaluationKind(g("kind")), Score: atoi("score"),
			Comment: pf.Get("comment"), Assessor: pf.Get("assessor")})
	default:
		s.error(w, r, errNotFound)
		return
	}
	if err != nil {
		s.projectFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/projects/"+url.PathEscape(id)+"?notice="+step, http.StatusSeeOther)
}

// projectFailed shows the project again with the error of a step.
func (s *Server) projectFailed(w http.ResponseWriter, r *http.Request, err error) {
	e := shequ.AsError(err)
	if e.Code != shequ.EInvalid && e.Code != shequ.EConflict && e.Code != shequ.EForbidden {
		s.error(w, r, err)
		return
	}
	pg, lerr := s.loadProjectPage(r, false)
	if lerr != nil {
		s.error(w, r, lerr)
		return
	}
	l := s.localizer(r)
	pg.Errors, pg.Error = fieldMessages(l, err), l.Error(e)
	if len(pg.Errors) > 0 {
		pg.Error = l.T("form.has_errors")
		for _, f := range e.Fields {
			pg.Error += " " + l.FieldError(f)
			break
		}
	}
	s.render(w, r, statusByCode[e.Code], "project", pg.P.Title, pg)
}

// handleObjectionAnswer serves POST /objections/{id}/answer.
func (s *Server) handleObjectionAnswer(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionProjectApprove, s.cfg.Linkage != nil); !ok {
		return
	}
	o, err := s.cfg.Linkage.AnswerObjection(r.Context(), pathID(r, "id"), r.PostForm.Get("answer"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/projects/"+url.PathEscape(o.ProjectID)+"?notice=answer", http.StatusSeeOther)
}

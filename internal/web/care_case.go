package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"shequ"
)

// Cases (个案, issue 16): the worker's and the supervisor's list, the form
// that opens a case (the person picked from the residents of the
// community), and the case file with its forms — notes, the worker's
// moves, approval requests and the supervisor's decisions, referrals, the
// next assessment. Who may see a case is the store's need-to-know; an
// official reaches a case only through the break-the-glass form, which
// asks for a reason.

// careCasesPage is the data of templates/care_cases.html.
type careCasesPage struct {
	Cases      []*shequ.Case
	Total      int
	Status     string
	Pending    bool
	Statuses   []shequ.CaseStatus
	Supervisor bool
	Pager      pager
}

// handleCareCases serves GET /care/cases: open cases (or of one stage;
// pending=1 the approvals waiting).
func (s *Server) handleCareCases(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseRead, s.cfg.Care != nil); !ok {
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	status := shequ.CaseStatus(q.Get("status"))
	known := false
	for _, st := range shequ.CaseStatuses {
		known = known || st == status
	}
	if !known {
		status = ""
	}
	pending := q.Get("pending") == "1"
	list, total, err := s.cfg.Care.FindCases(r.Context(), shequ.CaseFilter{Status: status, Pending: pending,
		Offset: (page - 1) * carePageSize, Limit: carePageSize})
	if err != nil {
		s.error(w, r, err)
		return
	}
	acc, err := s.cfg.Care.MyCareAccess(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	keep := url.Values{}
	if status != "" {
		keep.Set("status", string(status))
	}
	if pending {
		keep.Set("pending", "1")
	}
	p := &careCasesPage{Cases: list, Total: total, Status: string(status), Pending: pending, Statuses: shequ.CaseStatuses,
		Supervisor: len(acc.Supervisor) > 0, Pager: queryPager(r.URL.Path, keep, page, total, carePageSize)}
	s.render(w, r, http.StatusOK, "care_cases", s.localizer(r).T("care.cases.title"), p)
}

// careCaseFormPage is the data of templates/care_case_form.html.
type careCaseFormPage struct {
	AlertID, PersonID, Community string
	Residents                    []*shequ.Resident
	ResidentID, Area, Origin     string
	Summary                      string
	Areas                        []shequ.ServiceArea
	Origins                      []shequ.CaseOrigin
	Errors                       map[string]string
	Error                        string
}

// handleCareCaseNew serves GET /care/cases/new: from an alert (alert=ID),
// a person under care (person=ID) or a community (community=code); the
// person is picked from the residents of the community.
func (s *Server) handleCareCaseNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil); !ok {
		return
	}
	q := r.URL.Query()
	p := &careCaseFormPage{AlertID: q.Get("alert"), PersonID: q.Get("person"), Community: q.Get("community"),
		Area: string(shequ.AreaCare), Origin: string(shequ.OriginCare)}
	if err := s.careCaseContext(r, p); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "care_case_form", s.localizer(r).T("care.case.new.title"), p)
}

// careCaseContext fills the form's choices from its alert, person or
// community.
func (s *Server) careCaseContext(r *http.Request, p *careCaseFormPage) error {
	ctx := r.Context()
	p.Areas, p.Origins = shequ.ServiceAreas, shequ.CaseOrigins
	if p.AlertID != "" {
		f, err := s.cfg.Care.FindAlertByID(ctx, p.AlertID)
		if err != nil {
			return err
		}
		p.Community, p.Origin = f.Alert.Community, string(shequ.OriginAlert)
		if f.Person != nil {
			p.ResidentID, p.PersonID = f.Person.ResidentID, f.Person.ID
		}
	}
	if p.PersonID != "" && p.ResidentID == "" {
		cp, err := s.cfg.Care.FindCarePersonByID(ctx, p.PersonID)
		if err != nil {
			return err
		}
		p.Community, p.ResidentID = cp.Community, cp.ResidentID
	}
	if a := shequ.ActorFrom(ctx); p.Community == "" && a != nil && len(a.Scope) == 12 {
		p.Community = a.Scope
	}
	if len(p.Community) == 12 && s.cfg.Residents != nil && shequ.ActorFrom(ctx).Can(shequ.ActionResidentRead) {
		rs, _, err := s.cfg.Residents.FindResidents(ctx, shequ.ResidentFilter{Community: p.Community, Limit: 500})
		if err != nil {
			return err
		}
		p.Residents = rs
	}
	return nil
}

// handleCareCaseCreate serves POST /care/cases.
func (s *Server) handleCareCaseCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	p := &careCaseFormPage{AlertID: f.Get("alert_id"), PersonID: f.Get("person_id"), Community: f.Get("community"),
		ResidentID: f.Get("resident_id"), Area: f.Get("area"), Origin: f.Get("origin"), Summary: f.Get("summary")}
	k := &shequ.Case{ResidentID: p.ResidentID, PersonID: p.PersonID, AlertID: p.AlertID, Area: shequ.ServiceArea(p.Area),
		Origin: shequ.CaseOrigin(p.Origin), Summary: p.Summary}
	if err := s.cfg.Care.OpenCase(r.Context(), k); err != nil {
		resident := p.ResidentID
		if cerr := s.careCaseContext(r, p); cerr != nil {
			s.error(w, r, cerr)
			return
		}
		p.ResidentID = resident
		s.formFailed(w, r, "care_case_form", "care.case.new.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/care/cases/"+url.PathEscape(k.ID)+"?notice=opened", http.StatusSeeOther)
}

// careCasePage is the data of templates/care_case.html.
type careCasePage struct {
	F                  *shequ.CaseFile
	Worker, Supervisor bool
	BrokeGlass         bool
	Moves              []shequ.CaseStatus
	Stages             []shequ.ApprovalStage
	NoteKinds          []shequ.CaseNoteKind
	Functions          []shequ.ServiceFunction
	Orgs               []*shequ.SocialOrg
	// Items are the catalogue items a referral may file a request for:
	// offered in the case's community and taking requests at the window.
	// ItemForm is the picked item's form (its answers ItemValues), shown
	// once the worker picks the item.
	Items           []*shequ.ServiceItem
	Workers         []*shequ.User // the workers it may be referred to
	ItemName        string
	ItemForm        []shequ.FormField
	ItemValues      map[string][]string
	CanReadRequests bool
	Notice, Error   string
	Errors          map[string]string
	Form            map[string]string
}

// handleCareCase serves GET /care/cases/{id}: the case file, for its
// worker and its supervisor.
func (s *Server) handleCareCase(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseRead, s.cfg.Care != nil); !ok {
		return
	}
	f, err := s.cfg.Care.FindCaseByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.careCasePage(r, f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The referral form's "show the item's form" button (GET): the item
	// picked and the note typed so far.
	if q := r.URL.Query(); q.Get("service_item_id") != "" && p.Worker {
		p.Form = map[string]string{"target": string(shequ.ReferToService), "service_item_id": q.Get("service_item_id"),
			"note": q.Get("note")}
		p.pickItem(q.Get("service_item_id"), nil)
	}
	if n := r.URL.Query().Get("notice"); n != "" && len(n) < 20 {
		p.Notice = s.localizer(r).T("care.case.notice." + n)
		if p.Notice == "care.case.notice."+n {
			p.Notice = ""
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "care_case", s.localizer(r).T("care.case.title", map[string]any{"Number": f.Case.Number}), p)
}

// careCasePage builds the case page: who the actor is to the case and the
// choices of its forms.
func (s *Server) careCasePage(r *http.Request, f *shequ.CaseFile) (*careCasePage, error) {
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	acc, err := s.cfg.Care.MyCareAccess(ctx)
	if err != nil {
		return nil, err
	}
	k := f.Case
	p := &careCasePage{F: f, Worker: a != nil && a.UserID == k.WorkerID && a.Can(shequ.ActionCaseWrite),
		Supervisor: acc.Supervises(k.Community) && a.Can(shequ.ActionCaseApprove), Stages: shequ.ApprovalStages,
		NoteKinds: shequ.CaseNoteKinds, Functions: shequ.ServiceFunctions, Form: map[string]string{}}
	for _, to := range []shequ.CaseStatus{shequ.CaseAssessment, shequ.CaseReview, shequ.CaseServices} {
		if k.CanTransition(to) == nil && !(shequ.NeedsApproval(to) && !(to == shequ.CaseServices && k.Status == shequ.CaseReview)) {
			p.Moves = append(p.Moves, to)
		}
	}
	if p.Worker && k.Status != shequ.CaseClosed {
		if s.cfg.Orgs != nil && a.Can(shequ.ActionOrgRead) {
			orgs, _, err := s.cfg.Orgs.FindOrgs(ctx, shequ.OrgFilter{Community: k.Community[:6], Status: shequ.OrgActive, Limit: 200})
			if err != nil {
				return nil, err
			}
			p.Orgs = orgs
		}
		if s.cfg.ServiceItems != nil {
			items, err := s.cfg.ServiceItems.ListItems(ctx, k.Community)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if it.Allows(shequ.ChannelWindow) {
					p.Items = append(p.Items, it)
				}
			}
		}
	}
	if p.Worker && k.Status != shequ.CaseClosed {
		workers, err := s.cfg.Care.ReferralWorkers(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		p.Workers = workers
	}
	p.CanReadRequests = a.Can(shequ.ActionRequestRead)
	return p, nil
}

// pickItem shows the form of the referral's item code (one of p.Items)
// with the answers posted in pf (nil: none yet).
func (p *careCasePage) pickItem(code string, pf url.Values) {
	for _, it := range p.Items {
		if it.Code == code {
			p.ItemName, p.ItemForm, p.ItemValues = it.Name, it.SortedForm(), map[string][]string{}
			if pf != nil {
				p.ItemValues = formValues(it, pf)
			}
			return
		}
	}
}

// careCaseFailed shows the case page again with a form's errors.
func (s *Server) careCaseFailed(w http.ResponseWriter, r *http.Request, form map[string]string, err error) {
	f, ferr := s.cfg.Care.FindCaseByID(r.Context(), r.PathValue("id"))
	if ferr != nil {
		s.error(w, r, err)
		return
	}
	p, perr := s.careCasePage(r, f)
	if perr != nil {
		s.error(w, r, perr)
		return
	}
	p.Form = form
	if form["target"] == string(shequ.ReferToService) {
		p.pickItem(form["service_item_id"], r.PostForm)
	}
	s.formFailed(w, r, "care_case", "care.cases.title", p, &p.Errors, &p.Error, err)
}

// careCaseAction runs one of the case forms: it reads the form, calls do
// and goes back to the case with notice, or shows the errors.
func (s *Server) careCaseAction(w http.ResponseWriter, r *http.Request, act shequ.Action, notice string,
	do func(id string, f url.Values) error) {
	if _, ok := s.guardService(w, r, act, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := do(id, r.PostForm); err != nil {
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		s.careCaseFailed(w, r, form, err)
		return
	}
	http.Redirect(w, r, "/care/cases/"+url.PathEscape(id)+"?notice="+notice, http.StatusSeeOther)
}

// handleCareCaseNote serves POST /care/cases/{id}/notes.
func (s *Server) handleCareCaseNote(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseRead, "note", func(id string, f url.Values) error {
		minutes, _ := strconv.Atoi(f.Get("minutes"))
		return s.cfg.Care.AddCaseNote(r.Context(), id, &shequ.CaseNote{Kind: shequ.CaseNoteKind(f.Get("kind")),
			Function: shequ.ServiceFunction(f.Get("function")), Minutes: minutes, Attendees: f.Get("attendees"), Body: f.Get("body")})
	})
}

// handleCareCaseMove serves POST /care/cases/{id}/moves.
func (s *Server) handleCareCaseMove(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseWrite, "moved", func(id string, f url.Values) error {
		_, err := s.cfg.Care.MoveCase(r.Context(), id, shequ.CaseStatus(f.Get("to")), f.Get("note"))
		return err
	})
}

// handleCareCaseRequest serves POST /care/cases/{id}/approvals.
func (s *Server) handleCareCaseRequest(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseWrite, "requested", func(id string, f url.Values) error {
		_, err := s.cfg.Care.RequestApproval(r.Context(), id, shequ.ApprovalStage(f.Get("stage")), f.Get("note"))
		return err
	})
}

// handleCareCaseDecide serves POST /care/cases/{id}/decision.
func (s *Server) handleCareCaseDecide(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseApprove, "decided", func(id string, f url.Values) error {
		_, err := s.cfg.Care.DecideApproval(r.Context(), id, shequ.ApprovalDecision{Approve: f.Get("approve") == "1",
			Reason: f.Get("reason")})
		return err
	})
}

// handleCareCaseRefer serves POST /care/cases/{id}/referrals.
func (s *Server) handleCareCaseRefer(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseWrite, "referred", func(id string, f url.Values) error {
		ref := &shequ.Referral{Target: shequ.ReferralTarget(f.Get("target")), Note: f.Get("note")}
		switch ref.Target {
		case shequ.ReferToOrg:
			ref.OrgID = f.Get("org_id")
		case shequ.ReferToWorker:
			ref.WorkerUserID = f.Get("worker_user_id")
		case shequ.ReferToService:
			ref.ServiceItemID = f.Get("service_item_id")
			// The answers to the item's form (its required fields are
			// checked when the request is filed).
			if s.cfg.ServiceItems != nil {
				if it, err := s.cfg.ServiceItems.GetItem(r.Context(), ref.ServiceItemID); err == nil {
					ref.Values = formValues(it, f)
				}
			}
		}
		return s.cfg.Care.ReferCase(r.Context(), id, ref)
	})
}

// handleCareCaseSchedule serves POST /care/cases/{id}/schedule.
func (s *Server) handleCareCaseSchedule(w http.ResponseWriter, r *http.Request) {
	s.careCaseAction(w, r, shequ.ActionCaseWrite, "scheduled", func(id string, f url.Values) error {
		var fe shequ.FieldErrors
		day := parseDateField(&fe, "next_assessment_on", f.Get("next_assessment_on"))
		if err := fe.Err(); err != nil {
			return err
		}
		if day == nil {
			day = &time.Time{}
		}
		_, err := s.cfg.Care.ScheduleAssessment(r.Context(), id, *day)
		return err
	})
}

// careGlassPage is the data of templates/care_glass.html.
type careGlassPage struct {
	ID, Reason string
	Errors     map[string]string
	Error      string
}

// handleCareGlassForm serves GET /care/cases/{id}/break-glass: the
// official's form to give a reason.
func (s *Server) handleCareGlassForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseBreakGlass, s.cfg.Care != nil); !ok {
		return
	}
	s.render(w, r, http.StatusOK, "care_glass", s.localizer(r).T("care.glass.title"), &careGlassPage{ID: r.PathValue("id")})
}

// handleCareGlass serves POST /care/cases/{id}/break-glass: the case file
// shown once, after the read is recorded and reported.
func (s *Server) handleCareGlass(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseBreakGlass, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f, err := s.cfg.Care.BreakGlassCase(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		p := &careGlassPage{ID: id, Reason: r.PostForm.Get("reason")}
		s.formFailed(w, r, "care_glass", "care.glass.title", p, &p.Errors, &p.Error, err)
		return
	}
	p := &careCasePage{F: f, BrokeGlass: true}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "care_case", s.localizer(r).T("care.case.title", map[string]any{"Number": f.Case.Number}), p)
}

// careReferralsPage is the data of templates/care_referrals.html.
type careReferralsPage struct {
	Referrals []*shequ.Referral
	Notice    string
}

// handleCareReferrals serves GET /care/referrals: the referrals the actor
// receives, with the forms to answer.
func (s *Server) handleCareReferrals(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionReferralAnswer, s.cfg.Care != nil); !ok {
		return
	}
	list, err := s.cfg.Care.FindReferrals(r.Context(), "")
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &careReferralsPage{Referrals: list}
	if n := r.URL.Query().Get("notice"); n == "accepted" || n == "refused" {
		p.Notice = s.localizer(r).T("care.referral.notice." + n)
	}
	s.render(w, r, http.StatusOK, "care_referrals", s.localizer(r).T("care.referrals.title"), p)
}

// handleCareReferralAnswer serves POST /care/referrals/{id}/answer.
func (s *Server) handleCareReferralAnswer(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionReferralAnswer, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	ans := shequ.ReferralAnswer{Accept: r.PostForm.Get("accept") == "1", Reason: r.PostForm.Get("reason")}
	if _, err := s.cfg.Care.AnswerReferral(r.Context(), r.PathValue("id"), ans); err != nil {
		s.error(w, r, err)
		return
	}
	notice := "refused"
	if ans.Accept {
		notice = "accepted"
	}
	http.Redirect(w, r, "/care/referrals?notice="+notice, http.StatusSeeOther)
}

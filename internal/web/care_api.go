package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// The care module's JSON API (issue 16), documented in openapi.json: the
// public report and its tracking, alerts, visits and exits of the care
// register (the register itself is the register mechanism's), cases with
// notes, moves, approvals, referrals and break-the-glass, referrals
// received, duties, needs raised from visits, social-work service records
// and supervision, and the auditor's break-the-glass register. The domain
// types are written as they are, with their snake_case names; sealed texts
// come out in clear only to those the store lets read them.

// careReportInput is the body of POST /api/v1/care/reports.
type careReportInput struct {
	Community    string `json:"community"`
	ReporterKind string `json:"reporter_kind"`
	ReporterName string `json:"reporter_name"`
	ReporterOrg  string `json:"reporter_org"`
	Phone        string `json:"phone"`
	ChildName    string `json:"child_name"`
	ChildAge     int    `json:"child_age"`
	Where        string `json:"where"`
	Concern      string `json:"concern"`
	Details      string `json:"details"`
}

// handleAPICareReport serves POST /api/v1/care/reports: a mandatory report,
// with or without an account. The answer carries the tracking token once.
func (s *Server) handleAPICareReport(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	var in careReportInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	rep := &shequ.CareReport{Community: strings.TrimSpace(in.Community), ReporterKind: shequ.ReporterKind(in.ReporterKind),
		ReporterName: in.ReporterName, ReporterOrg: in.ReporterOrg, ChildName: in.ChildName, ChildAge: in.ChildAge,
		Where: in.Where, Concern: shequ.Concern(in.Concern), Details: in.Details}
	if strings.TrimSpace(in.Phone) != "" {
		ph, err := shequ.ParsePhone(in.Phone)
		if err != nil {
			var fe shequ.FieldErrors
			fe.Add("phone", "phone.invalid", shequ.ErrPhone.Message, nil)
			s.error(w, r, fe.Err())
			return
		}
		rep.Phone = ph
	}
	if err := s.cfg.Care.SubmitReport(r.Context(), rep); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"number": rep.Number, "token": rep.Token, "reported_at": rep.ReportedAt})
}

// handleAPICareTrack serves POST /api/v1/care/reports/track {"token": …}.
func (s *Server) handleAPICareTrack(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	if ok, wait := s.throttle.allow(throttleKey(s.clientAddr(r)), s.now()); !ok {
		err := throttled(wait)
		setRetryAfter(w, err)
		s.error(w, r, err)
		return
	}
	st, err := s.cfg.Care.TrackReport(r.Context(), in.Token)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"number": st.Number, "reported_at": st.ReportedAt, "status": st.Status,
		"acknowledged_at": st.AcknowledgedAt, "closed_at": st.ClosedAt, "escalated": st.Escalated})
}

// careAlertJSON is the API form of an alert.
func careAlertJSON(a *shequ.CareAlert) map[string]any {
	steps := make([]map[string]any, 0, len(a.Steps))
	for _, st := range a.Steps {
		steps = append(steps, map[string]any{"kind": st.Kind, "at": st.At, "by": st.ByName, "note": st.Note})
	}
	return map[string]any{"id": a.ID, "number": a.Number, "community_code": a.Community, "source": a.Source,
		"concern": a.Concern, "status": a.Status, "raised_at": a.RaisedAt, "ack_due": a.AckDue,
		"acknowledged_at": a.AcknowledgedAt, "escalated_at": a.EscalatedAt, "closed_at": a.ClosedAt,
		"outcome": a.Outcome, "case_id": a.CaseID, "person_id": a.PersonID, "steps": steps}
}

// handleAPICareAlerts serves GET /api/v1/care/alerts.
func (s *Server) handleAPICareAlerts(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 200)
	if q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Care.FindAlerts(r.Context(), shequ.AlertFilter{Community: q.Get("community"),
		Status: shequ.AlertStatus(q.Get("status")), Escalated: q.Flag("escalated"), Offset: offset, Limit: limit})
	answerList(s, w, r, list, total, err, careAlertJSON)
}

// handleAPICareAlert serves GET /api/v1/care/alerts/{id}: the alert and
// the report that raised it.
func (s *Server) handleAPICareAlert(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	f, err := s.cfg.Care.FindAlertByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := careAlertJSON(f.Alert)
	if rep := f.Report; rep != nil {
		out["report"] = map[string]any{"number": rep.Number, "reporter_kind": rep.ReporterKind, "reporter_name": rep.ReporterName,
			"reporter_org": rep.ReporterOrg, "phone": rep.Phone, "child_name": rep.ChildName, "child_age": rep.ChildAge,
			"where": rep.Where, "details": rep.Details, "reported_at": rep.ReportedAt}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// handleAPICareAlertAck serves POST /api/v1/care/alerts/{id}/acknowledge.
func (s *Server) handleAPICareAlertAck(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareAlert, s.cfg.Care != nil); !ok {
		return
	}
	a, err := s.cfg.Care.AcknowledgeAlert(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, careAlertJSON(a))
}

// handleAPICareAlertStep serves POST /api/v1/care/alerts/{id}/steps.
func (s *Server) handleAPICareAlertStep(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind string `json:"kind"`
		Note string `json:"note"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCareAlert, s.cfg.Care != nil, &in); !ok {
		return
	}
	a, err := s.cfg.Care.RecordAlertStep(r.Context(), r.PathValue("id"), shequ.AlertStepInput{Kind: shequ.StepKind(in.Kind), Note: in.Note})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, careAlertJSON(a))
}

// careVisitJSON is the API form of a visit.
func careVisitJSON(v *shequ.Visit) map[string]any {
	return map[string]any{"id": v.ID, "person_id": v.PersonID, "date": v.Date.Format(time.DateOnly), "mode": v.Mode,
		"by": v.ByName, "living_alone": v.LivingAlone, "guardian_present": v.GuardianPresent, "guardian_able": v.GuardianAble,
		"attending_school": v.AttendingSchool, "health_concern": v.HealthConcern, "safety_concern": v.SafetyConcern,
		"needs": nonNilSlice(v.Needs), "notes": v.Notes, "alert_id": v.AlertID}
}

// handleAPICareVisits serves GET /api/v1/care/people/{id}/visits.
func (s *Server) handleAPICareVisits(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	vs, err := s.cfg.Care.FindVisits(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, vs, len(vs), careVisitJSON)
}

// careVisitInput is the body of POST /api/v1/care/people/{id}/visits.
type careVisitInput struct {
	Date            string   `json:"date"`
	Mode            string   `json:"mode"`
	LivingAlone     bool     `json:"living_alone"`
	GuardianPresent bool     `json:"guardian_present"`
	GuardianAble    bool     `json:"guardian_able"`
	AttendingSchool bool     `json:"attending_school"`
	HealthConcern   bool     `json:"health_concern"`
	SafetyConcern   bool     `json:"safety_concern"`
	Needs           []string `json:"needs"`
	Notes           string   `json:"notes"`
}

// handleAPICareVisit serves POST /api/v1/care/people/{id}/visits.
func (s *Server) handleAPICareVisit(w http.ResponseWriter, r *http.Request) {
	var in careVisitInput
	if _, ok := s.guardJSON(w, r, shequ.ActionCareVisit, s.cfg.Care != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	day := parseDateField(&fe, "date", in.Date)
	if err := fe.Err(); err != nil || day == nil {
		if err == nil {
			fe.Add("date", "care.visit.date.invalid", "Give the day of the visit.", nil)
			err = fe.Err()
		}
		s.error(w, r, err)
		return
	}
	v := &shequ.Visit{PersonID: r.PathValue("id"), Date: *day, Mode: shequ.VisitMode(in.Mode), LivingAlone: in.LivingAlone,
		GuardianPresent: in.GuardianPresent, GuardianAble: in.GuardianAble, AttendingSchool: in.AttendingSchool,
		HealthConcern: in.HealthConcern, SafetyConcern: in.SafetyConcern, Notes: in.Notes}
	for _, n := range in.Needs {
		v.Needs = append(v.Needs, shequ.CareNeedKind(n))
	}
	if err := s.cfg.Care.RecordVisit(r.Context(), v); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, careVisitJSON(v))
}

// handleAPICareExit serves POST /api/v1/care/people/{id}/exit.
func (s *Server) handleAPICareExit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Cause string `json:"cause"`
		On    string `json:"on"`
		Note  string `json:"note"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCareWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	e := shequ.CareExit{Cause: shequ.ExitCause(in.Cause), Note: in.Note}
	if d := parseDateField(&fe, "on", in.On); d != nil {
		e.On = *d
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.cfg.Care.ExitCarePerson(r.Context(), r.PathValue("id"), e)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": p.ID, "status": p.Status, "exit_cause": p.ExitCause})
}

// careCaseJSON is the API form of a case.
func careCaseJSON(k *shequ.Case) map[string]any {
	out := map[string]any{"id": k.ID, "number": k.Number, "community_code": k.Community, "resident_id": k.ResidentID,
		"person_id": k.PersonID, "alert_id": k.AlertID, "name": k.Name, "area": k.Area, "origin": k.Origin, "status": k.Status,
		"worker_id": k.WorkerID, "worker_name": k.WorkerName, "summary": k.Summary, "opened_at": k.OpenedAt,
		"closed_at": k.ClosedAt, "updated_at": k.UpdatedAt}
	if k.NextAssessmentOn != nil {
		out["next_assessment_on"] = k.NextAssessmentOn.Format(time.DateOnly)
	}
	if a := k.Pending; a != nil {
		out["pending"] = map[string]any{"stage": a.Stage, "requested_at": a.RequestedAt}
	}
	return out
}

// careFileJSON is the API form of a case file.
func careFileJSON(f *shequ.CaseFile) map[string]any {
	out := careCaseJSON(f.Case)
	notes := make([]map[string]any, 0, len(f.Notes))
	for _, n := range f.Notes {
		notes = append(notes, map[string]any{"id": n.ID, "kind": n.Kind, "function": n.Function, "minutes": n.Minutes,
			"attendees": n.Attendees, "body": n.Body, "by": n.ByName, "at": n.At})
	}
	aps := make([]map[string]any, 0, len(f.Approvals))
	for _, a := range f.Approvals {
		aps = append(aps, map[string]any{"stage": a.Stage, "status": a.Status, "requested_at": a.RequestedAt,
			"decided_at": a.DecidedAt, "reason": a.Reason})
	}
	refs := make([]map[string]any, 0, len(f.Referrals))
	for _, ref := range f.Referrals {
		refs = append(refs, careReferralJSON(ref))
	}
	out["notes"], out["approvals"], out["referrals"] = notes, aps, refs
	return out
}

// careReferralJSON is the API form of a referral.
func careReferralJSON(ref *shequ.Referral) map[string]any {
	return map[string]any{"id": ref.ID, "case_id": ref.CaseID, "case_number": ref.CaseNumber, "community_code": ref.Community,
		"target": ref.Target, "org_id": ref.OrgID, "org_name": ref.OrgName, "service_item_id": ref.ServiceItemID,
		"service_name": ref.ServiceName, "worker_user_id": ref.WorkerUserID, "note": ref.Note, "status": ref.Status,
		"reason": ref.Reason, "created_at": ref.CreatedAt, "answered_at": ref.AnsweredAt,
		"request_id": ref.RequestID, "request_number": ref.RequestNumber, "request_state": ref.RequestState}
}

// handleAPICareCases serves GET /api/v1/care/cases.
func (s *Server) handleAPICareCases(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseRead, s.cfg.Care != nil); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 200)
	if q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Care.FindCases(r.Context(), shequ.CaseFilter{Community: q.Get("community"),
		Status: shequ.CaseStatus(q.Get("status")), Pending: q.Flag("pending"), Offset: offset, Limit: limit})
	answerList(s, w, r, list, total, err, careCaseJSON)
}

// handleAPICareCase serves GET /api/v1/care/cases/{id}.
func (s *Server) handleAPICareCase(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCaseRead, s.cfg.Care != nil); !ok {
		return
	}
	f, err := s.cfg.Care.FindCaseByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, careFileJSON(f))
}

// handleAPICareCaseCreate serves POST /api/v1/care/cases.
func (s *Server) handleAPICareCaseCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ResidentID string `json:"resident_id"`
		PersonID   string `json:"person_id"`
		AlertID    string `json:"alert_id"`
		WorkerID   string `json:"worker_id"`
		Area       string `json:"area"`
		Origin     string `json:"origin"`
		Summary    string `json:"summary"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	k := &shequ.Case{ResidentID: in.ResidentID, PersonID: in.PersonID, AlertID: in.AlertID, WorkerID: in.WorkerID,
		Area: shequ.ServiceArea(in.Area), Origin: shequ.CaseOrigin(in.Origin), Summary: in.Summary}
	if err := s.cfg.Care.OpenCase(r.Context(), k); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, careCaseJSON(k))
}

// careCaseAPI answers a case action with the case.
func (s *Server) careCaseAPI(w http.ResponseWriter, r *http.Request, status int, k *shequ.Case, err error) {
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, status, careCaseJSON(k))
}

// handleAPICareCaseNote serves POST /api/v1/care/cases/{id}/notes.
func (s *Server) handleAPICareCaseNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind      string `json:"kind"`
		Function  string `json:"function"`
		Minutes   int    `json:"minutes"`
		Attendees string `json:"attendees"`
		Body      string `json:"body"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseRead, s.cfg.Care != nil, &in); !ok {
		return
	}
	n := &shequ.CaseNote{Kind: shequ.CaseNoteKind(in.Kind), Function: shequ.ServiceFunction(in.Function), Minutes: in.Minutes,
		Attendees: in.Attendees, Body: in.Body}
	if err := s.cfg.Care.AddCaseNote(r.Context(), r.PathValue("id"), n); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "kind": n.Kind, "at": n.At})
}

// handleAPICareCaseMove serves POST /api/v1/care/cases/{id}/moves.
func (s *Server) handleAPICareCaseMove(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To   string `json:"to"`
		Note string `json:"note"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	k, err := s.cfg.Care.MoveCase(r.Context(), r.PathValue("id"), shequ.CaseStatus(in.To), in.Note)
	s.careCaseAPI(w, r, http.StatusOK, k, err)
}

// handleAPICareCaseRequest serves POST /api/v1/care/cases/{id}/approvals.
func (s *Server) handleAPICareCaseRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Stage string `json:"stage"`
		Note  string `json:"note"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	k, err := s.cfg.Care.RequestApproval(r.Context(), r.PathValue("id"), shequ.ApprovalStage(in.Stage), in.Note)
	s.careCaseAPI(w, r, http.StatusOK, k, err)
}

// handleAPICareCaseDecide serves POST /api/v1/care/cases/{id}/decision.
func (s *Server) handleAPICareCaseDecide(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Approve bool   `json:"approve"`
		Reason  string `json:"reason"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseApprove, s.cfg.Care != nil, &in); !ok {
		return
	}
	k, err := s.cfg.Care.DecideApproval(r.Context(), r.PathValue("id"), shequ.ApprovalDecision{Approve: in.Approve, Reason: in.Reason})
	s.careCaseAPI(w, r, http.StatusOK, k, err)
}

// handleAPICareCaseSchedule serves POST /api/v1/care/cases/{id}/schedule.
func (s *Server) handleAPICareCaseSchedule(w http.ResponseWriter, r *http.Request) {
	var in struct {
		On string `json:"next_assessment_on"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	day := parseDateField(&fe, "next_assessment_on", in.On)
	if day == nil {
		day = &time.Time{}
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	k, err := s.cfg.Care.ScheduleAssessment(r.Context(), r.PathValue("id"), *day)
	s.careCaseAPI(w, r, http.StatusOK, k, err)
}

// handleAPICareCaseRefer serves POST /api/v1/care/cases/{id}/referrals.
func (s *Server) handleAPICareCaseRefer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Target        string `json:"target"`
		OrgID         string `json:"org_id"`
		ServiceItemID string `json:"service_item_id"`
		WorkerUserID  string `json:"worker_user_id"`
		Note          string `json:"note"`
		// The answers to the service item's form, as a request's.
		Values map[string][]string `json:"values"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseWrite, s.cfg.Care != nil, &in); !ok {
		return
	}
	ref := &shequ.Referral{Target: shequ.ReferralTarget(in.Target), OrgID: in.OrgID, ServiceItemID: in.ServiceItemID,
		WorkerUserID: in.WorkerUserID, Note: in.Note, Values: in.Values}
	if err := s.cfg.Care.ReferCase(r.Context(), r.PathValue("id"), ref); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, careReferralJSON(ref))
}

// handleAPICareGlass serves POST /api/v1/care/cases/{id}/break-glass: an
// official reads a case giving a reason (audited, reported).
func (s *Server) handleAPICareGlass(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCaseBreakGlass, s.cfg.Care != nil, &in); !ok {
		return
	}
	f, err := s.cfg.Care.BreakGlassCase(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, careFileJSON(f))
}

// handleAPICareReferrals serves GET /api/v1/care/referrals: those the
// caller receives.
func (s *Server) handleAPICareReferrals(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionReferralAnswer, s.cfg.Care != nil); !ok {
		return
	}
	list, err := s.cfg.Care.FindReferrals(r.Context(), r.URL.Query().Get("community"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), careReferralJSON)
}

// handleAPICareReferralAnswer serves POST /api/v1/care/referrals/{id}/answer.
func (s *Server) handleAPICareReferralAnswer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Accept bool   `json:"accept"`
		Reason string `json:"reason"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionReferralAnswer, s.cfg.Care != nil, &in); !ok {
		return
	}
	ref, err := s.cfg.Care.AnswerReferral(r.Context(), r.PathValue("id"), shequ.ReferralAnswer{Accept: in.Accept, Reason: in.Reason})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, careReferralJSON(ref))
}

// careDutyJSON is the API form of a duty.
func careDutyJSON(d *shequ.CareDuty) map[string]any {
	return map[string]any{"id": d.ID, "user_id": d.UserID, "user_name": d.UserName, "kind": d.Kind, "division": d.Division,
		"since": d.Since}
}

// handleAPICareDuties serves GET /api/v1/care/duties?division=.
func (s *Server) handleAPICareDuties(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	list, err := s.cfg.Care.FindDuties(r.Context(), r.URL.Query().Get("division"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), careDutyJSON)
}

// handleAPICareDutyAssign serves POST /api/v1/care/duties.
func (s *Server) handleAPICareDutyAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID   string `json:"user_id"`
		Kind     string `json:"kind"`
		Division string `json:"division"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCareDuty, s.cfg.Care != nil, &in); !ok {
		return
	}
	d, err := s.cfg.Care.AssignDuty(r.Context(), in.UserID, shequ.CareDutyKind(in.Kind), in.Division)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, careDutyJSON(d))
}

// handleAPICareDutyEnd serves POST /api/v1/care/duties/{id}/end.
func (s *Server) handleAPICareDutyEnd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareDuty, s.cfg.Care != nil); !ok {
		return
	}
	if err := s.cfg.Care.EndDuty(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleAPICareNeed serves POST /api/v1/care/needs: a need found on visits
// into the needs pool, with counts and no names.
func (s *Server) handleAPICareNeed(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Community string `json:"community"`
		Kind      string `json:"kind"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCareVisit, s.cfg.Care != nil, &in); !ok {
		return
	}
	n, err := s.cfg.Care.RaiseCareNeed(r.Context(), in.Community, shequ.CareNeedKind(in.Kind))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "title": n.Title, "description": n.Description,
		"category": n.Category, "community_code": n.Community})
}

// careWorkLogJSON is the API form of a service record.
func careWorkLogJSON(l *shequ.WorkLog) map[string]any {
	return map[string]any{"id": l.ID, "user_id": l.UserID, "user_name": l.UserName, "community_code": l.Community,
		"date": l.Date.Format(time.DateOnly), "method": l.Method, "area": l.Area, "function": l.Function, "minutes": l.Minutes,
		"beneficiary": l.Beneficiary, "resident_id": l.ResidentID, "beneficiaries": l.Beneficiaries, "case_id": l.CaseID,
		"project_id": l.ProjectID, "notes": l.Notes}
}

// handleAPICareWorkLogs serves GET /api/v1/care/worklogs.
func (s *Server) handleAPICareWorkLogs(w http.ResponseWriter, r *http.Request) {
	a := shequ.ActorFrom(r.Context())
	act := shequ.ActionWorkLog
	if a.Can(shequ.ActionWorkSupervise) {
		act = shequ.ActionWorkSupervise
	}
	if _, ok := s.guardService(w, r, act, s.cfg.Care != nil); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 200)
	if q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Care.FindWorkLogs(r.Context(), shequ.WorkLogFilter{Community: q.Get("community"),
		UserID: q.Get("user_id"), Offset: offset, Limit: limit})
	answerList(s, w, r, list, total, err, careWorkLogJSON)
}

// handleAPICareWorkLog serves POST /api/v1/care/worklogs.
func (s *Server) handleAPICareWorkLog(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Community     string `json:"community_code"`
		Date          string `json:"date"`
		Method        string `json:"method"`
		Area          string `json:"area"`
		Function      string `json:"function"`
		Minutes       int    `json:"minutes"`
		Beneficiary   string `json:"beneficiary"`
		ResidentID    string `json:"resident_id"`
		Beneficiaries int    `json:"beneficiaries"`
		CaseID        string `json:"case_id"`
		ProjectID     string `json:"project_id"`
		Notes         string `json:"notes"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionWorkLog, s.cfg.Care != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	l := &shequ.WorkLog{Community: in.Community, Method: shequ.WorkMethod(in.Method), Area: shequ.ServiceArea(in.Area),
		Function: shequ.ServiceFunction(in.Function), Minutes: in.Minutes, Beneficiary: shequ.BeneficiaryKind(in.Beneficiary),
		ResidentID: in.ResidentID, Beneficiaries: in.Beneficiaries, CaseID: in.CaseID, ProjectID: in.ProjectID, Notes: in.Notes}
	if d := parseDateField(&fe, "date", in.Date); d != nil {
		l.Date = *d
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Care.RecordWorkLog(r.Context(), l); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, careWorkLogJSON(l))
}

// handleAPICareSupervisions serves GET /api/v1/care/supervisions.
func (s *Server) handleAPICareSupervisions(w http.ResponseWriter, r *http.Request) {
	a := shequ.ActorFrom(r.Context())
	act := shequ.ActionWorkLog
	if a.Can(shequ.ActionWorkSupervise) {
		act = shequ.ActionWorkSupervise
	}
	if _, ok := s.guardService(w, r, act, s.cfg.Care != nil); !ok {
		return
	}
	list, total, err := s.cfg.Care.FindSupervisions(r.Context(), shequ.WorkLogFilter{UserID: r.URL.Query().Get("user_id")})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, total, func(v *shequ.Supervision) map[string]any {
		return map[string]any{"id": v.ID, "supervisor_id": v.SupervisorID, "supervisor_name": v.SupervisorName,
			"worker_user_id": v.WorkerUserID, "worker_name": v.WorkerName, "date": v.Date.Format(time.DateOnly),
			"minutes": v.Minutes, "topic": v.Topic, "notes": v.Notes}
	})
}

// handleAPICareSupervision serves POST /api/v1/care/supervisions.
func (s *Server) handleAPICareSupervision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WorkerUserID string `json:"worker_user_id"`
		Date         string `json:"date"`
		Minutes      int    `json:"minutes"`
		Topic        string `json:"topic"`
		Notes        string `json:"notes"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionWorkSupervise, s.cfg.Care != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	sv := &shequ.Supervision{WorkerUserID: in.WorkerUserID, Minutes: in.Minutes, Topic: in.Topic, Notes: in.Notes}
	if d := parseDateField(&fe, "date", in.Date); d != nil {
		sv.Date = *d
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Care.RecordSupervision(r.Context(), sv); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": sv.ID, "date": sv.Date.Format(time.DateOnly), "topic": sv.Topic})
}

// handleAPICareBreakGlass serves GET /api/v1/care/break-glass: the
// auditor's register of break-the-glass reads.
func (s *Server) handleAPICareBreakGlass(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionAuditRead, s.cfg.Care != nil); !ok {
		return
	}
	list, err := s.cfg.Care.FindBreakGlass(r.Context(), r.URL.Query().Get("division"), 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), func(b *shequ.BreakGlass) map[string]any {
		return map[string]any{"id": b.ID, "case_id": b.CaseID, "case_number": b.Number, "user_id": b.UserID,
			"user_name": b.UserName, "reason": b.Reason, "at": b.At, "division": b.Division}
	})
}

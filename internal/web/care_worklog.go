package web

import (
	"net/http"
	"strconv"
	"strings"

	"shequ"
)

// careWorkLogsPage is the data of templates/care_worklogs.html: the
// service records of a social worker (their own) or of the area (a
// supervisor), the supervision sessions, and the forms to record either.
type careWorkLogsPage struct {
	Logs         []*shequ.WorkLog
	Total        int
	Minutes      int    // of the records listed
	Hours        string // Minutes in hours, one decimal
	Supervisions []*shequ.Supervision
	CanLog       bool
	CanSupervise bool
	Log          careWorkLogForm
	Sup          careSupervisionForm
	Picker       []pickerGroup
	Cases        []*shequ.Case
	Workers      []registerOption // social workers with an account, for supervision
	Methods      []shequ.WorkMethod
	Areas        []shequ.ServiceArea
	Functions    []shequ.ServiceFunction
	Beneficiary  []shequ.BeneficiaryKind
	People       []registerOption // residents of the name given, to pick from
	Notice       string
	Errors       map[string]string
	Error        string
	SupErrors    map[string]string
	SupError     string
}

// careWorkLogForm is the service record form as sent.
type careWorkLogForm struct {
	Community, Date, Method, Area, Function, Minutes string
	Beneficiary, Beneficiaries, CaseID, Notes        string
	// Person is the whole name of a person served without a case;
	// PersonPick the resident picked among those of that name.
	Person, PersonPick string
}

// careSupervisionForm is the supervision form as sent.
type careSupervisionForm struct {
	WorkerUserID, Date, Minutes, Topic, Notes string
}

// canWorkLogs reports whether the actor uses the page: social workers log
// their own service, supervisors read the area's and record supervision.
func canWorkLogs(a *shequ.Actor) (log, supervise bool) {
	return a.Can(shequ.ActionWorkLog), a.Can(shequ.ActionWorkSupervise)
}

// handleCareWorkLogs serves GET /care/worklogs.
func (s *Server) handleCareWorkLogs(w http.ResponseWriter, r *http.Request) {
	act := shequ.ActionWorkLog
	if a := shequ.ActorFrom(r.Context()); a.Can(shequ.ActionWorkSupervise) {
		act = shequ.ActionWorkSupervise
	}
	if _, ok := s.guardService(w, r, act, s.cfg.Care != nil); !ok {
		return
	}
	today := s.now().In(shequ.Shanghai).Format("2006-01-02")
	p := &careWorkLogsPage{Log: careWorkLogForm{Date: today, Method: string(shequ.MethodIndividual),
		Area: string(shequ.AreaCare), Beneficiary: string(shequ.ForPerson)}, Sup: careSupervisionForm{Date: today, Minutes: "60"}}
	switch n := r.URL.Query().Get("notice"); n {
	case "logged", "supervised":
		p.Notice = s.localizer(r).T("care.worklogs.notice." + n)
	}
	if err := s.careWorkLogsData(r, p); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "care_worklogs", s.localizer(r).T("care.worklogs.title"), p)
}

// careWorkLogsData fills the lists and the forms' choices of p.
func (s *Server) careWorkLogsData(r *http.Request, p *careWorkLogsPage) error {
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	p.CanLog, p.CanSupervise = canWorkLogs(a)
	var err error
	if p.Logs, p.Total, err = s.cfg.Care.FindWorkLogs(ctx, shequ.WorkLogFilter{Limit: 100}); err != nil {
		return err
	}
	for _, l := range p.Logs {
		p.Minutes += l.Minutes
	}
	p.Hours = strconv.FormatFloat(float64(p.Minutes)/60, 'f', 1, 64)
	if p.Supervisions, _, err = s.cfg.Care.FindSupervisions(ctx, shequ.WorkLogFilter{Limit: 50}); err != nil {
		return err
	}
	p.Methods, p.Areas, p.Functions, p.Beneficiary = shequ.WorkMethods, shequ.ServiceAreas, shequ.ServiceFunctions, shequ.BeneficiaryKinds
	if p.CanLog {
		p.Picker, _ = s.communityPicker(ctx, a.Scope)
		p.Picker, _ = pick(p.Picker, p.Log.Community)
		if a.Can(shequ.ActionCaseRead) {
			cases, _, err := s.cfg.Care.FindCases(ctx, shequ.CaseFilter{Limit: 200})
			if err != nil {
				return err
			}
			for _, k := range cases {
				if k.WorkerID == a.UserID && k.Status != shequ.CaseClosed {
					p.Cases = append(p.Cases, k)
				}
			}
		}
	}
	if p.CanSupervise && s.cfg.Workers != nil && a.Can(shequ.ActionWorkerRead) {
		ws, _, err := s.cfg.Workers.FindWorkers(ctx, shequ.WorkerFilter{Limit: 500})
		if err != nil {
			return err
		}
		for _, sw := range ws {
			if sw.UserID != "" && sw.UserID != a.UserID {
				p.Workers = append(p.Workers, registerOption{Value: sw.UserID, Label: sw.Name,
					Selected: sw.UserID == p.Sup.WorkerUserID})
			}
		}
	}
	return nil
}

// formInt reads a whole number input; anything else is -1, which the
// domain's bounds refuse with their message.
func formInt(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}

// handleCareWorkLog serves POST /care/worklogs: a social worker records a
// service they delivered.
func (s *Server) handleCareWorkLog(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkLog, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	in := careWorkLogForm{Community: f.Get("community"), Date: f.Get("date"), Method: f.Get("method"), Area: f.Get("area"),
		Function: f.Get("function"), Minutes: f.Get("minutes"), Beneficiary: f.Get("beneficiary"),
		Beneficiaries: f.Get("beneficiaries"), CaseID: f.Get("case_id"), Notes: f.Get("notes"),
		Person: f.Get("person"), PersonPick: f.Get("person_pick")}
	var fe shequ.FieldErrors
	l := &shequ.WorkLog{Community: in.Community, Method: shequ.WorkMethod(in.Method), Area: shequ.ServiceArea(in.Area),
		Function: shequ.ServiceFunction(in.Function), Minutes: formInt(in.Minutes), Beneficiary: shequ.BeneficiaryKind(in.Beneficiary),
		CaseID: in.CaseID, Notes: in.Notes}
	if in.Beneficiaries != "" {
		l.Beneficiaries = formInt(in.Beneficiaries)
	}
	if d := parseDateField(&fe, "date", in.Date); d != nil {
		l.Date = *d
	}
	people, err := s.servedPerson(r, &in, l, &fe)
	if err == nil {
		err = fe.Err()
	}
	if err == nil {
		err = s.cfg.Care.RecordWorkLog(r.Context(), l)
	}
	if err == nil {
		http.Redirect(w, r, "/care/worklogs?notice=logged", http.StatusSeeOther)
		return
	}
	p := &careWorkLogsPage{Log: in, Sup: careSupervisionForm{Date: in.Date, Minutes: "60"}, People: people}
	if derr := s.careWorkLogsData(r, p); derr != nil {
		s.error(w, r, derr)
		return
	}
	s.formFailed(w, r, "care_worklogs", "care.worklogs.title", p, &p.Errors, &p.Error, err)
}

// servedPerson resolves the person served without a case: the whole name
// given is looked up among the residents of the community picked; one
// match is taken, none is a field error, several come back to pick from
// (the pick is taken when it is one of them). Other errors are returned.
func (s *Server) servedPerson(r *http.Request, in *careWorkLogForm, l *shequ.WorkLog, fe *shequ.FieldErrors) ([]registerOption, error) {
	name := strings.TrimSpace(in.Person)
	if name == "" || in.CaseID != "" || l.Beneficiary != shequ.ForPerson || in.Community == "" {
		return nil, nil
	}
	found, err := s.cfg.Care.ServedPeople(r.Context(), in.Community, name)
	if err != nil {
		return nil, err
	}
	var opts []registerOption
	l10n := s.localizer(r)
	for _, p := range found {
		opts = append(opts, registerOption{ID: "care-log-person-" + p.ResidentID, Value: p.ResidentID,
			Label:    p.Name + "（" + p.IDMasked + "） · " + l10n.T("care.candidates.age", map[string]any{"N": p.Age}),
			Selected: p.ResidentID == in.PersonPick})
		if p.ResidentID == in.PersonPick || len(found) == 1 {
			l.ResidentID = p.ResidentID
		}
	}
	switch {
	case len(found) == 0:
		fe.Add("resident_id", "worklog.person.none", "No resident of this community has this whole name.", nil)
	case l.ResidentID == "":
		fe.Add("resident_id", "worklog.person.choose", "Several residents have this name: pick the one served.", nil)
	}
	if len(found) < 2 {
		opts = nil
	}
	return opts, nil
}

// handleCareSupervision serves POST /care/worklogs/supervisions: a
// supervisor records a supervision session; the worker is notified.
func (s *Server) handleCareSupervision(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkSupervise, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	in := careSupervisionForm{WorkerUserID: f.Get("worker_user_id"), Date: f.Get("date"), Minutes: f.Get("minutes"),
		Topic: f.Get("topic"), Notes: f.Get("notes")}
	var fe shequ.FieldErrors
	sv := &shequ.Supervision{WorkerUserID: in.WorkerUserID, Minutes: formInt(in.Minutes), Topic: in.Topic, Notes: in.Notes}
	if d := parseDateField(&fe, "date", in.Date); d != nil {
		sv.Date = *d
	}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Care.RecordSupervision(r.Context(), sv)
	}
	if err == nil {
		http.Redirect(w, r, "/care/worklogs?notice=supervised", http.StatusSeeOther)
		return
	}
	today := s.now().In(shequ.Shanghai).Format("2006-01-02")
	p := &careWorkLogsPage{Sup: in, Log: careWorkLogForm{Date: today, Method: string(shequ.MethodIndividual),
		Area: string(shequ.AreaCare), Beneficiary: string(shequ.ForPerson)}}
	if derr := s.careWorkLogsData(r, p); derr != nil {
		s.error(w, r, derr)
		return
	}
	s.formFailed(w, r, "care_worklogs", "care.worklogs.title", p, &p.SupErrors, &p.SupError, err)
}

// handleAPICareServedPeople serves GET /api/v1/care/worklogs/people?community=&name=:
// the residents of one community with exactly that name, for the
// resident_id of a service record without a case.
func (s *Server) handleAPICareServedPeople(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkLog, s.cfg.Care != nil); !ok {
		return
	}
	q := r.URL.Query()
	var list []*shequ.ServedPerson
	if q.Get("name") != "" || q.Get("community") != "" { // no search, nobody
		var err error
		if list, err = s.cfg.Care.ServedPeople(r.Context(), q.Get("community"), q.Get("name")); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeList(w, list, len(list), func(p *shequ.ServedPerson) map[string]any {
		return map[string]any{"resident_id": p.ResidentID, "name": p.Name, "id_number_masked": p.IDMasked, "age": p.Age}
	})
}

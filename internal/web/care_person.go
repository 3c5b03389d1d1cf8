package web

import (
	"html/template"
	"net/http"
	"net/url"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// carePeopleRegister mounts the care register (register.CarePeople) at
// /care/people and /api/v1/care/people. Its forms pick the person and the
// guardian from the residents of the community; its show page
// (templates/care_person.html) adds the visit plan, the visits with the
// form to record one, the exit, and the link to open a case.
func (s *Server) carePeopleRegister() *registerMount[shequ.CarePerson] {
	svc := s.cfg.Care
	m := mount(s, register.CarePeople, "/care/people", svc != nil, register.CarePeopleStore(svc))
	m.showPage = "care_person"
	m.notices = map[string]string{"visit": "care.visit.recorded", "exit": "care.exit.recorded"}
	m.derivedCommunity = true
	m.showExtra = func(r *http.Request, a *shequ.Actor, p *shequ.CarePerson) (any, error) {
		visits, err := svc.FindVisits(r.Context(), p.ID)
		if err != nil {
			return nil, err
		}
		return &carePersonExtra{P: p, Visits: visits, Modes: shequ.VisitModes, Needs: shequ.CareNeedKinds,
			Causes: shequ.ExitCauses, Overdue: shequ.VisitOverdue(p.NextVisitDue, s.now()),
			CanVisit: a.Can(shequ.ActionCareVisit) && p.Open(), CanExit: a.Can(shequ.ActionCareWrite) && p.Open(),
			CanCase: a.Can(shequ.ActionCaseWrite) && p.Open(), Today: s.now().In(shequ.Shanghai).Format("2006-01-02"),
			CanNeed: a.Can(shequ.ActionCareVisit) && a.Can(shequ.ActionNeedRaise), Found: latestNeeds(visits)}, nil
	}
	name := func(_ *i18n.Localizer, p *shequ.CarePerson) template.HTML {
		return template.HTML(template.HTMLEscapeString(p.Name) + ` <span class="code masked">` +
			template.HTMLEscapeString(p.IDMasked) + `</span>`)
	}
	m.shows = map[string]func(*i18n.Localizer, *shequ.CarePerson) template.HTML{"resident_id": name,
		// The guardian picked from the register shows by name, never by id.
		"guardian_resident_id": func(_ *i18n.Localizer, p *shequ.CarePerson) template.HTML {
			if p.Guardian.ResidentID == "" {
				return "—"
			}
			return template.HTML(template.HTMLEscapeString(p.Guardian.Name))
		},
	}
	m.cells = map[string]func(*i18n.Localizer, *shequ.CarePerson) template.HTML{
		"resident_id": func(_ *i18n.Localizer, p *shequ.CarePerson) template.HTML {
			return template.HTML(template.HTMLEscapeString(p.Name))
		},
	}
	return m
}

// carePersonExtra is the show page's part of the care register.
type carePersonExtra struct {
	P                          *shequ.CarePerson
	Visits                     []*shequ.Visit
	Modes                      []shequ.VisitMode
	Needs                      []shequ.CareNeedKind
	Causes                     []shequ.ExitCause
	Overdue                    bool
	CanVisit, CanExit, CanCase bool
	Today                      string
	// CanNeed: the actor may put a need found on visits into the needs
	// pool; Found are the needs of the latest visit, offered first.
	CanNeed bool
	Found   []shequ.CareNeedKind
}

// latestNeeds returns the needs found on the latest of visits (newest
// first, as FindVisits lists them).
func latestNeeds(visits []*shequ.Visit) []shequ.CareNeedKind {
	if len(visits) == 0 {
		return nil
	}
	return visits[0].Needs
}

// handleCareNeed serves POST /care/people/{id}/needs: a need found on
// visits goes into the needs pool for the person's community, with how
// many people of the community had it found on their latest visit and no
// name (the store counts); the worker is taken to the need.
func (s *Server) handleCareNeed(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareVisit, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	p, err := s.cfg.Care.FindCarePersonByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	n, err := s.cfg.Care.RaiseCareNeed(r.Context(), p.Community, shequ.CareNeedKind(r.PostForm.Get("kind")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/needs/"+url.PathEscape(n.ID)+"?notice=created", http.StatusSeeOther)
}

// handleCareVisit serves POST /care/people/{id}/visits: a visit with its
// checklist. A child found living alone raises an alert (the store does).
func (s *Server) handleCareVisit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareVisit, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	id := r.PathValue("id")
	var fe shequ.FieldErrors
	day := parseDateField(&fe, "date", f.Get("date"))
	v := &shequ.Visit{PersonID: id, Mode: shequ.VisitMode(f.Get("mode")), Notes: f.Get("notes"),
		LivingAlone: f.Get("living_alone") == "1", GuardianPresent: f.Get("guardian_present") == "1",
		GuardianAble: f.Get("guardian_able") == "1", AttendingSchool: f.Get("attending_school") == "1",
		HealthConcern: f.Get("health_concern") == "1", SafetyConcern: f.Get("safety_concern") == "1"}
	for _, n := range f["needs"] {
		v.Needs = append(v.Needs, shequ.CareNeedKind(n))
	}
	if day != nil {
		v.Date = *day
	}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Care.RecordVisit(r.Context(), v)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	target := "/care/people/" + url.PathEscape(id) + "?notice=visit"
	if v.AlertID != "" {
		target = "/care/alerts/" + url.PathEscape(v.AlertID)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleCareExit serves POST /care/people/{id}/exit.
func (s *Server) handleCareExit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareWrite, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	var fe shequ.FieldErrors
	day := parseDateField(&fe, "on", r.PostForm.Get("on"))
	e := shequ.CareExit{Cause: shequ.ExitCause(r.PostForm.Get("cause")), Note: r.PostForm.Get("note")}
	if day != nil {
		e.On = *day
	}
	err := fe.Err()
	if err == nil {
		_, err = s.cfg.Care.ExitCarePerson(r.Context(), id, e)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/care/people/"+url.PathEscape(id)+"?notice=exit", http.StatusSeeOther)
}

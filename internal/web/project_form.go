package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// The design form of a project (templates/project_form.html): new, and the
// edit of a draft or returned project. It covers what the API does:
// indicators, milestones and scoring criteria as rows (a fixed number of
// empty rows, blank ones ignored, so it works without JavaScript), the
// evaluation weights and the objection period.

// Rows the form offers beyond those filled in.
const (
	milestoneRows = 4
	criterionRows = 6
)

// milestoneRow and criterionRow are form rows as typed.
type milestoneRow struct{ Name, Due, Measure, Target string }

type criterionRow struct{ Name, Weight string }

// projectForm is the data of templates/project_form.html, kept as typed.
type projectForm struct {
	// P prefixes the ids of the form's elements (templates/
	// project_partials.html): "edit-" on the page of the project.
	P string
	// ID, Number and Status are set when a project is edited.
	ID, Number, Comment                              string
	Status                                           shequ.ProjectStatus
	Community, Title, TargetGroup, Objectives, Needs string
	Participants, Activities, VolunteerHours         string
	Milestones                                       []milestoneRow
	Criteria                                         []criterionRow
	WeightResidents, WeightCommunity, WeightThird    string
	Measures                                         []shequ.Measure
	Budget, PeriodStart, PeriodEnd, BidDeadline      string
	OrgKinds                                         []string
	RequireCertified                                 bool
	ObjectionDays                                    string
	Kinds                                            []shequ.OrgKind
	NeedChoices                                      []needChoice // the accepted needs to pick from (a new project)
	Scope                                            string       // the designer's, for the community picker
	Errors                                           map[string]string
	Error                                            string
}

// Action is where the form posts.
func (f *projectForm) Action() string {
	if f.ID != "" {
		return "/projects/" + url.PathEscape(f.ID) + "/edit"
	}
	return "/projects"
}

// pad adds the empty rows.
func (f *projectForm) pad() {
	for range milestoneRows {
		f.Milestones = append(f.Milestones, milestoneRow{})
	}
	for len(f.Criteria) < criterionRows {
		f.Criteria = append(f.Criteria, criterionRow{})
	}
}

// newProjectForm is an empty design with the default criteria and weights.
func newProjectForm(l *i18n.Localizer) *projectForm {
	f := &projectForm{Kinds: shequ.OrgKinds, Measures: shequ.Measures, ObjectionDays: strconv.Itoa(shequ.DefaultObjectionDays)}
	f.setCriteria(l, shequ.DefaultCriteria())
	w := shequ.DefaultEvalWeights
	f.WeightResidents, f.WeightCommunity, f.WeightThird = strconv.Itoa(w.Residents), strconv.Itoa(w.Community), strconv.Itoa(w.ThirdParty)
	f.pad()
	return f
}

// setCriteria shows criteria by their names: the label of a default one,
// the key of the project's own.
func (f *projectForm) setCriteria(l *i18n.Localizer, cs []shequ.Criterion) {
	f.Criteria = nil
	for _, c := range cs {
		f.Criteria = append(f.Criteria, criterionRow{Name: criterionName(l, c.Key), Weight: strconv.Itoa(c.Weight)})
	}
}

// criterionName is the label of a criterion key, the key itself for a
// criterion of the project's own.
func criterionName(l *i18n.Localizer, key string) string {
	if t := l.T("criterion." + key); t != "criterion."+key {
		return t
	}
	return key
}

// criterionKey maps a name typed in the form back to a default key when it
// is the label of one (in either language), else keeps it as the key.
func criterionKey(l *i18n.Localizer, name string) string {
	for _, c := range shequ.DefaultCriteria() {
		if name == c.Key || name == l.T("criterion."+c.Key) {
			return c.Key
		}
	}
	return name
}

// projectFormOf fills the form with a stored project, to edit it.
func projectFormOf(l *i18n.Localizer, p *shequ.Project) *projectForm {
	f := &projectForm{ID: p.ID, Number: p.Number, Comment: p.Comment, Status: p.Status, Kinds: shequ.OrgKinds, Measures: shequ.Measures,
		Community: p.Community, Title: p.Title, TargetGroup: p.TargetGroup, Objectives: p.Objectives,
		Needs: strings.Join(p.NeedIDs, ", "), Budget: shequ.FormatYuan(p.BudgetFen),
		PeriodStart: p.PeriodStart.In(shequ.Shanghai).Format(time.DateOnly), PeriodEnd: p.PeriodEnd.In(shequ.Shanghai).Format(time.DateOnly),
		BidDeadline: p.BidDeadline.In(shequ.Shanghai).Format("2006-01-02T15:04"), RequireCertified: p.RequireCertified,
		ObjectionDays:   strconv.Itoa(p.ObjectionDays),
		WeightResidents: strconv.Itoa(p.Weights.Residents), WeightCommunity: strconv.Itoa(p.Weights.Community),
		WeightThird: strconv.Itoa(p.Weights.ThirdParty)}
	for _, in := range p.Indicators {
		v := strconv.Itoa(in.Target)
		switch in.Measure {
		case shequ.MeasureParticipants:
			f.Participants = v
		case shequ.MeasureActivities:
			f.Activities = v
		case shequ.MeasureVolunteerHours:
			f.VolunteerHours = v
		}
	}
	for _, m := range p.Milestones {
		f.Milestones = append(f.Milestones, milestoneRow{Name: m.Name, Due: m.Due.In(shequ.Shanghai).Format(time.DateOnly),
			Measure: string(m.Measure), Target: strconv.Itoa(m.Target)})
	}
	for _, k := range p.OrgKinds {
		f.OrgKinds = append(f.OrgKinds, string(k))
	}
	f.setCriteria(l, p.Criteria)
	f.pad()
	return f
}

// readProjectForm reads the posted form, rows as typed (blank rows kept,
// so that the page shows them again).
func readProjectForm(r *http.Request) *projectForm {
	pf := r.PostForm
	g := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f := &projectForm{Kinds: shequ.OrgKinds, Measures: shequ.Measures,
		Community: g("community_code"), Title: g("title"), TargetGroup: g("target_group"),
		Objectives: g("objectives"), Needs: strings.Join(pf["need_ids"], ", "), Participants: g("participants"), Activities: g("activities"),
		VolunteerHours: g("volunteer_hours"), Budget: g("budget"), PeriodStart: g("period_start"), PeriodEnd: g("period_end"),
		BidDeadline: g("bid_deadline"), OrgKinds: pf["org_kinds"], RequireCertified: g("require_certified") != "",
		ObjectionDays: g("objection_days"), WeightResidents: g("weight_residents"), WeightCommunity: g("weight_community"),
		WeightThird: g("weight_third_party")}
	at := func(k string, i int) string {
		if v := pf[k]; i < len(v) {
			return strings.TrimSpace(v[i])
		}
		return ""
	}
	for i := range min(len(pf["milestone_name"]), 50) {
		f.Milestones = append(f.Milestones, milestoneRow{Name: at("milestone_name", i), Due: at("milestone_due", i),
			Measure: at("milestone_measure", i), Target: at("milestone_target", i)})
	}
	for i := range min(len(pf["criterion_name"]), 50) {
		f.Criteria = append(f.Criteria, criterionRow{Name: at("criterion_name", i), Weight: at("criterion_weight", i)})
	}
	return f
}

// request turns the form into the API's request; the budget is in 元,
// blank rows are left out.
func (f *projectForm) request(l *i18n.Localizer, fe *shequ.FieldErrors) *projectRequest {
	req := &projectRequest{CommunityCode: f.Community, Title: f.Title, TargetGroup: f.TargetGroup, Objectives: f.Objectives,
		PeriodStart: f.PeriodStart, PeriodEnd: f.PeriodEnd, BidDeadline: f.BidDeadline, OrgKinds: f.OrgKinds,
		RequireCertified: f.RequireCertified, NeedIDs: splitList(f.Needs)}
	// A number that does not parse becomes -1, which the domain refuses
	// with the field's own message.
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	for _, m := range []struct {
		measure shequ.Measure
		value   string
	}{{shequ.MeasureParticipants, f.Participants}, {shequ.MeasureActivities, f.Activities}, {shequ.MeasureVolunteerHours, f.VolunteerHours}} {
		if m.value != "" {
			req.Indicators = append(req.Indicators, projectIndicatorJSON{Measure: string(m.measure), Target: num(m.value)})
		}
	}
	for _, m := range f.Milestones {
		if m.Name != "" || m.Due != "" || m.Target != "" {
			req.Milestones = append(req.Milestones, milestoneJSON{Name: m.Name, Due: m.Due, Measure: m.Measure, Target: num(m.Target)})
		}
	}
	for _, c := range f.Criteria {
		if c.Name != "" || c.Weight != "" {
			req.Criteria = append(req.Criteria, criterionJSON{Key: criterionKey(l, c.Name), Weight: num(c.Weight)})
		}
	}
	if len(req.Criteria) == 0 {
		// Every row left blank: that is no criteria at all, not the
		// defaults the API falls back to.
		fe.Add("criteria", "project.criteria.invalid", "The scoring criteria are distinct, with positive weights summing to 100.", nil)
	}
	if f.WeightResidents != "" || f.WeightCommunity != "" || f.WeightThird != "" {
		req.Weights = &weightsJSON{Residents: num(f.WeightResidents), Community: num(f.WeightCommunity), ThirdParty: num(f.WeightThird)}
	}
	if f.Budget != "" {
		fen, err := shequ.ParseYuan(f.Budget)
		if err != nil {
			fe.Add("budget", "money.invalid", shequ.ErrYuan.Message, nil)
		}
		req.BudgetFen = fen
	}
	if f.ObjectionDays != "" {
		req.ObjectionDays = num(f.ObjectionDays)
	}
	return req
}

// handleProjectNew serves GET /projects/new?need=….
func (s *Server) handleProjectNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	f := newProjectForm(s.localizer(r))
	if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	if id := r.URL.Query().Get("need"); id != "" {
		if n, err := s.cfg.Linkage.FindNeedByID(r.Context(), id); err == nil {
			f.Needs, f.Community, f.Title = n.ID, n.Community, n.Title
		}
	}
	if err := s.fillNeedChoices(r, f); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "project_form", s.localizer(r).T("project.new.title"), f)
}

// handleProjectCreate serves POST /projects.
func (s *Server) handleProjectCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	f := readProjectForm(r)
	var fe shequ.FieldErrors
	p := f.request(s.localizer(r), &fe).project(&fe)
	err := validateProject(a, p, fe)
	if err == nil {
		err = s.cfg.Linkage.CreateProject(r.Context(), p)
	}
	if err != nil {
		f.pad()
		if ferr := s.fillNeedChoices(r, f); ferr != nil {
			s.error(w, r, ferr)
			return
		}
		s.formFailed(w, r, "project_form", "project.new.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/projects/"+url.PathEscape(p.ID)+"?notice=created", http.StatusSeeOther)
}

// handleProjectEdit serves GET /projects/{id}/edit: the design of a draft
// or returned project, prefilled.
func (s *Server) handleProjectEdit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil); !ok {
		return
	}
	p, err := s.cfg.Linkage.FindProjectByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "project_form", s.localizer(r).T("project.edit.title"), projectFormOf(s.localizer(r), p))
}

// handleProjectUpdate serves POST /projects/{id}/edit: the edit, and with
// resubmit=1 the submission for approval that follows it (a returned
// project comes back as a draft first).
func (s *Server) handleProjectUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionProjectDesign, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	ctx, id := r.Context(), pathID(r, "id")
	old, err := s.cfg.Linkage.FindProjectByID(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := readProjectForm(r)
	f.ID, f.Number, f.Comment, f.Status, f.Community = old.ID, old.Number, old.Comment, old.Status, old.Community
	f.Needs = strings.Join(old.NeedIDs, ", ")
	var fe shequ.FieldErrors
	p := f.request(s.localizer(r), &fe).project(&fe)
	p.ID = old.ID
	err = validateProject(a, p, fe)
	if err == nil {
		err = s.cfg.Linkage.UpdateProject(ctx, p)
	}
	notice := "updated"
	if err == nil && r.PostForm.Get("resubmit") != "" {
		_, err = s.cfg.Linkage.TransitionProject(ctx, p.ID, shequ.ProjectTransition{To: shequ.ProjectUnderReview})
		notice = "transition"
	}
	if err != nil {
		f.pad()
		s.formFailed(w, r, "project_form", "project.edit.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/projects/"+url.PathEscape(p.ID)+"?notice="+notice, http.StatusSeeOther)
}

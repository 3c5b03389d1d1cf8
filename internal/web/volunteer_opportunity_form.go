package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// The opportunity form (templates/volunteer_partials.html
// "opportunity_fields"), shared by the organizer's new opportunity
// (/opportunities) and its edit page (/opportunities/{id}/edit): both read
// the one opportunityRequest of the JSON API, so that a page and the API
// answer the same input with the same field errors. Editing keeps what the
// form does not show (the organizing organization of a community worker's
// edit, the team); the store refuses fewer slots than volunteers signed up
// and tells the volunteers signed up when the time or the place changes.

// opportunityForm is the opportunity form's data.
type opportunityForm struct {
	Categories []shequ.ServiceCategory
	Skills     []shequ.VolunteerSkill
	Orgs       []*shequ.SocialOrg     // the organizations an org_member keeps
	Teams      []*shequ.VolunteerTeam // the organizer's teams that may serve it (volunteer_team.go)
	Links      []shequ.OpportunityLink
	// Projects and Needs are the pickers of what an opportunity serves:
	// the projects under way and the needs taken up in the actor's area.
	Projects []*shequ.Project
	Needs    []*shequ.Need
	F        map[string]string
	Picked   map[string]bool // the skills ticked
	Errors   map[string]string
	Error    string
}

// opportunityForm reads the pickers of the form for the actor (empty
// values: the callers fill them).
func (s *Server) opportunityForm(r *http.Request, a *shequ.Actor) (*opportunityForm, error) {
	f := &opportunityForm{Categories: shequ.ServiceCategories, Skills: shequ.VolunteerSkills, Links: shequ.OpportunityLinks,
		F: map[string]string{}, Picked: map[string]bool{}}
	var err error
	if f.Projects, f.Needs, err = s.opportunityTargets(r); err != nil {
		return nil, err
	}
	f.Teams = s.organizerTeams(r, a)
	if a.OwnOnly(shequ.ActionOpportunityManage) && s.cfg.Orgs != nil {
		// An org_member organizes for the organizations they keep.
		orgs, _, err := s.cfg.Orgs.FindOrgs(r.Context(), shequ.OrgFilter{Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			if slices.Contains(o.OwnerUserIDs, a.UserID) {
				f.Orgs = append(f.Orgs, o)
			}
		}
	}
	return f, nil
}

// keep puts the posted form back after an error.
func (f *opportunityForm) keep(posted url.Values) {
	for k := range posted {
		f.F[k] = posted.Get(k)
	}
	clear(f.Picked)
	for _, sk := range posted["skills"] {
		f.Picked[sk] = true
	}
}

// opportunityFromForm reads the posted form as the API's request.
func opportunityFromForm(f url.Values) *opportunityRequest {
	req := &opportunityRequest{Title: f.Get("title"), CommunityCode: f.Get("community_code"), OrgID: f.Get("org_id"),
		TeamID: f.Get("team_id"), Category: f.Get("category"), Link: f.Get("link"), ProjectID: f.Get("project_id"),
		NeedID: f.Get("need_id"), Day: f.Get("day"), Start: f.Get("start"), End: f.Get("end"), Place: f.Get("place"),
		Skills: f["skills"], Description: f.Get("description"), Status: f.Get("status")}
	if n := strings.TrimSpace(f.Get("slots")); n != "" {
		var err error
		if req.Slots, err = strconv.Atoi(n); err != nil {
			req.Slots = -1 // not a number: the store's field error
		}
	}
	return req
}

// opportunityEditPage is the data of templates/opportunity_edit.html.
type opportunityEditPage struct {
	O        *shequ.Opportunity
	Statuses []shequ.OpportunityStatus // what the form may set (cancelling has its own button)
	opportunityForm
}

// opportunityEdit reads the edit page of the path's opportunity, its form
// filled from the record.
func (s *Server) opportunityEdit(r *http.Request, a *shequ.Actor) (*opportunityEditPage, error) {
	o, err := s.cfg.Volunteers.FindOpportunityByID(r.Context(), pathID(r, "id"))
	if err != nil {
		return nil, err
	}
	f, err := s.opportunityForm(r, a)
	if err != nil {
		return nil, err
	}
	p := &opportunityEditPage{O: o, Statuses: []shequ.OpportunityStatus{shequ.OpportunityOpen, shequ.OpportunityClosed},
		opportunityForm: *f}
	p.F = map[string]string{"title": o.Title, "community_code": o.Community, "org_id": o.OrgID, "category": string(o.Category),
		"link": string(o.Link), "project_id": o.ProjectID, "need_id": o.NeedID, "day": o.Day.In(shequ.Shanghai).Format(time.DateOnly),
		"start": o.Start, "end": o.End, "place": o.Place, "slots": strconv.Itoa(o.Slots), "description": o.Description,
		"status": string(o.Status), "team_id": o.TeamID}
	// Its team stays pickable though the list no longer holds it.
	if o.TeamID != "" && !slices.ContainsFunc(p.Teams, func(x *shequ.VolunteerTeam) bool { return x.ID == o.TeamID }) {
		p.Teams = append(p.Teams, &shequ.VolunteerTeam{ID: o.TeamID, Name: o.TeamName})
	}
	for _, sk := range o.Skills {
		p.Picked[string(sk)] = true
	}
	// What it serves stays pickable though no longer under way.
	if o.ProjectID != "" && !slices.ContainsFunc(p.Projects, func(x *shequ.Project) bool { return x.ID == o.ProjectID }) {
		p.Projects = append(p.Projects, &shequ.Project{ID: o.ProjectID, Title: o.ProjectTitle})
	}
	if o.NeedID != "" && !slices.ContainsFunc(p.Needs, func(x *shequ.Need) bool { return x.ID == o.NeedID }) {
		p.Needs = append(p.Needs, &shequ.Need{ID: o.NeedID, Title: o.NeedTitle})
	}
	return p, nil
}

// handleOpportunityEdit serves GET /opportunities/{id}/edit.
func (s *Server) handleOpportunityEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil)
	if !ok {
		return
	}
	p, err := s.opportunityEdit(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "opportunity_edit", s.localizer(r).T("opportunity.edit.title"), p)
}

// handleOpportunityUpdate serves POST /opportunities/{id}/edit: the whole
// opportunity again, as the API's PUT; what the form does not show is
// kept.
func (s *Server) handleOpportunityUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	p, err := s.opportunityEdit(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	req := opportunityFromForm(r.PostForm)
	if _, ok := r.PostForm["org_id"]; !ok {
		req.OrgID = p.O.OrgID
	}
	if _, ok := r.PostForm["team_id"]; !ok {
		req.TeamID = p.O.TeamID
	}
	if req.Status == "" {
		req.Status = string(p.O.Status)
	}
	o := req.opportunity()
	o.ID = p.O.ID
	if err := s.cfg.Volunteers.UpdateOpportunity(r.Context(), o); err != nil {
		p.keep(r.PostForm)
		s.formFailed(w, r, "opportunity_edit", "opportunity.edit.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+url.PathEscape(o.ID)+"?notice=saved", http.StatusSeeOther)
}

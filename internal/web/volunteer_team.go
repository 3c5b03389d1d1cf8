package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// Volunteer teams (志愿服务队, issue 17), a register of the register
// mechanism at /volunteer-teams: the form picks the members from the
// volunteers of the actor's area in a searchable list (register.Picks) and
// the leader among them (register.Pick); the team's page lists its members
// (ID numbers masked; a member reading their team sees the others' names
// masked too), the opportunities it serves, and to its keepers the forms
// that add and remove a member. A volunteer's page and the resident's
// volunteer page list the teams they belong to.

// teamRegister mounts the team register.
func (s *Server) teamRegister() *registerMount[shequ.VolunteerTeam] {
	svc := s.cfg.Teams
	m := mount(s, register.Teams, "/volunteer-teams", svc != nil, register.TeamStore(svc))
	m.showPage = "volunteer_team"
	m.selects = map[string]registerSelect{"org_id": s.teamOrgSelect}
	vp := s.volunteerPicker(m)
	m.picks = map[string]*registerPicker{"members": vp, "leader": vp}
	m.writable = func(_ *http.Request, _ *shequ.Actor, t *shequ.VolunteerTeam) bool { return t.Manageable }
	m.notices = map[string]string{"member_added": "team.member.added", "member_removed": "team.member.removed"}
	leader := func(_ *i18n.Localizer, t *shequ.VolunteerTeam) template.HTML {
		if t.LeaderName == "" {
			return "—"
		}
		return template.HTML(template.HTMLEscapeString(t.LeaderName))
	}
	m.cells = map[string]func(*i18n.Localizer, *shequ.VolunteerTeam) template.HTML{
		"leader":         leader,
		"organizer_kind": teamOrganizerHTML,
	}
	m.shows = map[string]func(*i18n.Localizer, *shequ.VolunteerTeam) template.HTML{
		"leader":         leader,
		"organizer_kind": teamOrganizerHTML,
		"org_id": func(_ *i18n.Localizer, t *shequ.VolunteerTeam) template.HTML {
			if t.OrgID == "" {
				return "—"
			}
			return template.HTML(`<a href="/orgs/` + template.HTMLEscapeString(url.PathEscape(t.OrgID)) + `">` +
				template.HTMLEscapeString(t.OrgName) + `</a>`)
		},
		"members": func(l *i18n.Localizer, t *shequ.VolunteerTeam) template.HTML {
			return template.HTML(template.HTMLEscapeString(l.T("team.members.count", map[string]any{"N": t.MemberCount})))
		},
	}
	m.showExtra = s.teamExtra
	return m
}

// teamOrganizerHTML names who organizes a team: the community, or the
// organization by name.
func teamOrganizerHTML(l *i18n.Localizer, t *shequ.VolunteerTeam) template.HTML {
	if t.OrganizerKind == shequ.OrganizerOrg && t.OrgName != "" {
		return template.HTML(template.HTMLEscapeString(t.OrgName))
	}
	return template.HTML(template.HTMLEscapeString(l.T("team.organizer." + string(t.OrganizerKind))))
}

// teamExtra is the team page's part below the record.
type teamExtra struct {
	T             *shequ.VolunteerTeam
	Members       []*shequ.TeamMember
	Opportunities []*shequ.Opportunity
	// Candidates are the volunteers of the keeper's area who are not
	// members yet (the add form's choices); empty for other readers.
	Candidates []registerOption
	CanManage  bool
	// OpenOpportunities: the reader may open the organizer's page of an
	// opportunity (others see its title).
	OpenOpportunities bool
	Errors            map[string]string
}

// teamExtra reads the team page's members, opportunities and candidates.
func (s *Server) teamExtra(r *http.Request, a *shequ.Actor, t *shequ.VolunteerTeam) (any, error) {
	ctx := r.Context()
	ex := &teamExtra{T: t, CanManage: t.Manageable, OpenOpportunities: a.Can(shequ.ActionOpportunityManage)}
	var err error
	if ex.Members, err = s.cfg.Teams.TeamMembers(ctx, t.ID); err != nil {
		return nil, err
	}
	if s.cfg.Volunteers != nil {
		ex.Opportunities, _, err = s.cfg.Volunteers.FindOpportunities(ctx, shequ.OpportunityFilter{TeamID: t.ID, Limit: 50})
		if c := shequ.ErrorCode(err); err != nil && c != shequ.EForbidden && c != shequ.ENotFound {
			return nil, err
		}
	}
	if ex.CanManage {
		opts, _ := s.volunteerOptions(r, a)
		for _, o := range opts {
			if !slices.Contains(t.Members, o.Value) {
				ex.Candidates = append(ex.Candidates, o)
			}
		}
	}
	return ex, nil
}

// teamOrgSelect lists the organizations that may organize a team for the
// actor: those of their area, an org_member's own only.
func (s *Server) teamOrgSelect(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
	if s.cfg.Orgs == nil || a == nil {
		return nil, false
	}
	list, total, err := s.cfg.Orgs.FindOrgs(r.Context(), shequ.OrgFilter{Community: a.Scope, Limit: maxSelectOptions})
	if err != nil || total > len(list) {
		return nil, false
	}
	out := []registerOption{}
	for _, o := range list {
		if a.OwnOnly(shequ.ActionTeamManage) && !slices.Contains(o.OwnerUserIDs, a.UserID) {
			continue
		}
		label := o.Name
		if n := s.places.name(o.Community); n != "" {
			label += "（" + n + "）"
		}
		out = append(out, registerOption{Value: o.ID, Label: label})
	}
	return out, true
}

// volunteerLabel names a volunteer in a picker: 李志愿（3****************1 · 苕秀社区）.
func (s *Server) volunteerLabel(v *shequ.Volunteer) string {
	label := v.Name + "（" + v.IDMasked
	if n := s.places.name(v.Community); n != "" {
		label += " · " + n
	}
	return label + "）"
}

// volunteerOptions lists the active volunteers of the actor's area by name
// (at most maxSelectOptions, in the register's order).
func (s *Server) volunteerOptions(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
	if s.cfg.Volunteers == nil || a == nil {
		return nil, false
	}
	list, _, err := s.cfg.Volunteers.FindVolunteers(r.Context(), shequ.VolunteerFilter{Community: a.Scope,
		Status: shequ.VolunteerActive, Limit: maxSelectOptions})
	if err != nil {
		return nil, false
	}
	out := make([]registerOption, 0, len(list))
	for _, v := range list {
		out = append(out, registerOption{Value: v.ID, Label: s.volunteerLabel(v)})
	}
	return out, true
}

// maxPickLookups bounds the volunteers named one by one beyond the actor's
// list (members from other communities who serve here).
const maxPickLookups = 20

// volunteerPicker picks volunteers for the fields of m: listed by name from
// the actor's area, named on the show page, found in an import cell by ID
// number, volunteer id or (when one volunteer of the area has it) name.
func (s *Server) volunteerPicker(m *registerMount[shequ.VolunteerTeam]) *registerPicker {
	return &registerPicker{
		options: s.volunteerOptions,
		names: func(r *http.Request, ids []string) map[string]string {
			out := map[string]string{}
			opts, _ := s.volunteerOptions(r, shequ.ActorFrom(r.Context()))
			for _, o := range opts {
				if slices.Contains(ids, o.Value) {
					out[o.Value] = o.Label
				}
			}
			n := 0
			for _, id := range ids {
				if _, ok := out[id]; ok || n >= maxPickLookups || s.cfg.Volunteers == nil {
					continue
				}
				n++
				if v, err := s.cfg.Volunteers.FindVolunteerByID(r.Context(), id, false); err == nil {
					out[id] = s.volunteerLabel(v)
				}
			}
			return out
		},
		href: func(id string) string { return "/volunteers/" + id },
		resolve: func(ctx context.Context, a *shequ.Actor, cell string) (string, error) {
			return s.resolveVolunteer(ctx, m, a, cell)
		},
	}
}

// resolveVolunteer finds the volunteer an import cell names: an ID number
// (through the resident), a volunteer id, or a name one volunteer of the
// actor's area has.
func (s *Server) resolveVolunteer(ctx context.Context, m *registerMount[shequ.VolunteerTeam], a *shequ.Actor, cell string) (string, error) {
	if s.cfg.Volunteers == nil || a == nil {
		return "", errNoService
	}
	if _, err := shequ.ParseIDNumber(cell, s.now()); err == nil {
		rid, err := m.importPerson(ctx, a)(cell)
		if err != nil {
			return "", err
		}
		list, _, err := s.cfg.Volunteers.FindVolunteers(ctx, shequ.VolunteerFilter{ResidentID: rid, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(list) == 0 {
			return "", shequ.ErrNotFound
		}
		return list[0].ID, nil
	}
	if len(cell) == 36 {
		v, err := s.cfg.Volunteers.FindVolunteerByID(ctx, cell, false)
		if err != nil {
			return "", err
		}
		return v.ID, nil
	}
	list, _, err := s.cfg.Volunteers.FindVolunteers(ctx, shequ.VolunteerFilter{Community: a.Scope, Query: cell, Limit: 10})
	if err != nil {
		return "", err
	}
	list = slices.DeleteFunc(list, func(v *shequ.Volunteer) bool { return v.Name != cell })
	if len(list) != 1 {
		return "", shequ.ErrNotFound
	}
	return list[0].ID, nil
}

// handleTeamMemberAdd serves POST /volunteer-teams/{id}/members: the
// keeper adds a volunteer picked from the list.
func (s *Server) handleTeamMemberAdd(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTeamManage, s.cfg.Teams != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.cfg.Teams.AddTeamMember(r.Context(), id, strings.TrimSpace(r.PostForm.Get("volunteer_id"))); err != nil {
		s.teamFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/volunteer-teams/"+url.PathEscape(id)+"?notice=member_added#team-members", http.StatusSeeOther)
}

// handleTeamMemberRemove serves POST /volunteer-teams/{id}/members/{volunteer}/remove.
func (s *Server) handleTeamMemberRemove(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTeamManage, s.cfg.Teams != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.cfg.Teams.RemoveTeamMember(r.Context(), id, r.PathValue("volunteer")); err != nil {
		s.teamFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/volunteer-teams/"+url.PathEscape(id)+"?notice=member_removed#team-members", http.StatusSeeOther)
}

// teamFailed shows the team page again with the reason a member move was
// refused (the leader cannot leave, the volunteer cannot join, is not a
// member); a team the actor may not read gets the error page.
func (s *Server) teamFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, err error) {
	how := refusal{keys: []string{"team.member.none"}, noStore: true}
	s.teamRegister().recordFailed(w, r, a, err, how, func(p *registerShowPage, errs map[string]string) {
		if ex, ok := p.Extra.(*teamExtra); ok && len(errs) > 0 {
			ex.Errors = errs
		}
	})
}

// teamMemberJSON is a member in the API.
type teamMemberJSON struct {
	VolunteerID    string    `json:"volunteer_id"`
	Name           string    `json:"name"`
	IDNumberMasked string    `json:"id_number_masked"`
	CommunityCode  string    `json:"community_code"`
	Leader         bool      `json:"leader"`
	JoinedAt       time.Time `json:"joined_at"`
}

func teamMembersJSON(ms []*shequ.TeamMember) []teamMemberJSON {
	out := make([]teamMemberJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, teamMemberJSON{VolunteerID: m.VolunteerID, Name: m.Name, IDNumberMasked: m.IDMasked,
			CommunityCode: m.Community, Leader: m.Leader, JoinedAt: m.JoinedAt.UTC()})
	}
	return out
}

// handleAPITeamMembers serves GET /api/v1/volunteer-teams/{id}/members.
func (s *Server) handleAPITeamMembers(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerRead, s.cfg.Teams != nil); !ok {
		return
	}
	ms, err := s.cfg.Teams.TeamMembers(r.Context(), r.PathValue("id"))
	answerJSON(s, w, r, http.StatusOK, ms, err, teamMembersJSON)
}

// handleAPITeamMemberAdd serves POST /api/v1/volunteer-teams/{id}/members
// {"volunteer_id": "…"}: adding a member again changes nothing. The answer
// is the members after.
func (s *Server) handleAPITeamMemberAdd(w http.ResponseWriter, r *http.Request) {
	var in struct {
		VolunteerID string `json:"volunteer_id"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionTeamManage, s.cfg.Teams != nil, &in); !ok {
		return
	}
	s.answerTeamMembers(w, r, func(ctx context.Context, id string) error {
		_, err := s.cfg.Teams.AddTeamMember(ctx, id, strings.TrimSpace(in.VolunteerID))
		return err
	})
}

// handleAPITeamMemberRemove serves DELETE /api/v1/volunteer-teams/{id}/members/{volunteer}.
func (s *Server) handleAPITeamMemberRemove(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionTeamManage, s.cfg.Teams != nil); !ok {
		return
	}
	s.answerTeamMembers(w, r, func(ctx context.Context, id string) error {
		_, err := s.cfg.Teams.RemoveTeamMember(ctx, id, r.PathValue("volunteer"))
		return err
	})
}

// answerTeamMembers runs a member move and answers the members after it.
func (s *Server) answerTeamMembers(w http.ResponseWriter, r *http.Request, move func(ctx context.Context, id string) error) {
	id := r.PathValue("id")
	if err := move(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	ms, err := s.cfg.Teams.TeamMembers(r.Context(), id)
	answerJSON(s, w, r, http.StatusOK, ms, err, teamMembersJSON)
}

// volunteerTeamJSON is a team a volunteer belongs to, in the API.
type volunteerTeamJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	CommunityCode string `json:"community_code"`
	LeaderName    string `json:"leader_name"`
	MemberCount   int    `json:"member_count"`
}

// handleAPIVolunteerTeams serves GET /api/v1/volunteers/{id}/teams.
func (s *Server) handleAPIVolunteerTeams(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerRead, s.cfg.Teams != nil); !ok {
		return
	}
	ts, err := s.cfg.Teams.VolunteerTeams(r.Context(), r.PathValue("id"))
	answerJSON(s, w, r, http.StatusOK, ts, err, func(ts []*shequ.VolunteerTeam) []volunteerTeamJSON {
		out := make([]volunteerTeamJSON, 0, len(ts))
		for _, t := range ts {
			out = append(out, volunteerTeamJSON{ID: t.ID, Name: t.Name, CommunityCode: t.Community, LeaderName: t.LeaderName,
				MemberCount: t.MemberCount})
		}
		return out
	})
}

// volunteerTeamsExtra is the volunteer page's list of their teams.
type volunteerTeamsExtra struct {
	Teams []*shequ.VolunteerTeam
}

// volunteerShowExtra reads the teams a volunteer belongs to, for their
// page in the register.
func (s *Server) volunteerShowExtra(r *http.Request, _ *shequ.Actor, v *shequ.Volunteer) (any, error) {
	ex := &volunteerTeamsExtra{}
	if s.cfg.Teams == nil {
		return ex, nil
	}
	var err error
	ex.Teams, err = s.cfg.Teams.VolunteerTeams(r.Context(), v.ID)
	return ex, err
}

// organizerTeams lists the teams an opportunity of the actor may be served
// by: those of the actor's area (an org_member's: their organizations').
func (s *Server) organizerTeams(r *http.Request, a *shequ.Actor) []*shequ.VolunteerTeam {
	if s.cfg.Teams == nil || a == nil {
		return nil
	}
	list, _, err := s.cfg.Teams.FindTeams(r.Context(), shequ.TeamFilter{Limit: maxSelectOptions})
	if err != nil {
		return nil
	}
	if a.OwnOnly(shequ.ActionTeamManage) {
		orgs, ok := s.teamOrgSelect(r, a)
		if !ok {
			return nil
		}
		list = slices.DeleteFunc(list, func(t *shequ.VolunteerTeam) bool {
			return !slices.ContainsFunc(orgs, func(o registerOption) bool { return o.Value == t.OrgID })
		})
	}
	return list
}

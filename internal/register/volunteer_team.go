package register

import (
	"context"
	"time"

	"shequ"
)

// Teams is the register of volunteer teams (志愿服务队, issue 17): a team of
// a community, organized by the community or one of its social
// organizations, with its focus, its members picked from the volunteers
// (Picks) and its leader among them (Pick). A file names members and the
// leader by their ID numbers (身份证号), several in one cell.
var Teams = (&Schema[shequ.VolunteerTeam]{
	Name: "team", Type: "VolunteerTeam", Plural: "teams",
	Read: shequ.ActionVolunteerRead, Write: shequ.ActionTeamManage, Bulk: shequ.ActionTeamManage,
	Fields: []*Field[shequ.VolunteerTeam]{
		Text("name", shequ.MaxTeamName, func(t *shequ.VolunteerTeam) *string { return &t.Name }).Require().
			Alias("服务队名称", "队名"),
		Community("community_code", func(t *shequ.VolunteerTeam) *string { return &t.Community }).Require().
			WithLabel("org.community").Alias("社区代码", "所属社区"),
		Choice("organizer_kind", shequ.OrganizerKinds, func(t *shequ.VolunteerTeam) *shequ.OrganizerKind {
			return &t.OrganizerKind
		}).Require().Labelled("team.organizer").Alias("组织方"),
		Text("org_id", 64, func(t *shequ.VolunteerTeam) *string { return &t.OrgID }).
			When("organizer_kind", string(shequ.OrganizerOrg)).Alias("社会组织"),
		Choices("focus", shequ.VolunteerSkills, func(t *shequ.VolunteerTeam) *[]shequ.VolunteerSkill { return &t.Focus }).
			Require().Labelled("volunteer.skill").Alias("服务领域"),
		Picks("members", func(t *shequ.VolunteerTeam) *[]string { return &t.Members }).Require().Alias("队员"),
		Pick("leader", func(t *shequ.VolunteerTeam) *string { return &t.Leader }).Require().Alias("队长"),
		LongText("note", shequ.MaxTeamNote, func(t *shequ.VolunteerTeam) *string { return &t.Note }).Alias("简介"),
	},
	Columns: []string{"name", "community_code", "organizer_kind", "focus", "leader"},
	Filters: []Filter{{Kind: FilterText, Name: "q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "focus", Label: "team.focus"}},
	New: func() *shequ.VolunteerTeam {
		return &shequ.VolunteerTeam{OrganizerKind: shequ.OrganizerCommunity}
	},
	ID:        func(t *shequ.VolunteerTeam) string { return t.ID },
	Community: func(t *shequ.VolunteerTeam) string { return t.Community },
	Title:     func(t *shequ.VolunteerTeam) string { return t.Name },
	Times:     func(t *shequ.VolunteerTeam) (time.Time, time.Time) { return t.CreatedAt, t.UpdatedAt },
	Validate:  func(t *shequ.VolunteerTeam, _ time.Time) error { return t.Validate() },
	Extra: func(t *shequ.VolunteerTeam, put func(string, any)) {
		put("org_name", t.OrgName)
		put("leader_name", t.LeaderName)
		put("member_count", t.MemberCount)
	},
	ExtraSchema: map[string]map[string]any{
		"org_name":     {"type": "string", "description": "The organizing social organization's name."},
		"leader_name":  {"type": "string", "description": "The leader's name (masked for a member reading their team)."},
		"member_count": {"type": "integer", "description": "Members, the leader included."},
	},
	Import: &Import[shequ.VolunteerTeam]{Required: []string{"name", "focus", "members", "leader"}, DefaultCommunity: true,
		Unique: []Unique[shequ.VolunteerTeam]{{Field: "name", Key: func(t *shequ.VolunteerTeam) string { return t.Community + "/" + t.Name },
			ErrKey: "team.import.duplicate", Message: "The file names this team twice."}}},
}).Init()

// TeamStore binds the team register to its service.
func TeamStore(svc shequ.VolunteerTeamService) Store[shequ.VolunteerTeam] {
	if svc == nil {
		return Store[shequ.VolunteerTeam]{}
	}
	return Store[shequ.VolunteerTeam]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.VolunteerTeam, error) {
			return svc.FindTeamByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.VolunteerTeam, int, error) {
			return svc.FindTeams(ctx, shequ.TeamFilter{Community: q.Community, Focus: shequ.VolunteerSkill(q.Get("focus")),
				Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateTeam, Update: svc.UpdateTeam, Import: svc.ImportTeams,
	}
}

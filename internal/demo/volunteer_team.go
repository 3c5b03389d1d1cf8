package demo

import (
	"context"
	"fmt"

	"shequ"
)

// The volunteer teams of the demo (issue 17) in 苕秀社区: the community's
// 助老服务队 and 数字助老服务队 and the 苕秀为老服务社's own team, with
// volunteers in several teams (王建国 leads one and serves in another).

// TeamNames are the demo teams, in the order loadTeams creates them.
var TeamNames = []string{"苕秀社区助老服务队", "苕秀社区数字助老服务队", "苕秀为老服务社志愿服务队"}

// loadTeams creates the demo teams from the demo volunteers (in the order
// of VolunteerNames) and returns them; the worker keeps the community's,
// demo-org its organization's. Without the team service it does nothing.
func loadTeams(ctx context.Context, s Services, as context.Context, vols []*shequ.Volunteer) ([]*shequ.VolunteerTeam, error) {
	if s.Teams == nil || len(vols) < 5 {
		return nil, nil
	}
	ids := func(is ...int) []string {
		out := make([]string, len(is))
		for i, n := range is {
			out[i] = vols[n].ID
		}
		return out
	}
	teams := []*shequ.VolunteerTeam{
		{Name: TeamNames[0], Community: Community, OrganizerKind: shequ.OrganizerCommunity,
			Focus: []shequ.VolunteerSkill{shequ.SkillElderlyCare, shequ.SkillMedical}, Leader: vols[0].ID, Members: ids(0, 1, 2, 3),
			Note: "每周三、周六下午上门探访独居和高龄老人，协助助餐、测血压。"},
		{Name: TeamNames[1], Community: Community, OrganizerKind: shequ.OrganizerCommunity,
			Focus: []shequ.VolunteerSkill{shequ.SkillDigital}, Leader: vols[1].ID, Members: ids(1, 0, 4),
			Note: "在党群服务中心教老人用智能手机：健康码、视频通话、网上缴费。"},
	}
	for _, t := range teams {
		if err := s.Teams.CreateTeam(as, t); err != nil {
			return nil, fmt.Errorf("demo team %s: %w", t.Name, err)
		}
	}
	// The organization's own team, kept by its account.
	keeper, err := s.Users.FindUserByUsername(ctx, "demo-org")
	if err != nil || s.Orgs == nil {
		return teams, nil
	}
	orgs, _, err := s.Orgs.FindOrgs(as, shequ.OrgFilter{Community: Community[:9], Query: "苕秀为老服务社", Limit: 1})
	if err != nil || len(orgs) == 0 {
		return teams, err
	}
	t := &shequ.VolunteerTeam{Name: TeamNames[2], Community: Community, OrganizerKind: shequ.OrganizerOrg, OrgID: orgs[0].ID,
		Focus: []shequ.VolunteerSkill{shequ.SkillElderlyCare, shequ.SkillRepair}, Leader: vols[2].ID, Members: ids(2, 4),
		Note: "为老服务社的社工带领志愿者上门助洁、小家电维修。"}
	if err := s.Teams.CreateTeam(shequ.WithActor(ctx, keeper.Actor()), t); err != nil {
		return nil, fmt.Errorf("demo team %s: %w", t.Name, err)
	}
	return append(teams, t), nil
}

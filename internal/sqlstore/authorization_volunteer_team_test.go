package sqlstore

import (
	"fmt"
	"sync/atomic"
	"testing"

	"shequ"
)

// The volunteer team rows of the authorization matrix (issue 17): the
// column's team is organized by the column's organization (the org_member
// actor keeps the one of the in column) with the column's volunteer.
func init() { authzOps = append(authzOps, authzTeamOps...) }

// teamSeq names the matrix's teams apart (a name is unique per community).
var teamSeq atomic.Int64

// freshTeam stores a team of the column's organization with its volunteer.
func (v *volAuthz) freshTeam(t *testing.T, community string) *shequ.VolunteerTeam {
	t.Helper()
	tm := v.teamOf(community)
	mustDo(t, v.s.CreateTeam(cliContext(), tm))
	return tm
}

// teamOf is a new team of the column's organization, not stored.
func (v *volAuthz) teamOf(community string) *shequ.VolunteerTeam {
	vol := v.volunteers[community]
	return &shequ.VolunteerTeam{Name: fmt.Sprintf("服务队%d", teamSeq.Add(1)), Community: community,
		OrganizerKind: shequ.OrganizerOrg, OrgID: v.orgs[community].ID, Focus: []shequ.VolunteerSkill{shequ.SkillGeneral},
		Leader: vol.ID, Members: []string{vol.ID}}
}

var authzTeamOps = []authzOp{
	{
		// Reading a team: staff of the area; a resident only a team they
		// belong to (not this one).
		name: "team.read", action: shequ.ActionVolunteerRead, cols: inOut,
		want: perRole{"NN", "AN", "AN", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			tm := v.freshTeam(c.t, communityFor(c.col))
			got, err := v.s.FindTeamByID(c.ctx, tm.ID)
			if err == nil && (got.ID != tm.ID || len(got.Members) != 1) {
				return fmt.Errorf("read %+v", got)
			}
			return err
		},
	},
	{
		// Creating a team: the community's workers, the organization's own
		// account; officials read only.
		name: "team.create", action: shequ.ActionTeamManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "AN", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.vol(c.t).s.CreateTeam(c.ctx, c.fx.vol(c.t).teamOf(communityFor(c.col)))
		},
	},
	{
		// Adding a member (the member already in: idempotent, still
		// authorized and audited).
		name: "team.member.add", action: shequ.ActionTeamManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "AN", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			comm := communityFor(c.col)
			tm := v.freshTeam(c.t, comm)
			_, err := v.s.AddTeamMember(c.ctx, tm.ID, v.volunteers[comm].ID)
			return err
		},
	},
}

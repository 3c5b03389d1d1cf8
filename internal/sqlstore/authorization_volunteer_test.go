package sqlstore

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"shequ"
)

// The volunteer, time-bank and workforce rows of the authorization matrix
// (issue 17). The in column is 苕秀社区 (the resident actor's community),
// out is 长兴县. The resident actor is a volunteer; the volunteers,
// accounts and workforce members of the columns are other people's.
func init() { authzOps = append(authzOps, authzVolunteerOps...) }

// volAuthz is the volunteer part of an authorization fixture.
type volAuthz struct {
	s          *VolunteerService
	wf         *WorkforceService
	volunteers map[string]*shequ.Volunteer
	accounts   map[string]string
	members    map[string]*shequ.WorkforceMember
	orgs       map[string]*shequ.SocialOrg
}

var (
	volAuthzMu sync.Mutex
	volAuthzOf = map[*authzFixture]*volAuthz{}
)

// vol returns the volunteer fixture, seeding it on first use.
func (fx *authzFixture) vol(t *testing.T) *volAuthz {
	t.Helper()
	volAuthzMu.Lock()
	defer volAuthzMu.Unlock()
	if v := volAuthzOf[fx]; v != nil {
		return v
	}
	v := &volAuthz{s: NewVolunteerService(fx.db, testSealer(t)), wf: NewWorkforceService(fx.db),
		volunteers: map[string]*shequ.Volunteer{}, accounts: map[string]string{}, members: map[string]*shequ.WorkforceMember{},
		orgs: map[string]*shequ.SocialOrg{authzInCommunity: fx.orgOwn, authzOtherCommunity: fx.orgOut}}
	volAuthzOf[fx] = v
	t.Cleanup(func() { volAuthzMu.Lock(); delete(volAuthzOf, fx); volAuthzMu.Unlock() })
	cli := cliContext()
	skills := []shequ.VolunteerSkill{shequ.SkillGeneral}
	avail := []shequ.Availability{shequ.Availabilities[0]}
	mustDo(t, v.s.RegisterVolunteer(cli, &shequ.Volunteer{ResidentID: fx.own.ID, Skills: skills, Availability: avail}))
	for _, comm := range []string{authzInCommunity, authzOtherCommunity} {
		r := fx.createdResident(t, comm)
		vol := &shequ.Volunteer{ResidentID: r.ID, Skills: skills, Availability: avail, EmergencyName: "家属", EmergencyPhone: "13900002222"}
		mustDo(t, v.s.RegisterVolunteer(cli, vol))
		v.volunteers[comm] = vol
		acc, err := v.s.AccountOf(cli, r.ID)
		mustDo(t, err)
		v.accounts[comm] = acc.ID
		mustDo(t, fx.db.withTx(cli, func(tx *sql.Tx) error {
			_, err := v.s.credit(&change{db: fx.db, ctx: cli, tx: tx, now: testNow}, r.ID, comm, 10_000, shequ.LedgerDeposit, "", "seed")
			return err
		}))
		m := &shequ.WorkforceMember{Name: "网格员" + comm[9:], Community: comm, Post: shequ.Posts[0],
			Education: shequ.Educations[0], AgeBand: shequ.AgeBands[0], HiredOn: parseDay("2022-01-01")}
		mustDo(t, v.wf.CreateMember(cli, m))
		v.members[comm] = m
	}
	return v
}

// freshOpportunity is an opportunity of the column's organization today
// until 18:00.
func (v *volAuthz) freshOpportunity(t *testing.T, community string) *shequ.Opportunity {
	t.Helper()
	o := &shequ.Opportunity{Title: "社区清洁", Community: community, OrganizerKind: shequ.OrganizerOrg,
		OrgID: v.orgs[community].ID, Category: shequ.CatEnvironment, Day: parseDay("2026-11-29"), Start: "16:00",
		End: "18:00", Place: "社区广场", Slots: 5}
	return o
}

var authzVolunteerOps = []authzOp{
	{
		name: "volunteer.read", action: shequ.ActionVolunteerRead, cols: inOut,
		want: perRole{"NN", "AN", "AN", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			want := c.fx.vol(c.t).volunteers[communityFor(c.col)]
			got, err := c.fx.vol(c.t).s.FindVolunteerByID(c.ctx, want.ID, false)
			if err == nil && (got.ID != want.ID || got.EmergencyPhone == "13900002222") {
				return fmt.Errorf("read %+v", got)
			}
			return err
		},
	},
	{
		name: "volunteer.write", action: shequ.ActionVolunteerWrite, write: true, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := *c.fx.vol(c.t).volunteers[communityFor(c.col)]
			v.EmergencyName, v.EmergencyPhone = "", ""
			v.Skills = []shequ.VolunteerSkill{shequ.SkillGeneral, shequ.SkillDriving}
			return c.fx.vol(c.t).s.UpdateVolunteer(c.ctx, &v)
		},
	},
	{
		// Signing up: the resident for an opportunity of their county;
		// staff accounts do not volunteer through them.
		name: "volunteer.join", action: shequ.ActionVolunteerJoin, write: true, cols: inOut,
		want: perRole{"AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			o := v.freshOpportunity(c.t, communityFor(c.col))
			mustDo(c.t, v.s.CreateOpportunity(cliContext(), o))
			_, err := v.s.SignUp(c.ctx, o.ID)
			return err
		},
	},
	{
		// An org_member publishes for the organization they keep only.
		name: "opportunity.manage", action: shequ.ActionOpportunityManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "AN", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			return v.s.CreateOpportunity(c.ctx, v.freshOpportunity(c.t, communityFor(c.col)))
		},
	},
	{
		// Cancelling (the API's POST /opportunities/{id}/cancel and PUT):
		// the organizers of its area, an org_member for their own org.
		name: "opportunity.cancel", action: shequ.ActionOpportunityManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "AN", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			o := v.freshOpportunity(c.t, communityFor(c.col))
			mustDo(c.t, v.s.CreateOpportunity(cliContext(), o))
			o.Status = shequ.OpportunityCancelled
			return v.s.UpdateOpportunity(c.ctx, o)
		},
	},
	{
		// The organizer's record of a sign-up (no-show here): never the
		// volunteer's own account.
		name: "signup.mark", action: shequ.ActionOpportunityManage, write: true, cols: inOut,
		want: perRole{"FF", "AN", "AN", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			comm := communityFor(c.col)
			o := v.freshOpportunity(c.t, comm)
			mustDo(c.t, v.s.CreateOpportunity(cliContext(), o))
			x, err := v.s.SignUpFor(cliContext(), v.volunteers[comm].ID, o.ID)
			mustDo(c.t, err)
			_, err = v.s.MarkSignup(c.ctx, x.ID, shequ.SignupNoShow)
			return err
		},
	},
	{
		name: "timebank.read", action: shequ.ActionTimeBankRead, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			id := c.fx.vol(c.t).accounts[communityFor(c.col)]
			got, err := c.fx.vol(c.t).s.FindAccountByID(c.ctx, id)
			if err == nil && got.ID != id {
				return fmt.Errorf("read %+v", got)
			}
			return err
		},
	},
	{
		name: "timebank.write", action: shequ.ActionTimeBankWrite, write: true, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			comm := communityFor(c.col)
			_, err := c.fx.vol(c.t).s.Withdraw(c.ctx, &shequ.Withdrawal{AccountID: c.fx.vol(c.t).accounts[comm], Minutes: 1,
				Community: comm, Service: "助餐服务"})
			return err
		},
	},
	{
		name: "timebank.policy", action: shequ.ActionTimeBankPolicy, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			c.fx.vol(c.t)
			return c.fx.vol(c.t).s.SetTimeBankPolicy(c.ctx, &shequ.TimeBankPolicy{County: communityFor(c.col)[:6],
				Eligible: []shequ.ServiceCategory{shequ.CatElderly, shequ.CatDisability}, YearlyCapMinutes: 200 * 60})
		},
	},
	{
		name: "workforce.read", action: shequ.ActionWorkforceRead, cols: inOut,
		want: perRole{"FF", "AN", "FF", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			want := c.fx.vol(c.t).members[communityFor(c.col)]
			got, err := c.fx.vol(c.t).wf.FindMemberByID(c.ctx, want.ID)
			if err == nil && got.Name != want.Name {
				return fmt.Errorf("read %+v", got)
			}
			return err
		},
	},
	{
		name: "workforce.write", action: shequ.ActionWorkforceWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			m := *c.fx.vol(c.t).members[communityFor(c.col)]
			m.Education = shequ.Educations[len(shequ.Educations)-1]
			m.UpdatedAt = time.Time{}
			return c.fx.vol(c.t).wf.UpdateMember(c.ctx, &m)
		},
	},
}

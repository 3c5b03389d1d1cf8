package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"shequ"
)

// teamFx adds to the volunteer cast two volunteers of 苕秀社区 (the
// volunteer and the elderly resident joined), a resident who is no
// volunteer, a worker of 康山村 and the keeper of another organization.
type teamFx struct {
	*volFx
	v1, v2      *shequ.Volunteer
	plain       *shequ.Resident
	kangWorker  *shequ.User
	otherKeeper *shequ.User
	otherOrg    *shequ.SocialOrg
	worker      context.Context
}

func newTeamFx(t *testing.T, db *DB) *teamFx {
	t.Helper()
	fx := &teamFx{volFx: newVolFx(t, db)}
	join := func(u *shequ.User) *shequ.Volunteer {
		v := &shequ.Volunteer{Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
			Availability: []shequ.Availability{shequ.AvailWeekend}}
		mustDo(t, fx.s.Join(actorOf(u), v))
		return v
	}
	fx.v1, fx.v2 = join(fx.vol), join(fx.elder)
	fx.plain = mustCreateResident(t, fx.res, &shequ.Resident{Name: "赵不志", Community: tiaoxiu,
		IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "299"))})
	fx.kangWorker = mustCreateUser(t, db, "kworker", shequ.RoleCommunityWorker, kangshan)
	fx.otherKeeper = mustCreateUser(t, db, "okeeper", shequ.RoleOrgMember, tiaoxiu)
	org := anOrg("苕秀文体协会", tiaoxiu)
	org.OwnerUserIDs = []string{fx.otherKeeper.ID}
	fx.otherOrg = mustCreateOrg(t, NewOrgService(db, testSealer(t)), org)
	fx.worker = actorOf(fx.volFx.worker)
	return fx
}

// team is a community team of 苕秀社区 led by v1, with the members given.
func (fx *teamFx) team(members ...string) *shequ.VolunteerTeam {
	return &shequ.VolunteerTeam{Name: "苕秀助老服务队", Community: tiaoxiu, OrganizerKind: shequ.OrganizerCommunity,
		Focus: []shequ.VolunteerSkill{shequ.SkillElderlyCare}, Leader: fx.v1.ID, Members: members}
}

// teamEvents lists the actions of a team's timeline.
func teamEvents(t *testing.T, db *DB, id string) []string {
	t.Helper()
	rows, err := db.db.Query(db.rebind(`SELECT action FROM timeline_events WHERE object_id = ? ORDER BY time, id`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestVolunteerTeams(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newTeamFx(t, db)
		w := fx.worker

		// A resident who is no volunteer cannot be a member; nothing is
		// written.
		bad := fx.team(fx.v1.ID, fx.plain.ID)
		if err := fx.s.CreateTeam(w, bad); shequ.ErrorCode(err) != shequ.EInvalid || !hasFieldErr(err, "members") {
			t.Fatalf("a non-volunteer as member: %v", err)
		}
		if _, n, _ := fx.s.FindTeams(w, shequ.TeamFilter{}); n != 0 {
			t.Fatalf("a refused team wrote %d teams", n)
		}
		// The leader must be a member.
		if err := fx.s.CreateTeam(w, fx.team(fx.v2.ID)); !hasFieldErr(err, "leader") {
			t.Fatalf("a leader outside the team: %v", err)
		}
		// Malformed ids are field errors, never internal ones.
		if err := fx.s.CreateTeam(w, fx.team(fx.v1.ID, "'; DROP TABLE volunteers; --", strings.Repeat("x", 5000))); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("malformed member ids: %v", err)
		}

		team := fx.team(fx.v1.ID, fx.v2.ID)
		mustDo(t, fx.s.CreateTeam(w, team))
		if team.MemberCount != 2 || team.LeaderName != "李志愿" {
			t.Fatalf("created %+v", team)
		}
		if n := countKind(t, db, fx.vol, noteTeamJoined); n != 1 {
			t.Fatalf("the leader was told %d times of joining", n)
		}
		if n := countKind(t, db, fx.elder, noteTeamJoined); n != 1 {
			t.Fatalf("the member was told %d times of joining", n)
		}
		if ev := teamEvents(t, db, team.ID); !slices.Equal(ev, []string{auditTeamCreate, auditTeamAdd, auditTeamAdd}) {
			t.Fatalf("timeline %v", ev)
		}
		if auditCount(t, db, auditTeamCreate, shequ.AuditAllowed, team.ID) != 1 {
			t.Fatal("the creation is not audited")
		}
		// The same name again in the community is refused.
		dup := fx.team(fx.v1.ID)
		if err := fx.s.CreateTeam(w, dup); !hasFieldErr(err, "name") {
			t.Fatalf("a second team of the same name: %v", err)
		}

		// A volunteer may be in several teams.
		second := fx.team(fx.v1.ID)
		second.Name, second.Focus = "苕秀应急服务队", []shequ.VolunteerSkill{shequ.SkillMedical, shequ.SkillDriving}
		mustDo(t, fx.s.CreateTeam(w, second))
		mine, err := fx.s.VolunteerTeams(actorOf(fx.vol), fx.v1.ID)
		if err != nil || len(mine) != 2 {
			t.Fatalf("the volunteer's teams %v %v", mine, err)
		}
		// Another resident cannot list them.
		if _, err := fx.s.VolunteerTeams(actorOf(fx.elder), fx.v1.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another resident read the volunteer's teams: %v", err)
		}
		// A resident lists the teams they belong to only.
		list, n, err := fx.s.FindTeams(actorOf(fx.elder), shequ.TeamFilter{})
		if err != nil || n != 1 || list[0].ID != team.ID {
			t.Fatalf("the member's teams %v %d %v", list, n, err)
		}
		if _, err := fx.s.FindTeamByID(actorOf(fx.elder), second.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("a resident read a team they are not in: %v", err)
		}
		// ... and sees the other members' names masked.
		ms, err := fx.s.TeamMembers(actorOf(fx.elder), team.ID)
		if err != nil || len(ms) != 2 || !ms[0].Leader || ms[0].Name == "李志愿" || ms[1].Name != "王阿婆" {
			t.Fatalf("members as a member sees them %+v %v", ms, err)
		}
		ms, err = fx.s.TeamMembers(w, team.ID)
		if err != nil || ms[0].Name != "李志愿" || !strings.Contains(ms[0].IDMasked, "*") {
			t.Fatalf("members as the worker sees them %+v %v", ms, err)
		}
		// Filters.
		if _, n, _ := fx.s.FindTeams(w, shequ.TeamFilter{Focus: shequ.SkillDriving}); n != 1 {
			t.Fatalf("focus filter found %d", n)
		}
		if _, n, _ := fx.s.FindTeams(w, shequ.TeamFilter{Query: "应急"}); n != 1 {
			t.Fatalf("name filter found %d", n)
		}
		if page, n, _ := fx.s.FindTeams(w, shequ.TeamFilter{Limit: 1, Offset: 1}); n != 2 || len(page) != 1 {
			t.Fatalf("page %v of %d", page, n)
		}
		if _, _, err := fx.s.FindTeams(w, shequ.TeamFilter{Focus: "juggling"}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("unknown focus: %v", err)
		}

		// Removing the leader is refused with the reason; a member goes.
		if _, err := fx.s.RemoveTeamMember(w, team.ID, fx.v1.ID); shequ.ErrorCode(err) != shequ.EConflict ||
			shequ.AsError(err).Key != "team.member.leader" {
			t.Fatalf("removed the leader: %v", err)
		}
		got, err := fx.s.RemoveTeamMember(w, team.ID, fx.v2.ID)
		if err != nil || got.MemberCount != 1 || slices.Contains(got.Members, fx.v2.ID) {
			t.Fatalf("removed %+v %v", got, err)
		}
		if n := countKind(t, db, fx.elder, noteTeamLeft); n != 1 {
			t.Fatalf("the member was told %d times of leaving", n)
		}
		if _, err := fx.s.RemoveTeamMember(w, team.ID, fx.v2.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("removed a non-member: %v", err)
		}
		if _, err := fx.s.AddTeamMember(w, team.ID, fx.plain.ID); !hasFieldErr(err, "volunteer_id") {
			t.Fatalf("added a non-volunteer: %v", err)
		}
		if _, err := fx.s.AddTeamMember(w, team.ID, "not-a-uuid"); !hasFieldErr(err, "volunteer_id") {
			t.Fatalf("added a malformed id: %v", err)
		}

		// Concurrent adds of the same member: one membership, one
		// notification, one event.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = fx.s.AddTeamMember(w, team.ID, fx.v2.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			mustDo(t, err)
		}
		got, err = fx.s.FindTeamByID(w, team.ID)
		if err != nil || got.MemberCount != 2 {
			t.Fatalf("after concurrent adds %+v %v", got, err)
		}
		if n := countKind(t, db, fx.elder, noteTeamJoined); n != 2 {
			t.Fatalf("the member was told %d times of joining (once at creation, once on re-adding)", n)
		}

		// Edit: the leader changes to v2 and v1 leaves in the same save.
		got.Leader, got.Members = fx.v2.ID, []string{fx.v2.ID}
		mustDo(t, fx.s.UpdateTeam(w, got))
		got, _ = fx.s.FindTeamByID(w, team.ID)
		if got.Leader != fx.v2.ID || !slices.Equal(got.Members, []string{fx.v2.ID}) || got.LeaderName != "王阿婆" {
			t.Fatalf("after the edit %+v", got)
		}
		if n := countKind(t, db, fx.vol, noteTeamLeft); n != 1 {
			t.Fatalf("the old leader was told %d times of leaving", n)
		}
	})
}

// TestVolunteerTeamScope: another community's worker neither sees nor
// edits a team; an organization's keeper keeps their organization's teams
// only; the county official reads but does not write.
func TestVolunteerTeamScope(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newTeamFx(t, db)
		team := fx.team(fx.v1.ID, fx.v2.ID)
		mustDo(t, fx.s.CreateTeam(fx.worker, team))
		kang := actorOf(fx.kangWorker)
		if _, err := fx.s.FindTeamByID(kang, team.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another community's worker read the team: %v", err)
		}
		if _, n, _ := fx.s.FindTeams(kang, shequ.TeamFilter{}); n != 0 {
			t.Fatalf("another community's worker lists %d teams", n)
		}
		if _, err := fx.s.AddTeamMember(kang, team.ID, fx.v2.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another community's worker added a member: %v", err)
		}
		edit := *team
		edit.Name = "被改名"
		if err := fx.s.UpdateTeam(kang, &edit); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another community's worker edited the team: %v", err)
		}
		moved := fx.team(fx.v1.ID)
		moved.Name = "越界服务队"
		if err := fx.s.CreateTeam(kang, moved); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another community's worker created a team in 苕秀: %v", err)
		}
		if auditCount(t, db, auditTeamUpdate, shequ.AuditDenied, team.ID) != 1 {
			t.Fatal("the refused edit is not audited")
		}

		// The county reads, never writes.
		county := actorOf(fx.county)
		if _, err := fx.s.FindTeamByID(county, team.ID); err != nil {
			t.Fatalf("the county cannot read: %v", err)
		}
		if _, err := fx.s.AddTeamMember(county, team.ID, fx.v2.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Fatalf("the county added a member: %v", err)
		}

		// The keeper keeps their organization's team, not the community's
		// nor another organization's.
		keeper := actorOf(fx.keeper)
		orgTeam := fx.team(fx.v1.ID)
		orgTeam.Name, orgTeam.OrganizerKind, orgTeam.OrgID = "志愿者协会服务队", shequ.OrganizerOrg, fx.org.ID
		mustDo(t, fx.s.CreateTeam(keeper, orgTeam))
		if _, err := fx.s.AddTeamMember(keeper, team.ID, fx.v2.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("the keeper changed the community's team: %v", err)
		}
		if _, err := fx.s.AddTeamMember(actorOf(fx.otherKeeper), orgTeam.ID, fx.v2.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another organization's keeper changed the team: %v", err)
		}
		steal := *orgTeam
		steal.OrgID = fx.otherOrg.ID
		if err := fx.s.UpdateTeam(actorOf(fx.otherKeeper), &steal); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another organization's keeper took the team: %v", err)
		}
		if _, err := fx.s.AddTeamMember(keeper, orgTeam.ID, fx.v2.ID); err != nil {
			t.Fatalf("the keeper adds to their team: %v", err)
		}

		// An opportunity is served by one of its organizer's teams only.
		o := fx.opportunity(shequ.OrganizerCommunity)
		o.TeamID = orgTeam.ID
		if err := fx.s.CreateOpportunity(fx.worker, o); !hasFieldErr(err, "team_id") {
			t.Fatalf("the community's opportunity served by an organization's team: %v", err)
		}
		o.TeamID = team.ID
		mustDo(t, fx.s.CreateOpportunity(fx.worker, o))
		list, n, err := fx.s.FindOpportunities(fx.worker, shequ.OpportunityFilter{TeamID: team.ID})
		if err != nil || n != 1 || list[0].ID != o.ID {
			t.Fatalf("the team's opportunities %v %d %v", list, n, err)
		}
		if _, n, _ := fx.s.FindOpportunities(fx.worker, shequ.OpportunityFilter{TeamID: orgTeam.ID}); n != 0 {
			t.Fatalf("the other team serves %d", n)
		}
	})
}

// TestVolunteerTeamImport: all rows or none, a repeated team is named.
func TestVolunteerTeamImport(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newTeamFx(t, db)
		rows := []*shequ.VolunteerTeam{fx.team(fx.v1.ID, fx.v2.ID), fx.team(fx.v1.ID)}
		rows[1].Name = "苕秀应急服务队"
		bad := fx.team(fx.plain.ID)
		bad.Name, bad.Leader = "坏队", fx.plain.ID
		err := fx.s.ImportTeams(fx.worker, append(rows, bad))
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
			t.Fatalf("a bad third row: %v %+v", err, e.Data)
		}
		if _, n, _ := fx.s.FindTeams(fx.worker, shequ.TeamFilter{}); n != 0 {
			t.Fatalf("a refused import wrote %d teams", n)
		}
		dup := fx.team(fx.v1.ID)
		if err := fx.s.ImportTeams(fx.worker, append(rows, dup)); shequ.ErrorCode(err) != shequ.EConflict {
			t.Fatalf("a repeated team: %v", err)
		}
		mustDo(t, fx.s.ImportTeams(fx.worker, rows))
		if _, n, _ := fx.s.FindTeams(fx.worker, shequ.TeamFilter{}); n != 2 {
			t.Fatalf("imported %d teams", n)
		}
		if n := countKind(t, db, fx.vol, noteTeamJoined); n != 2 {
			t.Fatalf("the volunteer was told %d times", n)
		}
		if auditCount(t, db, auditTeamImport, shequ.AuditAllowed, rows[0].ID) != 1 {
			t.Fatal("the import is not audited")
		}
	})
}

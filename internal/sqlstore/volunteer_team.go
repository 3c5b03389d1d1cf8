package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"shequ"
)

// Volunteer teams (志愿服务队, issue 17). A team belongs to a community and
// is kept by the community's workers or, when a social organization
// organizes it, by the organization's accounts (ActionTeamManage; an
// org_member owns the teams of the organizations they keep). Its members
// are active volunteers of the community or volunteers who offer to serve
// there; a resident reads the teams they belong to. Every change writes
// the team, its members, a timeline event per move, the members'
// notifications and the audit record in one transaction.

var _ shequ.VolunteerTeamService = (*VolunteerService)(nil)

// Object type, audited actions and notification kinds of teams.
const (
	objTeam            = "volunteer_team"
	auditTeamCreate    = "team.create"
	auditTeamUpdate    = "team.update"
	auditTeamRead      = "team.read"
	auditTeamList      = "team.list"
	auditTeamImport    = "team.import"
	auditTeamAdd       = "team.member.add"
	auditTeamRemove    = "team.member.remove"
	noteTeamJoined     = "team_joined"
	noteTeamLeft       = "team_left"
	teamMemberFieldKey = "members"
)

// teamColumns are the columns scanTeam reads; teamFrom their FROM clause.
const (
	teamColumns = `t.id, t.name, t.community, t.organizer_kind, t.org_id, COALESCE(g.name, ''), t.focus, t.note,
	t.leader, (SELECT COUNT(*) FROM volunteer_team_members m WHERE m.team_id = t.id), t.created_at, t.updated_at`
	teamFrom = `volunteer_teams t LEFT JOIN social_orgs g ON g.id = t.org_id`
)

// scanTeam reads a row of teamColumns.
func scanTeam(row rowScanner) (*shequ.VolunteerTeam, error) {
	t := &shequ.VolunteerTeam{}
	var kind, focus string
	var org sql.NullString
	err := row.Scan(&t.ID, &t.Name, &t.Community, &kind, &org, &t.OrgName, &focus, &t.Note, &t.Leader, &t.MemberCount,
		scanTime(&t.CreatedAt), scanTime(&t.UpdatedAt))
	if err != nil {
		return nil, err
	}
	t.OrganizerKind, t.OrgID = shequ.OrganizerKind(kind), org.String
	t.Focus = asList[shequ.VolunteerSkill](splitList(focus))
	return t, nil
}

// loadTeam reads one team with its members (not authorized).
func (s *VolunteerService) loadTeam(ctx context.Context, q querier, id string) (*shequ.VolunteerTeam, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	t, err := scanTeam(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+teamColumns+` FROM `+teamFrom+` WHERE t.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read team")
	}
	if err := s.fillTeams(ctx, q, []*shequ.VolunteerTeam{t}, true); err != nil {
		return nil, err
	}
	return t, nil
}

// fillTeams reads the leaders' names of teams and, if members, their
// member ids (the leader first, then in the order they joined).
func (s *VolunteerService) fillTeams(ctx context.Context, q querier, ts []*shequ.VolunteerTeam, members bool) error {
	var leaders []any
	for _, t := range ts {
		if validID(t.Leader) {
			leaders = append(leaders, t.Leader)
		}
	}
	if len(leaders) > 0 {
		// A resident reading the teams they belong to sees the other
		// members' names masked, the leader's too.
		a := shequ.ActorFrom(ctx)
		mask := a != nil && a.OwnOnly(shequ.ActionVolunteerRead)
		names := map[string]string{}
		rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT v.id, r.name, r.user_id FROM volunteers v
			JOIN residents r ON r.id = v.resident_id WHERE v.id IN (`+placeholders(len(leaders))+`)`), leaders...)
		if err != nil {
			return translateError(err, "read team leaders")
		}
		defer rows.Close()
		for rows.Next() {
			var id, name string
			var user sql.NullString
			if err := rows.Scan(&id, &name, &user); err != nil {
				return translateError(err, "read team leaders")
			}
			if mask && user.String != a.UserID {
				name = shequ.MaskName(name)
			}
			names[id] = name
		}
		if err := rows.Err(); err != nil {
			return translateError(err, "read team leaders")
		}
		for _, t := range ts {
			t.LeaderName = names[t.Leader]
		}
	}
	if !members {
		return nil
	}
	for _, t := range ts {
		rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT volunteer_id FROM volunteer_team_members WHERE team_id = ?
			ORDER BY joined_at, volunteer_id`), t.ID)
		if err != nil {
			return translateError(err, "read team members")
		}
		t.Members = []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return translateError(err, "read team members")
			}
			t.Members = append(t.Members, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translateError(err, "read team members")
		}
		if i := slices.Index(t.Members, t.Leader); i > 0 {
			t.Members = append([]string{t.Leader}, slices.Delete(t.Members, i, i+1)...)
		}
	}
	return nil
}

// teamObject is what authorization sees of a team for the actor of ctx:
// its community, and the actor as owner when they keep the organizing
// organization or (a resident) belong to the team.
func (s *VolunteerService) teamObject(ctx context.Context, q querier, t *shequ.VolunteerTeam) (*shequ.Object, error) {
	obj := &shequ.Object{Division: t.Community}
	a := shequ.ActorFrom(ctx)
	if a == nil || a.UserID == "" {
		return obj, nil
	}
	var n int
	var err error
	switch {
	case a.Role == shequ.RoleResident && validID(t.ID):
		err = q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM volunteer_team_members m
			JOIN volunteers v ON v.id = m.volunteer_id JOIN residents r ON r.id = v.resident_id
			WHERE m.team_id = ? AND r.user_id = ?`), t.ID, a.UserID).Scan(&n)
	case t.OrgID != "" && validID(t.OrgID):
		err = q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_org_owners WHERE org_id = ? AND user_id = ?`),
			t.OrgID, a.UserID).Scan(&n)
	}
	if err != nil {
		return nil, translateError(err, "read team owners")
	}
	if n > 0 {
		obj.OwnerID = a.UserID
	}
	return obj, nil
}

// manageTeam authorizes the keeper's action on t inside a transaction.
func (s *VolunteerService) manageTeam(ctx context.Context, q querier, t *shequ.VolunteerTeam, audit string) error {
	obj, err := s.teamObject(ctx, q, t)
	if err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionTeamManage, obj); err != nil {
		return refuse(err, audit, objTeam, t.ID, t.Community)
	}
	return nil
}

// teamVolunteer is what a team needs of a member.
type teamVolunteer struct {
	id, community, userID, name string
}

// checkTeam checks what a team names exists: its community, its
// organization (of the same county), a team name not taken in the
// community, and its members (active volunteers of the community or who
// serve there; existing members stay whatever became of them). It returns
// the members by id.
func (s *VolunteerService) checkTeam(ctx context.Context, q *sql.Tx, t *shequ.VolunteerTeam, existing []string) (map[string]*teamVolunteer, error) {
	var fe shequ.FieldErrors
	if miss, err := newCommunityChecker(s.db).missing(ctx, q, t.Community); err != nil {
		return nil, err
	} else if miss != "" {
		fe.Add("community_code", "team.community.invalid", "Pick the community the team belongs to.", nil)
	}
	if t.OrgID != "" {
		var community string
		ok := validID(t.OrgID)
		if ok {
			err := q.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM social_orgs WHERE id = ?`), t.OrgID).Scan(&community)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, translateError(err, "read organization")
			}
			ok = err == nil && len(community) >= 6 && strings.HasPrefix(t.Community, community[:6])
		}
		if !ok {
			fe.Add("org_id", "team.org_id.county", "Pick a social organization of the team's county.", nil)
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM volunteer_teams WHERE community = ? AND name = ?
		AND id <> ?`), t.Community, t.Name, teamIDArg(t.ID)).Scan(&n); err != nil {
		return nil, translateError(err, "check team name")
	}
	if n > 0 {
		fe.Add("name", "team.name.taken", "The community already has a team of this name.", nil)
	}
	members := map[string]*teamVolunteer{}
	for _, id := range t.Members {
		v, ok, err := s.teamVolunteer(ctx, q, id, t.Community)
		if err != nil {
			return nil, err
		}
		if !ok && (v == nil || !slices.Contains(existing, id)) {
			fe.Add(teamMemberFieldKey, "team.members.invalid",
				"Every member is an active volunteer of the team's community or one who serves there.", nil)
			break
		}
		members[id] = v
	}
	return members, fe.Err()
}

// teamIDArg is a team's id for a comparison, a placeholder UUID for a new
// team (PostgreSQL compares uuid columns with UUIDs only).
func teamIDArg(id string) string {
	if validID(id) {
		return id
	}
	return "00000000-0000-0000-0000-000000000000"
}

// teamVolunteer reads a volunteer who may join a team of community: active,
// of that community or serving there. ok is false otherwise.
func (s *VolunteerService) teamVolunteer(ctx context.Context, q querier, id, community string) (*teamVolunteer, bool, error) {
	if !validID(id) {
		return nil, false, nil
	}
	v := &teamVolunteer{id: id}
	var status, serves string
	var user sql.NullString
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT v.community, v.status, v.serves, r.user_id, r.name
		FROM volunteers v JOIN residents r ON r.id = v.resident_id WHERE v.id = ?`), id).
		Scan(&v.community, &status, &serves, &user, &v.name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, translateError(err, "read volunteer")
	}
	v.userID = user.String
	ok := shequ.VolunteerStatus(status) == shequ.VolunteerActive &&
		(v.community == community || slices.Contains(splitList(serves), community))
	return v, ok, nil
}

// CreateTeam implements shequ.VolunteerTeamService.
func (s *VolunteerService) CreateTeam(ctx context.Context, t *shequ.VolunteerTeam) error {
	if err := authorizeResident(ctx, shequ.ActionTeamManage, nil); err != nil {
		return s.denied(ctx, err, auditTeamCreate, objTeam, "", t.Community)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditTeamCreate, objTeam, func(c *change) (string, string, error) {
		if err := s.insertTeam(c, t, auditTeamCreate); err != nil {
			return "", "", err
		}
		return t.ID, t.Community, nil
	})
}

// insertTeam authorizes, checks and inserts t with its members inside the
// change; the members are told.
func (s *VolunteerService) insertTeam(c *change, t *shequ.VolunteerTeam, audit string) error {
	t.ID = ""
	if err := s.manageTeam(c.ctx, c.tx, t, audit); err != nil {
		return err
	}
	members, err := s.checkTeam(c.ctx, c.tx, t, nil)
	if err != nil {
		return err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = newUUID7(), c.now, c.now
	_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO volunteer_teams (id, name, community, organizer_kind, org_id,
		focus, note, leader, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), t.ID, t.Name, t.Community,
		string(t.OrganizerKind), nullString(t.OrgID), joinList(t.Focus), t.Note, t.Leader, s.db.dialect.timeArg(c.now),
		s.db.dialect.timeArg(c.now))
	if err != nil {
		return translateError(err, "create team")
	}
	c.event(objTeam, t.ID, t.Community, audit, "", "", "")
	for _, id := range t.Members {
		if _, err := s.addMember(c, t, members[id]); err != nil {
			return err
		}
	}
	t.MemberCount = len(t.Members)
	t.LeaderName = members[t.Leader].name
	return nil
}

// addMember adds v to team t inside the change, once: a member already in
// the team is left as they are (added is false). The volunteer is told.
func (s *VolunteerService) addMember(c *change, t *shequ.VolunteerTeam, v *teamVolunteer) (bool, error) {
	res, err := c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO volunteer_team_members (team_id, volunteer_id, joined_at)
		VALUES (?, ?, ?) ON CONFLICT (team_id, volunteer_id) DO NOTHING`), t.ID, v.id, s.db.dialect.timeArg(c.now))
	if err != nil {
		return false, translateError(err, "add team member")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, translateError(err, "add team member")
	}
	c.event(objTeam, t.ID, t.Community, auditTeamAdd, "", v.id, v.name)
	c.notify([]string{v.userID}, noteTeamJoined, objTeam, t.ID, t.Name)
	return true, nil
}

// removeMember removes v from t inside the change (never the leader); the
// volunteer is told.
func (s *VolunteerService) removeMember(c *change, t *shequ.VolunteerTeam, volunteerID string) error {
	if err := t.CanRemoveMember(volunteerID); err != nil {
		return err
	}
	var name string
	var user sql.NullString
	err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT r.name, r.user_id FROM volunteers v
		JOIN residents r ON r.id = v.resident_id WHERE v.id = ?`), volunteerID).Scan(&name, &user)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return translateError(err, "read volunteer")
	}
	res, err := c.tx.ExecContext(c.ctx, s.db.rebind(`DELETE FROM volunteer_team_members WHERE team_id = ? AND volunteer_id = ?`),
		t.ID, volunteerID)
	if err != nil {
		return translateError(err, "remove team member")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return translateError(err, "remove team member")
		}
		return shequ.Errorf(shequ.ENotFound, "team.member.none", "The volunteer is not a member of this team.")
	}
	c.event(objTeam, t.ID, t.Community, auditTeamRemove, volunteerID, "", name)
	c.notify([]string{user.String}, noteTeamLeft, objTeam, t.ID, t.Name)
	return nil
}

// touchTeam records that t changed now.
func (s *VolunteerService) touchTeam(c *change, t *shequ.VolunteerTeam) error {
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE volunteer_teams SET updated_at = ? WHERE id = ?`),
		s.db.dialect.timeArg(c.now), t.ID)
	return translateError(err, "update team")
}

// UpdateTeam implements shequ.VolunteerTeamService: the fields and the
// members are saved whole; members left out are removed and new ones
// added, each told.
func (s *VolunteerService) UpdateTeam(ctx context.Context, t *shequ.VolunteerTeam) error {
	if err := authorizeResident(ctx, shequ.ActionTeamManage, nil); err != nil {
		return s.denied(ctx, err, auditTeamUpdate, objTeam, t.ID, "")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditTeamUpdate, objTeam, func(c *change) (string, string, error) {
		old, err := s.loadTeam(c.ctx, c.tx, t.ID)
		if err != nil {
			return "", "", refuse(err, auditTeamUpdate, objTeam, t.ID, "")
		}
		if err := s.manageTeam(c.ctx, c.tx, old, auditTeamUpdate); err != nil {
			return "", "", err
		}
		// The new organizer and community must be the actor's too.
		if err := s.manageTeam(c.ctx, c.tx, t, auditTeamUpdate); err != nil {
			return "", "", err
		}
		members, err := s.checkTeam(c.ctx, c.tx, t, old.Members)
		if err != nil {
			return "", "", err
		}
		_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE volunteer_teams SET name = ?, community = ?, organizer_kind = ?,
			org_id = ?, focus = ?, note = ?, leader = ?, updated_at = ? WHERE id = ?`), t.Name, t.Community,
			string(t.OrganizerKind), nullString(t.OrgID), joinList(t.Focus), t.Note, t.Leader, s.db.dialect.timeArg(c.now), t.ID)
		if err != nil {
			return "", "", translateError(err, "update team")
		}
		if old.Leader != t.Leader {
			c.event(objTeam, t.ID, t.Community, "team.leader", old.Leader, t.Leader, members[t.Leader].name)
		}
		c.event(objTeam, t.ID, t.Community, auditTeamUpdate, "", "", "")
		// The new leader is a member already in the new list, so removing
		// the old leader below is allowed: the check is against t.
		for _, id := range old.Members {
			if !slices.Contains(t.Members, id) {
				if err := s.removeMember(c, t, id); err != nil {
					return "", "", err
				}
			}
		}
		for _, id := range t.Members {
			if !slices.Contains(old.Members, id) {
				if _, err := s.addMember(c, t, members[id]); err != nil {
					return "", "", err
				}
			}
		}
		t.CreatedAt, t.UpdatedAt, t.MemberCount = old.CreatedAt, c.now, len(t.Members)
		t.LeaderName = members[t.Leader].name
		return t.ID, t.Community, nil
	})
}

// readTeam loads a team the actor may read (a resident: one they belong
// to); a refusal is audited.
func (s *VolunteerService) readTeam(ctx context.Context, id string) (*shequ.VolunteerTeam, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditTeamRead, objTeam, id, "")
	}
	t, err := s.loadTeam(ctx, s.db.db, id)
	if err != nil {
		return nil, s.denied(ctx, err, auditTeamRead, objTeam, id, "")
	}
	obj, err := s.teamObject(ctx, s.db.db, t)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditTeamRead, objTeam, id, t.Community)
	}
	return t, nil
}

// FindTeamByID implements shequ.VolunteerTeamService. Audited.
func (s *VolunteerService) FindTeamByID(ctx context.Context, id string) (*shequ.VolunteerTeam, error) {
	t, err := s.readTeam(ctx, id)
	if err != nil {
		return nil, err
	}
	obj, err := s.teamObject(ctx, s.db.db, t)
	if err != nil {
		return nil, err
	}
	t.Manageable = authorizeResident(ctx, shequ.ActionTeamManage, obj) == nil
	return t, s.audited(ctx, auditTeamRead, objTeam, t.ID, t.Community)
}

// FindTeams implements shequ.VolunteerTeamService: the teams of the
// actor's area (a resident: those they belong to).
func (s *VolunteerService) FindTeams(ctx context.Context, f shequ.TeamFilter) ([]*shequ.VolunteerTeam, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionVolunteerRead, auditTeamList, objTeam, "t.community", f.Community)
	if err != nil || !ok {
		return []*shequ.VolunteerTeam{}, 0, err
	}
	if a := shequ.ActorFrom(ctx); a.OwnOnly(shequ.ActionVolunteerRead) {
		q.conds, q.args = append(q.conds, `t.id IN (SELECT m.team_id FROM volunteer_team_members m
			JOIN volunteers v ON v.id = m.volunteer_id JOIN residents r ON r.id = v.resident_id WHERE r.user_id = ?)`),
			append(q.args, a.UserID)
	}
	if f.OrgID != "" {
		if !validID(f.OrgID) {
			q.fe.Add("org_id", "team.org_id.county", "Pick a social organization of the team's county.", nil)
		} else {
			q.equal("t.org_id", f.OrgID)
		}
	}
	if f.Focus != "" {
		if !slices.Contains(shequ.VolunteerSkills, f.Focus) {
			q.fe.Add("focus", "volunteer.skills.invalid", "Unknown skill.", map[string]any{"Value": string(f.Focus)})
		}
		q.conds, q.args = append(q.conds, s.db.dialect.position("(',' || t.focus || ',')", "?")+" > 0"),
			append(q.args, ","+string(f.Focus)+",")
	}
	q.contains("t.name", f.Query)
	list, total, err := listPage(ctx, q, teamFrom, teamColumns, "t.community, t.name, t.id", f.Offset, f.Limit, scanTeam, "teams")
	if err != nil {
		return nil, 0, err
	}
	return list, total, s.fillTeams(ctx, s.db.db, list, false)
}

// ImportTeams implements shequ.VolunteerTeamService: all rows or none.
func (s *VolunteerService) ImportTeams(ctx context.Context, ts []*shequ.VolunteerTeam) error {
	if err := authorizeResident(ctx, shequ.ActionTeamManage, nil); err != nil {
		return s.denied(ctx, err, auditTeamImport, objTeam, "", "")
	}
	if err := prepareRows(ts, func(t *shequ.VolunteerTeam) error { return t.Validate() },
		func(t *shequ.VolunteerTeam) string { return t.Community + "/" + t.Name }, "team.import.duplicate", "team"); err != nil {
		return err
	}
	return writeImport(ctx, s.db, s.now(), ts, func(c *change, t *shequ.VolunteerTeam) error { return s.insertTeam(c, t, auditTeamImport) },
		func(t *shequ.VolunteerTeam) (string, string) { return t.ID, t.Community }, auditTeamImport, objTeam, s.OnChange)
}

// TeamMembers implements shequ.VolunteerTeamService: the members with
// their masked ID numbers, the leader first. A resident reading a team
// they belong to sees the other members' names masked. Audited.
func (s *VolunteerService) TeamMembers(ctx context.Context, teamID string) ([]*shequ.TeamMember, error) {
	t, err := s.readTeam(ctx, teamID)
	if err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(ctx)
	self := ""
	if a != nil {
		self = a.UserID
	}
	maskNames := a != nil && a.OwnOnly(shequ.ActionVolunteerRead)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT m.volunteer_id, r.id, r.name, r.id_number_enc, r.user_id,
		v.community, m.joined_at FROM volunteer_team_members m JOIN volunteers v ON v.id = m.volunteer_id
		JOIN residents r ON r.id = v.resident_id WHERE m.team_id = ? ORDER BY m.joined_at, m.volunteer_id`), t.ID)
	if err != nil {
		return nil, translateError(err, "read team members")
	}
	defer rows.Close()
	out := []*shequ.TeamMember{}
	for rows.Next() {
		m := &shequ.TeamMember{}
		var rid, idEnc string
		var user sql.NullString
		if err := rows.Scan(&m.VolunteerID, &rid, &m.Name, &idEnc, &user, &m.Community, scanTime(&m.JoinedAt)); err != nil {
			return nil, translateError(err, "read team members")
		}
		idn, err := s.sealer.Open(idEnc, residentAAD("id_number", rid))
		if err != nil {
			return nil, shequ.Wrap(err, "open ID number")
		}
		m.IDMasked = shequ.Mask(shequ.PersonalIDNumber, idn)
		if maskNames && user.String != self {
			m.Name, m.IDMasked = shequ.MaskName(m.Name), ""
		}
		m.Leader = m.VolunteerID == t.Leader
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "read team members")
	}
	slices.SortStableFunc(out, func(x, y *shequ.TeamMember) int {
		switch {
		case x.Leader == y.Leader:
			return 0
		case x.Leader:
			return -1
		}
		return 1
	})
	return out, s.audited(ctx, auditTeamRead, objTeam, t.ID, t.Community)
}

// AddTeamMember implements shequ.VolunteerTeamService.
func (s *VolunteerService) AddTeamMember(ctx context.Context, teamID, volunteerID string) (*shequ.VolunteerTeam, error) {
	return s.moveMember(ctx, auditTeamAdd, teamID, func(c *change, t *shequ.VolunteerTeam) error {
		v, ok, err := s.teamVolunteer(c.ctx, c.tx, volunteerID, t.Community)
		if err != nil {
			return err
		}
		if !ok {
			return fieldError("volunteer_id", "team.members.invalid",
				"Every member is an active volunteer of the team's community or one who serves there.")
		}
		if len(t.Members) >= shequ.MaxTeamMembers && !slices.Contains(t.Members, v.id) {
			return fieldError("volunteer_id", "team.members.many", "A team has at most 300 members.")
		}
		added, err := s.addMember(c, t, v)
		if err != nil || !added {
			return err
		}
		return s.touchTeam(c, t)
	})
}

// RemoveTeamMember implements shequ.VolunteerTeamService.
func (s *VolunteerService) RemoveTeamMember(ctx context.Context, teamID, volunteerID string) (*shequ.VolunteerTeam, error) {
	return s.moveMember(ctx, auditTeamRemove, teamID, func(c *change, t *shequ.VolunteerTeam) error {
		if !validID(volunteerID) {
			return shequ.Errorf(shequ.ENotFound, "team.member.none", "The volunteer is not a member of this team.")
		}
		if err := s.removeMember(c, t, volunteerID); err != nil {
			return err
		}
		return s.touchTeam(c, t)
	})
}

// moveMember runs a change of a team's members by its keeper and returns
// the team as it is after.
func (s *VolunteerService) moveMember(ctx context.Context, audit, teamID string, fn func(c *change, t *shequ.VolunteerTeam) error) (*shequ.VolunteerTeam, error) {
	if err := authorizeResident(ctx, shequ.ActionTeamManage, nil); err != nil {
		return nil, s.denied(ctx, err, audit, objTeam, teamID, "")
	}
	var out *shequ.VolunteerTeam
	err := s.write(ctx, audit, objTeam, func(c *change) (string, string, error) {
		t, err := s.loadTeam(c.ctx, c.tx, teamID)
		if err != nil {
			return "", "", refuse(err, audit, objTeam, teamID, "")
		}
		if err := s.manageTeam(c.ctx, c.tx, t, audit); err != nil {
			return "", "", err
		}
		if err := fn(c, t); err != nil {
			return "", "", err
		}
		if out, err = s.loadTeam(c.ctx, c.tx, teamID); err != nil {
			return "", "", err
		}
		return t.ID, t.Community, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VolunteerTeams implements shequ.VolunteerTeamService: whoever may read the
// volunteer (the volunteer themself included) reads the teams they belong
// to, wherever those are.
func (s *VolunteerService) VolunteerTeams(ctx context.Context, volunteerID string) ([]*shequ.VolunteerTeam, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditTeamList, objTeam, volunteerID, "")
	}
	v, err := s.loadVolunteer(ctx, s.db.db, volunteerID, false)
	if err != nil {
		return nil, s.denied(ctx, err, auditTeamList, objVolunteer, volunteerID, "")
	}
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, volunteerObject(v)); err != nil {
		return nil, s.denied(ctx, err, auditTeamList, objVolunteer, volunteerID, v.Community)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+teamColumns+` FROM `+teamFrom+`
		WHERE t.id IN (SELECT team_id FROM volunteer_team_members WHERE volunteer_id = ?) ORDER BY t.name, t.id`), v.ID)
	if err != nil {
		return nil, translateError(err, "find volunteer's teams")
	}
	defer rows.Close()
	out := []*shequ.VolunteerTeam{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, translateError(err, "find volunteer's teams")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find volunteer's teams")
	}
	if err := s.fillTeams(ctx, s.db.db, out, false); err != nil {
		return nil, err
	}
	return out, s.audited(ctx, auditTeamList, objVolunteer, v.ID, v.Community)
}

// organizerTeam reports whether the team an opportunity names is one of its
// organizer's: a team of the opportunity's community when the community
// organizes it, a team of the same organization in the county otherwise.
func (s *VolunteerService) organizerTeam(ctx context.Context, q querier, o *shequ.Opportunity) bool {
	if !validID(o.TeamID) || len(o.Community) < 6 {
		return false
	}
	var community, kind string
	var org sql.NullString
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT community, organizer_kind, org_id FROM volunteer_teams WHERE id = ?`),
		o.TeamID).Scan(&community, &kind, &org)
	if err != nil || shequ.OrganizerKind(kind) != o.OrganizerKind || org.String != o.OrgID {
		return false
	}
	if o.OrganizerKind == shequ.OrganizerCommunity {
		return community == o.Community
	}
	return strings.HasPrefix(community, o.Community[:6])
}

package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"shequ"
)

// opportunityColumns are the columns scanOpportunity reads.
const opportunityColumns = `o.id, o.title, o.community, o.organizer_kind, o.org_id, COALESCE(g.name, ''), o.team_id,
	o.category, o.link, o.project_id, o.need_id, o.day, o.start_time, o.end_time, o.place, o.slots, o.skills,
	o.description, o.status,
	(SELECT COUNT(*) FROM volunteer_signups x WHERE x.opportunity_id = o.id AND x.state <> 'cancelled' AND x.state <> 'no_show'),
	o.created_by, o.created_at, o.updated_at, COALESCE(pj.title, ''), COALESCE(nd.title, '')`

// opportunityFrom is the FROM clause of opportunityColumns.
const opportunityFrom = `volunteer_opportunities o LEFT JOIN social_orgs g ON g.id = o.org_id
	LEFT JOIN projects pj ON pj.id = o.project_id LEFT JOIN needs nd ON nd.id = o.need_id`

// scanOpportunity reads a row of opportunityColumns.
func scanOpportunity(row rowScanner) (*shequ.Opportunity, error) {
	o := &shequ.Opportunity{}
	var kind, cat, link, day, skills, status string
	var org, team, project, need sql.NullString
	err := row.Scan(&o.ID, &o.Title, &o.Community, &kind, &org, &o.OrgName, &team, &cat, &link, &project, &need, &day,
		&o.Start, &o.End, &o.Place, &o.Slots, &skills, &o.Description, &status, &o.SignedUp, &o.CreatedBy,
		scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt), &o.ProjectTitle, &o.NeedTitle)
	if err != nil {
		return nil, err
	}
	o.OrganizerKind, o.Category, o.Link, o.Status = shequ.OrganizerKind(kind), shequ.ServiceCategory(cat),
		shequ.OpportunityLink(link), shequ.OpportunityStatus(status)
	o.OrgID, o.TeamID, o.ProjectID, o.NeedID = org.String, team.String, project.String, need.String
	o.Day, o.Skills = parseDay(day), asList[shequ.VolunteerSkill](splitList(skills))
	return o, nil
}

// loadOpportunity reads one opportunity (not authorized).
func (s *VolunteerService) loadOpportunity(ctx context.Context, q querier, id string) (*shequ.Opportunity, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	o, err := scanOpportunity(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+opportunityColumns+` FROM `+opportunityFrom+
		` WHERE o.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read opportunity")
	}
	return o, nil
}

// opportunityObject is what authorization sees of an opportunity for the
// actor of ctx: its community, and the actor as owner when they keep the
// organizing organization.
func (s *VolunteerService) opportunityObject(ctx context.Context, q querier, o *shequ.Opportunity) (*shequ.Object, error) {
	obj := &shequ.Object{Division: o.Community}
	a := shequ.ActorFrom(ctx)
	if a == nil || o.OrgID == "" {
		return obj, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_org_owners WHERE org_id = ? AND user_id = ?`),
		o.OrgID, a.UserID).Scan(&n); err != nil {
		return nil, translateError(err, "read organization owners")
	}
	if n > 0 {
		obj.OwnerID = a.UserID
	}
	return obj, nil
}

// manage authorizes the organizer's action on an opportunity inside tx.
func (s *VolunteerService) manage(ctx context.Context, q querier, o *shequ.Opportunity, audit, id string) error {
	obj, err := s.opportunityObject(ctx, q, o)
	if err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, obj); err != nil {
		return refuse(err, audit, objOpportunity, id, o.Community)
	}
	return nil
}

// checkOpportunityRefs checks the organization, team, project and need an
// opportunity names exist in its county.
func (s *VolunteerService) checkOpportunityRefs(ctx context.Context, q *sql.Tx, o *shequ.Opportunity) error {
	var fe shequ.FieldErrors
	if miss, err := newCommunityChecker(s.db).missing(ctx, q, o.Community); err != nil {
		return err
	} else if miss != "" || len(o.Community) != 12 {
		fe.Add("community_code", "opportunity.community.invalid", "Pick the community where it takes place.", nil)
	}
	exists := func(table, id string) bool {
		if !validID(id) {
			return false
		}
		var n int
		err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM `+table+` WHERE id = ?`), id).Scan(&n)
		return err == nil && n > 0
	}
	if o.OrgID != "" && !exists("social_orgs", o.OrgID) {
		fe.Add("org_id", "team.org_id.required", "Pick the organization.", nil)
	}
	if o.TeamID != "" && !s.organizerTeam(ctx, q, o) {
		fe.Add("team_id", "opportunity.team.invalid", "Pick a team of the register.", nil)
	}
	if o.ProjectID != "" {
		if err := s.checkOpportunityProject(ctx, q, o); err != nil {
			return err
		}
	}
	if o.NeedID != "" {
		var community, status string
		ok := validID(o.NeedID) && len(o.Community) >= 6
		if ok {
			err := q.QueryRowContext(ctx, s.db.rebind(`SELECT community, status FROM needs WHERE id = ?`), o.NeedID).
				Scan(&community, &status)
			ok = err == nil && strings.HasPrefix(community, o.Community[:6]) &&
				slices.Contains(linkableNeeds, shequ.NeedStatus(status))
		}
		if !ok {
			fe.Add("need_id", "opportunity.need.invalid", "Pick an accepted or planned need of the county.", nil)
		}
	}
	return fe.Err()
}

// linkableProjects and linkableNeeds are the statuses an opportunity may
// serve: a project once awarded (its activities are on) and a need the
// community has taken up.
var (
	linkableProjects = []shequ.ProjectStatus{shequ.ProjectAwarded, shequ.ProjectInProgress, shequ.ProjectFinalEvaluation,
		shequ.ProjectClosed}
	linkableNeeds = []shequ.NeedStatus{shequ.NeedAccepted, shequ.NeedPlanned}
)

// checkOpportunityProject checks the project an opportunity serves: one of
// the county, awarded or later, whose period holds the opportunity's day.
func (s *VolunteerService) checkOpportunityProject(ctx context.Context, q *sql.Tx, o *shequ.Opportunity) error {
	var community, status, start, end string
	ok := validID(o.ProjectID) && len(o.Community) >= 6
	if ok {
		err := q.QueryRowContext(ctx, s.db.rebind(`SELECT community, status, period_start, period_end FROM projects
			WHERE id = ?`), o.ProjectID).Scan(&community, &status, &start, &end)
		ok = err == nil && strings.HasPrefix(community, o.Community[:6]) &&
			slices.Contains(linkableProjects, shequ.ProjectStatus(status))
	}
	if !ok {
		return fieldError("project_id", "opportunity.project.invalid", "Pick a project of the county that has been awarded.")
	}
	if day := dayArg(o.Day); day < start || day > end {
		return fieldError("day", "opportunity.project.period", "The day lies in the project's period.")
	}
	return nil
}

// newScanToken returns a fresh QR secret: 18 random bytes, URL-safe.
func newScanToken() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", shequ.Wrap(err, "scan token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateOpportunity implements shequ.VolunteerService: an organizer
// publishes an opportunity in a community of their area (an org_member
// for an organization they keep).
func (s *VolunteerService) CreateOpportunity(ctx context.Context, o *shequ.Opportunity) error {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return s.denied(ctx, err, auditOppCreate, objOpportunity, "", "")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditOppCreate, objOpportunity, func(c *change) (string, string, error) {
		if err := s.checkOpportunityRefs(ctx, c.tx, o); err != nil {
			return "", "", err
		}
		if err := s.manage(ctx, c.tx, o, auditOppCreate, ""); err != nil {
			return "", "", err
		}
		token, err := newScanToken()
		if err != nil {
			return "", "", err
		}
		o.ID, o.CreatedBy, o.CreatedAt, o.UpdatedAt, o.Status = newUUID7(), actorName(ctx), c.now, c.now, shequ.OpportunityOpen
		enc, err := s.seal(token, "opportunities", "scan", o.ID)
		if err != nil {
			return "", "", err
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO volunteer_opportunities (id, title, community,
			organizer_kind, org_id, team_id, category, link, project_id, need_id, day, start_time, end_time, place,
			slots, skills, description, status, scan_idx, scan_enc, reminded_at, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`),
			o.ID, o.Title, o.Community, string(o.OrganizerKind), nullString(o.OrgID), nullString(o.TeamID),
			string(o.Category), string(o.Link), nullString(o.ProjectID), nullString(o.NeedID), dayArg(o.Day), o.Start,
			o.End, o.Place, o.Slots, joinList(o.Skills), o.Description, string(o.Status),
			s.sealer.Index("opportunity.scan", token), enc, o.CreatedBy, s.db.dialect.timeArg(c.now),
			s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "create opportunity")
		}
		c.event(objOpportunity, o.ID, o.Community, auditOppCreate, "", string(o.Status), o.Title)
		return o.ID, o.Community, nil
	})
}

// UpdateOpportunity implements shequ.VolunteerService. Cancelling it
// cancels its open sign-ups and tells the volunteers; slots cannot drop
// below the volunteers signed up.
func (s *VolunteerService) UpdateOpportunity(ctx context.Context, o *shequ.Opportunity) error {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return s.denied(ctx, err, auditOppUpdate, objOpportunity, o.ID, "")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditOppUpdate, objOpportunity, func(c *change) (string, string, error) {
		old, err := s.loadOpportunity(ctx, c.tx, o.ID)
		if err != nil {
			return "", "", refuse(err, auditOppUpdate, objOpportunity, o.ID, "")
		}
		if err := s.manage(ctx, c.tx, old, auditOppUpdate, o.ID); err != nil {
			return "", "", err
		}
		if old.Status == shequ.OpportunityCancelled {
			return "", "", shequ.Errorf(shequ.EConflict, "opportunity.cancelled", "A cancelled opportunity cannot change.")
		}
		if err := s.checkOpportunityRefs(ctx, c.tx, o); err != nil {
			return "", "", err
		}
		if err := s.manage(ctx, c.tx, o, auditOppUpdate, o.ID); err != nil {
			return "", "", err
		}
		if o.Slots < old.SignedUp && o.Status == shequ.OpportunityOpen {
			var fe shequ.FieldErrors
			fe.Add("slots", "opportunity.slots.taken", "{{.N}} volunteers have signed up: the slots cannot be fewer.",
				map[string]any{"N": old.SignedUp})
			return "", "", fe.Err()
		}
		o.SignedUp, o.CreatedBy, o.CreatedAt, o.UpdatedAt = old.SignedUp, old.CreatedBy, old.CreatedAt, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE volunteer_opportunities SET title = ?, community = ?,
			organizer_kind = ?, org_id = ?, team_id = ?, category = ?, link = ?, project_id = ?, need_id = ?, day = ?,
			start_time = ?, end_time = ?, place = ?, slots = ?, skills = ?, description = ?, status = ?, updated_at = ?
			WHERE id = ?`), o.Title, o.Community, string(o.OrganizerKind), nullString(o.OrgID), nullString(o.TeamID),
			string(o.Category), string(o.Link), nullString(o.ProjectID), nullString(o.NeedID), dayArg(o.Day), o.Start,
			o.End, o.Place, o.Slots, joinList(o.Skills), o.Description, string(o.Status), s.db.dialect.timeArg(c.now), o.ID)
		if err != nil {
			return "", "", translateError(err, "update opportunity")
		}
		if o.Status == shequ.OpportunityCancelled && old.Status != shequ.OpportunityCancelled {
			users, err := s.signedUsers(ctx, c.tx, o.ID)
			if err != nil {
				return "", "", err
			}
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE volunteer_signups SET state = 'cancelled', updated_at = ?
				WHERE opportunity_id = ? AND state = 'signed'`), s.db.dialect.timeArg(c.now), o.ID); err != nil {
				return "", "", translateError(err, "cancel sign-ups")
			}
			c.notify(users, "opportunity_cancelled", objOpportunity, o.ID, o.Title)
		}
		if o.Status != shequ.OpportunityCancelled && (dayArg(o.Day) != dayArg(old.Day) || o.Start != old.Start || o.End != old.End ||
			o.Place != old.Place || o.Community != old.Community) {
			// The volunteers signed up are told the new time and place.
			users, err := s.signedUsers(ctx, c.tx, o.ID)
			if err != nil {
				return "", "", err
			}
			when := dayArg(o.Day) + " " + o.Start + "–" + o.End + "，" + o.Place
			c.notes.add(ctx, c.now, users, "opportunity_changed", objOpportunity, o.ID, o.Title, when)
		}
		c.event(objOpportunity, o.ID, o.Community, auditOppUpdate, string(old.Status), string(o.Status), "")
		return o.ID, o.Community, nil
	})
}

// signedUsers are the accounts of the volunteers signed up (not yet in).
func (s *VolunteerService) signedUsers(ctx context.Context, q querier, oppID string) ([]string, error) {
	return queryStrings(ctx, q, s.db.rebind(`SELECT r.user_id FROM volunteer_signups x
		JOIN volunteers v ON v.id = x.volunteer_id JOIN residents r ON r.id = v.resident_id
		WHERE x.opportunity_id = ? AND x.state = 'signed' AND r.user_id IS NOT NULL`), "read sign-ups", oppID)
}

// canSeeOpportunity reports whether the actor of ctx may read o: the
// organizers of its area, and every volunteer of its county (residents
// sign up for what they see).
func canSeeOpportunity(ctx context.Context, o *shequ.Opportunity) error {
	if isConsole(ctx) {
		return nil
	}
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return shequ.ErrUnauthorized
	}
	if a.Role == shequ.RoleResident {
		if err := shequ.Authorize(a, shequ.ActionVolunteerJoin, nil); err != nil {
			return err
		}
		if len(a.Scope) < 6 || !strings.HasPrefix(o.Community, a.Scope[:6]) {
			return shequ.ErrNotFound
		}
		return nil
	}
	return shequ.Authorize(a, shequ.ActionVolunteerRead, &shequ.Object{Division: o.Community})
}

// FindOpportunityByID implements shequ.VolunteerService.
func (s *VolunteerService) FindOpportunityByID(ctx context.Context, id string) (*shequ.Opportunity, error) {
	o, err := s.loadOpportunity(ctx, s.db.db, id)
	if err != nil {
		return nil, s.denied(ctx, err, auditOppRead, objOpportunity, id, "")
	}
	if err := canSeeOpportunity(ctx, o); err != nil {
		return nil, s.denied(ctx, err, auditOppRead, objOpportunity, id, o.Community)
	}
	return o, nil
}

// FindOpportunities implements shequ.VolunteerService: the organizers'
// area, or for a resident the open opportunities of their county.
func (s *VolunteerService) FindOpportunities(ctx context.Context, f shequ.OpportunityFilter) ([]*shequ.Opportunity, int, error) {
	act := shequ.ActionVolunteerRead
	a := shequ.ActorFrom(ctx)
	resident := a != nil && a.Role == shequ.RoleResident
	if resident {
		act = shequ.ActionVolunteerJoin
	}
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, 0, s.denied(ctx, err, auditOppRead, objOpportunity, "", f.Community)
	}
	q := &listQuery{db: s.db}
	switch {
	case resident:
		county := ""
		if len(a.Scope) >= 6 {
			county = a.Scope[:6]
		}
		q.within("o.community", county)
		if f.Community != "" {
			q.within("o.community", f.Community)
		}
	default:
		prefix, ok, err := scopePrefix(a, f.Community)
		if err != nil || !ok {
			return []*shequ.Opportunity{}, 0, err
		}
		q.within("o.community", prefix)
	}
	enumFilter(q, "o.status", "status", f.Status, shequ.OpportunityStatuses, "opportunity.status.invalid", "Unknown status.")
	enumFilter(q, "o.category", "category", f.Category, shequ.ServiceCategories, "opportunity.category.invalid",
		"Choose the category of service.")
	if f.ProjectID != "" {
		q.equal("o.project_id", f.ProjectID)
	}
	if f.TeamID != "" {
		q.equal("o.team_id", teamIDArg(f.TeamID))
	}
	if f.Upcoming {
		q.conds, q.args = append(q.conds, "o.day >= ?"), append(q.args, dayArg(s.now()))
	}
	q.contains("o.title", f.Query)
	return listPage(ctx, q, opportunityFrom, opportunityColumns, "o.day DESC, o.start_time, o.id", f.Offset, f.Limit,
		scanOpportunity, "opportunities")
}

// ScanToken implements shequ.VolunteerService: the organizer's QR secret.
func (s *VolunteerService) ScanToken(ctx context.Context, id string) (string, error) {
	o, err := s.loadOpportunity(ctx, s.db.db, id)
	if err != nil {
		return "", s.denied(ctx, err, auditOppRead, objOpportunity, id, "")
	}
	if err := s.manage(ctx, s.db.db, o, auditOppRead, id); err != nil {
		return "", settleRefusal(ctx, s.db, err)
	}
	var enc string
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT scan_enc FROM volunteer_opportunities WHERE id = ?`), id).
		Scan(&enc); err != nil {
		return "", translateError(err, "read scan token")
	}
	return s.open(sql.NullString{String: enc, Valid: true}, "opportunities", "scan", id)
}

// OpportunityByToken implements shequ.VolunteerService.
func (s *VolunteerService) OpportunityByToken(ctx context.Context, token string) (*shequ.Opportunity, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 64 {
		return nil, shequ.Errorf(shequ.ENotFound, "signup.scan.unknown", "This code names no opportunity.")
	}
	o, err := scanOpportunity(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+opportunityColumns+` FROM `+
		opportunityFrom+` WHERE o.scan_idx = ?`), s.sealer.Index("opportunity.scan", token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.Errorf(shequ.ENotFound, "signup.scan.unknown", "This code names no opportunity.")
	} else if err != nil {
		return nil, translateError(err, "read opportunity")
	}
	return o, nil
}

// signupColumns are the columns scanSignup reads.
const signupColumns = `x.id, x.opportunity_id, x.volunteer_id, x.community, r.name, x.state, x.checked_in_at,
	x.checked_out_at, x.by_organizer, x.minutes, x.record_id, x.created_at, x.updated_at`

// signupFrom is the FROM clause of signupColumns.
const signupFrom = `volunteer_signups x JOIN volunteers v ON v.id = x.volunteer_id JOIN residents r ON r.id = v.resident_id`

// scanSignup reads a row of signupColumns.
func scanSignup(row rowScanner) (*shequ.Signup, error) {
	x := &shequ.Signup{}
	var state string
	var in, out time.Time
	var rec sql.NullString
	err := row.Scan(&x.ID, &x.OpportunityID, &x.VolunteerID, &x.Community, &x.Name, &state, scanTime(&in), scanTime(&out),
		&x.ByOrganizer, &x.Minutes, &rec, scanTime(&x.CreatedAt), scanTime(&x.UpdatedAt))
	if err != nil {
		return nil, err
	}
	x.State, x.RecordID = shequ.SignupState(state), rec.String
	x.CheckedInAt, x.CheckedOutAt = optTime(in), optTime(out)
	return x, nil
}

// loadSignup reads one sign-up (not authorized).
func (s *VolunteerService) loadSignup(ctx context.Context, q querier, id string) (*shequ.Signup, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	x, err := scanSignup(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+signupColumns+` FROM `+signupFrom+` WHERE x.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read sign-up")
	}
	return x, nil
}

// moveSignup writes a sign-up's new state and times.
func (s *VolunteerService) moveSignup(c *change, x *shequ.Signup) error {
	x.UpdatedAt = c.now
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE volunteer_signups SET state = ?, checked_in_at = ?,
		checked_out_at = ?, by_organizer = ?, minutes = ?, record_id = ?, updated_at = ? WHERE id = ?`),
		string(x.State), optTimeArg(s.db, x.CheckedInAt), optTimeArg(s.db, x.CheckedOutAt), x.ByOrganizer, x.Minutes,
		nullString(x.RecordID), s.db.dialect.timeArg(c.now), x.ID)
	return translateError(err, "move sign-up")
}

// SignUp implements shequ.VolunteerService: the signed-in volunteer signs
// up for an open opportunity that has not ended, while slots remain. A
// cancelled sign-up may sign up again.
func (s *VolunteerService) SignUp(ctx context.Context, opportunityID string) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerJoin, nil); err != nil {
		return nil, s.denied(ctx, err, auditSignUp, objSignup, opportunityID, "")
	}
	v, err := s.MyVolunteer(ctx)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, shequ.Errorf(shequ.EConflict, "signup.not_volunteer", "Register as a volunteer first.")
		}
		return nil, err
	}
	return s.signUp(ctx, v, opportunityID, func(c *change, o *shequ.Opportunity) error {
		if err := canSeeOpportunity(ctx, o); err != nil {
			return refuse(err, auditSignUp, objOpportunity, opportunityID, o.Community)
		}
		return nil
	})
}

// SignUpFor implements shequ.VolunteerService: the organizer signs up a
// volunteer of the register for an opportunity they manage.
func (s *VolunteerService) SignUpFor(ctx context.Context, volunteerID, opportunityID string) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return nil, s.denied(ctx, err, auditSignUp, objSignup, opportunityID, "")
	}
	v, err := s.loadVolunteer(ctx, s.db.db, volunteerID, false)
	if err != nil {
		return nil, fieldError("volunteer_id", "signup.volunteer.invalid", "Pick a volunteer of the register.")
	}
	return s.signUp(ctx, v, opportunityID, func(c *change, o *shequ.Opportunity) error {
		return s.manage(ctx, c.tx, o, auditSignUp, opportunityID)
	})
}

// signUp signs v up for an opportunity after check allows it.
func (s *VolunteerService) signUp(ctx context.Context, v *shequ.Volunteer, opportunityID string,
	check func(c *change, o *shequ.Opportunity) error) (*shequ.Signup, error) {
	if v.Status != shequ.VolunteerActive {
		return nil, shequ.Errorf(shequ.EConflict, "signup.not_volunteer", "Register as a volunteer first.")
	}
	var out *shequ.Signup
	err := s.write(ctx, auditSignUp, objSignup, func(c *change) (string, string, error) {
		o, err := s.loadOpportunity(ctx, c.tx, opportunityID)
		if err != nil {
			return "", "", refuse(err, auditSignUp, objOpportunity, opportunityID, "")
		}
		if err := check(c, o); err != nil {
			return "", "", err
		}
		if o.Status != shequ.OpportunityOpen || !c.now.Before(o.EndsAt()) {
			return "", "", shequ.Errorf(shequ.EConflict, "signup.closed", "This opportunity takes no more sign-ups.")
		}
		if o.SignedUp >= o.Slots {
			return "", "", shequ.Errorf(shequ.EConflict, "signup.full", "Every slot is taken.")
		}
		old, err := scanSignup(c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT `+signupColumns+` FROM `+signupFrom+
			` WHERE x.opportunity_id = ? AND x.volunteer_id = ?`), o.ID, v.ID))
		switch {
		case err == nil && old.State != shequ.SignupCancelled:
			return "", "", shequ.Errorf(shequ.EConflict, "signup.already", "You have signed up already.")
		case err == nil:
			old.State, old.CheckedInAt, old.CheckedOutAt, old.ByOrganizer = shequ.SignupSigned, nil, nil, false
			if err := s.moveSignup(c, old); err != nil {
				return "", "", err
			}
			out = old
		case errors.Is(err, sql.ErrNoRows):
			out = &shequ.Signup{ID: newUUID7(), OpportunityID: o.ID, VolunteerID: v.ID, Community: o.Community, Name: v.Name,
				State: shequ.SignupSigned, CreatedAt: c.now, UpdatedAt: c.now}
			_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO volunteer_signups (id, opportunity_id, volunteer_id,
				community, state, checked_in_at, checked_out_at, by_organizer, minutes, record_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, 0, NULL, ?, ?)`), out.ID, o.ID, v.ID, o.Community, string(out.State),
				false, s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
			if err != nil {
				return "", "", translateError(err, "sign up")
			}
		default:
			return "", "", translateError(err, "read sign-up")
		}
		c.event(objSignup, out.ID, o.Community, auditSignUp, "", string(out.State), o.Title)
		return out.ID, o.Community, nil
	})
	return out, err
}

// CancelSignup implements shequ.VolunteerService: the volunteer withdraws
// before checking in.
func (s *VolunteerService) CancelSignup(ctx context.Context, id string) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerJoin, nil); err != nil {
		return nil, s.denied(ctx, err, auditSignMove, objSignup, id, "")
	}
	var out *shequ.Signup
	err := s.write(ctx, auditSignMove, objSignup, func(c *change) (string, string, error) {
		x, err := s.ownSignup(c, id)
		if err != nil {
			return "", "", err
		}
		if err := shequ.CanSignupTransition(x.State, shequ.SignupCancelled); err != nil {
			return "", "", err
		}
		x.State = shequ.SignupCancelled
		if err := s.moveSignup(c, x); err != nil {
			return "", "", err
		}
		c.event(objSignup, x.ID, x.Community, auditSignMove, string(shequ.SignupSigned), string(x.State), "")
		out = x
		return x.ID, x.Community, nil
	})
	return out, err
}

// ownSignup loads a sign-up of the actor's own volunteer record inside c.
func (s *VolunteerService) ownSignup(c *change, id string) (*shequ.Signup, error) {
	x, err := s.loadSignup(c.ctx, c.tx, id)
	if err != nil {
		return nil, refuse(err, auditSignMove, objSignup, id, "")
	}
	v, err := s.loadVolunteer(c.ctx, c.tx, x.VolunteerID, false)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(c.ctx, shequ.ActionVolunteerJoin, &shequ.Object{Division: v.Community, OwnerID: v.UserID}); err != nil ||
		shequ.ActorFrom(c.ctx) == nil || shequ.ActorFrom(c.ctx).UserID != v.UserID {
		if err == nil {
			err = shequ.ErrNotFound
		}
		return nil, refuse(err, auditSignMove, objSignup, id, x.Community)
	}
	return x, nil
}

// Scan implements shequ.VolunteerService: the volunteer scans the code the
// organizer shows; a signed-up volunteer is checked in (from an hour
// before the start until the end), a checked-in one out (until two hours
// after the end), with the minutes actually served within the hours.
func (s *VolunteerService) Scan(ctx context.Context, token string) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerJoin, nil); err != nil {
		return nil, s.denied(ctx, err, auditSignScan, objSignup, "", "")
	}
	o, err := s.OpportunityByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	v, err := s.MyVolunteer(ctx)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, shequ.Errorf(shequ.EConflict, "signup.not_volunteer", "Register as a volunteer first.")
		}
		return nil, err
	}
	var out *shequ.Signup
	err = s.write(ctx, auditSignScan, objSignup, func(c *change) (string, string, error) {
		x, err := scanSignup(c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT `+signupColumns+` FROM `+signupFrom+
			` WHERE x.opportunity_id = ? AND x.volunteer_id = ?`), o.ID, v.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", shequ.Errorf(shequ.EConflict, "signup.scan.not_signed", "You have not signed up for this opportunity.")
		} else if err != nil {
			return "", "", translateError(err, "read sign-up")
		}
		from := x.State
		switch x.State {
		case shequ.SignupSigned:
			if err := shequ.CheckScanWindow(o, c.now, true); err != nil {
				return "", "", err
			}
			x.State, x.CheckedInAt = shequ.SignupCheckedIn, &c.now
		case shequ.SignupCheckedIn:
			if err := shequ.CheckScanWindow(o, c.now, false); err != nil {
				return "", "", err
			}
			x.State, x.CheckedOutAt = shequ.SignupCheckedOut, &c.now
			x.Minutes = shequ.ServedMinutes(o, *x.CheckedInAt, c.now)
		default:
			return "", "", shequ.CanSignupTransition(x.State, shequ.SignupCheckedIn)
		}
		if err := s.moveSignup(c, x); err != nil {
			return "", "", err
		}
		c.event(objSignup, x.ID, x.Community, auditSignScan, string(from), string(x.State), "scan")
		out = x
		return x.ID, x.Community, nil
	})
	return out, err
}

// MarkSignup implements shequ.VolunteerService: the organizer checks a
// volunteer in or out (no phone), or records a no-show.
func (s *VolunteerService) MarkSignup(ctx context.Context, id string, to shequ.SignupState) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return nil, s.denied(ctx, err, auditSignMove, objSignup, id, "")
	}
	if to != shequ.SignupCheckedIn && to != shequ.SignupCheckedOut && to != shequ.SignupNoShow {
		return nil, fieldError("state", "signup.state.invalid", "Check in, check out or record a no-show.")
	}
	var out *shequ.Signup
	err := s.write(ctx, auditSignMove, objSignup, func(c *change) (string, string, error) {
		x, o, err := s.organizerSignup(c, id, auditSignMove)
		if err != nil {
			return "", "", err
		}
		from := x.State
		if err := shequ.CanSignupTransition(x.State, to); err != nil {
			return "", "", err
		}
		x.State, x.ByOrganizer = to, true
		switch to {
		case shequ.SignupCheckedIn:
			at := c.now
			if at.Before(o.StartsAt()) || at.After(o.EndsAt()) {
				at = o.StartsAt()
			}
			x.CheckedInAt = &at
		case shequ.SignupCheckedOut:
			at := c.now
			if at.After(o.EndsAt()) {
				at = o.EndsAt()
			}
			x.CheckedOutAt = &at
			x.Minutes = shequ.ServedMinutes(o, *x.CheckedInAt, at)
		}
		if err := s.moveSignup(c, x); err != nil {
			return "", "", err
		}
		c.event(objSignup, x.ID, x.Community, auditSignMove, string(from), string(x.State), "organizer")
		out = x
		return x.ID, x.Community, nil
	})
	return out, err
}

// organizerSignup loads a sign-up and its opportunity inside c and checks
// the actor organizes it.
func (s *VolunteerService) organizerSignup(c *change, id, audit string) (*shequ.Signup, *shequ.Opportunity, error) {
	x, err := s.loadSignup(c.ctx, c.tx, id)
	if err != nil {
		return nil, nil, refuse(err, audit, objSignup, id, "")
	}
	o, err := s.loadOpportunity(c.ctx, c.tx, x.OpportunityID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.manage(c.ctx, c.tx, o, audit, id); err != nil {
		return nil, nil, err
	}
	return x, o, nil
}

// FindSignups implements shequ.VolunteerService: the organizer's list.
func (s *VolunteerService) FindSignups(ctx context.Context, opportunityID string) ([]*shequ.Signup, error) {
	o, err := s.loadOpportunity(ctx, s.db.db, opportunityID)
	if err != nil {
		return nil, s.denied(ctx, err, auditOppRead, objOpportunity, opportunityID, "")
	}
	if err := s.manage(ctx, s.db.db, o, auditOppRead, opportunityID); err != nil {
		return nil, settleRefusal(ctx, s.db, err)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+signupColumns+` FROM `+signupFrom+
		` WHERE x.opportunity_id = ? ORDER BY x.created_at, x.id`), opportunityID)
	if err != nil {
		return nil, translateError(err, "read sign-ups")
	}
	return collectRows(rows, scanSignup, "read sign-ups")
}

// collectRows reads every row of rows with scan and closes them.
func collectRows[T any](rows *sql.Rows, scan func(rowScanner) (*T, error), what string) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, translateError(err, what)
		}
		out = append(out, x)
	}
	return out, translateError(rows.Err(), what)
}

// MySignups implements shequ.VolunteerService: the signed-in volunteer's
// sign-ups, newest opportunity first.
func (s *VolunteerService) MySignups(ctx context.Context) ([]*shequ.MySignup, error) {
	v, err := s.MyVolunteer(ctx)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return []*shequ.MySignup{}, nil
		}
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+signupColumns+` FROM `+signupFrom+`
		JOIN volunteer_opportunities o ON o.id = x.opportunity_id
		WHERE x.volunteer_id = ? ORDER BY o.day DESC, o.start_time DESC LIMIT 200`), v.ID)
	if err != nil {
		return nil, translateError(err, "read sign-ups")
	}
	xs, err := collectRows(rows, scanSignup, "read sign-ups")
	if err != nil {
		return nil, err
	}
	out := make([]*shequ.MySignup, 0, len(xs))
	for _, x := range xs {
		o, err := s.loadOpportunity(ctx, s.db.db, x.OpportunityID)
		if err != nil {
			return nil, err
		}
		out = append(out, &shequ.MySignup{Signup: *x, Opportunity: o})
	}
	return out, nil
}

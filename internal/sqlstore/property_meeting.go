package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"shequ"
)

// Joint meetings (联席会议) and their resolutions.

// partyJSON is the stored form of a meeting's party.
type partyJSON struct {
	Kind      shequ.PartyKind `json:"kind"`
	Name      string          `json:"name"`
	CompanyID string          `json:"company_id,omitempty"`
}

const meetingColumns = `id, community, COALESCE(CAST(estate_id AS TEXT), ''), day, place, parties, agenda, minutes, called_by, created_at`

func scanMeeting(row interface{ Scan(...any) error }) (*shequ.JointMeeting, error) {
	m := &shequ.JointMeeting{}
	var d, parties string
	err := row.Scan(&m.ID, &m.Community, &m.EstateID, &d, &m.Place, &parties, &m.Agenda, &m.Minutes, &m.CalledBy, scanTime(&m.CreatedAt))
	if err != nil {
		return nil, err
	}
	if m.Day, err = scanDay(d); err != nil {
		return nil, err
	}
	var ps []partyJSON
	if err := json.Unmarshal([]byte(parties), &ps); err != nil {
		return nil, shequ.Wrap(err, "decode meeting parties")
	}
	for _, p := range ps {
		m.Parties = append(m.Parties, shequ.MeetingParty{Kind: p.Kind, Name: p.Name, CompanyID: p.CompanyID})
	}
	return m, nil
}

const resolutionColumns = `id, meeting_id, community, COALESCE(CAST(estate_id AS TEXT), ''), text, owner,
	COALESCE(CAST(company_id AS TEXT), ''), due_on, status, done_on, done_note, escalated_at, created_at, updated_at`

func scanResolution(row interface{ Scan(...any) error }) (*shequ.Resolution, error) {
	r := &shequ.Resolution{}
	var owner, due, st string
	var done sql.NullString
	var esc time.Time
	err := row.Scan(&r.ID, &r.MeetingID, &r.Community, &r.EstateID, &r.Text, &owner, &r.CompanyID, &due, &st, &done,
		&r.DoneNote, scanTime(&esc), scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	r.Owner, r.Status, r.EscalatedAt = shequ.PartyKind(owner), shequ.ResolutionStatus(st), optTime(esc)
	if r.DueOn, err = scanDay(due); err != nil {
		return nil, err
	}
	r.DoneOn, err = scanOptDay(done)
	return r, err
}

// loadResolutions reads resolutions matching cond with their follow-ups.
func (s *PropertyService) loadResolutions(ctx context.Context, q querier, cond string, args []any, order string, offset, limit int) ([]*shequ.Resolution, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+resolutionColumns+` FROM resolutions WHERE `+cond+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, translateError(err, "find resolutions")
	}
	var out []*shequ.Resolution
	byID := map[string]*shequ.Resolution{}
	var ids []any
	for rows.Next() {
		r, err := scanResolution(rows)
		if err != nil {
			rows.Close()
			return nil, translateError(err, "find resolutions")
		}
		out, byID[r.ID], ids = append(out, r), r, append(ids, r.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return out, translateError(err, "find resolutions")
	}
	frows, err := q.QueryContext(ctx, s.db.rebind(`SELECT f.resolution_id, f.meeting_id, m.day, f.note FROM resolution_followups f
		JOIN joint_meetings m ON m.id = f.meeting_id WHERE f.resolution_id IN (`+placeholders(len(ids))+`)
		ORDER BY m.day, f.meeting_id`), ids...)
	if err != nil {
		return nil, translateError(err, "find follow-ups")
	}
	defer frows.Close()
	for frows.Next() {
		var rid, d string
		var f shequ.ResolutionFollowUp
		if err := frows.Scan(&rid, &f.MeetingID, &d, &f.Note); err != nil {
			return nil, translateError(err, "find follow-ups")
		}
		if f.Day, err = scanDay(d); err != nil {
			return nil, err
		}
		byID[rid].FollowUps = append(byID[rid].FollowUps, f)
	}
	return out, translateError(frows.Err(), "find follow-ups")
}

// RecordMeeting implements shequ.MeetingService (community workers).
func (s *PropertyService) RecordMeeting(ctx context.Context, m *shequ.JointMeeting) error {
	if err := s.guard(ctx, shequ.ActionMeetingRecord, auditMeetingRecord, shequ.ObjMeeting, ""); err != nil {
		return err
	}
	if err := m.Validate(s.now()); err != nil {
		return err
	}
	return s.write(ctx, auditMeetingRecord, shequ.ObjMeeting, func(c *change) (string, string, error) {
		m.ID = newUUID7()
		if err := authorizeIn(ctx, shequ.ActionMeetingRecord, m.Community, auditMeetingRecord, shequ.ObjMeeting, m.ID); err != nil {
			return "", "", err
		}
		if missing, err := newCommunityChecker(s.db).missing(ctx, c.tx, m.Community); err != nil || missing != "" {
			if err == nil {
				err = fieldError("community_code", "division.not_found", "No such community.")
			}
			return "", "", err
		}
		if m.EstateID != "" {
			e, err := s.loadEstate(ctx, c.tx, m.EstateID)
			if err != nil || !e.InCommunity(m.Community) {
				return "", "", fieldError("estate_id", "meeting.estate.invalid", "The estate does not lie in the community.")
			}
		}
		var companies []string
		parties := make([]partyJSON, len(m.Parties))
		for i, p := range m.Parties {
			parties[i] = partyJSON{Kind: p.Kind, Name: p.Name, CompanyID: p.CompanyID}
			if p.Kind != shequ.PartyCompany {
				parties[i].CompanyID = ""
				continue
			}
			if _, err := s.loadCompany(ctx, c.tx, p.CompanyID); err != nil {
				return "", "", fieldError("parties", "meeting.party.company.unknown", "No such property company.")
			}
			companies = append(companies, p.CompanyID)
		}
		pj, err := json.Marshal(parties)
		if err != nil {
			return "", "", shequ.Wrap(err, "encode parties")
		}
		m.CalledBy, m.CreatedAt = actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO joint_meetings (id, community, estate_id, day, place, parties, agenda, minutes,
			called_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), m.ID, m.Community, nullString(m.EstateID), dayArg(m.Day), m.Place, string(pj),
			m.Agenda, m.Minutes, m.CalledBy, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "record meeting")
		}
		c.event(shequ.ObjMeeting, m.ID, m.Community, auditMeetingRecord, "", "", "")
		for i, r := range m.Resolutions {
			r.ID, r.MeetingID, r.Community, r.Status, r.CreatedAt, r.UpdatedAt = newUUID7(), m.ID, m.Community, shequ.ResolutionOpen, c.now, c.now
			if r.EstateID == "" {
				r.EstateID = m.EstateID
			}
			if r.Owner == shequ.PartyCompany {
				// The company of the resolution is one of those present;
				// with one company present it is that one.
				if r.CompanyID == "" && len(companies) == 1 {
					r.CompanyID = companies[0]
				}
				if !slices.Contains(companies, r.CompanyID) {
					return "", "", fieldError("resolutions", "resolution.company.invalid",
						"A resolution for the property company names one of the companies present.")
				}
			} else {
				r.CompanyID = ""
			}
			_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO resolutions (id, meeting_id, community, estate_id, text, owner,
				company_id, due_on, status, done_on, done_note, escalated_at, position, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', NULL, ?, ?, ?)`), r.ID, m.ID, m.Community, nullString(r.EstateID),
				r.Text, string(r.Owner), nullString(r.CompanyID), dayArg(r.DueOn), string(r.Status), i,
				s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
			if err != nil {
				return "", "", translateError(err, "record resolution")
			}
			c.event(shequ.ObjResolution, r.ID, m.Community, auditMeetingRecord, "", string(r.Status), r.Text)
			staff, err := s.staffOf(ctx, c.tx, r.CompanyID)
			if err := tell(c, staff, err, "resolution_assigned", shequ.ObjMeeting, m.ID, r.Text); err != nil {
				return "", "", err
			}
		}
		for _, f := range m.FollowUps {
			var community, status, meeting string
			var err error = shequ.ErrNotFound
			if validID(f.ResolutionID) {
				err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, status, CAST(meeting_id AS TEXT) FROM resolutions WHERE id = ?`),
					f.ResolutionID).Scan(&community, &status, &meeting)
			}
			if err != nil || community != m.Community || meeting == m.ID {
				return "", "", fieldError("follow_ups", "meeting.follow_up.unknown",
					"A follow-up names an earlier resolution of the community.")
			}
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO resolution_followups (resolution_id, meeting_id, note)
				VALUES (?, ?, ?)`), f.ResolutionID, m.ID, f.Note); err != nil {
				return "", "", translateError(err, "record follow-up")
			}
			c.event(shequ.ObjResolution, f.ResolutionID, m.Community, "resolution.follow_up", status, status, f.Note)
		}
		return m.ID, m.Community, nil
	})
}

// meetingOwned reports whether a meeting concerns the property staff's
// company: one of its parties or one of its resolutions.
func meetingOwned(m *shequ.JointMeeting, company string) bool {
	if company == "" {
		return false
	}
	for _, p := range m.Parties {
		if p.CompanyID == company {
			return true
		}
	}
	for _, r := range m.Resolutions {
		if r.CompanyID == company {
			return true
		}
	}
	return false
}

// FindMeetingByID implements shequ.MeetingService, with the resolutions
// and the follow-ups taken at it.
func (s *PropertyService) FindMeetingByID(ctx context.Context, id string) (*shequ.JointMeeting, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditMeetingRead, shequ.ObjMeeting, id); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	m, err := scanMeeting(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+meetingColumns+` FROM joint_meetings WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find meeting")
	}
	if m.Resolutions, err = s.loadResolutions(ctx, s.db.db, `meeting_id = ?`, []any{id}, `position`, 0, 100); err != nil {
		return nil, err
	}
	obj := &shequ.Object{Division: m.Community}
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil {
			return nil, err
		}
		if meetingOwned(m, mine) {
			obj.OwnerID = a.UserID
		}
	}
	if err := authorizeResident(ctx, shequ.ActionPropertyRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditMeetingRead, shequ.ObjMeeting, id, m.Community)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT resolution_id, note FROM resolution_followups WHERE meeting_id = ?
		ORDER BY resolution_id`), id)
	if err != nil {
		return nil, translateError(err, "find follow-ups")
	}
	defer rows.Close()
	for rows.Next() {
		var f shequ.MeetingFollowUp
		if err := rows.Scan(&f.ResolutionID, &f.Note); err != nil {
			return nil, translateError(err, "find follow-ups")
		}
		m.FollowUps = append(m.FollowUps, f)
	}
	return m, translateError(rows.Err(), "find follow-ups")
}

// FindMeetings implements shequ.MeetingService: newest first (property
// staff: the meetings with their company's resolutions).
func (s *PropertyService) FindMeetings(ctx context.Context, division string, offset, limit int) ([]*shequ.JointMeeting, int, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditMeetingRead, shequ.ObjMeeting, ""); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"community >= ? AND community < ?"}, []any{prefix, prefix + ":"}
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" {
			return nil, 0, err
		}
		conds = append(conds, `EXISTS (SELECT 1 FROM resolutions r WHERE r.meeting_id = joint_meetings.id AND r.company_id = ?)`)
		args = append(args, mine)
	}
	where := strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM joint_meetings WHERE `+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count meetings")
	}
	offset, limit = limits(offset, limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+meetingColumns+` FROM joint_meetings WHERE `+where+`
		ORDER BY day DESC, created_at DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "find meetings")
	}
	defer rows.Close()
	var out []*shequ.JointMeeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, 0, translateError(err, "find meetings")
		}
		out = append(out, m)
	}
	return out, total, translateError(rows.Err(), "find meetings")
}

// FindResolutions implements shequ.MeetingService: by due date.
func (s *PropertyService) FindResolutions(ctx context.Context, f shequ.ResolutionFilter) ([]*shequ.Resolution, int, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditMeetingRead, shequ.ObjMeeting, ""); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"community >= ? AND community < ?"}, []any{prefix, prefix + ":"}
	company := f.CompanyID
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" || company != "" && company != mine {
			return nil, 0, err
		}
		company = mine
	}
	if company != "" {
		if !validID(company) {
			return nil, 0, nil
		}
		conds, args = append(conds, "company_id = ?"), append(args, company)
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, "status IN ("+placeholders(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	where := strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM resolutions WHERE `+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count resolutions")
	}
	offset, limit := limits(f.Offset, f.Limit)
	out, err := s.loadResolutions(ctx, s.db.db, where, args, `due_on, id`, offset, limit)
	return out, total, err
}

// CompleteResolution implements shequ.MeetingService (community workers):
// done at least the county's early days before its due date, the owner
// company earns a good record.
func (s *PropertyService) CompleteResolution(ctx context.Context, id, note string) (*shequ.Resolution, error) {
	if err := s.guard(ctx, shequ.ActionMeetingRecord, auditResolutionDone, shequ.ObjResolution, id); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if n := len([]rune(note)); n < 2 || n > 2000 {
		return nil, fieldError("note", "resolution.note.invalid", "Say how it was done in 2 to 2000 characters.")
	}
	var r *shequ.Resolution
	err := s.write(ctx, auditResolutionDone, shequ.ObjResolution, func(c *change) (string, string, error) {
		var list []*shequ.Resolution
		var err error
		if validID(id) {
			if list, err = s.loadResolutions(ctx, c.tx, `id = ?`, []any{id}, `id`, 0, 1); err != nil {
				return "", "", err
			}
		}
		if len(list) == 0 {
			return "", "", refuse(shequ.ErrNotFound, auditResolutionDone, shequ.ObjResolution, id, "")
		}
		r = list[0]
		if err := authorizeIn(ctx, shequ.ActionMeetingRecord, r.Community, auditResolutionDone, shequ.ObjResolution, id); err != nil {
			return "", "", err
		}
		if err := r.CanTransition(shequ.ResolutionDone); err != nil {
			return "", "", err
		}
		from, today := r.Status, shequ.DateOf(c.now)
		r.Status, r.DoneOn, r.DoneNote, r.UpdatedAt = shequ.ResolutionDone, &today, note, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE resolutions SET status = ?, done_on = ?, done_note = ?, updated_at = ?
			WHERE id = ?`), string(r.Status), dayArg(today), note, s.db.dialect.timeArg(c.now), r.ID)
		if err != nil {
			return "", "", translateError(err, "complete resolution")
		}
		c.event(shequ.ObjResolution, r.ID, r.Community, auditResolutionDone, string(from), string(r.Status), note)
		c.event(shequ.ObjMeeting, r.MeetingID, r.Community, auditResolutionDone, "", "", r.ID)
		if r.CompanyID != "" && from == shequ.ResolutionOpen {
			st, err := s.settings(ctx, c.tx, r.Community)
			if err != nil {
				return "", "", err
			}
			if shequ.DaysUntil(today, r.DueOn) >= st.EarlyDays {
				if _, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: r.CompanyID, Kind: shequ.CreditResolutionEarly,
					Note: r.Text, ObjectType: shequ.ObjResolution, ObjectID: r.ID, EstateID: r.EstateID,
					Community: r.Community}); err != nil {
					return "", "", err
				}
			}
		}
		return r.ID, r.Community, nil
	})
	return r, err
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"shequ"
)

// Complaints about property service (物业服务投诉). Each step has a time
// limit in working days on the requests' holiday table (the county's
// settings); the deadline rules (property_deadline.go) escalate a
// complaint the company leaves unanswered and confirm one the resident
// leaves unconfirmed.

const complaintColumns = `c.id, c.number, c.estate_id, e.name, c.community, COALESCE(CAST(c.company_id AS TEXT), ''),
	COALESCE(pc.name, ''), COALESCE(CAST(c.resident_id AS TEXT), ''), c.owner_user_id, c.channel, c.category, c.description,
	c.state, c.missing, c.answer, c.answered_at, c.answer_late, c.was_late, c.dispute, c.verdict, c.result, c.due_at, c.paused_at,
	c.closed_at, c.filed_by, c.created_at, c.updated_at`

const complaintFrom = ` FROM complaints c JOIN estates e ON e.id = c.estate_id
	LEFT JOIN property_companies pc ON pc.id = c.company_id`

func scanComplaint(row interface{ Scan(...any) error }) (*shequ.Complaint, error) {
	c := &shequ.Complaint{}
	var ch, cat, st, verdict string
	var answered, paused, closed time.Time
	err := row.Scan(&c.ID, &c.Number, &c.EstateID, &c.EstateName, &c.Community, &c.CompanyID, &c.CompanyName, &c.ResidentID,
		&c.OwnerUserID, &ch, &cat, &c.Description, &st, &c.Missing, &c.Answer, scanTime(&answered), &c.AnswerLate, &c.WasLate, &c.Dispute,
		&verdict, &c.Result, scanTime(&c.DueAt), scanTime(&paused), scanTime(&closed), &c.FiledBy, scanTime(&c.CreatedAt),
		scanTime(&c.UpdatedAt))
	c.Channel, c.Category, c.State, c.Verdict = shequ.Channel(ch), shequ.ComplaintCategory(cat), shequ.ComplaintState(st), shequ.Verdict(verdict)
	c.AnsweredAt, c.PausedAt, c.ClosedAt = optTime(answered), optTime(paused), optTime(closed)
	return c, err
}

// loadComplaint reads a complaint.
func (s *PropertyService) loadComplaint(ctx context.Context, q querier, id string) (*shequ.Complaint, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	c, err := scanComplaint(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+complaintColumns+complaintFrom+` WHERE c.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find complaint")
	}
	return c, nil
}

// complaintObject is what authorization sees of a complaint: the
// complainant owns it, and the company it was forwarded to owns it for its
// staff (not before it was forwarded).
func (s *PropertyService) complaintObject(ctx context.Context, q querier, c *shequ.Complaint) (*shequ.Object, error) {
	company := c.CompanyID
	if c.State == shequ.ComplaintAccepted || c.State == shequ.ComplaintAwaitingInfo ||
		c.State == shequ.ComplaintClosed && c.AnsweredAt == nil && c.Verdict == "" {
		company = ""
	}
	return s.object(ctx, q, c.Community, c.OwnerUserID, company)
}

// stepDue returns the due time of the step of state st started at now.
func (s *PropertyService) stepDue(ctx context.Context, q querier, community string, st shequ.ComplaintState, now time.Time) (time.Time, error) {
	set, err := s.settings(ctx, q, community)
	if err != nil {
		return time.Time{}, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkdays(now, set.Complaint.StepLimit(st)).UTC().Truncate(time.Microsecond), nil
}

// FileComplaint implements shequ.ComplaintService: a resident online for
// an estate of their community, a community worker at the window or on the
// phone. The complaint is accepted at once; the community's workers are
// told of one filed online.
func (s *PropertyService) FileComplaint(ctx context.Context, in *shequ.ComplaintInput) (*shequ.Complaint, error) {
	if err := s.guard(ctx, shequ.ActionComplaintSubmit, auditComplaintFile, shequ.ObjComplaint, ""); err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(ctx)
	resident := a != nil && a.Role == shequ.RoleResident
	if resident {
		in.Channel, in.ResidentID = shequ.ChannelOnline, ""
	} else if in.Channel == shequ.ChannelOnline {
		return nil, fieldError("channel", "complaint.channel.staff", "Staff record complaints taken at the window or by phone.")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	comp := &shequ.Complaint{ID: newUUID7(), EstateID: in.EstateID, Channel: in.Channel, Category: in.Category,
		Description: in.Description, State: shequ.ComplaintAccepted}
	err := s.write(ctx, auditComplaintFile, shequ.ObjComplaint, func(c *change) (string, string, error) {
		e, err := s.loadEstate(ctx, c.tx, in.EstateID)
		if err != nil {
			return "", "", fieldError("estate_id", "contract.estate.required", "Pick the estate.")
		}
		if resident {
			var rid, community string
			err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(id AS TEXT), community FROM residents WHERE user_id = ?`),
				a.UserID).Scan(&rid, &community)
			if err != nil {
				return "", "", noRowsAs(err, shequ.Errorf(shequ.EConflict, "estate.resident.unlinked",
					"Your account is not linked to a resident record; ask your community."))
			}
			if !e.InCommunity(community) {
				// Beyond the resident's community: as if it did not exist.
				return "", "", refuse(shequ.ErrNotFound, auditComplaintFile, shequ.ObjEstate, e.ID, community)
			}
			if err := authorizeResident(ctx, shequ.ActionComplaintSubmit, &shequ.Object{Division: community, OwnerID: a.UserID}); err != nil {
				return "", "", refuse(err, auditComplaintFile, shequ.ObjComplaint, comp.ID, community)
			}
			comp.ResidentID, comp.OwnerUserID = rid, a.UserID
		} else {
			// A worker of any community the estate spans takes it.
			if err := s.readEstate(ctx, c.tx, e, shequ.ActionComplaintSubmit); err != nil {
				return "", "", refuse(err, auditComplaintFile, shequ.ObjComplaint, comp.ID, e.Community)
			}
			if in.ResidentID != "" {
				var community string
				var user sql.NullString
				err := sql.ErrNoRows
				if validID(in.ResidentID) {
					err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, CAST(user_id AS TEXT) FROM residents WHERE id = ?`),
						in.ResidentID).Scan(&community, &user)
				}
				if err != nil || !e.InCommunity(community) {
					return "", "", fieldError("resident_id", "complaint.resident.elsewhere", "The resident does not live in the estate's communities.")
				}
				comp.ResidentID, comp.OwnerUserID = in.ResidentID, user.String
			}
		}
		comp.Community, comp.EstateName, comp.CompanyID, comp.CompanyName = e.Community, e.Name, e.CompanyID, e.CompanyName
		now := c.now
		if comp.DueAt, err = s.stepDue(ctx, c.tx, e.Community, shequ.ComplaintAccepted, now); err != nil {
			return "", "", err
		}
		today := now.In(shequ.Shanghai).Format("20060102")
		seq, err := nextNumber(ctx, s.db, c.tx, "complaint:"+e.Community[:6]+":"+today)
		if err != nil {
			return "", "", err
		}
		comp.Number = fmt.Sprintf("WY%s-%s-%04d", e.Community[:6], today, seq)
		comp.FiledBy, comp.CreatedAt, comp.UpdatedAt = actorID(ctx), now, now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO complaints (id, number, estate_id, community, company_id,
			resident_id, owner_user_id, channel, category, description, state, missing, answer, answered_at, answer_late,
			was_late, dispute, verdict, result, due_at, paused_at, closed_at, filed_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', NULL, ?, ?, '', '', '', ?, NULL, NULL, ?, ?, ?)`),
			comp.ID, comp.Number, e.ID, e.Community, nullString(comp.CompanyID), nullString(comp.ResidentID), comp.OwnerUserID,
			string(comp.Channel), string(comp.Category), comp.Description, string(comp.State), boolArg(false), boolArg(false),
			s.db.dialect.timeArg(comp.DueAt), comp.FiledBy, s.db.dialect.timeArg(now), s.db.dialect.timeArg(now))
		if err != nil {
			return "", "", translateError(err, "file complaint")
		}
		c.event(shequ.ObjComplaint, comp.ID, e.Community, auditComplaintFile, "", string(comp.State), string(comp.Channel))
		workers, err := s.workers(ctx, c.tx, e.Community)
		if err := tell(c, workers, err, "complaint_filed", shequ.ObjComplaint, comp.ID, comp.Number); err != nil {
			return "", "", err
		}
		return comp.ID, e.Community, nil
	})
	if err != nil {
		return nil, err
	}
	return comp, nil
}

// noRowsAs turns sql.ErrNoRows into want.
func noRowsAs(err error, want error) error {
	if errNoRowsIs(err) {
		return want
	}
	return translateError(err, "read")
}

// hideComplainant blanks who complained for the company's staff.
func hideComplainant(ctx context.Context, c *shequ.Complaint) {
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		c.ResidentID, c.OwnerUserID, c.FiledBy = "", "", ""
	}
}

// FindComplaintByID implements shequ.ComplaintService.
func (s *PropertyService) FindComplaintByID(ctx context.Context, id string) (*shequ.Complaint, error) {
	if err := s.guard(ctx, shequ.ActionComplaintRead, auditComplaintRead, shequ.ObjComplaint, id); err != nil {
		return nil, err
	}
	c, err := s.loadComplaint(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	obj, err := s.complaintObject(ctx, s.db.db, c)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionComplaintRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditComplaintRead, shequ.ObjComplaint, id, c.Community)
	}
	hideComplainant(ctx, c)
	return c, nil
}

// FindComplaints implements shequ.ComplaintService: by due date (a
// resident: their own; property staff: those forwarded to their company).
func (s *PropertyService) FindComplaints(ctx context.Context, f shequ.ComplaintFilter) ([]*shequ.Complaint, int, error) {
	if err := s.guard(ctx, shequ.ActionComplaintRead, auditComplaintRead, shequ.ObjComplaint, ""); err != nil {
		return nil, 0, err
	}
	a := shequ.ActorFrom(ctx)
	prefix, ok, err := scopePrefix(a, f.Division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"c.community >= ? AND c.community < ?"}, []any{prefix, prefix + ":"}
	company := f.CompanyID
	switch {
	case a != nil && a.Role == shequ.RoleResident:
		conds, args = append(conds, "c.owner_user_id = ?"), append(args, a.UserID)
	case a != nil && a.Role == shequ.RolePropertyStaff:
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" || company != "" && company != mine {
			return nil, 0, err
		}
		company = mine
		conds = append(conds, "c.state NOT IN (?, ?)", "(c.state <> ? OR c.answered_at IS NOT NULL OR c.verdict <> '')")
		args = append(args, string(shequ.ComplaintAccepted), string(shequ.ComplaintAwaitingInfo), string(shequ.ComplaintClosed))
	}
	if company != "" {
		if !validID(company) {
			return nil, 0, nil
		}
		conds, args = append(conds, "c.company_id = ?"), append(args, company)
	}
	if f.EstateID != "" {
		if !validID(f.EstateID) {
			return nil, 0, nil
		}
		conds, args = append(conds, "c.estate_id = ?"), append(args, f.EstateID)
	}
	if len(f.States) > 0 {
		conds = append(conds, "c.state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Overdue {
		conds = append(conds, "c.state NOT IN (?, ?) AND c.paused_at IS NULL AND c.due_at < ?")
		args = append(args, string(shequ.ComplaintConfirmed), string(shequ.ComplaintClosed), s.db.dialect.timeArg(s.now()))
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM complaints c`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count complaints")
	}
	offset, limit := limits(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+complaintColumns+complaintFrom+where+`
		ORDER BY c.due_at, c.id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "find complaints")
	}
	defer rows.Close()
	var out []*shequ.Complaint
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, 0, translateError(err, "find complaints")
		}
		hideComplainant(ctx, c)
		out = append(out, c)
	}
	return out, total, translateError(rows.Err(), "find complaints")
}

// MoveComplaint implements shequ.ComplaintService.
func (s *PropertyService) MoveComplaint(ctx context.Context, id string, m shequ.ComplaintMove) (*shequ.Complaint, error) {
	if shequ.ActorFrom(ctx) == nil && !isConsole(ctx) {
		return nil, shequ.ErrUnauthorized
	}
	var comp *shequ.Complaint
	err := s.write(ctx, auditComplaintMove, shequ.ObjComplaint, func(c *change) (string, string, error) {
		var err error
		if comp, err = s.loadComplaint(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditComplaintMove, shequ.ObjComplaint, id, "")
		}
		if err := s.moveComplaint(c, comp, m, false); err != nil {
			return "", "", err
		}
		return comp.ID, comp.Community, nil
	})
	if err != nil {
		return nil, err
	}
	hideComplainant(ctx, comp)
	return comp, nil
}

// moveComplaint authorizes (unless the deadline rules move it: system),
// checks and applies one move of a complaint inside c, with its events,
// notifications and credit record.
func (s *PropertyService) moveComplaint(c *change, comp *shequ.Complaint, m shequ.ComplaintMove, system bool) error {
	ctx, now := c.ctx, c.now
	from := comp.State
	// The company may still answer a complaint escalated before it did:
	// the answer is recorded, late, and the street decides with it.
	lateAnswer := m.To == shequ.ComplaintAnswered && from == shequ.ComplaintEscalatedStreet && comp.AnsweredAt == nil
	if !system {
		act, _ := shequ.ComplaintActor(from, m.To)
		obj, err := s.complaintObject(ctx, c.tx, comp)
		if err != nil {
			return err
		}
		if err := authorizeResident(ctx, shequ.ActionComplaintRead, obj); err != nil {
			return refuse(err, auditComplaintMove, shequ.ObjComplaint, comp.ID, comp.Community)
		}
		if err := authorizeResident(ctx, act, obj); err != nil {
			return refuse(err, auditComplaintMove, shequ.ObjComplaint, comp.ID, comp.Community)
		}
	}
	checkFrom := from
	if lateAnswer {
		checkFrom = shequ.ComplaintForwarded
	}
	if !system {
		if err := m.Check(checkFrom); err != nil {
			return err
		}
	}
	if !lateAnswer {
		if err := comp.CanTransition(m.To); err != nil {
			return err
		}
	}
	if from.ServiceStep() && comp.PausedAt == nil && now.After(comp.DueAt) {
		comp.WasLate = true
	}
	var err error
	var notify []string
	kind := "complaint_" + string(m.To)
	switch m.To {
	case shequ.ComplaintAwaitingInfo:
		comp.Missing, comp.PausedAt = m.Text, &now
		notify = []string{comp.OwnerUserID}
	case shequ.ComplaintAccepted:
		cal, err := s.calendar(ctx)
		if err != nil {
			return err
		}
		if comp.PausedAt != nil {
			comp.DueAt = shequ.Resume(cal, comp.DueAt, *comp.PausedAt, now).UTC().Truncate(time.Microsecond)
		}
		comp.PausedAt = nil
		if m.Text != "" {
			comp.Description += "\n【补充】" + m.Text
		}
		if notify, err = s.workers(ctx, c.tx, comp.Community); err != nil {
			return err
		}
	case shequ.ComplaintForwarded:
		if comp.CompanyID == "" {
			return shequ.Errorf(shequ.EConflict, "complaint.no_company", "No company manages this estate: the community handles the complaint itself.")
		}
		if notify, err = s.staffOf(ctx, c.tx, comp.CompanyID); err != nil {
			return err
		}
		notify = append(notify, comp.OwnerUserID)
	case shequ.ComplaintAnswered:
		comp.Answer, comp.AnsweredAt, comp.AnswerLate = m.Text, &now, lateAnswer || now.After(comp.DueAt)
		if notify, err = s.workers(ctx, c.tx, comp.Community); err != nil {
			return err
		}
		notify = append(notify, comp.OwnerUserID)
		if lateAnswer {
			street, err := s.street(ctx, c.tx, comp.Community)
			if err != nil {
				return err
			}
			notify = append(notify, street...)
		}
	case shequ.ComplaintConfirmed:
		comp.Result, comp.ClosedAt = m.Text, &now
		if notify, err = s.staffOf(ctx, c.tx, comp.CompanyID); err != nil {
			return err
		}
	case shequ.ComplaintEscalatedStreet:
		if from == shequ.ComplaintAnswered {
			comp.Dispute = m.Text
		} else {
			comp.Result = m.Text
		}
		if notify, err = s.street(ctx, c.tx, comp.Community); err != nil {
			return err
		}
		staff, err := s.staffOf(ctx, c.tx, comp.CompanyID)
		if err != nil {
			return err
		}
		notify = append(append(notify, staff...), comp.OwnerUserID)
	case shequ.ComplaintEscalatedHousing:
		comp.Result = m.Text
		notify = []string{comp.OwnerUserID}
	case shequ.ComplaintClosed:
		comp.Result, comp.Verdict, comp.ClosedAt = m.Text, m.Verdict, &now
		if notify, err = s.staffOf(ctx, c.tx, comp.CompanyID); err != nil {
			return err
		}
		workers, err := s.workers(ctx, c.tx, comp.Community)
		if err != nil {
			return err
		}
		notify = append(append(notify, workers...), comp.OwnerUserID)
		if m.Verdict == shequ.VerdictUpheld {
			if _, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: comp.CompanyID, Kind: shequ.CreditComplaintUpheld,
				Note: comp.Number, ObjectType: shequ.ObjComplaint, ObjectID: comp.ID, EstateID: comp.EstateID,
				Community: comp.Community}); err != nil {
				return err
			}
		}
	}
	if lateAnswer {
		kind = "complaint_answered"
	} else {
		comp.State = m.To
		if m.To != shequ.ComplaintAwaitingInfo && m.To.Open() {
			if comp.DueAt, err = s.stepDue(ctx, c.tx, comp.Community, m.To, now); err != nil {
				return err
			}
		}
	}
	comp.UpdatedAt = now
	res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE complaints SET state = ?, description = ?, missing = ?, answer = ?,
		answered_at = ?, answer_late = ?, was_late = ?, dispute = ?, verdict = ?, result = ?, due_at = ?, paused_at = ?,
		closed_at = ?, updated_at = ? WHERE id = ? AND state = ?`), string(comp.State), comp.Description, comp.Missing, comp.Answer,
		s.optTimeArg(comp.AnsweredAt), boolArg(comp.AnswerLate), boolArg(comp.WasLate), comp.Dispute, string(comp.Verdict), comp.Result,
		s.db.dialect.timeArg(comp.DueAt), s.optTimeArg(comp.PausedAt), s.optTimeArg(comp.ClosedAt), s.db.dialect.timeArg(now),
		comp.ID, string(from))
	if err != nil {
		return translateError(err, "move complaint")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return shequ.Errorf(shequ.EConflict, "complaint.changed", "The complaint changed meanwhile; reload it.")
	}
	note := m.Text
	if m.Verdict != "" {
		note = string(m.Verdict) + "：" + note
	}
	to := string(comp.State)
	action := auditComplaintMove
	if lateAnswer {
		action = "complaint.answer"
	}
	if system {
		action = auditComplaintEscalation
	}
	c.event(shequ.ObjComplaint, comp.ID, comp.Community, action, string(from), to, note)
	c.notify(notify, kind, shequ.ObjComplaint, comp.ID, comp.Number)
	return nil
}

// ComplaintTimeline implements shequ.ComplaintService: the complainant and
// the company's staff see who acted only when it was themselves.
func (s *PropertyService) ComplaintTimeline(ctx context.Context, id string) ([]*shequ.TimelineEvent, error) {
	if _, err := s.FindComplaintByID(ctx, id); err != nil {
		return nil, err
	}
	events, err := readTimeline(ctx, s.db, shequ.ObjComplaint, id)
	if err != nil {
		return nil, err
	}
	if a := shequ.ActorFrom(ctx); a != nil && (a.Role == shequ.RoleResident || a.Role == shequ.RolePropertyStaff) {
		for _, e := range events {
			if e.ActorID != a.UserID {
				e.ActorID, e.ActorName = "", ""
			}
		}
	}
	return events, nil
}

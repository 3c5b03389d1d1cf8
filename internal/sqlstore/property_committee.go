package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"shequ"
)

// Owners' committees (业主委员会) and their filing with the street, and the
// communities' environment and property management committees.

const committeeColumns = `c.id, c.estate_id, e.name, c.community, c.term, c.elected_on, c.term_end, c.status,
	c.return_reason, c.filed_on, c.submitted_by, c.created_at, c.updated_at`

const committeeFrom = ` FROM owners_committees c JOIN estates e ON e.id = c.estate_id`

func scanCommittee(row interface{ Scan(...any) error }) (*shequ.OwnersCommittee, error) {
	oc := &shequ.OwnersCommittee{}
	var elected, end, st string
	var filed sql.NullString
	err := row.Scan(&oc.ID, &oc.EstateID, &oc.EstateName, &oc.Community, &oc.Term, &elected, &end, &st, &oc.ReturnReason,
		&filed, &oc.SubmittedBy, scanTime(&oc.CreatedAt), scanTime(&oc.UpdatedAt))
	if err != nil {
		return nil, err
	}
	oc.Status = shequ.FilingStatus(st)
	if oc.ElectedOn, err = scanDay(elected); err != nil {
		return nil, err
	}
	if oc.TermEnd, err = scanDay(end); err != nil {
		return nil, err
	}
	oc.FiledOn, err = scanOptDay(filed)
	return oc, err
}

// loadCommittees reads committees matching cond with their members.
func (s *PropertyService) loadCommittees(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.OwnersCommittee, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+committeeColumns+committeeFrom+` WHERE `+cond+`
		ORDER BY c.elected_on DESC, c.term DESC, c.id`), args...)
	if err != nil {
		return nil, translateError(err, "find owners' committees")
	}
	var out []*shequ.OwnersCommittee
	byID := map[string]*shequ.OwnersCommittee{}
	var ids []any
	for rows.Next() {
		oc, err := scanCommittee(rows)
		if err != nil {
			rows.Close()
			return nil, translateError(err, "find owners' committees")
		}
		out, byID[oc.ID], ids = append(out, oc), oc, append(ids, oc.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return out, translateError(err, "find owners' committees")
	}
	mrows, err := q.QueryContext(ctx, s.db.rebind(`SELECT m.committee_id, m.resident_id, r.name, m.post, m.concurrent
		FROM owners_committee_members m JOIN residents r ON r.id = m.resident_id
		WHERE m.committee_id IN (`+placeholders(len(ids))+`) ORDER BY m.committee_id, m.position`), ids...)
	if err != nil {
		return nil, translateError(err, "find committee members")
	}
	defer mrows.Close()
	for mrows.Next() {
		var cid, post string
		var m shequ.CommitteeMember
		if err := mrows.Scan(&cid, &m.ResidentID, &m.Name, &post, &m.Concurrent); err != nil {
			return nil, translateError(err, "find committee members")
		}
		m.Post = shequ.CommitteePost(post)
		byID[cid].Members = append(byID[cid].Members, m)
	}
	return out, translateError(mrows.Err(), "find committee members")
}

// loadCommittee reads one committee.
func (s *PropertyService) loadCommittee(ctx context.Context, q querier, id string) (*shequ.OwnersCommittee, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	list, err := s.loadCommittees(ctx, q, `c.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, shequ.ErrNotFound
	}
	return list[0], nil
}

// checkMembers checks that the members are residents of the estate's
// communities.
func (s *PropertyService) checkMembers(c *change, e *shequ.Estate, members []shequ.CommitteeMember) error {
	for i, m := range members {
		var community string
		err := sql.ErrNoRows
		if validID(m.ResidentID) {
			err = c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT community FROM residents WHERE id = ?`), m.ResidentID).Scan(&community)
		}
		if err != nil && !errNoRowsIs(err) {
			return translateError(err, "check committee member")
		}
		if err != nil || !e.InCommunity(community) {
			var fe shequ.FieldErrors
			fe.Add("members", "committee.member.elsewhere", "Member {{.Line}} is not a resident of the estate's communities.",
				map[string]any{"Line": i + 1})
			return fe.Err()
		}
	}
	return nil
}

// writeMembers replaces a committee's members.
func (s *PropertyService) writeMembers(c *change, id string, members []shequ.CommitteeMember) error {
	if _, err := c.tx.ExecContext(c.ctx, s.db.rebind(`DELETE FROM owners_committee_members WHERE committee_id = ?`), id); err != nil {
		return translateError(err, "replace committee members")
	}
	for i, m := range members {
		if _, err := c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO owners_committee_members (committee_id, resident_id,
			post, concurrent, position) VALUES (?, ?, ?, ?, ?)`), id, m.ResidentID, string(m.Post), boolArg(m.Concurrent), i); err != nil {
			return translateError(err, "store committee member")
		}
	}
	return nil
}

// SubmitCommittee implements shequ.CommitteeService: a new term of the
// estate's committee, submitted for filing; the street's officials are
// told. An estate with a term waiting for filing takes no other.
func (s *PropertyService) SubmitCommittee(ctx context.Context, oc *shequ.OwnersCommittee) error {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditCommitteeSubmit, shequ.ObjCommittee, ""); err != nil {
		return err
	}
	if err := oc.Validate(s.now()); err != nil {
		return err
	}
	return s.write(ctx, auditCommitteeSubmit, shequ.ObjCommittee, func(c *change) (string, string, error) {
		oc.ID = newUUID7()
		e, err := s.loadEstate(ctx, c.tx, oc.EstateID)
		if err != nil {
			return "", "", fieldError("estate_id", "contract.estate.required", "Pick the estate.")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, e.Community, auditCommitteeSubmit, shequ.ObjCommittee, oc.ID); err != nil {
			return "", "", err
		}
		if err := s.checkMembers(c, e, oc.Members); err != nil {
			return "", "", err
		}
		var pending, last int
		err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(CASE WHEN status <> ? THEN 1 END), COALESCE(MAX(term), 0)
			FROM owners_committees WHERE estate_id = ?`), string(shequ.FilingFiled), e.ID).Scan(&pending, &last)
		if err != nil {
			return "", "", translateError(err, "check committees")
		}
		if pending > 0 {
			return "", "", shequ.Errorf(shequ.EConflict, "committee.pending", "The estate has a committee waiting for filing.")
		}
		oc.Term, oc.Community, oc.EstateName, oc.Status = last+1, e.Community, e.Name, shequ.FilingSubmitted
		oc.ReturnReason, oc.FiledOn, oc.SubmittedBy, oc.CreatedAt, oc.UpdatedAt = "", nil, actorID(ctx), c.now, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO owners_committees (id, estate_id, community, term, elected_on,
			term_end, status, return_reason, filed_on, submitted_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL, ?, ?, ?)`), oc.ID, e.ID, e.Community, oc.Term, dayArg(oc.ElectedOn),
			dayArg(oc.TermEnd), string(oc.Status), oc.SubmittedBy, s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "submit committee")
		}
		if err := s.writeMembers(c, oc.ID, oc.Members); err != nil {
			return "", "", err
		}
		c.event(shequ.ObjCommittee, oc.ID, e.Community, auditCommitteeSubmit, "", string(oc.Status), "")
		officials, err := s.street(ctx, c.tx, e.Community)
		if err := tell(c, officials, err, "committee_submitted", shequ.ObjCommittee, oc.ID, e.Name); err != nil {
			return "", "", err
		}
		return oc.ID, e.Community, nil
	})
}

// ResubmitCommittee implements shequ.CommitteeService.
func (s *PropertyService) ResubmitCommittee(ctx context.Context, id string, electedOn time.Time, members []shequ.CommitteeMember) (*shequ.OwnersCommittee, error) {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditCommitteeSubmit, shequ.ObjCommittee, id); err != nil {
		return nil, err
	}
	var oc *shequ.OwnersCommittee
	err := s.write(ctx, auditCommitteeSubmit, shequ.ObjCommittee, func(c *change) (string, string, error) {
		var err error
		if oc, err = s.loadCommittee(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditCommitteeSubmit, shequ.ObjCommittee, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, oc.Community, auditCommitteeSubmit, shequ.ObjCommittee, id); err != nil {
			return "", "", err
		}
		if err := oc.CanTransition(shequ.FilingSubmitted); err != nil {
			return "", "", err
		}
		oc.ElectedOn, oc.Members = electedOn, members
		if err := oc.Validate(c.now); err != nil {
			return "", "", err
		}
		e, err := s.loadEstate(ctx, c.tx, oc.EstateID)
		if err != nil {
			return "", "", err
		}
		if err := s.checkMembers(c, e, oc.Members); err != nil {
			return "", "", err
		}
		from := oc.Status
		oc.Status, oc.UpdatedAt = shequ.FilingSubmitted, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE owners_committees SET elected_on = ?, term_end = ?, status = ?,
			updated_at = ? WHERE id = ?`), dayArg(oc.ElectedOn), dayArg(oc.TermEnd), string(oc.Status), s.db.dialect.timeArg(c.now), oc.ID)
		if err != nil {
			return "", "", translateError(err, "resubmit committee")
		}
		if err := s.writeMembers(c, oc.ID, oc.Members); err != nil {
			return "", "", err
		}
		c.event(shequ.ObjCommittee, oc.ID, oc.Community, auditCommitteeSubmit, string(from), string(oc.Status), "")
		officials, err := s.street(ctx, c.tx, oc.Community)
		if err := tell(c, officials, err, "committee_submitted", shequ.ObjCommittee, oc.ID, oc.EstateName); err != nil {
			return "", "", err
		}
		return oc.ID, oc.Community, nil
	})
	if err != nil {
		return nil, err
	}
	return s.loadCommittee(ctx, s.db.db, id)
}

// FileCommittee implements shequ.CommitteeService (officials of the
// street): filed, or returned with the reason; whoever submitted it is told.
func (s *PropertyService) FileCommittee(ctx context.Context, id string, to shequ.FilingStatus, reason string) (*shequ.OwnersCommittee, error) {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCommitteeFile, shequ.ObjCommittee, id); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case to != shequ.FilingFiled && to != shequ.FilingReturned:
		return nil, fieldError("to", "committee.to.invalid", "File the committee or return it.")
	case to == shequ.FilingReturned && (len([]rune(reason)) < 2 || len([]rune(reason)) > shequ.MaxReason):
		return nil, fieldError("reason", "committee.reason.required", "Say why the filing is returned (2 to 500 characters).")
	}
	var oc *shequ.OwnersCommittee
	err := s.write(ctx, auditCommitteeFile, shequ.ObjCommittee, func(c *change) (string, string, error) {
		var err error
		if oc, err = s.loadCommittee(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditCommitteeFile, shequ.ObjCommittee, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertySupervise, oc.Community, auditCommitteeFile, shequ.ObjCommittee, id); err != nil {
			return "", "", err
		}
		if err := oc.CanTransition(to); err != nil {
			return "", "", err
		}
		from := oc.Status
		oc.Status, oc.UpdatedAt = to, c.now
		if to == shequ.FilingFiled {
			d := shequ.DateOf(c.now)
			oc.FiledOn, oc.ReturnReason = &d, ""
		} else {
			oc.ReturnReason = reason
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE owners_committees SET status = ?, return_reason = ?, filed_on = ?,
			updated_at = ? WHERE id = ?`), string(to), oc.ReturnReason, optDayArg(oc.FiledOn), s.db.dialect.timeArg(c.now), oc.ID)
		if err != nil {
			return "", "", translateError(err, "file committee")
		}
		c.event(shequ.ObjCommittee, oc.ID, oc.Community, auditCommitteeFile, string(from), string(to), reason)
		c.notify([]string{oc.SubmittedBy}, "committee_"+string(to), shequ.ObjCommittee, oc.ID, oc.EstateName)
		return oc.ID, oc.Community, nil
	})
	return oc, err
}

// FindCommitteeByID implements shequ.CommitteeService.
func (s *PropertyService) FindCommitteeByID(ctx context.Context, id string) (*shequ.OwnersCommittee, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditCommitteeRead, shequ.ObjCommittee, id); err != nil {
		return nil, err
	}
	oc, err := s.loadCommittee(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	e, err := s.loadEstate(ctx, s.db.db, oc.EstateID)
	if err != nil {
		return nil, err
	}
	if err := s.readEstate(ctx, s.db.db, e, shequ.ActionPropertyRead); err != nil {
		return nil, s.denied(ctx, err, auditCommitteeRead, shequ.ObjCommittee, id, oc.Community)
	}
	return oc, nil
}

// FindCommittees implements shequ.CommitteeService.
func (s *PropertyService) FindCommittees(ctx context.Context, estateID, division string, status shequ.FilingStatus) ([]*shequ.OwnersCommittee, error) {
	if estateID != "" {
		if _, err := s.FindEstateByID(ctx, estateID); err != nil {
			return nil, err
		}
		return s.loadCommittees(ctx, s.db.db, `c.estate_id = ?`, estateID)
	}
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditCommitteeRead, shequ.ObjCommittee, ""); err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(ctx)
	if a != nil && a.Role == shequ.RolePropertyStaff {
		return nil, nil // the register of committees is the community's and the street's
	}
	prefix, ok, err := scopePrefix(a, division)
	if err != nil || !ok {
		return nil, err
	}
	cond, args := `c.community >= ? AND c.community < ?`, []any{prefix, prefix + ":"}
	if status != "" {
		cond, args = cond+` AND c.status = ?`, append(args, string(status))
	}
	return s.loadCommittees(ctx, s.db.db, cond, args...)
}

// SetEPMC implements shequ.CommitteeService (community workers).
func (s *PropertyService) SetEPMC(ctx context.Context, community string, members []*shequ.EPMCMember) error {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditEPMCSet, "epmc", community); err != nil {
		return err
	}
	if len(community) != 12 || shequ.ValidateDivisionCode(community) != nil {
		return fieldError("community_code", "resident.community.invalid", "Give the 12-digit code of a community.")
	}
	var fe shequ.FieldErrors
	for i, m := range members {
		if err := m.Validate(); err != nil {
			for _, f := range shequ.AsError(err).Fields {
				fe.Add("members", f.Key, f.Message, map[string]any{"Line": i + 1})
			}
		}
	}
	if len(members) > 30 {
		fe.Add("members", "epmc.members.many", "The committee has at most 30 members.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.write(ctx, auditEPMCSet, "epmc", func(c *change) (string, string, error) {
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, community, auditEPMCSet, "epmc", community); err != nil {
			return "", "", err
		}
		if missing, err := newCommunityChecker(s.db).missing(ctx, c.tx, community); err != nil || missing != "" {
			if err == nil {
				err = fieldError("community_code", "division.not_found", "No such community.")
			}
			return "", "", err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`DELETE FROM epmc_members WHERE community = ?`), community); err != nil {
			return "", "", translateError(err, "replace committee")
		}
		for i, m := range members {
			m.ID, m.Community, m.CreatedAt = newUUID7(), community, c.now
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO epmc_members (id, community, name, unit, post, position,
				created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`), m.ID, community, m.Name, m.Unit, m.Post, i,
				s.db.dialect.timeArg(c.now)); err != nil {
				return "", "", translateError(err, "store committee member")
			}
		}
		return community, community, nil
	})
}

// FindEPMC implements shequ.CommitteeService.
func (s *PropertyService) FindEPMC(ctx context.Context, community string) ([]*shequ.EPMCMember, error) {
	if err := authorizeResident(ctx, shequ.ActionPropertyRead, &shequ.Object{Division: community}); err != nil {
		return nil, s.denied(ctx, err, auditCommitteeRead, "epmc", community, community)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, community, name, unit, post, created_at FROM epmc_members
		WHERE community = ? ORDER BY position`), community)
	if err != nil {
		return nil, translateError(err, "find committee members")
	}
	defer rows.Close()
	var out []*shequ.EPMCMember
	for rows.Next() {
		m := &shequ.EPMCMember{}
		if err := rows.Scan(&m.ID, &m.Community, &m.Name, &m.Unit, &m.Post, scanTime(&m.CreatedAt)); err != nil {
			return nil, translateError(err, "find committee members")
		}
		out = append(out, m)
	}
	return out, translateError(rows.Err(), "find committee members")
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shequ"
)

// Credit records (企业诚信). Every point of a company's score comes from a
// row of credit_records: the rules write theirs once per source object
// (the partial unique index on kind, object_type, object_id), officials
// write base assessments, awards and serious breaches by hand, and an
// upheld appeal withdraws a record. The score is computed from the rows on
// every read (shequ.ScoreCredit), so nothing can drift from them.

const creditColumns = `r.id, r.company_id, r.kind, r.points, r.note, r.object_type, r.object_id,
	COALESCE(CAST(r.estate_id AS TEXT), ''), COALESCE(e.name, ''), r.community, r.recorded_on, r.valid_until, r.withdrawn,
	r.withdraw_reason, r.recorded_by, r.created_at`

const creditFrom = ` FROM credit_records r LEFT JOIN estates e ON e.id = r.estate_id`

func scanCredit(row interface{ Scan(...any) error }) (*shequ.CreditRecord, error) {
	r := &shequ.CreditRecord{}
	var kind, rec, valid string
	err := row.Scan(&r.ID, &r.CompanyID, &kind, &r.Points, &r.Note, &r.ObjectType, &r.ObjectID, &r.EstateID, &r.EstateName,
		&r.Community, &rec, &valid, &r.Withdrawn, &r.WithdrawReason, &r.RecordedBy, scanTime(&r.CreatedAt))
	if err != nil {
		return nil, err
	}
	r.Kind = shequ.CreditKind(kind)
	if r.RecordedOn, err = scanDay(rec); err != nil {
		return nil, err
	}
	r.ValidUntil, err = scanDay(valid)
	return r, err
}

// loadRecords reads the records matching cond (on r.), newest first.
func (s *PropertyService) loadRecords(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.CreditRecord, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+creditColumns+creditFrom+` WHERE r.`+cond+`
		ORDER BY r.recorded_on DESC, r.created_at DESC, r.id`), args...)
	if err != nil {
		return nil, translateError(err, "find credit records")
	}
	defer rows.Close()
	var out []*shequ.CreditRecord
	for rows.Next() {
		r, err := scanCredit(rows)
		if err != nil {
			return nil, translateError(err, "find credit records")
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "find credit records")
}

// addRecord writes a record inside c unless its source has one of the kind
// already (then it reports false). Points and validity come from the
// county's settings unless the record carries them.
func (s *PropertyService) addRecord(c *change, r *shequ.CreditRecord) (bool, error) {
	ctx := c.ctx
	if r.CompanyID == "" {
		return false, nil
	}
	if r.RecordedOn.IsZero() {
		r.RecordedOn = shequ.DateOf(c.now)
	}
	if r.ValidUntil.IsZero() || r.Points == 0 && !r.Kind.Manual() {
		div := r.Community
		if div == "" {
			if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT division FROM property_companies WHERE id = ?`),
				r.CompanyID).Scan(&div); err != nil {
				return false, translateError(err, "find company division")
			}
		}
		st, err := s.settings(ctx, c.tx, div)
		if err != nil {
			return false, err
		}
		if r.Points == 0 && !r.Kind.Manual() {
			r.Points = st.Points[r.Kind]
		}
		if r.ValidUntil.IsZero() {
			r.ValidUntil = r.RecordedOn.AddDate(0, 0, st.RecordValidDays-1)
		}
	}
	r.ID, r.RecordedBy, r.CreatedAt = newUUID7(), actorID(ctx), c.now
	res, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO credit_records (id, company_id, kind, points, note,
		object_type, object_id, estate_id, community, recorded_on, valid_until, withdrawn, withdraw_reason, recorded_by,
		created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?) ON CONFLICT DO NOTHING`),
		r.ID, r.CompanyID, string(r.Kind), r.Points, truncateText(r.Note, 500), r.ObjectType, r.ObjectID, nullString(r.EstateID),
		r.Community, dayArg(r.RecordedOn), dayArg(r.ValidUntil), boolArg(false), r.RecordedBy, s.db.dialect.timeArg(c.now))
	if err != nil {
		return false, translateError(err, "write credit record")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, translateError(err, "write credit record")
	}
	c.event(shequ.ObjCompany, r.CompanyID, r.Community, auditCreditRecord, "", "", string(r.Kind)+" "+r.ID)
	staff, err := s.staffOf(ctx, c.tx, r.CompanyID)
	if err := tell(c, staff, err, "credit_"+string(r.Kind.Class()), shequ.ObjCompany, r.CompanyID, r.Note); err != nil {
		return false, err
	}
	return true, nil
}

// baseRecord writes the company's base record (登记备案) for today.
func (s *PropertyService) baseRecord(c *change, co *shequ.PropertyCompany) (bool, error) {
	return s.addRecord(c, &shequ.CreditRecord{CompanyID: co.ID, Kind: shequ.CreditBaseRegistered,
		Note: string(co.CreditCode), ObjectType: shequ.ObjCompany, ObjectID: co.ID + ":" + dayArg(c.now)})
}

// PublicCompanies implements shequ.CreditService: public, by name.
func (s *PropertyService) PublicCompanies(ctx context.Context, division string) ([]*shequ.PropertyCompany, error) {
	cond, args := "1 = 1", []any{}
	if division = strings.TrimSpace(division); division != "" {
		if shequ.ValidateDivisionCode(division) != nil {
			return nil, fieldError("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.")
		}
		cond, args = relatedDivisions("division", division)
	}
	rows, err := s.db.reader(ctx).QueryContext(ctx, s.db.rebind(`SELECT `+companyColumns+` FROM property_companies WHERE `+cond+`
		ORDER BY name, id LIMIT ?`), append(args, maxCompanyList)...)
	if err != nil {
		return nil, translateError(err, "find companies")
	}
	var out []*shequ.PropertyCompany
	for rows.Next() {
		c, err := s.scanCompany(rows)
		if err != nil {
			rows.Close()
			return nil, translateError(err, "find companies")
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find companies")
	}
	if err := s.completeCompanies(ctx, out); err != nil {
		return nil, err
	}
	for _, c := range out {
		c.Contact, c.ContactPhone, c.StaffIDs, c.StaffNames = "", "", nil, nil
	}
	return out, nil
}

// CompanyCredit implements shequ.CreditService: public, no sign-in needed,
// without personal data (the contact is left out).
func (s *PropertyService) CompanyCredit(ctx context.Context, companyID string) (*shequ.CompanyCredit, error) {
	co, err := s.loadCompany(ctx, s.db.reader(ctx), companyID)
	if err != nil {
		return nil, err
	}
	if err := s.completeCompanies(ctx, []*shequ.PropertyCompany{co}); err != nil {
		return nil, err
	}
	co.Contact, co.ContactPhone, co.StaffIDs, co.StaffNames = "", "", nil, nil
	records, err := s.loadRecords(ctx, s.db.reader(ctx), `company_id = ?`, co.ID)
	if err != nil {
		return nil, err
	}
	appeals, err := s.loadAppeals(ctx, s.db.reader(ctx), `company_id = ?`, co.ID)
	if err != nil {
		return nil, err
	}
	byRecord := map[string]*shequ.CreditAppeal{}
	for _, a := range appeals { // newest first: the first one seen is the latest
		if byRecord[a.RecordID] == nil {
			byRecord[a.RecordID] = a
		}
	}
	for _, r := range records {
		r.Appeal = byRecord[r.ID]
	}
	now := s.now()
	return &shequ.CompanyCredit{Company: co, Day: shequ.DateOf(now), CreditScore: shequ.ScoreCredit(records, now), Records: records}, nil
}

// RecordCredit implements shequ.CreditService (officials).
func (s *PropertyService) RecordCredit(ctx context.Context, m *shequ.ManualRecord) (*shequ.CreditRecord, error) {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCreditRecord, shequ.ObjCompany, m.CompanyID); err != nil {
		return nil, err
	}
	if err := m.Validate(s.now()); err != nil {
		return nil, err
	}
	r := &shequ.CreditRecord{CompanyID: m.CompanyID, Kind: m.Kind, Points: m.Points, Note: m.Note}
	if m.ValidUntil != nil {
		r.ValidUntil = shequ.DateOf(*m.ValidUntil)
	}
	err := s.write(ctx, auditCreditRecord, shequ.ObjCreditRecord, func(c *change) (string, string, error) {
		co, err := s.loadCompany(ctx, c.tx, m.CompanyID)
		if err != nil {
			return "", "", refuse(err, auditCreditRecord, shequ.ObjCompany, m.CompanyID, "")
		}
		if err := s.superviseCompany(c, co, auditCreditRecord, shequ.ObjCompany, co.ID); err != nil {
			return "", "", err
		}
		if _, err := s.addRecord(c, r); err != nil {
			return "", "", err
		}
		return r.ID, "", nil
	})
	return r, err
}

const appealColumns = `id, record_id, company_id, reason, state, answer, answered_by, answered_at, filed_by, created_at`

func scanAppeal(row interface{ Scan(...any) error }) (*shequ.CreditAppeal, error) {
	a := &shequ.CreditAppeal{}
	var st string
	var at time.Time
	err := row.Scan(&a.ID, &a.RecordID, &a.CompanyID, &a.Reason, &st, &a.Answer, &a.AnsweredBy, scanTime(&at), &a.FiledBy,
		scanTime(&a.CreatedAt))
	a.State, a.AnsweredAt = shequ.AppealState(st), optTime(at)
	return a, err
}

// loadAppeals reads appeals matching cond, newest first.
func (s *PropertyService) loadAppeals(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.CreditAppeal, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+appealColumns+` FROM credit_appeals WHERE `+cond+`
		ORDER BY created_at DESC, id DESC`), args...)
	if err != nil {
		return nil, translateError(err, "find appeals")
	}
	defer rows.Close()
	var out []*shequ.CreditAppeal
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, translateError(err, "find appeals")
		}
		out = append(out, a)
	}
	return out, translateError(rows.Err(), "find appeals")
}

// AppealRecord implements shequ.CreditService (property staff of the
// company): against a bad record that still counts, one open appeal at a
// time. The officials supervising the company are told.
func (s *PropertyService) AppealRecord(ctx context.Context, recordID, reason string) (*shequ.CreditAppeal, error) {
	if err := s.guard(ctx, shequ.ActionCreditAppeal, auditCreditAppeal, shequ.ObjCreditRecord, recordID); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 5 || n > 2000 {
		return nil, fieldError("reason", "appeal.reason.invalid", "Give the grounds of the appeal in 5 to 2000 characters.")
	}
	ap := &shequ.CreditAppeal{Reason: reason, State: shequ.AppealSubmitted}
	err := s.write(ctx, auditCreditAppeal, shequ.ObjAppeal, func(c *change) (string, string, error) {
		rs := []*shequ.CreditRecord(nil)
		var err error
		if validID(recordID) {
			rs, err = s.loadRecords(ctx, c.tx, `id = ?`, recordID)
			if err != nil {
				return "", "", err
			}
		}
		if len(rs) == 0 {
			return "", "", refuse(shequ.ErrNotFound, auditCreditAppeal, shequ.ObjCreditRecord, recordID, "")
		}
		r := rs[0]
		co, err := s.loadCompany(ctx, c.tx, r.CompanyID)
		if err != nil {
			return "", "", err
		}
		obj, err := s.companyObject(ctx, c.tx, co)
		if err != nil {
			return "", "", err
		}
		if err := authorizeResident(ctx, shequ.ActionCreditAppeal, obj); err != nil {
			return "", "", refuse(err, auditCreditAppeal, shequ.ObjCreditRecord, r.ID, co.Division)
		}
		if r.Kind.Class() != shequ.CreditBad || !r.Counts(c.now) {
			return "", "", shequ.Errorf(shequ.EConflict, "appeal.record.invalid", "Only a bad record that counts can be appealed.")
		}
		var open int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM credit_appeals WHERE record_id = ? AND state = ?`),
			r.ID, string(shequ.AppealSubmitted)).Scan(&open); err != nil {
			return "", "", translateError(err, "check appeals")
		}
		if open > 0 {
			return "", "", shequ.Errorf(shequ.EConflict, "appeal.open", "This record has an appeal waiting for its answer.")
		}
		ap.ID, ap.RecordID, ap.CompanyID, ap.FiledBy, ap.CreatedAt = newUUID7(), r.ID, co.ID, actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO credit_appeals (`+appealColumns+`)
			VALUES (?, ?, ?, ?, ?, '', '', NULL, ?, ?)`), ap.ID, ap.RecordID, ap.CompanyID, ap.Reason, string(ap.State),
			ap.FiledBy, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "lodge appeal")
		}
		c.event(shequ.ObjCompany, co.ID, co.Division, auditCreditAppeal, "", "", r.ID)
		officials, err := s.street(ctx, c.tx, co.Division)
		if err := tell(c, officials, err, "appeal_lodged", shequ.ObjCompany, co.ID, co.Name); err != nil {
			return "", "", err
		}
		return ap.ID, "", nil
	})
	return ap, err
}

// AnswerAppeal implements shequ.CreditService (officials over the
// company): upheld withdraws the record.
func (s *PropertyService) AnswerAppeal(ctx context.Context, appealID string, to shequ.AppealState, answer string) (*shequ.CreditAppeal, error) {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCreditAppealAnswer, shequ.ObjAppeal, appealID); err != nil {
		return nil, err
	}
	answer = strings.TrimSpace(answer)
	if n := len([]rune(answer)); n < 2 || n > 2000 {
		return nil, fieldError("answer", "objection.answer.invalid", "Answer in 2 to 2000 characters.")
	}
	if to != shequ.AppealUpheld && to != shequ.AppealRejected {
		return nil, fieldError("to", "appeal.to.invalid", "Uphold or reject the appeal.")
	}
	var ap *shequ.CreditAppeal
	err := s.write(ctx, auditCreditAppealAnswer, shequ.ObjAppeal, func(c *change) (string, string, error) {
		var list []*shequ.CreditAppeal
		var err error
		if validID(appealID) {
			if list, err = s.loadAppeals(ctx, c.tx, `id = ?`, appealID); err != nil {
				return "", "", err
			}
		}
		if len(list) == 0 {
			return "", "", refuse(shequ.ErrNotFound, auditCreditAppealAnswer, shequ.ObjAppeal, appealID, "")
		}
		ap = list[0]
		co, err := s.loadCompany(ctx, c.tx, ap.CompanyID)
		if err != nil {
			return "", "", err
		}
		if err := s.superviseCompany(c, co, auditCreditAppealAnswer, shequ.ObjAppeal, ap.ID); err != nil {
			return "", "", err
		}
		if err := ap.CanTransition(to); err != nil {
			return "", "", err
		}
		now := c.now
		ap.State, ap.Answer, ap.AnsweredBy, ap.AnsweredAt = to, answer, actorID(ctx), &now
		res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE credit_appeals SET state = ?, answer = ?, answered_by = ?,
			answered_at = ? WHERE id = ? AND state = ?`), string(to), answer, ap.AnsweredBy, s.db.dialect.timeArg(now), ap.ID,
			string(shequ.AppealSubmitted))
		if err != nil {
			return "", "", translateError(err, "answer appeal")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", "", shequ.Errorf(shequ.EConflict, "appeal.answered", "The appeal was answered meanwhile.")
		}
		if to == shequ.AppealUpheld {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE credit_records SET withdrawn = ?, withdraw_reason = ? WHERE id = ?`),
				boolArg(true), truncateText(answer, 500), ap.RecordID); err != nil {
				return "", "", translateError(err, "withdraw record")
			}
		}
		c.event(shequ.ObjCompany, co.ID, co.Division, auditCreditAppealAnswer, "", "", string(to)+" "+ap.RecordID)
		staff, err := s.staffOf(ctx, c.tx, co.ID)
		if err := tell(c, staff, err, "appeal_"+string(to), shequ.ObjCompany, co.ID, co.Name); err != nil {
			return "", "", err
		}
		return ap.ID, "", nil
	})
	return ap, err
}

// FindAppeals implements shequ.CreditService: property staff see their
// company's, officials those of the companies they supervise.
func (s *PropertyService) FindAppeals(ctx context.Context, state shequ.AppealState) ([]*shequ.CreditAppeal, error) {
	a := shequ.ActorFrom(ctx)
	var cond []string
	var args []any
	switch {
	case isConsole(ctx):
	case a == nil:
		return nil, shequ.ErrUnauthorized
	case a.Can(shequ.ActionCreditAppeal):
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" {
			return nil, err
		}
		cond, args = append(cond, "company_id = ?"), append(args, mine)
	case a.Can(shequ.ActionPropertySupervise):
		related, rargs := relatedDivisions("division", a.Scope)
		cond = append(cond, `company_id IN (SELECT id FROM property_companies WHERE `+related+`)`)
		args = append(args, rargs...)
	default:
		return nil, shequ.ErrForbidden
	}
	if state != "" {
		cond, args = append(cond, "state = ?"), append(args, string(state))
	}
	if len(cond) == 0 {
		cond = []string{"1 = 1"}
	}
	return s.loadAppeals(ctx, s.db.db, strings.Join(cond, " AND "), args...)
}

// Blacklist implements shequ.CreditService (officials over the company).
func (s *PropertyService) Blacklist(ctx context.Context, companyID string, on bool, reason string) (*shequ.PropertyCompany, error) {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCompanyBlacklist, shequ.ObjCompany, companyID); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 4 || n > shequ.MaxReason {
		return nil, fieldError("reason", "blacklist.reason.invalid", "Give the reason in 4 to 500 characters (it is public).")
	}
	var co *shequ.PropertyCompany
	err := s.write(ctx, auditCompanyBlacklist, shequ.ObjCompany, func(c *change) (string, string, error) {
		var err error
		if co, err = s.loadCompany(ctx, c.tx, companyID); err != nil {
			return "", "", refuse(err, auditCompanyBlacklist, shequ.ObjCompany, companyID, "")
		}
		if err := s.superviseCompany(c, co, auditCompanyBlacklist, shequ.ObjCompany, co.ID); err != nil {
			return "", "", err
		}
		if co.Blacklisted == on {
			return "", "", shequ.Errorf(shequ.EConflict, "blacklist.unchanged", "The company is already in this state.")
		}
		now := c.now
		co.Blacklisted, co.BlacklistReason, co.BlacklistedAt = on, reason, &now
		if !on {
			co.BlacklistedAt = nil
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE property_companies SET blacklisted = ?, blacklist_reason = ?,
			blacklisted_at = ?, updated_at = ? WHERE id = ?`), boolArg(on), reason, s.optTimeArg(co.BlacklistedAt),
			s.db.dialect.timeArg(now), co.ID)
		if err != nil {
			return "", "", translateError(err, "black list")
		}
		to := "cleared"
		if on {
			to = "listed"
		}
		c.event(shequ.ObjCompany, co.ID, co.Division, auditCompanyBlacklist, "", "", to+"："+reason)
		staff, err := s.staffOf(ctx, c.tx, co.ID)
		if err := tell(c, staff, err, "blacklist_"+to, shequ.ObjCompany, co.ID, co.Name); err != nil {
			return "", "", err
		}
		return co.ID, "", nil
	})
	if err != nil {
		return nil, err
	}
	return co, s.completeCompanies(ctx, []*shequ.PropertyCompany{co})
}

// superviseCompany checks inside c that the actor may supervise a company
// (officials whose scope is at, above or below its division: a street
// supervises the county's companies working in it).
func (s *PropertyService) superviseCompany(c *change, co *shequ.PropertyCompany, action, objType, id string) error {
	obj, err := s.companyObject(c.ctx, c.tx, co)
	if err != nil {
		return err
	}
	if err := authorizeResident(c.ctx, shequ.ActionPropertySupervise, obj); err != nil {
		return refuse(err, action, objType, id, co.Division)
	}
	return nil
}

// relatedDivisions is the condition on col of a division at or below
// prefix or one of its ancestors, with its arguments.
func relatedDivisions(col, prefix string) (string, []any) {
	related, args := []string{col + " >= ? AND " + col + " < ?"}, []any{prefix, prefix + ":"}
	for _, anc := range shequ.AncestorCodes(prefix) {
		if anc != prefix {
			related, args = append(related, col+" = ?"), append(args, anc)
		}
	}
	return "(" + strings.Join(related, " OR ") + ")", args
}

// errNoRowsIs reports whether err is sql.ErrNoRows.
func errNoRowsIs(err error) bool { return errors.Is(err, sql.ErrNoRows) }

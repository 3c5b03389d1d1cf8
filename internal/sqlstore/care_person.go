package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// personColumns are the columns scanPerson reads: the register's row and,
// from the resident register, the name, sealed ID number and birth date.
const personColumns = `p.id, p.resident_id, p.community, r.name, r.id_number_enc, r.birth_date, p.kind, p.reason,
	p.guardian_resident_id, p.guardian_name_enc, p.guardian_relation, p.guardian_phone_enc, p.guardian_capacity,
	p.guardian_assessed_on, p.guardian_assessed_by, p.parents_enc, p.school_enc, p.risk, p.risk_reason_enc, p.status,
	p.exit_proposed_at, p.exit_cause, p.exit_note_enc, p.exited_on, p.visit_every_days, p.next_visit_due,
	p.last_visit_on, p.overdue_escalated_at, p.created_at, p.updated_at`

// personFrom is the FROM clause of personColumns.
const personFrom = ` FROM care_persons p JOIN residents r ON r.id = p.resident_id`

// scanPerson reads a row of personColumns and opens its sealed columns.
func (s *CareService) scanPerson(row rowScanner) (*shequ.CarePerson, error) {
	p := &shequ.CarePerson{}
	var idEnc, birth, kind, reason, capacity, status, cause, next string
	var gRes, gName, gPhone, gOn, parents, school, riskReason, exitNote, exitedOn, lastVisit sql.NullString
	var proposed, escalated time.Time
	err := row.Scan(&p.ID, &p.ResidentID, &p.Community, &p.Name, &idEnc, &birth, &kind, &reason, &gRes, &gName,
		&p.Guardian.Relation, &gPhone, &capacity, &gOn, &p.Guardian.AssessedBy, &parents, &school, &p.Risk, &riskReason,
		&status, scanTime(&proposed), &cause, &exitNote, &exitedOn, &p.VisitEveryDays, &next, &lastVisit,
		scanTime(&escalated), scanTime(&p.CreatedAt), scanTime(&p.UpdatedAt))
	if err != nil {
		return nil, err
	}
	p.Kind, p.Reason, p.Status, p.ExitCause = shequ.CareKind(kind), shequ.CareReason(reason), shequ.CareStatus(status), shequ.ExitCause(cause)
	p.Guardian.Capacity = shequ.GuardianCapacity(capacity)
	p.Guardian.ResidentID, p.Guardian.AssessedOn = gRes.String, optDay(gOn)
	p.BirthDate, p.NextVisitDue = parseDay(birth), parseDay(next)
	p.ExitedOn, p.LastVisitOn = optDay(exitedOn), optDay(lastVisit)
	p.ExitProposedAt, p.OverdueEscalatedAt = optTime(proposed), optTime(escalated)
	id, err := s.sealer.Open(idEnc, residentAAD("id_number", p.ResidentID))
	if err != nil {
		return nil, shequ.Wrap(err, "open ID number")
	}
	p.IDMasked = shequ.Mask(shequ.PersonalIDNumber, id)
	o := &opener{s: s, table: "person", id: p.ID}
	var phone string
	o.get(&p.Guardian.Name, gName, "guardian_name")
	o.get(&phone, gPhone, "guardian_phone")
	o.get(&p.Parents, parents, "parents")
	o.get(&p.School, school, "school")
	o.get(&p.RiskReason, riskReason, "risk_reason")
	o.get(&p.ExitNote, exitNote, "exit_note")
	p.Guardian.Phone = shequ.Phone(phone)
	return p, o.err
}

// loadPerson reads one person of the register by id (not authorized).
func (s *CareService) loadPerson(ctx context.Context, q querier, id string) (*shequ.CarePerson, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	p, err := s.scanPerson(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+personColumns+personFrom+` WHERE p.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read care person")
	}
	return p, nil
}

// sealPerson returns the sealed columns of p, in the order of the
// statements below.
func (s *CareService) sealPerson(p *shequ.CarePerson) ([]any, error) {
	var out []any
	for _, f := range []struct{ col, v string }{{"guardian_name", p.Guardian.Name}, {"guardian_phone", string(p.Guardian.Phone)},
		{"parents", p.Parents}, {"school", p.School}, {"risk_reason", p.RiskReason}} {
		enc, err := s.seal(f.v, "person", f.col, p.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, enc)
	}
	return out, nil
}

// checkPersonRefs checks, inside tx, that the person's resident lives in
// the given community and is not already under care, fills name, birth date
// and masked ID from the register, and that a guardian named by resident
// id exists in the same county.
func (s *CareService) checkPersonRefs(ctx context.Context, tx *sql.Tx, p *shequ.CarePerson, now time.Time) error {
	var community, birth, name, idEnc string
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, birth_date, name, id_number_enc FROM residents WHERE id = ?`),
		p.ResidentID).Scan(&community, &birth, &name, &idEnc)
	if !validID(p.ResidentID) || errors.Is(err, sql.ErrNoRows) {
		return fieldError("resident_id", "care.resident.required", "Pick the person from the resident register.")
	} else if err != nil {
		return translateError(err, "find resident")
	}
	p.Community, p.Name, p.BirthDate = community, name, parseDay(birth)
	id, err := s.sealer.Open(idEnc, residentAAD("id_number", p.ResidentID))
	if err != nil {
		return shequ.Wrap(err, "open ID number")
	}
	p.IDMasked = shequ.Mask(shequ.PersonalIDNumber, id)
	age := p.AgeAt(now)
	if p.Kind == shequ.CareChild && age >= shequ.ChildExitAge {
		return fieldError("kind", "care.kind.child_age", "A left-behind child is under 16.")
	}
	if p.Kind != shequ.CareChild && age < shequ.AdultAge {
		return fieldError("kind", "care.kind.adult_age", "A left-behind woman or elderly person is an adult.")
	}
	if p.Guardian.ResidentID != "" {
		var gName, gComm string
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT name, community FROM residents WHERE id = ?`), p.Guardian.ResidentID).
			Scan(&gName, &gComm)
		if !validID(p.Guardian.ResidentID) || errors.Is(err, sql.ErrNoRows) || (err == nil && gComm[:6] != community[:6]) ||
			p.Guardian.ResidentID == p.ResidentID {
			return fieldError("guardian_resident_id", "care.guardian.resident.invalid", "Pick the guardian from the residents of the county.")
		} else if err != nil {
			return translateError(err, "find guardian")
		}
		p.Guardian.Name = gName
	}
	return nil
}

// RegisterCarePerson implements shequ.CareService: a duty holder of the
// resident's community takes a person under care. The visit plan starts
// from the county's frequency for the risk level, the first visit due one
// interval after registration unless it is sooner than a week.
func (s *CareService) RegisterCarePerson(ctx context.Context, p *shequ.CarePerson) error {
	if err := authorizeResident(ctx, shequ.ActionCareWrite, nil); err != nil {
		return s.denied(ctx, err, auditCareRegister, objCarePerson, p.ResidentID, "")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditCareRegister, objCarePerson, func(c *change) (string, string, error) {
		if err := s.insertPerson(c, p, false); err != nil {
			return "", "", err
		}
		return p.ID, p.Community, nil
	})
}

// insertPerson writes a validated person under care inside c: the
// references checked, the actor's care duty over the community, the visit
// plan from the county's policy, the timeline event.
func (s *CareService) insertPerson(c *change, p *shequ.CarePerson, importing bool) error {
	ctx := c.ctx
	if err := s.checkPersonRefs(ctx, c.tx, p, c.now); err != nil {
		return err
	}
	if err := s.authorizeCare(ctx, c.tx, shequ.ActionCareWrite, p.Community); err != nil &&
		!(importing && shequ.ErrorCode(err) == shequ.ENotFound && countyOfficial(ctx, p.Community)) {
		return refuse(err, auditCareRegister, objCarePerson, p.ResidentID, p.Community)
	}
	pol, err := s.policy(ctx, c.tx, p.Community)
	if err != nil {
		return err
	}
	p.ID, p.Status, p.CreatedAt, p.UpdatedAt = newUUID7(), shequ.CareActive, c.now, c.now
	p.VisitEveryDays = pol.Interval(p.Risk)
	// The first visit: within a week for high risk, else one interval.
	p.NextVisitDue = shequ.PlannedVisitDue(c.now, nil, p.Risk, p.VisitEveryDays)
	sealed, err := s.sealPerson(p)
	if err != nil {
		return err
	}
	args := []any{p.ID, p.ResidentID, p.Community, string(p.Kind), string(p.Reason), nullString(p.Guardian.ResidentID)}
	args = append(args, sealed[0], p.Guardian.Relation, sealed[1], string(p.Guardian.Capacity),
		dateArg(p.Guardian.AssessedOn), p.Guardian.AssessedBy, sealed[2], sealed[3], int(p.Risk), sealed[4],
		string(p.Status), p.VisitEveryDays, dayArg(p.NextVisitDue), s.db.dialect.timeArg(p.CreatedAt),
		s.db.dialect.timeArg(p.UpdatedAt))
	_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_persons (id, resident_id, community, kind, reason,
		guardian_resident_id, guardian_name_enc, guardian_relation, guardian_phone_enc, guardian_capacity,
		guardian_assessed_on, guardian_assessed_by, parents_enc, school_enc, risk, risk_reason_enc, status,
		exit_proposed_at, exit_cause, exit_note_enc, exited_on, visit_every_days, next_visit_due, last_visit_on,
		overdue_escalated_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		NULL, '', NULL, NULL, ?, ?, NULL, NULL, ?, ?)`), args...)
	if err != nil {
		if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
			return fieldError("resident_id", "care.resident.already", "The person is already under care.")
		}
		return translateError(err, "register care person")
	}
	c.event(objCarePerson, p.ID, p.Community, auditCareRegister, "", string(p.Status), "risk="+strconv.Itoa(int(p.Risk)))
	return nil
}

// ImportCarePersons implements shequ.CareService: the rows of an import
// file taken into care in one transaction, all or nothing, each as
// RegisterCarePerson would (the refusal of a row names it in Data["Row"]);
// every person gets their event and audit record. Besides the duty
// holders, the officials over the county (who name the duties and set the
// visit policy) may load the register in bulk — the 摸底排查 list — though
// they cannot read it afterwards (need-to-know is the duty holders').
func (s *CareService) ImportCarePersons(ctx context.Context, ps []*shequ.CarePerson) error {
	if err := authorizeResident(ctx, shequ.ActionCareWrite, nil); err != nil {
		return s.denied(ctx, err, auditCareImport, objCarePerson, "", "")
	}
	for i, p := range ps {
		if err := p.Validate(); err != nil {
			return rowError(i, err)
		}
	}
	defer s.db.notesGen.Add(1)
	return writeImport(ctx, s.db, s.now(), ps, func(c *change, p *shequ.CarePerson) error { return s.insertPerson(c, p, true) },
		func(p *shequ.CarePerson) (string, string) { return p.ID, p.Community }, auditCareImport, objCarePerson, s.OnChange)
}

// UpdateCarePerson implements shequ.CareService: a duty holder edits the
// reason, guardian, parents, school and risk. A new risk level changes the
// visit interval and the next due date (from the last visit, or from
// registration).
func (s *CareService) UpdateCarePerson(ctx context.Context, in *shequ.CarePerson) (*shequ.CarePerson, error) {
	if err := authorizeResident(ctx, shequ.ActionCareWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditCareUpdate, objCarePerson, in.ID, "")
	}
	var out *shequ.CarePerson
	err := s.write(ctx, auditCareUpdate, objCarePerson, func(c *change) (string, string, error) {
		p, err := s.loadPerson(ctx, c.tx, in.ID)
		if err != nil {
			return "", "", refuse(err, auditCareUpdate, objCarePerson, in.ID, "")
		}
		if err := s.authorizeCare(ctx, c.tx, shequ.ActionCareWrite, p.Community); err != nil {
			return "", "", refuse(err, auditCareUpdate, objCarePerson, in.ID, p.Community)
		}
		if !p.Open() {
			return "", "", shequ.Errorf(shequ.EConflict, "care.person.exited", "The person has left care.")
		}
		old := *p
		p.Reason, p.Guardian, p.Parents, p.School, p.Risk, p.RiskReason = in.Reason, in.Guardian, in.Parents, in.School, in.Risk, in.RiskReason
		if err := p.Validate(); err != nil {
			return "", "", err
		}
		if err := s.checkPersonRefs(ctx, c.tx, p, c.now); err != nil {
			return "", "", err
		}
		if p.Risk != old.Risk {
			pol, err := s.policy(ctx, c.tx, p.Community)
			if err != nil {
				return "", "", err
			}
			p.VisitEveryDays = pol.Interval(p.Risk)
			from := p.CreatedAt
			if p.LastVisitOn != nil {
				from = *p.LastVisitOn
			}
			p.NextVisitDue = shequ.NextVisitDue(from, p.VisitEveryDays)
		}
		p.UpdatedAt = c.now
		sealed, err := s.sealPerson(p)
		if err != nil {
			return "", "", err
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_persons SET reason = ?, guardian_resident_id = ?,
			guardian_name_enc = ?, guardian_relation = ?, guardian_phone_enc = ?, guardian_capacity = ?,
			guardian_assessed_on = ?, guardian_assessed_by = ?, parents_enc = ?, school_enc = ?, risk = ?,
			risk_reason_enc = ?, visit_every_days = ?, next_visit_due = ?, updated_at = ? WHERE id = ?`),
			string(p.Reason), nullString(p.Guardian.ResidentID), sealed[0], p.Guardian.Relation, sealed[1],
			string(p.Guardian.Capacity), dateArg(p.Guardian.AssessedOn), p.Guardian.AssessedBy, sealed[2], sealed[3],
			int(p.Risk), sealed[4], p.VisitEveryDays, dayArg(p.NextVisitDue), s.db.dialect.timeArg(p.UpdatedAt), p.ID)
		if err != nil {
			return "", "", translateError(err, "update care person")
		}
		note := ""
		if p.Risk != old.Risk {
			note = "risk " + strconv.Itoa(int(old.Risk)) + "→" + strconv.Itoa(int(p.Risk))
		}
		c.event(objCarePerson, p.ID, p.Community, auditCareUpdate, "", "", note)
		out = p
		return p.ID, p.Community, nil
	})
	return out, err
}

// FindCarePersonByID implements shequ.CareService: for the community's
// duty holders; the read is audited.
func (s *CareService) FindCarePersonByID(ctx context.Context, id string) (*shequ.CarePerson, error) {
	if err := authorizeResident(ctx, shequ.ActionCareRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditCareRead, objCarePerson, id, "")
	}
	p, err := s.loadPerson(ctx, s.db.db, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, s.denied(ctx, err, auditCareRead, objCarePerson, id, "")
		}
		return nil, err
	}
	if err := s.authorizeCare(ctx, s.db.db, shequ.ActionCareRead, p.Community); err != nil {
		return nil, s.denied(ctx, err, auditCareRead, objCarePerson, id, p.Community)
	}
	if err := s.auditReads(ctx, auditCareRead, objCarePerson, []string{p.ID}, []string{p.Community}, "record"); err != nil {
		return nil, err
	}
	return p, nil
}

// FindCarePersons implements shequ.CareService: the people of the
// communities the actor's duties cover, most at risk and most overdue
// first; each one listed is audited.
func (s *CareService) FindCarePersons(ctx context.Context, f shequ.CareFilter) ([]*shequ.CarePerson, int, error) {
	if err := authorizeResident(ctx, shequ.ActionCareRead, nil); err != nil {
		return nil, 0, s.denied(ctx, err, auditCareRead, objCarePerson, "", f.Community)
	}
	conds := []string{"1 = 1"}
	var args []any
	if !isConsole(ctx) {
		acc, err := s.access(ctx, s.db.db)
		if err != nil {
			return nil, 0, err
		}
		cond, a := dutyScope("p.community", acc)
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.Community != "" {
		cond, a := prefixScope("p.community", f.Community)
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.Kind != "" {
		conds, args = append(conds, "p.kind = ?"), append(args, string(f.Kind))
	}
	if f.Risk != 0 {
		conds, args = append(conds, "p.risk = ?"), append(args, int(f.Risk))
	}
	if f.Status != "" {
		conds, args = append(conds, "p.status = ?"), append(args, string(f.Status))
	} else {
		conds = append(conds, "p.status <> 'exited'")
	}
	if f.Overdue {
		conds, args = append(conds, "p.status <> 'exited' AND p.next_visit_due < ?"), append(args, dayArg(s.now()))
	}
	order := `p.risk DESC, p.next_visit_due, p.id`
	if f.DueWithin > 0 {
		conds = append(conds, "p.status <> 'exited' AND p.next_visit_due <= ?")
		args = append(args, dayArg(s.now().AddDate(0, 0, min(f.DueWithin, 366))))
		order = `p.next_visit_due, p.risk DESC, p.id`
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*)`+personFrom+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count care persons")
	}
	offset, limit := clampLimit(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+personColumns+personFrom+where+`
		ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "list care persons")
	}
	defer rows.Close()
	var out []*shequ.CarePerson
	var ids, comms []string
	for rows.Next() {
		p, err := s.scanPerson(rows)
		if err != nil {
			return nil, 0, translateError(err, "list care persons")
		}
		out = append(out, p)
		ids, comms = append(ids, p.ID), append(comms, p.Community)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "list care persons")
	}
	if err := s.auditReads(ctx, auditCareRead, objCarePerson, ids, comms, "list"); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ExitCarePerson implements shequ.CareService: a duty holder records that
// a person leaves care, with the cause; the worker confirms the exit of a
// child proposed at 16 this way too.
func (s *CareService) ExitCarePerson(ctx context.Context, id string, e shequ.CareExit) (*shequ.CarePerson, error) {
	if err := authorizeResident(ctx, shequ.ActionCareWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditCareExit, objCarePerson, id, "")
	}
	var out *shequ.CarePerson
	err := s.write(ctx, auditCareExit, objCarePerson, func(c *change) (string, string, error) {
		p, err := s.loadPerson(ctx, c.tx, id)
		if err != nil {
			return "", "", refuse(err, auditCareExit, objCarePerson, id, "")
		}
		if err := s.authorizeCare(ctx, c.tx, shequ.ActionCareWrite, p.Community); err != nil {
			return "", "", refuse(err, auditCareExit, objCarePerson, id, p.Community)
		}
		if !p.Open() {
			return "", "", shequ.Errorf(shequ.EConflict, "care.person.exited", "The person has left care.")
		}
		if err := e.Validate(p, c.now); err != nil {
			return "", "", err
		}
		note, err := s.seal(e.Note, "person", "exit_note", p.ID)
		if err != nil {
			return "", "", err
		}
		from := p.Status
		p.Status, p.ExitCause, p.ExitNote, p.UpdatedAt = shequ.CareExited, e.Cause, e.Note, c.now
		on := shequ.Day(e.On)
		p.ExitedOn = &on
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_persons SET status = ?, exit_cause = ?, exit_note_enc = ?,
			exited_on = ?, updated_at = ? WHERE id = ?`), string(p.Status), string(p.ExitCause), note, dayArg(on),
			s.db.dialect.timeArg(c.now), p.ID); err != nil {
			return "", "", translateError(err, "exit care person")
		}
		c.event(objCarePerson, p.ID, p.Community, auditCareExit, string(from), string(p.Status), string(e.Cause))
		out = p
		return p.ID, p.Community, nil
	})
	return out, err
}

// CareCandidates implements shequ.CareService: residents of a community
// the register suggests, for a duty holder to confirm: tagged left behind,
// or children under 16 in a household where no parent (head or spouse of
// the head, for a child of the head; child of the head, for a grandchild)
// lives in the register. Those already under care are left out. The
// suggestion is audited as one read of the community.
func (s *CareService) CareCandidates(ctx context.Context, community string) ([]*shequ.CareCandidate, error) {
	if err := authorizeResident(ctx, shequ.ActionCareWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditCareCandidates, objCarePerson, "", community)
	}
	if len(community) != 12 {
		return nil, fieldError("community", "care.report.community.invalid", "Pick the village or community where the child lives.")
	}
	if err := s.authorizeCare(ctx, s.db.db, shequ.ActionCareWrite, community); err != nil {
		return nil, s.denied(ctx, err, auditCareCandidates, objCarePerson, "", community)
	}
	now := s.now()
	childBorn := dayArg(now.AddDate(-shequ.ChildExitAge, 0, 0))
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT r.id, r.name, r.id_number_enc, r.birth_date,
		COALESCE((SELECT MIN(t.tag) FROM resident_tags t WHERE t.resident_id = r.id
			AND t.tag IN ('left_behind_child', 'left_behind_woman', 'left_behind_elderly')), '')
		FROM residents r
		WHERE r.community = ? AND NOT EXISTS (SELECT 1 FROM care_persons p WHERE p.resident_id = r.id AND p.status <> 'exited')
		AND (EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id
			AND t.tag IN ('left_behind_child', 'left_behind_woman', 'left_behind_elderly'))
		  OR (r.birth_date > ? AND r.household_id IS NOT NULL AND r.relation IN ('child', 'grandchild')
			AND NOT EXISTS (SELECT 1 FROM residents m WHERE m.household_id = r.household_id AND m.id <> r.id
				AND ((r.relation = 'child' AND m.relation IN ('head', 'spouse'))
				  OR (r.relation = 'grandchild' AND m.relation = 'child' AND m.birth_date <= ?)))))
		ORDER BY r.birth_date DESC, r.id LIMIT 200`), community, childBorn, dayArg(now.AddDate(-shequ.AdultAge, 0, 0)))
	if err != nil {
		return nil, translateError(err, "suggest care candidates")
	}
	defer rows.Close()
	var out []*shequ.CareCandidate
	for rows.Next() {
		c := &shequ.CareCandidate{Community: community}
		var enc, birth, tag string
		if err := rows.Scan(&c.ResidentID, &c.Name, &enc, &birth, &tag); err != nil {
			return nil, translateError(err, "suggest care candidates")
		}
		id, err := s.sealer.Open(enc, residentAAD("id_number", c.ResidentID))
		if err != nil {
			return nil, shequ.Wrap(err, "open ID number")
		}
		c.IDMasked, c.Age = shequ.Mask(shequ.PersonalIDNumber, id), shequ.AgeAt(parseDay(birth), now)
		c.Why = "household"
		switch shequ.Tag(tag) {
		case shequ.TagLeftBehindChild:
			c.Kind, c.Why = shequ.CareChild, "tag"
		case shequ.TagLeftBehindWoman:
			c.Kind, c.Why = shequ.CareWoman, "tag"
		case shequ.TagLeftBehindElderly:
			c.Kind, c.Why = shequ.CareElderly, "tag"
		default:
			c.Kind = shequ.CareChild
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "suggest care candidates")
	}
	if err := s.auditReads(ctx, auditCareCandidates, objCarePerson, []string{""}, []string{community},
		"n="+strconv.Itoa(len(out))); err != nil {
		return nil, err
	}
	return out, nil
}

// countyOfficial reports whether the actor is an official whose area covers
// the community and who may name its care duties (care.duty over it).
func countyOfficial(ctx context.Context, community string) bool {
	a := shequ.ActorFrom(ctx)
	return a != nil && a.Role == shequ.RoleOfficial &&
		shequ.Authorize(a, shequ.ActionCareDuty, &shequ.Object{Division: community}) == nil
}

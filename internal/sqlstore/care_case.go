package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shequ"
)

// caseColumns are the columns scanCase reads.
const caseColumns = `c.id, c.number, c.community, c.resident_id, c.person_id, c.alert_id, r.name, c.area, c.origin,
	c.status, c.worker_id, c.summary_enc, c.next_assessment_on, c.opened_at, c.closed_at, c.updated_at`

// caseFrom is the FROM clause of caseColumns.
const caseFrom = ` FROM care_cases c JOIN residents r ON r.id = c.resident_id`

// scanCase reads a row of caseColumns; the summary stays sealed unless
// open is set.
func (s *CareService) scanCase(row rowScanner, open bool) (*shequ.Case, error) {
	k := &shequ.Case{}
	var person, alert, next sql.NullString
	var area, origin, status string
	var summary sql.NullString
	var closed time.Time
	if err := row.Scan(&k.ID, &k.Number, &k.Community, &k.ResidentID, &person, &alert, &k.Name, &area, &origin, &status,
		&k.WorkerID, &summary, &next, scanTime(&k.OpenedAt), scanTime(&closed), scanTime(&k.UpdatedAt)); err != nil {
		return nil, err
	}
	k.PersonID, k.AlertID, k.NextAssessmentOn, k.ClosedAt = person.String, alert.String, optDay(next), optTime(closed)
	k.Area, k.Origin, k.Status = shequ.ServiceArea(area), shequ.CaseOrigin(origin), shequ.CaseStatus(status)
	if open {
		var err error
		if k.Summary, err = s.open(summary, "case", "summary", k.ID); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// loadCase reads a case with its waiting approval (not authorized).
func (s *CareService) loadCase(ctx context.Context, q querier, id string) (*shequ.Case, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	k, err := s.scanCase(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+caseColumns+caseFrom+` WHERE c.id = ?`), id), true)
	if err != nil {
		return nil, noRows(err, "read case")
	}
	k.WorkerName = s.userName(ctx, q, k.WorkerID)
	aps, err := s.approvals(ctx, q, k.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range aps {
		if a.Status == shequ.ApprovalRequested {
			k.Pending = a
		}
	}
	return k, nil
}

// caseAccess tells how the actor may see a case: as its worker, as the
// supervisor of its township, or not (ENotFound; EForbidden for a role
// without act). The console is the worker.
func (s *CareService) caseAccess(ctx context.Context, q querier, act shequ.Action, k *shequ.Case) (worker, supervisor bool, err error) {
	if isConsole(ctx) {
		return true, true, nil
	}
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, act, &shequ.Object{Division: k.Community}); err != nil {
		return false, false, err
	}
	acc, err := s.access(ctx, q)
	if err != nil {
		return false, false, err
	}
	worker, supervisor = k.WorkerID == a.UserID, acc.Supervises(k.Community)
	if !worker && !supervisor {
		return false, false, shequ.ErrNotFound
	}
	return worker, supervisor, nil
}

// OpenCase implements shequ.CareService: a worker opens a case for a
// resident of a community where they hold a care duty, or, as a social
// worker, of their scope. The case is assigned to the worker (or to the
// account named in WorkerID: a community or social worker of the scope);
// the township's supervisors are told.
func (s *CareService) OpenCase(ctx context.Context, k *shequ.Case) error {
	if err := authorizeResident(ctx, shequ.ActionCaseWrite, nil); err != nil {
		return s.denied(ctx, err, auditCaseOpen, objCase, k.ResidentID, "")
	}
	if err := k.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditCaseOpen, objCase, func(c *change) (string, string, error) {
		err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, name FROM residents WHERE id = ?`), k.ResidentID).
			Scan(&k.Community, &k.Name)
		if !validID(k.ResidentID) || errors.Is(err, sql.ErrNoRows) {
			return "", "", fieldError("resident_id", "case.resident.required", "Pick the person from the resident register.")
		} else if err != nil {
			return "", "", translateError(err, "find resident")
		}
		a := shequ.ActorFrom(ctx)
		if !isConsole(ctx) {
			if err := shequ.Authorize(a, shequ.ActionCaseWrite, &shequ.Object{Division: k.Community}); err != nil {
				return "", "", refuse(err, auditCaseOpen, objCase, k.ResidentID, k.Community)
			}
			acc, err := s.access(ctx, c.tx)
			if err != nil {
				return "", "", err
			}
			if !acc.Covers(k.Community) && a.Role != shequ.RoleSocialWorker {
				return "", "", refuse(shequ.ErrNotFound, auditCaseOpen, objCase, k.ResidentID, k.Community)
			}
			if k.WorkerID == "" {
				k.WorkerID = a.UserID
			}
		}
		if err := s.checkWorker(ctx, c.tx, k.WorkerID, k.Community, "worker_id"); err != nil {
			return "", "", err
		}
		if k.PersonID == "" {
			_ = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT id FROM care_persons WHERE resident_id = ? AND status <> 'exited'`),
				k.ResidentID).Scan(&k.PersonID)
		}
		if k.AlertID != "" {
			al, err := s.loadAlert(ctx, c.tx, k.AlertID)
			if err != nil || al.Community != k.Community {
				return "", "", fieldError("alert_id", "case.alert.invalid", "The alert is not of this community.")
			}
		}
		num, err := s.number(c, shequ.CasePrefix, k.Community)
		if err != nil {
			return "", "", err
		}
		k.ID, k.Number, k.Status, k.OpenedAt, k.UpdatedAt = newUUID7(), num, shequ.CaseIntake, c.now, c.now
		summary, err := s.seal(k.Summary, "case", "summary", k.ID)
		if err != nil {
			return "", "", err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_cases (id, number, community, resident_id,
			person_id, alert_id, area, origin, status, worker_id, summary_enc, next_assessment_on, opened_at, closed_at,
			updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?)`), k.ID, k.Number, k.Community,
			k.ResidentID, nullString(k.PersonID), nullString(k.AlertID), string(k.Area), string(k.Origin), string(k.Status),
			k.WorkerID, summary, s.db.dialect.timeArg(k.OpenedAt), s.db.dialect.timeArg(k.UpdatedAt)); err != nil {
			return "", "", translateError(err, "open case")
		}
		if k.AlertID != "" {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_alerts SET case_id = ? WHERE id = ?`), k.ID, k.AlertID); err != nil {
				return "", "", translateError(err, "link case")
			}
		}
		k.WorkerName = s.userName(ctx, c.tx, k.WorkerID)
		c.event(objCase, k.ID, k.Community, auditCaseOpen, "", string(k.Status), string(k.Origin))
		sup, err := s.holders(ctx, c.tx, shequ.DutyChildSupervisor, k.Community)
		if err != nil {
			return "", "", err
		}
		c.notify(append(sup, k.WorkerID), "case_opened", objCase, k.ID, k.Number)
		return k.ID, k.Community, nil
	})
}

// checkWorker checks that an account may be assigned a case of community:
// an active community or social worker whose scope covers it.
func (s *CareService) checkWorker(ctx context.Context, q querier, id, community, field string) error {
	u, err := NewUserService(s.db).findUser(ctx, q, `u.id = ?`, id)
	if errors.Is(err, errUserNotFound) || (err == nil && (u.Disabled || !shequ.IsAncestorOrSelf(u.Scope, community) ||
		(u.Role != shequ.RoleCommunityWorker && u.Role != shequ.RoleSocialWorker))) {
		return fieldError(field, "case.worker.invalid", "Pick a community or social worker of the case's area.")
	}
	return err
}

// FindCases implements shequ.CareService: the cases assigned to the actor
// and those of the townships they supervise; other roles see none (the
// indicators show them aggregates). The list shows numbers, names, stages;
// each listed case is audited.
func (s *CareService) FindCases(ctx context.Context, f shequ.CaseFilter) ([]*shequ.Case, int, error) {
	if err := authorizeResident(ctx, shequ.ActionCaseRead, nil); err != nil {
		return nil, 0, s.denied(ctx, err, auditCaseRead, objCase, "", f.Community)
	}
	conds := []string{"1 = 1"}
	var args []any
	if a := shequ.ActorFrom(ctx); a != nil {
		acc, err := s.access(ctx, s.db.db)
		if err != nil {
			return nil, 0, err
		}
		sup, sargs := dutyScope("c.community", shequ.CareAccess{Supervisor: acc.Supervisor})
		sc, scArgs := prefixScope("c.community", a.Scope)
		conds = append(conds, "(c.worker_id = ? OR "+sup+")", sc)
		args = append(append(append(args, a.UserID), sargs...), scArgs...)
	}
	if f.Community != "" {
		cond, a := prefixScope("c.community", f.Community)
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "c.status = ?"), append(args, string(f.Status))
	} else {
		conds = append(conds, "c.status <> 'closed'")
	}
	if f.Pending {
		conds = append(conds, "EXISTS (SELECT 1 FROM care_approvals p WHERE p.case_id = c.id AND p.status = 'requested')")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*)`+caseFrom+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count cases")
	}
	offset, limit := clampLimit(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+caseColumns+caseFrom+where+`
		ORDER BY c.updated_at DESC, c.id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "list cases")
	}
	var out []*shequ.Case
	var ids, comms []string
	for rows.Next() {
		k, err := s.scanCase(rows, false)
		if err != nil {
			rows.Close()
			return nil, 0, translateError(err, "list cases")
		}
		out = append(out, k)
		ids, comms = append(ids, k.ID), append(comms, k.Community)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "list cases")
	}
	for _, k := range out {
		k.WorkerName = s.userName(ctx, s.db.db, k.WorkerID)
		var n int
		_ = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM care_approvals WHERE case_id = ? AND status = 'requested'`),
			k.ID).Scan(&n)
		if n > 0 {
			aps, err := s.approvals(ctx, s.db.db, k.ID)
			if err != nil {
				return nil, 0, err
			}
			for _, ap := range aps {
				if ap.Status == shequ.ApprovalRequested {
					ap.Note = ""
					k.Pending = ap
				}
			}
		}
	}
	if err := s.auditReads(ctx, auditCaseRead, objCase, ids, comms, "list"); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FindCaseByID implements shequ.CareService: the case file, for its
// worker and its supervisor only; audited. Anyone else — a worker of
// another community, an official without a recorded reason, the
// organization the case was referred to — gets ENotFound, recorded as
// denied.
func (s *CareService) FindCaseByID(ctx context.Context, id string) (*shequ.CaseFile, error) {
	if err := authorizeResident(ctx, shequ.ActionCaseRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditCaseRead, objCase, id, "")
	}
	k, err := s.loadCase(ctx, s.db.db, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, s.denied(ctx, err, auditCaseRead, objCase, id, "")
		}
		return nil, err
	}
	if _, _, err := s.caseAccess(ctx, s.db.db, shequ.ActionCaseRead, k); err != nil {
		return nil, s.denied(ctx, err, auditCaseRead, objCase, id, k.Community)
	}
	file, err := s.caseFile(ctx, k)
	if err != nil {
		return nil, err
	}
	if err := s.auditReads(ctx, auditCaseRead, objCase, []string{k.ID}, []string{k.Community}, "record"); err != nil {
		return nil, err
	}
	return file, nil
}

// BreakGlassCase implements shequ.CareService: an official reads a case
// they are not assigned to, giving a reason. The read is recorded in the
// break-the-glass register and the audit trail in one transaction, and the
// auditors over the case's community are told, before anything is shown.
func (s *CareService) BreakGlassCase(ctx context.Context, id, reason string) (*shequ.CaseFile, error) {
	if err := authorizeResident(ctx, shequ.ActionCaseBreakGlass, nil); err != nil {
		return nil, s.denied(ctx, err, auditCaseBreakGlass, objCase, id, "")
	}
	reason, err := shequ.ValidateBreakGlassReason(reason)
	if err != nil {
		return nil, err
	}
	var k *shequ.Case
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
		k, err = s.loadCase(ctx, tx, id)
		if err != nil {
			return refuse(err, auditCaseBreakGlass, objCase, id, "")
		}
		if err := authorizeResident(ctx, shequ.ActionCaseBreakGlass, &shequ.Object{Division: k.Community}); err != nil {
			return refuse(err, auditCaseBreakGlass, objCase, id, k.Community)
		}
		if _, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_break_glass (id, case_id, division, user_id, reason, at)
			VALUES (?, ?, ?, ?, ?, ?)`), newUUID7(), k.ID, k.Community, actorID(ctx), reason, s.db.dialect.timeArg(c.now)); err != nil {
			return translateError(err, "record break-the-glass read")
		}
		auditors, err := s.accountsOf(ctx, tx, shequ.RoleAuditor, k.Community, true)
		if err != nil {
			return err
		}
		c.notify(auditors, "case_break_glass", objCase, k.ID, k.Number)
		if err := c.flush(); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditCaseBreakGlass, objCase, k.ID, k.Community, "reason="+truncateText(reason, 200))
	})
	s.db.notesGen.Add(1)
	if err != nil {
		return nil, settleRefusal(ctx, s.db, err)
	}
	return s.caseFile(ctx, k)
}

// FindBreakGlass implements shequ.CareService: the break-the-glass reads
// at and below a division, newest first, for the auditor (audit.read).
func (s *CareService) FindBreakGlass(ctx context.Context, division string, limit int) ([]*shequ.BreakGlass, error) {
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, shequ.ActionAuditRead, nil); err != nil {
		return nil, s.denied(ctx, err, "case.break_glass.read", objCase, "", division)
	}
	division, ok := narrowToScope(a.Scope, division)
	if !ok {
		return []*shequ.BreakGlass{}, nil
	}
	_, limit = clampLimit(0, limit)
	cond, args := prefixScope("b.division", division)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT b.id, b.case_id, c.number, b.user_id, u.username, b.reason,
		b.at, b.division FROM care_break_glass b JOIN care_cases c ON c.id = b.case_id JOIN users u ON u.id = b.user_id
		WHERE `+cond+` ORDER BY b.at DESC, b.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, translateError(err, "read break-the-glass reads")
	}
	defer rows.Close()
	var out []*shequ.BreakGlass
	for rows.Next() {
		b := &shequ.BreakGlass{}
		if err := rows.Scan(&b.ID, &b.CaseID, &b.Number, &b.UserID, &b.UserName, &b.Reason, scanTime(&b.At), &b.Division); err != nil {
			return nil, translateError(err, "read break-the-glass reads")
		}
		out = append(out, b)
	}
	return out, translateError(rows.Err(), "read break-the-glass reads")
}

// caseFile reads everything recorded on a case, sealed texts opened.
func (s *CareService) caseFile(ctx context.Context, k *shequ.Case) (*shequ.CaseFile, error) {
	f := &shequ.CaseFile{Case: k}
	var err error
	if k.PersonID != "" {
		if f.Person, err = s.loadPerson(ctx, s.db.db, k.PersonID); err != nil {
			return nil, err
		}
	}
	if f.Notes, err = s.caseNotes(ctx, k.ID); err != nil {
		return nil, err
	}
	if f.Approvals, err = s.approvals(ctx, s.db.db, k.ID); err != nil {
		return nil, err
	}
	if f.Referrals, err = s.referrals(ctx, s.db.db, `r.case_id = ?`, k.ID); err != nil {
		return nil, err
	}
	if f.Timeline, err = readTimeline(ctx, s.db, objCase, k.ID); err != nil {
		return nil, err
	}
	return f, nil
}

// caseNotes reads a case's notes, oldest first.
func (s *CareService) caseNotes(ctx context.Context, id string) ([]*shequ.CaseNote, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, case_id, kind, function, minutes, attendees_enc,
		body_enc, by_id, by_name, at FROM care_case_notes WHERE case_id = ? ORDER BY at, id`), id)
	if err != nil {
		return nil, translateError(err, "read case notes")
	}
	defer rows.Close()
	var out []*shequ.CaseNote
	for rows.Next() {
		n := &shequ.CaseNote{}
		var kind, fn string
		var att, body sql.NullString
		if err := rows.Scan(&n.ID, &n.CaseID, &kind, &fn, &n.Minutes, &att, &body, &n.ByID, &n.ByName, scanTime(&n.At)); err != nil {
			return nil, translateError(err, "read case notes")
		}
		n.Kind, n.Function = shequ.CaseNoteKind(kind), shequ.ServiceFunction(fn)
		o := &opener{s: s, table: "case_note", id: n.ID}
		o.get(&n.Attendees, att, "attendees")
		o.get(&n.Body, body, "body")
		if o.err != nil {
			return nil, o.err
		}
		out = append(out, n)
	}
	return out, translateError(rows.Err(), "read case notes")
}

// approvals reads a case's approval requests, oldest first.
func (s *CareService) approvals(ctx context.Context, q querier, id string) ([]*shequ.Approval, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id, case_id, stage, status, requested_by, requested_at, note_enc,
		decided_by, decided_at, reason_enc FROM care_approvals WHERE case_id = ? ORDER BY requested_at, id`), id)
	if err != nil {
		return nil, translateError(err, "read approvals")
	}
	defer rows.Close()
	var out []*shequ.Approval
	for rows.Next() {
		a := &shequ.Approval{}
		var stage, status string
		var note, reason sql.NullString
		var decided time.Time
		if err := rows.Scan(&a.ID, &a.CaseID, &stage, &status, &a.RequestedBy, scanTime(&a.RequestedAt), &note,
			&a.DecidedBy, scanTime(&decided), &reason); err != nil {
			return nil, translateError(err, "read approvals")
		}
		a.Stage, a.Status, a.DecidedAt = shequ.ApprovalStage(stage), shequ.ApprovalStatus(status), optTime(decided)
		o := &opener{s: s, table: "approval", id: a.ID}
		o.get(&a.Note, note, "note")
		o.get(&a.Reason, reason, "reason")
		if o.err != nil {
			return nil, o.err
		}
		out = append(out, a)
	}
	return out, translateError(rows.Err(), "read approvals")
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shequ"
)

// caseWrite loads a case in a write transaction, checks the actor's access
// (worker, supervisor, either), runs fn and records action.
func (s *CareService) caseWrite(ctx context.Context, id, action string, act shequ.Action, need func(worker, supervisor bool) bool,
	fn func(c *change, k *shequ.Case) error) (*shequ.Case, error) {
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, s.denied(ctx, err, action, objCase, id, "")
	}
	var out *shequ.Case
	err := s.write(ctx, action, objCase, func(c *change) (string, string, error) {
		k, err := s.loadCase(ctx, c.tx, id)
		if err != nil {
			return "", "", refuse(err, action, objCase, id, "")
		}
		worker, supervisor, err := s.caseAccess(ctx, c.tx, act, k)
		if err == nil && !need(worker, supervisor) {
			err = shequ.ErrForbidden
		}
		if err != nil {
			return "", "", refuse(err, action, objCase, id, k.Community)
		}
		if err := fn(c, k); err != nil {
			return "", "", err
		}
		out = k
		return k.ID, k.Community, nil
	})
	return out, err
}

// asWorker and asEither are the access rules of caseWrite.
func asWorker(worker, _ bool) bool              { return worker }
func asEither(worker, supervisor bool) bool     { return worker || supervisor }
func asSupervisor(_ bool, supervisor bool) bool { return supervisor }

// AddCaseNote implements shequ.CareService: the worker (or the supervisor,
// for a case conference) adds a note; the body is sealed.
func (s *CareService) AddCaseNote(ctx context.Context, caseID string, n *shequ.CaseNote) error {
	if err := n.Validate(); err != nil {
		return err
	}
	_, err := s.caseWrite(ctx, caseID, auditCaseNote, shequ.ActionCaseRead, asEither, func(c *change, k *shequ.Case) error {
		if k.Status == shequ.CaseClosed {
			return shequ.Errorf(shequ.EConflict, "case.closed", "The case is closed.")
		}
		if !isConsole(ctx) && shequ.ActorFrom(ctx).UserID != k.WorkerID && n.Kind != shequ.NoteConference {
			return shequ.ErrForbidden
		}
		n.ID, n.CaseID, n.ByID, n.ByName, n.At = newUUID7(), k.ID, actorID(ctx), actorName(ctx), c.now
		att, err := s.seal(n.Attendees, "case_note", "attendees", n.ID)
		if err != nil {
			return err
		}
		body, err := s.seal(n.Body, "case_note", "body", n.ID)
		if err != nil {
			return err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_case_notes (id, case_id, kind, function, minutes,
			attendees_enc, body_enc, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), n.ID, k.ID, string(n.Kind),
			string(n.Function), n.Minutes, att, body, n.ByID, n.ByName, s.db.dialect.timeArg(n.At)); err != nil {
			return translateError(err, "add case note")
		}
		return s.touchCase(c, k, auditCaseNote, "", string(n.Kind))
	})
	return err
}

// touchCase records the case's update time and a timeline event.
func (s *CareService) touchCase(c *change, k *shequ.Case, action, from, note string) error {
	k.UpdatedAt = c.now
	if _, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE care_cases SET status = ?, updated_at = ?, closed_at = ?,
		next_assessment_on = ?, worker_id = ? WHERE id = ?`), string(k.Status), s.db.dialect.timeArg(c.now),
		optTimeArg(s.db, k.ClosedAt), dateArg(k.NextAssessmentOn), k.WorkerID, k.ID); err != nil {
		return translateError(err, "update case")
	}
	to := ""
	if from != "" {
		to = string(k.Status)
	}
	c.event(objCase, k.ID, k.Community, action, from, to, note)
	return nil
}

// optTimeArg is the stored form of an optional instant.
func optTimeArg(db *DB, t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.dialect.timeArg(*t)
}

// MoveCase implements shequ.CareService: the worker's own moves (intake →
// assessment, services ⇄ review). Moves into plan, services and closed go
// through approvals.
func (s *CareService) MoveCase(ctx context.Context, id string, to shequ.CaseStatus, note string) (*shequ.Case, error) {
	return s.caseWrite(ctx, id, auditCaseMove, shequ.ActionCaseWrite, asWorker, func(c *change, k *shequ.Case) error {
		if err := k.CanTransition(to); err != nil {
			return err
		}
		if shequ.NeedsApproval(to) && !(to == shequ.CaseServices && k.Status == shequ.CaseReview) {
			return shequ.Errorf(shequ.EConflict, "case.move.needs_approval", "This step needs the supervisor's approval: request it.")
		}
		from := k.Status
		k.Status = to
		return s.touchCase(c, k, auditCaseMove, string(from), truncateText(note, 200))
	})
}

// ScheduleAssessment implements shequ.CareService: the worker sets the
// next assessment date (today or later).
func (s *CareService) ScheduleAssessment(ctx context.Context, id string, day time.Time) (*shequ.Case, error) {
	return s.caseWrite(ctx, id, auditCaseSchedule, shequ.ActionCaseWrite, asWorker, func(c *change, k *shequ.Case) error {
		if day.IsZero() || shequ.Day(day).Before(shequ.Day(c.now)) || shequ.Day(day).After(shequ.Day(c.now).AddDate(2, 0, 0)) {
			return fieldError("next_assessment_on", "case.assessment_date.invalid", "Give a day from today to two years ahead.")
		}
		d := shequ.Day(day)
		k.NextAssessmentOn = &d
		return s.touchCase(c, k, auditCaseSchedule, "", dayArg(d))
	})
}

// RequestApproval implements shequ.CareService: the worker asks the
// township's supervisors to approve the assessment, the plan or the
// closure; they are told.
func (s *CareService) RequestApproval(ctx context.Context, id string, stage shequ.ApprovalStage, note string) (*shequ.Case, error) {
	return s.caseWrite(ctx, id, auditApprovalAsk, shequ.ActionCaseWrite, asWorker, func(c *change, k *shequ.Case) error {
		if err := k.CanRequest(stage); err != nil {
			return err
		}
		a := &shequ.Approval{ID: newUUID7(), CaseID: k.ID, Stage: stage, Status: shequ.ApprovalRequested,
			RequestedBy: actorID(ctx), RequestedAt: c.now, Note: truncateText(note, 2000)}
		enc, err := s.seal(a.Note, "approval", "note", a.ID)
		if err != nil {
			return err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_approvals (id, case_id, stage, status, requested_by,
			requested_at, note_enc, decided_by, decided_at, reason_enc) VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL, NULL)`),
			a.ID, k.ID, string(stage), string(a.Status), a.RequestedBy, s.db.dialect.timeArg(c.now), enc); err != nil {
			return translateError(err, "request approval")
		}
		k.Pending = a
		if err := s.touchCase(c, k, auditApprovalAsk, "", string(stage)); err != nil {
			return err
		}
		sup, err := s.holders(ctx, c.tx, shequ.DutyChildSupervisor, k.Community)
		if err != nil {
			return err
		}
		c.notify(sup, "case_approval_requested", objCase, k.ID, k.Number)
		return nil
	})
}

// DecideApproval implements shequ.CareService: the township's supervisor
// approves (the case moves to the stage's target) or returns with a
// reason (it stays). A supervisor does not decide a request of their own.
// The worker is told.
func (s *CareService) DecideApproval(ctx context.Context, id string, d shequ.ApprovalDecision) (*shequ.Case, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return s.caseWrite(ctx, id, auditApprovalDecide, shequ.ActionCaseApprove, asSupervisor, func(c *change, k *shequ.Case) error {
		a := k.Pending
		if a == nil {
			return shequ.Errorf(shequ.EConflict, "case.approval.none", "No approval is waiting on this case.")
		}
		if a.RequestedBy == actorID(ctx) && !isConsole(ctx) {
			return shequ.Errorf(shequ.EForbidden, "case.approval.own", "You cannot approve your own request.")
		}
		a.Status, a.DecidedBy, a.Reason = shequ.ApprovalReturned, actorID(ctx), d.Reason
		now := c.now
		a.DecidedAt = &now
		if d.Approve {
			a.Status = shequ.ApprovalApproved
		}
		enc, err := s.seal(a.Reason, "approval", "reason", a.ID)
		if err != nil {
			return err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_approvals SET status = ?, decided_by = ?, decided_at = ?,
			reason_enc = ? WHERE id = ?`), string(a.Status), a.DecidedBy, s.db.dialect.timeArg(now), enc, a.ID); err != nil {
			return translateError(err, "decide approval")
		}
		from := ""
		if d.Approve {
			to := a.Stage.Target()
			if err := k.CanTransition(to); err != nil {
				return err
			}
			from, k.Status = string(k.Status), to
			if to == shequ.CaseClosed {
				k.ClosedAt = &now
			}
		}
		k.Pending = nil
		if err := s.touchCase(c, k, auditApprovalDecide, from, string(a.Stage)+"="+string(a.Status)); err != nil {
			return err
		}
		c.notify([]string{k.WorkerID}, "case_approval_"+string(a.Status), objCase, k.ID, k.Number)
		return nil
	})
}

// ReferCase implements shequ.CareService: the worker refers the case to an
// organization of the register, a catalogue service item or another worker
// of the area; the receiver is told (an organization's keepers, the
// worker). The receiver sees the referral's note, never the case notes.
func (s *CareService) ReferCase(ctx context.Context, caseID string, r *shequ.Referral) error {
	if err := r.Validate(); err != nil {
		return err
	}
	_, err := s.caseWrite(ctx, caseID, auditReferral, shequ.ActionCaseWrite, asWorker, func(c *change, k *shequ.Case) error {
		if k.Status == shequ.CaseClosed {
			return shequ.Errorf(shequ.EConflict, "case.closed", "The case is closed.")
		}
		r.ID = newUUID7()
		var to []string
		switch r.Target {
		case shequ.ReferToOrg:
			var comm, status string
			err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, status FROM social_orgs WHERE id = ?`), r.OrgID).
				Scan(&comm, &status)
			if !validID(r.OrgID) || errors.Is(err, sql.ErrNoRows) || (err == nil && (comm[:6] != k.Community[:6] || status != string(shequ.OrgActive))) {
				return fieldError("org_id", "referral.org.invalid", "Pick an active organization of the county.")
			} else if err != nil {
				return translateError(err, "find organization")
			}
			rows, err := c.tx.QueryContext(ctx, s.db.rebind(`SELECT user_id FROM social_org_owners WHERE org_id = ?`), r.OrgID)
			if err != nil {
				return translateError(err, "find organization keepers")
			}
			for rows.Next() {
				var u string
				if err := rows.Scan(&u); err == nil {
					to = append(to, u)
				}
			}
			rows.Close()
			r.ServiceItemID, r.WorkerUserID = "", ""
		case shequ.ReferToService:
			// A request is filed for the person in this transaction
			// (care_referral_request.go); its acceptance or refusal
			// answers the referral.
			if _, err := s.fileReferralRequest(c, k, r); err != nil {
				return err
			}
			r.OrgID, r.WorkerUserID = "", ""
		case shequ.ReferToWorker:
			if err := s.checkWorker(ctx, c.tx, r.WorkerUserID, k.Community, "worker_user_id"); err != nil {
				return err
			}
			if r.WorkerUserID == k.WorkerID {
				return fieldError("worker_user_id", "referral.worker.self", "The case is already assigned to this worker.")
			}
			to, r.OrgID, r.ServiceItemID = []string{r.WorkerUserID}, "", ""
		}
		r.CaseID, r.CaseNumber, r.Community, r.Status, r.CreatedAt = k.ID, k.Number, k.Community, shequ.ReferralPending, c.now
		note, err := s.seal(r.Note, "referral", "note", r.ID)
		if err != nil {
			return err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_referrals (id, case_id, community, target, org_id,
			service_item_id, worker_user_id, request_id, note_enc, status, reason, created_at, answered_at, answered_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, NULL, '')`), r.ID, k.ID, k.Community, string(r.Target),
			nullString(r.OrgID), nullString(r.ServiceItemID), nullString(r.WorkerUserID), nullString(r.RequestID), note, string(r.Status),
			s.db.dialect.timeArg(c.now)); err != nil {
			return translateError(err, "refer case")
		}
		what := string(r.Target)
		if r.RequestNumber != "" {
			what += " " + r.RequestNumber
		}
		c.event(objReferral, r.ID, k.Community, auditReferral, "", string(r.Status), what)
		c.notify(to, "referral_received", objReferral, r.ID, k.Number)
		return s.touchCase(c, k, auditReferral, "", what)
	})
	if err == nil && r.RequestID != "" {
		notifyChange(s.requests.OnChange, []string{r.Community})
	}
	return err
}

// referralColumns are the columns scanReferral reads.
const referralColumns = `r.id, r.case_id, c.number, r.community, r.target, r.org_id, COALESCE(o.name, ''), r.service_item_id,
	COALESCE(i.name, ''), r.worker_user_id, r.request_id, r.note_enc, r.status, r.reason, r.created_at, r.answered_at,
	r.answered_by`

// referralFrom is the FROM clause of referralColumns.
const referralFrom = ` FROM care_referrals r JOIN care_cases c ON c.id = r.case_id
	LEFT JOIN social_orgs o ON o.id = r.org_id LEFT JOIN service_items i ON i.code = r.service_item_id`

// referrals reads the referrals matching cond, newest first.
func (s *CareService) referrals(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.Referral, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+referralColumns+referralFrom+` WHERE `+cond+`
		ORDER BY r.created_at DESC, r.id DESC LIMIT 200`), args...)
	if err != nil {
		return nil, translateError(err, "read referrals")
	}
	defer rows.Close()
	var out []*shequ.Referral
	for rows.Next() {
		r := &shequ.Referral{}
		var target, status string
		var org, item, worker, req, note sql.NullString
		var answered time.Time
		if err := rows.Scan(&r.ID, &r.CaseID, &r.CaseNumber, &r.Community, &target, &org, &r.OrgName, &item, &r.ServiceName,
			&worker, &req, &note, &status, &r.Reason, scanTime(&r.CreatedAt), scanTime(&answered), &r.AnsweredBy); err != nil {
			return nil, translateError(err, "read referrals")
		}
		r.Target, r.Status, r.AnsweredAt = shequ.ReferralTarget(target), shequ.ReferralStatus(status), optTime(answered)
		r.OrgID, r.ServiceItemID, r.WorkerUserID, r.RequestID = org.String, item.String, worker.String, req.String
		if r.Note, err = s.open(note, "referral", "note", r.ID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "read referrals")
	}
	rows.Close()
	// The requests filed for service items: their number and state, by
	// id (a request's id is a uuid on PostgreSQL, the referral's column
	// text: a parameter converts, a join would not use the index).
	for _, r := range out {
		if r.RequestID == "" {
			continue
		}
		var state string
		if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT number, state FROM service_requests WHERE id = ?`), r.RequestID).
			Scan(&r.RequestNumber, &state); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, translateError(err, "read referral requests")
		}
		r.RequestState = shequ.RequestState(state)
	}
	return out, nil
}

// FindReferrals implements shequ.CareService: the referrals the actor
// receives — to organizations they keep, to them as a worker — in their
// scope (community narrows it). Each is audited.
func (s *CareService) FindReferrals(ctx context.Context, community string) ([]*shequ.Referral, error) {
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, shequ.ActionReferralAnswer, nil); err != nil {
		return nil, s.denied(ctx, err, auditReferralRead, objReferral, "", community)
	}
	cond, args := prefixScope("r.community", community)
	out, err := s.referrals(ctx, s.db.db, `(r.worker_user_id = ? OR r.org_id IN (SELECT org_id FROM social_org_owners
		WHERE user_id = ?)) AND `+cond, append([]any{a.UserID, a.UserID}, args...)...)
	if err != nil {
		return nil, err
	}
	ids, comms := make([]string, len(out)), make([]string, len(out))
	for i, r := range out {
		ids[i], comms[i] = r.ID, r.Community
	}
	return out, s.auditReads(ctx, auditReferralRead, objReferral, ids, comms, "list")
}

// AnswerReferral implements shequ.CareService: the receiver accepts or
// refuses (with a reason). A worker who accepts takes the case over. The
// case's worker is told.
func (s *CareService) AnswerReferral(ctx context.Context, id string, ans shequ.ReferralAnswer) (*shequ.Referral, error) {
	if err := authorizeResident(ctx, shequ.ActionReferralAnswer, nil); err != nil {
		return nil, s.denied(ctx, err, auditReferralAnswer, objReferral, id, "")
	}
	if err := ans.Validate(); err != nil {
		return nil, err
	}
	var out *shequ.Referral
	err := s.write(ctx, auditReferralAnswer, objReferral, func(c *change) (string, string, error) {
		if !validID(id) {
			return "", "", refuse(shequ.ErrNotFound, auditReferralAnswer, objReferral, id, "")
		}
		rs, err := s.referrals(ctx, c.tx, `r.id = ?`, id)
		if err != nil {
			return "", "", err
		}
		if len(rs) == 0 {
			return "", "", refuse(shequ.ErrNotFound, auditReferralAnswer, objReferral, id, "")
		}
		r := rs[0]
		if err := s.mayAnswer(ctx, c.tx, r); err != nil {
			return "", "", refuse(err, auditReferralAnswer, objReferral, id, r.Community)
		}
		to := shequ.ReferralRefused
		if ans.Accept {
			to = shequ.ReferralAccepted
		}
		if err := r.CanTransition(to); err != nil {
			return "", "", err
		}
		now := c.now
		r.Status, r.Reason, r.AnsweredAt, r.AnsweredBy = to, ans.Reason, &now, actorID(ctx)
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_referrals SET status = ?, reason = ?, answered_at = ?,
			answered_by = ? WHERE id = ?`), string(to), r.Reason, s.db.dialect.timeArg(now), r.AnsweredBy, r.ID); err != nil {
			return "", "", translateError(err, "answer referral")
		}
		c.event(objReferral, r.ID, r.Community, auditReferralAnswer, string(shequ.ReferralPending), string(to), "")
		var worker string
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT worker_id FROM care_cases WHERE id = ?`), r.CaseID).Scan(&worker); err != nil {
			return "", "", translateError(err, "find case")
		}
		c.event(objCase, r.CaseID, r.Community, auditReferralAnswer, "", "", string(r.Target)+"="+string(to))
		if ans.Accept && r.Target == shequ.ReferToWorker {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_cases SET worker_id = ?, updated_at = ? WHERE id = ?`),
				r.WorkerUserID, s.db.dialect.timeArg(now), r.CaseID); err != nil {
				return "", "", translateError(err, "hand over case")
			}
		}
		c.notify([]string{worker}, "referral_"+string(to), objCase, r.CaseID, r.CaseNumber)
		out = r
		return r.ID, r.Community, nil
	})
	return out, err
}

// mayAnswer checks that the actor receives the referral: a keeper of the
// organization, or the worker it names. The console may.
func (s *CareService) mayAnswer(ctx context.Context, q querier, r *shequ.Referral) error {
	if isConsole(ctx) {
		return nil
	}
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, shequ.ActionReferralAnswer, &shequ.Object{Division: r.Community}); err != nil {
		return err
	}
	switch r.Target {
	case shequ.ReferToWorker:
		if r.WorkerUserID == a.UserID {
			return nil
		}
	case shequ.ReferToOrg:
		var n int
		if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_org_owners WHERE org_id = ? AND user_id = ?`),
			r.OrgID, a.UserID).Scan(&n); err != nil {
			return translateError(err, "check organization keeper")
		}
		if n > 0 {
			return nil
		}
	}
	return shequ.ErrNotFound
}

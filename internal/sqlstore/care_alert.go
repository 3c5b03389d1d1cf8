package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"shequ"
)

// indexReportToken is the blind-index kind of report tracking tokens.
const indexReportToken = "care_report_token"

// newTrackingToken returns a fresh tracking token: 15 random bytes (120 bits) in base32, in
// groups of four for reading aloud.
func newTrackingToken() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	t := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	var parts []string
	for i := 0; i < len(t); i += 4 {
		parts = append(parts, t[i:min(i+4, len(t))])
	}
	return strings.Join(parts, "-")
}

// normalizeToken turns a typed token into its canonical form.
func normalizeToken(t string) string {
	t = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, t))
	var parts []string
	for i := 0; i < len(t); i += 4 {
		parts = append(parts, t[i:min(i+4, len(t))])
	}
	return strings.Join(parts, "-")
}

// SubmitReport implements shequ.CareService: a mandatory report, from the
// public form (no account) or from a signed-in account with care.report.
// It raises an alert to the community's 儿童主任 and the township's
// 儿童督导员 at once. r.Token carries the tracking token, shown once.
func (s *CareService) SubmitReport(ctx context.Context, r *shequ.CareReport) error {
	if a := shequ.ActorFrom(ctx); a != nil && !a.Can(shequ.ActionCareReport) {
		return s.denied(ctx, shequ.ErrForbidden, auditReportSubmit, objCareReport, "", r.Community)
	}
	if a := shequ.ActorFrom(ctx); a != nil {
		r.UserID = a.UserID
	} else {
		r.UserID = ""
	}
	if r.ReporterKind == "" && r.UserID != "" {
		r.ReporterKind = shequ.ReporterStaff
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditReportSubmit, objCareReport, func(c *change) (string, string, error) {
		var n int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), r.Community).Scan(&n); err != nil {
			return "", "", translateError(err, "find community")
		}
		if n == 0 {
			return "", "", fieldError("community", "care.report.community.invalid", "Pick the village or community where the child lives.")
		}
		num, err := s.number(c, shequ.ReportPrefix, r.Community)
		if err != nil {
			return "", "", err
		}
		r.ID, r.Number, r.ReportedAt, r.Token = newUUID7(), num, c.now, newTrackingToken()
		var sealed []any
		for _, f := range []struct{ col, v string }{{"reporter_name", r.ReporterName}, {"reporter_org", r.ReporterOrg},
			{"phone", string(r.Phone)}, {"child_name", r.ChildName}, {"where", r.Where}, {"details", r.Details}} {
			enc, err := s.seal(f.v, "report", f.col, r.ID)
			if err != nil {
				return "", "", err
			}
			sealed = append(sealed, enc)
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_reports (id, number, community, reporter_kind,
			reporter_name_enc, reporter_org_enc, phone_enc, child_name_enc, child_age, where_enc, concern, details_enc,
			user_id, token_hash, alert_id, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`),
			r.ID, r.Number, r.Community, string(r.ReporterKind), sealed[0], sealed[1], sealed[2], sealed[3], r.ChildAge,
			sealed[4], string(r.Concern), sealed[5], r.UserID, s.sealer.Index(indexReportToken, r.Token),
			s.db.dialect.timeArg(r.ReportedAt))
		if err != nil {
			return "", "", translateError(err, "save report")
		}
		a := &shequ.CareAlert{Community: r.Community, Source: shequ.AlertFromReport, ReportID: r.ID, Concern: r.Concern}
		if err := s.raiseAlert(c, a); err != nil {
			return "", "", err
		}
		r.AlertID = a.ID
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_reports SET alert_id = ? WHERE id = ?`), a.ID, r.ID); err != nil {
			return "", "", translateError(err, "link alert")
		}
		return r.ID, r.Community, nil
	})
}

// raiseAlert stores a new alert inside the change and tells the
// community's 儿童主任 and the township's 儿童督导员. Without any duty
// holder the county's officials are told at once.
func (s *CareService) raiseAlert(c *change, a *shequ.CareAlert) error {
	num, err := s.number(c, shequ.AlertPrefix, a.Community)
	if err != nil {
		return err
	}
	a.ID, a.Number, a.Status, a.RaisedAt, a.AckDue = newUUID7(), num, shequ.AlertOpen, c.now, c.now.Add(shequ.AlertAckWindow)
	_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO care_alerts (id, number, community, source, report_id,
		visit_id, person_id, concern, status, raised_at, ack_due, acknowledged_at, acknowledged_by, escalated_at,
		closed_at, outcome_enc, case_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', NULL, NULL, NULL, NULL)`),
		a.ID, a.Number, a.Community, string(a.Source), nullString(a.ReportID), nullString(a.VisitID), nullString(a.PersonID),
		string(a.Concern), string(a.Status), s.db.dialect.timeArg(a.RaisedAt), s.db.dialect.timeArg(a.AckDue))
	if err != nil {
		return translateError(err, "raise alert")
	}
	c.event(objCareAlert, a.ID, a.Community, "care.alert.raise", "", string(a.Status), string(a.Source))
	to, err := s.dutyHolders(c.ctx, c.tx, a.Community)
	if err != nil {
		return err
	}
	if len(to) == 0 {
		if to, err = s.accountsOf(c.ctx, c.tx, shequ.RoleOfficial, a.Community[:6], false); err != nil {
			return err
		}
	}
	c.notify(to, "care_alert_raised", objCareAlert, a.ID, a.Number)
	return nil
}

// dutyHolders are the community's 儿童主任 and its township's 儿童督导员.
func (s *CareService) dutyHolders(ctx context.Context, q querier, community string) ([]string, error) {
	dir, err := s.holders(ctx, q, shequ.DutyChildDirector, community)
	if err != nil {
		return nil, err
	}
	sup, err := s.holders(ctx, q, shequ.DutyChildSupervisor, community)
	return append(dir, sup...), err
}

// TrackReport implements shequ.CareService: the reporter's view through
// the tracking token; an unknown token is ENotFound. Audited, without the
// token.
func (s *CareService) TrackReport(ctx context.Context, token string) (*shequ.ReportStatus, error) {
	token = normalizeToken(token)
	if len(token) < 10 || len(token) > 40 {
		return nil, s.denied(ctx, shequ.ErrNotFound, auditReportTrack, objCareReport, "", "")
	}
	var st shequ.ReportStatus
	var id, community, status string
	var acked, closed, escalated time.Time
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT r.id, r.number, r.community, r.reported_at, a.status,
		a.acknowledged_at, a.closed_at, a.escalated_at FROM care_reports r JOIN care_alerts a ON a.id = r.alert_id
		WHERE r.token_hash = ?`), s.sealer.Index(indexReportToken, token)).Scan(&id, &st.Number, &community,
		scanTime(&st.ReportedAt), &status, scanTime(&acked), scanTime(&closed), scanTime(&escalated))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.denied(ctx, shequ.ErrNotFound, auditReportTrack, objCareReport, "", "")
	} else if err != nil {
		return nil, translateError(err, "track report")
	}
	st.Status, st.AcknowledgedAt, st.ClosedAt, st.Escalated = shequ.AlertStatus(status), optTime(acked), optTime(closed), !escalated.IsZero()
	if err := s.auditReads(ctx, auditReportTrack, objCareReport, []string{id}, []string{community}, ""); err != nil {
		return nil, err
	}
	return &st, nil
}

// alertColumns are the columns scanAlert reads.
const alertColumns = `id, number, community, source, report_id, visit_id, person_id, concern, status, raised_at, ack_due,
	acknowledged_at, acknowledged_by, escalated_at, closed_at, outcome_enc, case_id`

// scanAlert reads a row of alertColumns.
func (s *CareService) scanAlert(row rowScanner) (*shequ.CareAlert, error) {
	a := &shequ.CareAlert{}
	var source, concern, status string
	var report, visit, person, outcome, caseID sql.NullString
	var acked, escalated, closed time.Time
	if err := row.Scan(&a.ID, &a.Number, &a.Community, &source, &report, &visit, &person, &concern, &status,
		scanTime(&a.RaisedAt), scanTime(&a.AckDue), scanTime(&acked), &a.AcknowledgedBy, scanTime(&escalated),
		scanTime(&closed), &outcome, &caseID); err != nil {
		return nil, err
	}
	a.Source, a.Concern, a.Status = shequ.AlertSource(source), shequ.Concern(concern), shequ.AlertStatus(status)
	a.ReportID, a.VisitID, a.PersonID, a.CaseID = report.String, visit.String, person.String, caseID.String
	a.AcknowledgedAt, a.EscalatedAt, a.ClosedAt = optTime(acked), optTime(escalated), optTime(closed)
	var err error
	a.Outcome, err = s.open(outcome, "alert", "outcome", a.ID)
	return a, err
}

// loadAlert reads an alert (not authorized).
func (s *CareService) loadAlert(ctx context.Context, q querier, id string) (*shequ.CareAlert, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	a, err := s.scanAlert(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+alertColumns+` FROM care_alerts WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read alert")
	}
	return a, nil
}

// authorizeAlert checks act on an alert: the community's duty holders
// (with care.read for reading, care.alert for handling), and, once the
// alert is escalated, the accounts of the county or above with care.alert.
func (s *CareService) authorizeAlert(ctx context.Context, q querier, act shequ.Action, a *shequ.CareAlert) error {
	err := s.authorizeCare(ctx, q, act, a.Community)
	if err == nil {
		return nil
	}
	actor := shequ.ActorFrom(ctx)
	if a.EscalatedAt != nil && actor != nil && len(actor.Scope) <= 6 &&
		shequ.Authorize(actor, shequ.ActionCareAlert, &shequ.Object{Division: a.Community}) == nil {
		return nil
	}
	return err
}

// FindAlerts implements shequ.CareService: the alerts of the communities
// the actor's duties cover, and the escalated ones of their scope for the
// county's accounts; open ones and the oldest first. The list carries no
// personal data (number, community, concern, times).
func (s *CareService) FindAlerts(ctx context.Context, f shequ.AlertFilter) ([]*shequ.CareAlert, int, error) {
	actor := shequ.ActorFrom(ctx)
	if !isConsole(ctx) && !actor.Can(shequ.ActionCareRead) && !actor.Can(shequ.ActionCareAlert) {
		return nil, 0, s.denied(ctx, shequ.ErrForbidden, auditAlertRead, objCareAlert, "", f.Community)
	}
	conds := []string{"1 = 1"}
	var args []any
	if !isConsole(ctx) {
		acc, err := s.access(ctx, s.db.db)
		if err != nil {
			return nil, 0, err
		}
		cond, a := dutyScope("community", acc)
		if actor.Can(shequ.ActionCareAlert) && len(actor.Scope) <= 6 {
			sc, sa := prefixScope("community", actor.Scope)
			cond, a = "("+cond+" OR (escalated_at IS NOT NULL AND "+sc+"))", append(a, sa...)
		}
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.Community != "" {
		cond, a := prefixScope("community", f.Community)
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if f.Escalated {
		conds = append(conds, "escalated_at IS NOT NULL")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM care_alerts`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count alerts")
	}
	offset, limit := clampLimit(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+alertColumns+` FROM care_alerts`+where+`
		ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, raised_at, id LIMIT ? OFFSET ?`),
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "list alerts")
	}
	defer rows.Close()
	var out []*shequ.CareAlert
	for rows.Next() {
		a, err := s.scanAlert(rows)
		if err != nil {
			return nil, 0, translateError(err, "list alerts")
		}
		a.Outcome = "" // the list shows no texts
		out = append(out, a)
	}
	return out, total, translateError(rows.Err(), "list alerts")
}

// FindAlertByID implements shequ.CareService: the alert with its steps and
// the report that raised it (sealed texts opened); audited.
func (s *CareService) FindAlertByID(ctx context.Context, id string) (*shequ.AlertFile, error) {
	actor := shequ.ActorFrom(ctx)
	if !isConsole(ctx) && !actor.Can(shequ.ActionCareRead) && !actor.Can(shequ.ActionCareAlert) {
		return nil, s.denied(ctx, shequ.ErrForbidden, auditAlertRead, objCareAlert, id, "")
	}
	a, err := s.loadAlert(ctx, s.db.db, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, s.denied(ctx, err, auditAlertRead, objCareAlert, id, "")
		}
		return nil, err
	}
	if err := s.authorizeAlert(ctx, s.db.db, shequ.ActionCareRead, a); err != nil {
		return nil, s.denied(ctx, err, auditAlertRead, objCareAlert, id, a.Community)
	}
	file := &shequ.AlertFile{Alert: a}
	if a.Steps, err = s.alertSteps(ctx, s.db.db, a.ID); err != nil {
		return nil, err
	}
	if a.ReportID != "" {
		if file.Report, err = s.loadReport(ctx, a.ReportID); err != nil {
			return nil, err
		}
	}
	if a.PersonID != "" {
		if file.Person, err = s.loadPerson(ctx, s.db.db, a.PersonID); err != nil {
			return nil, err
		}
	}
	if err := s.auditReads(ctx, auditAlertRead, objCareAlert, []string{a.ID}, []string{a.Community}, "record"); err != nil {
		return nil, err
	}
	return file, nil
}

// loadReport reads a report with its sealed texts opened (not authorized).
func (s *CareService) loadReport(ctx context.Context, id string) (*shequ.CareReport, error) {
	r := &shequ.CareReport{ID: id}
	var kind, concern string
	var name, org, phone, child, where, details, alert sql.NullString
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT number, community, reporter_kind, reporter_name_enc,
		reporter_org_enc, phone_enc, child_name_enc, child_age, where_enc, concern, details_enc, user_id, alert_id,
		reported_at FROM care_reports WHERE id = ?`), id).Scan(&r.Number, &r.Community, &kind, &name, &org, &phone, &child,
		&r.ChildAge, &where, &concern, &details, &r.UserID, &alert, scanTime(&r.ReportedAt))
	if err != nil {
		return nil, noRows(err, "read report")
	}
	r.ReporterKind, r.Concern, r.AlertID = shequ.ReporterKind(kind), shequ.Concern(concern), alert.String
	o := &opener{s: s, table: "report", id: id}
	var ph string
	o.get(&r.ReporterName, name, "reporter_name")
	o.get(&r.ReporterOrg, org, "reporter_org")
	o.get(&ph, phone, "phone")
	o.get(&r.ChildName, child, "child_name")
	o.get(&r.Where, where, "where")
	o.get(&r.Details, details, "details")
	r.Phone = shequ.Phone(ph)
	return r, o.err
}

// alertSteps reads an alert's steps, oldest first, notes opened.
func (s *CareService) alertSteps(ctx context.Context, q querier, id string) ([]*shequ.AlertStep, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id, kind, at, by_id, by_name, note_enc FROM care_alert_steps
		WHERE alert_id = ? ORDER BY at, id`), id)
	if err != nil {
		return nil, translateError(err, "read alert steps")
	}
	defer rows.Close()
	var out []*shequ.AlertStep
	for rows.Next() {
		st := &shequ.AlertStep{}
		var kind string
		var note sql.NullString
		if err := rows.Scan(&st.ID, &kind, scanTime(&st.At), &st.ByID, &st.ByName, &note); err != nil {
			return nil, translateError(err, "read alert steps")
		}
		st.Kind = shequ.StepKind(kind)
		if st.Note, err = s.open(note, "alert_step", "note", st.ID); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, translateError(rows.Err(), "read alert steps")
}

// addStep records a timed step of an alert inside the change.
func (s *CareService) addStep(c *change, alertID string, kind shequ.StepKind, note string) error {
	id := newUUID7()
	enc, err := s.seal(note, "alert_step", "note", id)
	if err != nil {
		return err
	}
	_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO care_alert_steps (id, alert_id, kind, at, by_id, by_name,
		note_enc) VALUES (?, ?, ?, ?, ?, ?, ?)`), id, alertID, string(kind), s.db.dialect.timeArg(c.now), actorID(c.ctx),
		actorName(c.ctx), enc)
	return translateError(err, "record alert step")
}

// AcknowledgeAlert implements shequ.CareService: a duty holder (or, once
// escalated, the county) confirms the alert; the response time runs from
// raising to this. The other holders and a signed-in reporter are told.
func (s *CareService) AcknowledgeAlert(ctx context.Context, id string) (*shequ.CareAlert, error) {
	return s.alertWrite(ctx, id, auditAlertAck, func(c *change, a *shequ.CareAlert) error {
		if err := a.CanTransition(shequ.AlertAcknowledged); err != nil {
			return err
		}
		now := c.now
		a.Status, a.AcknowledgedAt, a.AcknowledgedBy = shequ.AlertAcknowledged, &now, actorID(c.ctx)
		if _, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE care_alerts SET status = ?, acknowledged_at = ?,
			acknowledged_by = ? WHERE id = ?`), string(a.Status), s.db.dialect.timeArg(now), a.AcknowledgedBy, a.ID); err != nil {
			return translateError(err, "acknowledge alert")
		}
		c.event(objCareAlert, a.ID, a.Community, auditAlertAck, string(shequ.AlertOpen), string(a.Status), "")
		return s.addStep(c, a.ID, shequ.StepAcknowledge, "")
	})
}

// RecordAlertStep implements shequ.CareService: a timed handling step, or
// the closing of the alert with its outcome. The alert must be
// acknowledged first.
func (s *CareService) RecordAlertStep(ctx context.Context, id string, in shequ.AlertStepInput) (*shequ.CareAlert, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.alertWrite(ctx, id, auditAlertStep, func(c *change, a *shequ.CareAlert) error {
		if in.Kind != shequ.StepClose {
			if a.Status != shequ.AlertAcknowledged {
				return a.CanTransition(shequ.AlertClosed) // names the state: acknowledge first
			}
			c.event(objCareAlert, a.ID, a.Community, auditAlertStep, "", "", string(in.Kind))
			return s.addStep(c, a.ID, in.Kind, in.Note)
		}
		if err := a.CanTransition(shequ.AlertClosed); err != nil {
			return err
		}
		now := c.now
		from := a.Status
		a.Status, a.ClosedAt, a.Outcome = shequ.AlertClosed, &now, in.Note
		enc, err := s.seal(in.Note, "alert", "outcome", a.ID)
		if err != nil {
			return err
		}
		if _, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE care_alerts SET status = ?, closed_at = ?, outcome_enc = ?
			WHERE id = ?`), string(a.Status), s.db.dialect.timeArg(now), enc, a.ID); err != nil {
			return translateError(err, "close alert")
		}
		c.event(objCareAlert, a.ID, a.Community, "care.alert.close", string(from), string(a.Status), "")
		return s.addStep(c, a.ID, shequ.StepClose, "")
	})
}

// alertWrite loads an alert in a write transaction, checks the actor may
// handle it, runs fn, and tells the other duty holders and a signed-in
// reporter what changed.
func (s *CareService) alertWrite(ctx context.Context, id, action string, fn func(c *change, a *shequ.CareAlert) error) (*shequ.CareAlert, error) {
	if err := authorizeResident(ctx, shequ.ActionCareAlert, nil); err != nil {
		return nil, s.denied(ctx, err, action, objCareAlert, id, "")
	}
	var out *shequ.CareAlert
	err := s.write(ctx, action, objCareAlert, func(c *change) (string, string, error) {
		a, err := s.loadAlert(ctx, c.tx, id)
		if err != nil {
			return "", "", refuse(err, action, objCareAlert, id, "")
		}
		if err := s.authorizeAlert(ctx, c.tx, shequ.ActionCareAlert, a); err != nil {
			return "", "", refuse(err, action, objCareAlert, id, a.Community)
		}
		from := a.Status
		if err := fn(c, a); err != nil {
			return "", "", err
		}
		if a.Status != from {
			to, err := s.dutyHolders(ctx, c.tx, a.Community)
			if err != nil {
				return "", "", err
			}
			var reporter string
			if a.ReportID != "" {
				_ = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT user_id FROM care_reports WHERE id = ?`), a.ReportID).Scan(&reporter)
			}
			c.notify(append(to, reporter), "care_alert_"+string(a.Status), objCareAlert, a.ID, a.Number)
		}
		if a.Steps, err = s.alertSteps(ctx, c.tx, a.ID); err != nil {
			return "", "", err
		}
		out = a
		return a.ID, a.Community, nil
	})
	return out, err
}

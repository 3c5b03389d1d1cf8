package sqlstore

import (
	"context"
	"database/sql"

	"shequ"
)

// Sweep implements shequ.CareService: the periodic rules, on the service's
// clock. Each item changes in a transaction of its own (with its timeline
// event, notifications and audit record, recorded as the system), so that
// one failure does not hold back the others and a sweep run twice does
// nothing twice:
//   - an alert still open AckWindow after it was raised is escalated to the
//     county: its officials and the township's 儿童督导员 are told;
//   - a visit more than the county's grace period overdue is escalated to
//     the township's 儿童督导员 (and its 儿童主任 reminded), once until
//     the next visit;
//   - an active child who has reached 16 is proposed for exit, and the
//     儿童主任 told to confirm it.
func (s *CareService) Sweep(ctx context.Context) (shequ.SweepResult, error) {
	var res shequ.SweepResult
	if shequ.ActorFrom(ctx) == nil && shequ.RequestMetaFrom(ctx).ClientAddr == "" {
		ctx = shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: systemActor, RequestID: auditSweep})
	}
	now := s.now()
	alerts, err := s.sweepIDs(ctx, `SELECT id FROM care_alerts WHERE status = 'open' AND escalated_at IS NULL AND ack_due < ?
		ORDER BY ack_due`, s.db.dialect.timeArg(now))
	if err != nil {
		return res, err
	}
	for _, id := range alerts {
		ok, err := s.escalateAlert(ctx, id)
		if err != nil {
			return res, err
		}
		if ok {
			res.AlertsEscalated++
		}
	}
	overdue, err := s.sweepIDs(ctx, `SELECT id FROM care_persons WHERE status <> 'exited' AND overdue_escalated_at IS NULL
		AND next_visit_due < ? ORDER BY next_visit_due`, dayArg(now))
	if err != nil {
		return res, err
	}
	for _, id := range overdue {
		ok, err := s.escalateVisit(ctx, id)
		if err != nil {
			return res, err
		}
		if ok {
			res.VisitsEscalated++
		}
	}
	turning, err := s.sweepIDs(ctx, `SELECT p.id FROM care_persons p JOIN residents r ON r.id = p.resident_id
		WHERE p.kind = 'child' AND p.status = 'active' AND r.birth_date <= ? ORDER BY r.birth_date`,
		dayArg(now.AddDate(-shequ.ChildExitAge, 0, 0)))
	if err != nil {
		return res, err
	}
	for _, id := range turning {
		ok, err := s.proposeExit(ctx, id)
		if err != nil {
			return res, err
		}
		if ok {
			res.ExitsProposed++
		}
	}
	return res, nil
}

// sweepIDs reads the ids a sweep rule selects.
func (s *CareService) sweepIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(query), args...)
	if err != nil {
		return nil, translateError(err, "sweep care")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translateError(err, "sweep care")
		}
		out = append(out, id)
	}
	return out, translateError(rows.Err(), "sweep care")
}

// escalateAlert escalates one alert if it is still open past its deadline
// (checked again inside the transaction).
func (s *CareService) escalateAlert(ctx context.Context, id string) (bool, error) {
	done := false
	err := s.write(ctx, auditSweep, objCareAlert, func(c *change) (string, string, error) {
		a, err := s.loadAlert(ctx, c.tx, id)
		if err != nil {
			return "", "", err
		}
		if !a.AckOverdue(c.now) || a.EscalatedAt != nil {
			return a.ID, a.Community, nil
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_alerts SET escalated_at = ? WHERE id = ?`),
			s.db.dialect.timeArg(c.now), a.ID); err != nil {
			return "", "", translateError(err, "escalate alert")
		}
		if err := s.addStep(c, a.ID, shequ.StepEscalate, ""); err != nil {
			return "", "", err
		}
		c.event(objCareAlert, a.ID, a.Community, "care.alert.escalate", "", "", "county")
		county, err := s.accountsOf(ctx, c.tx, shequ.RoleOfficial, a.Community[:6], false)
		if err != nil {
			return "", "", err
		}
		sup, err := s.holders(ctx, c.tx, shequ.DutyChildSupervisor, a.Community)
		if err != nil {
			return "", "", err
		}
		c.notify(append(county, sup...), "care_alert_escalated", objCareAlert, a.ID, a.Number)
		done = true
		return a.ID, a.Community, nil
	})
	return done, err
}

// escalateVisit escalates one person's overdue visit when it is past the
// county's grace period.
func (s *CareService) escalateVisit(ctx context.Context, id string) (bool, error) {
	done := false
	err := s.write(ctx, auditSweep, objCarePerson, func(c *change) (string, string, error) {
		var community, due string
		var escalated sql.NullString
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, next_visit_due, CAST(overdue_escalated_at AS TEXT)
			FROM care_persons WHERE id = ?`), id).Scan(&community, &due, &escalated); err != nil {
			return "", "", noRows(err, "read care person")
		}
		pol, err := s.policy(ctx, c.tx, community)
		if err != nil {
			return "", "", err
		}
		if escalated.Valid || !shequ.VisitEscalationDue(parseDay(due), pol.GraceDays, c.now) {
			return id, community, nil
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_persons SET overdue_escalated_at = ? WHERE id = ?`),
			s.db.dialect.timeArg(c.now), id); err != nil {
			return "", "", translateError(err, "escalate visit")
		}
		c.event(objCarePerson, id, community, "care.visit.escalate", "", "", due)
		to, err := s.dutyHolders(ctx, c.tx, community)
		if err != nil {
			return "", "", err
		}
		c.notify(to, "care_visit_overdue", objCarePerson, id, s.placeName(c, community))
		done = true
		return id, community, nil
	})
	return done, err
}

// proposeExit proposes an active child who has reached 16 for exit.
func (s *CareService) proposeExit(ctx context.Context, id string) (bool, error) {
	done := false
	err := s.write(ctx, auditSweep, objCarePerson, func(c *change) (string, string, error) {
		p, err := s.loadPerson(ctx, c.tx, id)
		if err != nil {
			return "", "", err
		}
		if !p.ShouldProposeExit(c.now) {
			return p.ID, p.Community, nil
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_persons SET status = ?, exit_proposed_at = ?,
			updated_at = ? WHERE id = ? AND status = ?`), string(shequ.CareExitProposed), s.db.dialect.timeArg(c.now),
			s.db.dialect.timeArg(c.now), p.ID, string(shequ.CareActive)); err != nil {
			return "", "", translateError(err, "propose exit")
		}
		c.event(objCarePerson, p.ID, p.Community, "care.exit.propose", string(shequ.CareActive),
			string(shequ.CareExitProposed), string(shequ.ExitAge16))
		to, err := s.holders(ctx, c.tx, shequ.DutyChildDirector, p.Community)
		if err != nil {
			return "", "", err
		}
		c.notify(to, "care_exit_proposed", objCarePerson, p.ID, s.placeName(c, p.Community))
		done = true
		return p.ID, p.Community, nil
	})
	return done, err
}

// placeName is the name of a division for a notification's subject (the
// village the notice is about), its code when the name cannot be read.
func (s *CareService) placeName(c *change, code string) string {
	if name, err := divisionName(c.ctx, s.db, c.tx, code); err == nil && name != "" {
		return name
	}
	return code
}

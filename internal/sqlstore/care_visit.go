package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"shequ"
)

// RecordVisit implements shequ.CareService: a duty holder records a visit
// with its checklist. The visit counts as on time when made by its due
// day; the next visit falls due one interval (the county's frequency for
// the risk level) after it, and an escalation of the overdue visit is
// cleared. A child under 16 found living alone raises an alert, as a
// mandatory report would.
func (s *CareService) RecordVisit(ctx context.Context, v *shequ.Visit) error {
	if err := authorizeResident(ctx, shequ.ActionCareVisit, nil); err != nil {
		return s.denied(ctx, err, auditVisitRecord, objCareVisit, v.PersonID, "")
	}
	return s.write(ctx, auditVisitRecord, objCareVisit, func(c *change) (string, string, error) {
		p, err := s.loadPerson(ctx, c.tx, v.PersonID)
		if err != nil {
			return "", "", refuse(err, auditVisitRecord, objCareVisit, v.PersonID, "")
		}
		if err := s.authorizeCare(ctx, c.tx, shequ.ActionCareVisit, p.Community); err != nil {
			return "", "", refuse(err, auditVisitRecord, objCareVisit, v.PersonID, p.Community)
		}
		if !p.Open() {
			return "", "", shequ.Errorf(shequ.EConflict, "care.person.exited", "The person has left care.")
		}
		if err := v.Validate(p, c.now); err != nil {
			return "", "", err
		}
		v.ID, v.Community, v.CreatedAt = newUUID7(), p.Community, c.now
		v.ByID, v.ByName = actorID(ctx), actorName(ctx)
		v.Date = shequ.Day(v.Date)
		onTime := !shequ.VisitOverdue(p.NextVisitDue, v.Date)
		notes, err := s.seal(v.Notes, "visit", "notes", v.ID)
		if err != nil {
			return "", "", err
		}
		needs := make([]string, len(v.Needs))
		for i, n := range v.Needs {
			needs[i] = string(n)
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_visits (id, person_id, community, day, mode, by_id,
			by_name, living_alone, guardian_present, guardian_able, attending_school, health_concern, safety_concern,
			needs, notes_enc, alert_id, on_time, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`),
			v.ID, p.ID, p.Community, dayArg(v.Date), string(v.Mode), v.ByID, v.ByName, v.LivingAlone, v.GuardianPresent,
			v.GuardianAble, v.AttendingSchool, v.HealthConcern, v.SafetyConcern, strings.Join(needs, ","), notes, onTime,
			s.db.dialect.timeArg(v.CreatedAt))
		if err != nil {
			return "", "", translateError(err, "record visit")
		}
		// A visit older than the last one does not move the plan back.
		if p.LastVisitOn == nil || !v.Date.Before(*p.LastVisitOn) {
			pol, err := s.policy(ctx, c.tx, p.Community)
			if err != nil {
				return "", "", err
			}
			p.VisitEveryDays = pol.Interval(p.Risk)
			p.NextVisitDue, p.LastVisitOn = shequ.NextVisitDue(v.Date, p.VisitEveryDays), &v.Date
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_persons SET last_visit_on = ?, next_visit_due = ?,
				visit_every_days = ?, overdue_escalated_at = NULL, updated_at = ? WHERE id = ?`), dayArg(v.Date),
				dayArg(p.NextVisitDue), p.VisitEveryDays, s.db.dialect.timeArg(c.now), p.ID); err != nil {
				return "", "", translateError(err, "plan next visit")
			}
		}
		c.event(objCarePerson, p.ID, p.Community, auditVisitRecord, "", "", string(v.Mode))
		open := 0
		if v.RaisesAlert(p) {
			// One alert at a time per person: while one is being handled,
			// a further visit finding the child alone adds to it (the
			// visit is on record) rather than raising another.
			if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM care_alerts WHERE person_id = ?
				AND status <> 'closed'`), p.ID).Scan(&open); err != nil {
				return "", "", translateError(err, "find open alerts")
			}
		}
		if v.RaisesAlert(p) && open == 0 {
			a := &shequ.CareAlert{Community: p.Community, Source: shequ.AlertFromVisit, VisitID: v.ID, PersonID: p.ID,
				Concern: shequ.ConcernLivingAlone}
			if err := s.raiseAlert(c, a); err != nil {
				return "", "", err
			}
			v.AlertID = a.ID
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_visits SET alert_id = ? WHERE id = ?`), a.ID, v.ID); err != nil {
				return "", "", translateError(err, "link alert")
			}
		}
		return v.ID, p.Community, nil
	})
}

// visitColumns are the columns scanVisit reads.
const visitColumns = `id, person_id, community, day, mode, by_id, by_name, living_alone, guardian_present, guardian_able,
	attending_school, health_concern, safety_concern, needs, notes_enc, alert_id, created_at`

// scanVisit reads a row of visitColumns.
func (s *CareService) scanVisit(row rowScanner) (*shequ.Visit, error) {
	v := &shequ.Visit{}
	var day, mode, needs string
	var notes, alert sql.NullString
	if err := row.Scan(&v.ID, &v.PersonID, &v.Community, &day, &mode, &v.ByID, &v.ByName, &v.LivingAlone,
		&v.GuardianPresent, &v.GuardianAble, &v.AttendingSchool, &v.HealthConcern, &v.SafetyConcern, &needs, &notes,
		&alert, scanTime(&v.CreatedAt)); err != nil {
		return nil, err
	}
	v.Date, v.Mode, v.AlertID = parseDay(day), shequ.VisitMode(mode), alert.String
	for _, n := range strings.Split(needs, ",") {
		if n != "" {
			v.Needs = append(v.Needs, shequ.CareNeedKind(n))
		}
	}
	var err error
	v.Notes, err = s.open(notes, "visit", "notes", v.ID)
	return v, err
}

// FindVisits implements shequ.CareService: the visits of a person, newest
// first, for the community's duty holders; audited as a read of the person.
func (s *CareService) FindVisits(ctx context.Context, personID string) ([]*shequ.Visit, error) {
	p, err := s.FindCarePersonByID(ctx, personID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+visitColumns+` FROM care_visits WHERE person_id = ?
		ORDER BY day DESC, created_at DESC`), p.ID)
	if err != nil {
		return nil, translateError(err, "read visits")
	}
	defer rows.Close()
	var out []*shequ.Visit
	for rows.Next() {
		v, err := s.scanVisit(rows)
		if err != nil {
			return nil, translateError(err, "read visits")
		}
		out = append(out, v)
	}
	return out, translateError(rows.Err(), "read visits")
}

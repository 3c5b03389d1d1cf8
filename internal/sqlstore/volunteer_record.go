package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"shequ"
)

// recordColumns are the columns scanRecord reads.
const recordColumns = `x.id, x.volunteer_id, r.name, x.community, x.opportunity_id, x.title, x.category,
	x.organizer_kind, x.org_id, x.organizer, x.project_id, x.day, x.minutes, x.recorded_by, x.recorder_name,
	x.corrects, x.reason, x.superseded_by, x.deposited, x.created_at`

// recordFrom is the FROM clause of recordColumns.
const recordFrom = `volunteer_records x JOIN volunteers v ON v.id = x.volunteer_id JOIN residents r ON r.id = v.resident_id`

// scanRecord reads a row of recordColumns.
func scanRecord(row rowScanner) (*shequ.ServiceRecord, error) {
	x := &shequ.ServiceRecord{}
	var cat, kind, day string
	var opp, org, project, corrects, superseded sql.NullString
	err := row.Scan(&x.ID, &x.VolunteerID, &x.Name, &x.Community, &opp, &x.Title, &cat, &kind, &org, &x.Organizer,
		&project, &day, &x.Minutes, &x.RecordedBy, &x.RecorderName, &corrects, &x.Reason, &superseded, &x.Deposited,
		scanTime(&x.CreatedAt))
	if err != nil {
		return nil, err
	}
	x.Category, x.OrganizerKind, x.Day = shequ.ServiceCategory(cat), shequ.OrganizerKind(kind), parseDay(day)
	x.OpportunityID, x.OrgID, x.ProjectID, x.Corrects, x.SupersededBy = opp.String, org.String, project.String,
		corrects.String, superseded.String
	return x, nil
}

// loadRecord reads one record (not authorized).
func (s *VolunteerService) loadRecord(ctx context.Context, q querier, id string) (*shequ.ServiceRecord, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	x, err := scanRecord(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+recordColumns+` FROM `+recordFrom+` WHERE x.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read service record")
	}
	return x, nil
}

// insertRecord writes a new service record inside c.
func (s *VolunteerService) insertRecord(c *change, x *shequ.ServiceRecord) error {
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO volunteer_records (id, volunteer_id, community,
		opportunity_id, title, category, organizer_kind, org_id, organizer, project_id, day, minutes, recorded_by,
		recorder_name, corrects, reason, superseded_by, deposited, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`), x.ID, x.VolunteerID, x.Community,
		nullString(x.OpportunityID), x.Title, string(x.Category), string(x.OrganizerKind), nullString(x.OrgID), x.Organizer,
		nullString(x.ProjectID), dayArg(x.Day), x.Minutes, x.RecordedBy, x.RecorderName, nullString(x.Corrects), x.Reason,
		x.Deposited, s.db.dialect.timeArg(x.CreatedAt))
	return translateError(err, "write service record")
}

// organizerName is the name an organizer is recorded under: the
// organization's, else the community's.
func (s *VolunteerService) organizerName(ctx context.Context, q querier, o *shequ.Opportunity) (string, error) {
	if o.OrgName != "" {
		return o.OrgName, nil
	}
	var name string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT name FROM divisions WHERE code = ?`), o.Community).Scan(&name)
	return name, translateError(err, "read community")
}

// notSelf refuses a record of the actor's own hours (谁组织谁记录: a
// volunteer never records or corrects their own service).
func notSelf(ctx context.Context, v *shequ.Volunteer) error {
	if a := shequ.ActorFrom(ctx); a != nil && v.UserID != "" && a.UserID == v.UserID {
		return shequ.Errorf(shequ.EForbidden, "record.own", "A volunteer cannot record their own hours.")
	}
	return nil
}

// ConfirmSignup implements shequ.VolunteerService: the organizer confirms
// a checked-out sign-up with the minutes actually served (the scanned span
// unless they say otherwise, with a note); the confirmation writes the
// service record and deposits the eligible minutes into the volunteer's
// time-bank account, and tells the volunteer.
func (s *VolunteerService) ConfirmSignup(ctx context.Context, id string, cf shequ.Confirmation) (*shequ.Signup, error) {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return nil, s.denied(ctx, err, auditConfirm, objSignup, id, "")
	}
	var out *shequ.Signup
	err := s.write(ctx, auditConfirm, objSignup, func(c *change) (string, string, error) {
		x, o, err := s.organizerSignup(c, id, auditConfirm)
		if err != nil {
			return "", "", err
		}
		if err := shequ.CanSignupTransition(x.State, shequ.SignupConfirmed); err != nil {
			return "", "", err
		}
		v, err := s.loadVolunteer(ctx, c.tx, x.VolunteerID, false)
		if err != nil {
			return "", "", err
		}
		if err := notSelf(ctx, v); err != nil {
			return "", "", refuse(err, auditConfirm, objSignup, id, x.Community)
		}
		minutes := x.Minutes
		note := strings.TrimSpace(cf.Note)
		if cf.Minutes != nil && *cf.Minutes != x.Minutes {
			minutes = *cf.Minutes
			if minutes < 0 || minutes > shequ.MaxServiceMinutes {
				return "", "", fieldError("minutes", "record.minutes.invalid", "Minutes are 0 to 1440.")
			}
			if n := utf8.RuneCountInString(note); n < 2 || n > shequ.MaxVolunteerText {
				return "", "", fieldError("note", "record.reason.required", "Say why the record is corrected (2 to 500 characters).")
			}
		}
		organizer, err := s.organizerName(ctx, c.tx, o)
		if err != nil {
			return "", "", err
		}
		rec := &shequ.ServiceRecord{ID: newUUID7(), VolunteerID: v.ID, Name: v.Name, Community: o.Community,
			OpportunityID: o.ID, Title: o.Title, Category: o.Category, OrganizerKind: o.OrganizerKind, OrgID: o.OrgID,
			Organizer: organizer, ProjectID: o.ProjectID, Day: o.Day, Minutes: minutes, RecordedBy: actorID(ctx),
			RecorderName: actorName(ctx), Reason: note, CreatedAt: c.now}
		if rec.Deposited, err = s.depositFor(c, v, rec); err != nil {
			return "", "", err
		}
		if err := s.insertRecord(c, rec); err != nil {
			return "", "", err
		}
		if rec.Deposited > 0 {
			if _, err := s.credit(c, v.ResidentID, v.Community, rec.Deposited, shequ.LedgerDeposit, rec.ID, rec.Title); err != nil {
				return "", "", err
			}
		}
		x.State, x.Minutes, x.RecordID = shequ.SignupConfirmed, minutes, rec.ID
		if err := s.moveSignup(c, x); err != nil {
			return "", "", err
		}
		c.event(objSignup, x.ID, x.Community, auditConfirm, string(shequ.SignupCheckedOut), string(x.State),
			fmt.Sprintf("minutes=%d", minutes))
		c.notify([]string{v.UserID}, "volunteer_hours_confirmed", objRecord, rec.ID, o.Title)
		out = x
		return x.ID, x.Community, nil
	})
	return out, err
}

// depositFor is what a record deposits under the county's policy: its
// minutes when the category is eligible, within what the yearly cap still
// allows (the year of the service day).
func (s *VolunteerService) depositFor(c *change, v *shequ.Volunteer, rec *shequ.ServiceRecord) (int, error) {
	pol, err := s.policy(c.ctx, c.tx, rec.Community[:6])
	if err != nil || !pol.Deposits(rec.Category) {
		return 0, err
	}
	year := rec.Day.In(shequ.Shanghai).Year()
	var done int
	err = c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT COALESCE(SUM(deposited), 0) FROM volunteer_records
		WHERE volunteer_id = ? AND superseded_by IS NULL AND day >= ? AND day <= ?`), v.ID,
		fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)).Scan(&done)
	if err != nil {
		return 0, translateError(err, "read deposits")
	}
	return pol.DepositFor(rec.Minutes, done), nil
}

// recordObject is what authorization sees of a record for reading: the
// community of the service, owned by the volunteer's account.
func (s *VolunteerService) recordReadable(ctx context.Context, q querier, x *shequ.ServiceRecord) error {
	v, err := s.loadVolunteer(ctx, q, x.VolunteerID, false)
	if err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, volunteerObject(v)); err == nil {
		return nil
	}
	return authorizeResident(ctx, shequ.ActionVolunteerRead, &shequ.Object{Division: x.Community, OwnerID: v.UserID})
}

// FindRecordByID implements shequ.VolunteerService.
func (s *VolunteerService) FindRecordByID(ctx context.Context, id string) (*shequ.ServiceRecord, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditRecordRead, objRecord, id, "")
	}
	x, err := s.loadRecord(ctx, s.db.db, id)
	if err != nil {
		return nil, s.denied(ctx, err, auditRecordRead, objRecord, id, "")
	}
	if err := s.recordReadable(ctx, s.db.db, x); err != nil {
		return nil, s.denied(ctx, err, auditRecordRead, objRecord, id, x.Community)
	}
	return x, nil
}

// FindRecords implements shequ.VolunteerService: the records of the
// actor's area (a resident: their own), newest first.
func (s *VolunteerService) FindRecords(ctx context.Context, f shequ.RecordFilter) ([]*shequ.ServiceRecord, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionVolunteerRead, auditRecordRead, objRecord, "x.community", f.Community)
	a := shequ.ActorFrom(ctx)
	if err == nil && !ok && a != nil && a.OwnOnly(shequ.ActionVolunteerRead) {
		// A resident's own records count wherever they served.
		q, ok = &listQuery{db: s.db}, true
	}
	if err != nil || !ok {
		return []*shequ.ServiceRecord{}, 0, err
	}
	if a.OwnOnly(shequ.ActionVolunteerRead) {
		q.conds = nil
		q.args = nil
		q.equal("r.user_id", a.UserID)
	}
	if f.VolunteerID != "" {
		q.equal("x.volunteer_id", f.VolunteerID)
	}
	if f.ProjectID != "" {
		q.equal("x.project_id", f.ProjectID)
	}
	if !f.All {
		q.conds = append(q.conds, "x.superseded_by IS NULL")
	}
	q.between("x.day", f.From, f.To)
	return listPage(ctx, q, recordFrom, recordColumns, "x.day DESC, x.created_at DESC, x.id", f.Offset, f.Limit,
		scanRecord, "service records")
}

// CorrectRecord implements shequ.VolunteerService: the organizer (never
// the volunteer) corrects a standing record with a new record naming it
// and why; the time bank follows the difference in a correction entry
// (never below the balance: minutes already spent stay spent).
func (s *VolunteerService) CorrectRecord(ctx context.Context, id string, cr shequ.Correction) (*shequ.ServiceRecord, error) {
	if err := authorizeResident(ctx, shequ.ActionOpportunityManage, nil); err != nil {
		return nil, s.denied(ctx, err, auditCorrect, objRecord, id, "")
	}
	if err := cr.Validate(); err != nil {
		return nil, err
	}
	var out *shequ.ServiceRecord
	err := s.write(ctx, auditCorrect, objRecord, func(c *change) (string, string, error) {
		old, err := s.loadRecord(ctx, c.tx, id)
		if err != nil {
			return "", "", refuse(err, auditCorrect, objRecord, id, "")
		}
		o := &shequ.Opportunity{Community: old.Community, OrgID: old.OrgID}
		if err := s.manage(ctx, c.tx, o, auditCorrect, id); err != nil {
			return "", "", err
		}
		if !old.Standing() {
			return "", "", shequ.Errorf(shequ.EConflict, "record.superseded", "This record was corrected already; correct the newest one.")
		}
		v, err := s.loadVolunteer(ctx, c.tx, old.VolunteerID, false)
		if err != nil {
			return "", "", err
		}
		if err := notSelf(ctx, v); err != nil {
			return "", "", refuse(err, auditCorrect, objRecord, id, old.Community)
		}
		rec := *old
		rec.ID, rec.Minutes, rec.Corrects, rec.Reason, rec.SupersededBy = newUUID7(), cr.Minutes, old.ID, cr.Reason, ""
		rec.RecordedBy, rec.RecorderName, rec.CreatedAt, rec.Deposited = actorID(ctx), actorName(ctx), c.now, 0
		// The old record stops counting first, so the cap sees the year
		// without it.
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE volunteer_records SET superseded_by = ? WHERE id = ?`),
			rec.ID, old.ID); err != nil {
			return "", "", translateError(err, "supersede record")
		}
		want, err := s.depositFor(c, v, &rec)
		if err != nil {
			return "", "", err
		}
		// The record goes first: the ledger entries name it.
		delta := want - old.Deposited
		if delta < 0 {
			held, err := s.balanceOf(c, v.ResidentID)
			if err != nil {
				return "", "", err
			}
			delta = -min(-delta, held)
		}
		rec.Deposited = old.Deposited + delta
		if err := s.insertRecord(c, &rec); err != nil {
			return "", "", err
		}
		if delta > 0 {
			if _, err := s.credit(c, v.ResidentID, v.Community, delta, shequ.LedgerCorrection, rec.ID, rec.Title); err != nil {
				return "", "", err
			}
		} else if delta < 0 {
			if err := s.takeBack(c, v.ResidentID, -delta, rec.ID, rec.Title); err != nil {
				return "", "", err
			}
		}
		c.event(objRecord, rec.ID, rec.Community, auditCorrect, fmt.Sprint(old.Minutes), fmt.Sprint(rec.Minutes), rec.Reason)
		c.notify([]string{v.UserID}, "volunteer_record_corrected", objRecord, rec.ID, rec.Title)
		out = &rec
		return rec.ID, rec.Community, nil
	})
	return out, err
}

// certificateColumns are the columns scanCertificate reads.
const certificateColumns = `id, number, volunteer_id, community, name, id_masked, from_day, to_day, minutes, records,
	categories, organizers, issued_by, issued_at, code_enc, revoked`

// scanCertificate reads a row of certificateColumns, opening the code.
func (s *VolunteerService) scanCertificate(row rowScanner) (*shequ.Certificate, error) {
	x := &shequ.Certificate{Categories: map[shequ.ServiceCategory]int{}}
	var from, to, cats, orgs, enc string
	err := row.Scan(&x.ID, &x.Number, &x.VolunteerID, &x.Community, &x.Name, &x.IDMasked, &from, &to, &x.Minutes,
		&x.Records, &cats, &orgs, &x.IssuedBy, scanTime(&x.IssuedAt), &enc, &x.Revoked)
	if err != nil {
		return nil, err
	}
	x.From, x.To, x.Organizers = parseDay(from), parseDay(to), splitList(orgs)
	for _, kv := range splitList(cats) {
		var k string
		var n int
		if _, err := fmt.Sscanf(strings.Replace(kv, "=", " ", 1), "%s %d", &k, &n); err == nil {
			x.Categories[shequ.ServiceCategory(k)] = n
		}
	}
	if x.Code, err = s.open(sql.NullString{String: enc, Valid: true}, "certificates", "code", x.ID); err != nil {
		return nil, err
	}
	return x, nil
}

// IssueCertificate implements shequ.VolunteerService: a certificate of the
// volunteer's standing records over [from, to], free of charge, issued in
// the name of the volunteer's community. The volunteer asks for their own;
// the keepers of the register issue for anyone of their area.
func (s *VolunteerService) IssueCertificate(ctx context.Context, volunteerID string, from, to time.Time) (*shequ.Certificate, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditCertIssue, objCertificate, volunteerID, "")
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, fieldError("to", "certificate.period.invalid", "The period ends after it starts.")
	}
	var out *shequ.Certificate
	err := s.write(ctx, auditCertIssue, objCertificate, func(c *change) (string, string, error) {
		v, err := s.loadVolunteer(ctx, c.tx, volunteerID, false)
		if err != nil {
			return "", "", refuse(err, auditCertIssue, objCertificate, volunteerID, "")
		}
		own := shequ.ActorFrom(ctx) != nil && shequ.ActorFrom(ctx).UserID == v.UserID
		act := shequ.ActionVolunteerWrite
		if own {
			act = shequ.ActionVolunteerJoin
		}
		if err := authorizeResident(ctx, act, volunteerObject(v)); err != nil {
			return "", "", refuse(err, auditCertIssue, objCertificate, volunteerID, v.Community)
		}
		rows, err := c.tx.QueryContext(ctx, s.db.rebind(`SELECT `+recordColumns+` FROM `+recordFrom+`
			WHERE x.volunteer_id = ? AND x.superseded_by IS NULL AND x.minutes > 0 AND x.day >= ? AND x.day <= ?
			ORDER BY x.day, x.id`), v.ID, dayArg(from), dayArg(to))
		if err != nil {
			return "", "", translateError(err, "read records")
		}
		recs, err := collectRows(rows, scanRecord, "read records")
		if err != nil {
			return "", "", err
		}
		if len(recs) == 0 {
			return "", "", shequ.Errorf(shequ.EConflict, "certificate.empty", "No confirmed service in this period.")
		}
		cert := &shequ.Certificate{ID: newUUID7(), VolunteerID: v.ID, Community: v.Community, Name: v.Name,
			IDMasked: v.IDMasked, From: parseDay(dayArg(from)), To: parseDay(dayArg(to)), Records: len(recs),
			Categories: map[shequ.ServiceCategory]int{}, IssuedAt: c.now}
		orgs := map[string]bool{}
		for _, r := range recs {
			cert.Minutes += r.Minutes
			cert.Categories[r.Category] += r.Minutes
			if !orgs[r.Organizer] {
				orgs[r.Organizer] = true
				cert.Organizers = append(cert.Organizers, r.Organizer)
			}
		}
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT name FROM divisions WHERE code = ?`), v.Community).
			Scan(&cert.IssuedBy); err != nil {
			return "", "", translateError(err, "read community")
		}
		county, year := v.Community[:6], c.now.In(shequ.Shanghai).Year()
		seq, err := nextNumber(ctx, s.db, c.tx, fmt.Sprintf("volunteer:cert:%s:%d", county, year))
		if err != nil {
			return "", "", err
		}
		cert.Number = fmt.Sprintf("VC%s-%d-%04d", county, year, seq)
		random := make([]byte, 13)
		if _, err := rand.Read(random); err != nil {
			return "", "", shequ.Wrap(err, "certificate code")
		}
		cert.Code = shequ.EncodeCertificateCode(random)
		enc, err := s.seal(cert.Code, "certificates", "code", cert.ID)
		if err != nil {
			return "", "", err
		}
		var cats []string
		for _, k := range shequ.ServiceCategories {
			if n, ok := cert.Categories[k]; ok {
				cats = append(cats, fmt.Sprintf("%s=%d", k, n))
			}
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO volunteer_certificates (id, number, volunteer_id,
			community, name, id_masked, from_day, to_day, minutes, records, categories, organizers, issued_by, issued_at,
			code_idx, code_enc, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), cert.ID, cert.Number,
			v.ID, v.Community, cert.Name, cert.IDMasked, dayArg(cert.From), dayArg(cert.To), cert.Minutes, cert.Records,
			strings.Join(cats, ","), strings.Join(cert.Organizers, ","), cert.IssuedBy, s.db.dialect.timeArg(c.now),
			s.sealer.Index("volunteer.certificate", shequ.NormalizeCertificateCode(cert.Code)), enc, false)
		if err != nil {
			return "", "", translateError(err, "issue certificate")
		}
		for _, r := range recs {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO volunteer_certificate_records (certificate_id,
				record_id) VALUES (?, ?)`), cert.ID, r.ID); err != nil {
				return "", "", translateError(err, "issue certificate")
			}
		}
		c.event(objCertificate, cert.ID, v.Community, auditCertIssue, "", cert.Number, "")
		out = cert
		return cert.ID, v.Community, nil
	})
	return out, err
}

// FindCertificates implements shequ.VolunteerService: the certificates of
// a volunteer the actor may read, newest first.
func (s *VolunteerService) FindCertificates(ctx context.Context, volunteerID string) ([]*shequ.Certificate, error) {
	if _, err := s.FindVolunteerByID(ctx, volunteerID, false); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+certificateColumns+` FROM volunteer_certificates
		WHERE volunteer_id = ? ORDER BY issued_at DESC, id`), volunteerID)
	if err != nil {
		return nil, translateError(err, "read certificates")
	}
	return collectRows(rows, s.scanCertificate, "read certificates")
}

// FindCertificate returns one certificate of a volunteer the actor may
// read (for its PDF).
func (s *VolunteerService) FindCertificate(ctx context.Context, id string) (*shequ.Certificate, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	x, err := s.scanCertificate(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+certificateColumns+
		` FROM volunteer_certificates WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read certificate")
	}
	if _, err := s.FindVolunteerByID(ctx, x.VolunteerID, false); err != nil {
		return nil, err
	}
	return x, nil
}

// VerifyCertificate implements shequ.VolunteerService: anyone checks a
// code; an unknown or malformed code is ENotFound. What it answers shows
// no more than the certificate itself, the name masked.
func (s *VolunteerService) VerifyCertificate(ctx context.Context, code string) (*shequ.CertificateCheck, error) {
	n := shequ.NormalizeCertificateCode(code)
	if n == "" {
		return nil, shequ.Errorf(shequ.ENotFound, "certificate.code.unknown", "No certificate has this code.")
	}
	x, err := s.scanCertificate(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+certificateColumns+
		` FROM volunteer_certificates WHERE code_idx = ?`), s.sealer.Index("volunteer.certificate", n)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.Errorf(shequ.ENotFound, "certificate.code.unknown", "No certificate has this code.")
	} else if err != nil {
		return nil, translateError(err, "read certificate")
	}
	var superseded int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM volunteer_certificate_records c
		JOIN volunteer_records x ON x.id = c.record_id WHERE c.certificate_id = ? AND x.superseded_by IS NOT NULL`), x.ID).
		Scan(&superseded); err != nil {
		return nil, translateError(err, "read certificate")
	}
	return &shequ.CertificateCheck{Number: x.Number, Name: shequ.MaskName(x.Name), IDMasked: x.IDMasked, From: x.From,
		To: x.To, Minutes: x.Minutes, Records: x.Records, IssuedBy: x.IssuedBy, IssuedAt: x.IssuedAt, Revoked: x.Revoked,
		Superseded: superseded > 0}, nil
}

// ProjectService sums the standing service records of a project's
// opportunities: the volunteers and hours its activities derive from.
func (s *VolunteerService) ProjectService(ctx context.Context, projectID string) (volunteers, minutes int, err error) {
	if !validID(projectID) {
		return 0, 0, nil
	}
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(DISTINCT volunteer_id), COALESCE(SUM(minutes), 0)
		FROM volunteer_records WHERE project_id = ? AND superseded_by IS NULL AND minutes > 0`), projectID).
		Scan(&volunteers, &minutes)
	return volunteers, minutes, translateError(err, "read project service")
}

// dayService is the volunteer service of a project on one day.
type dayService struct{ volunteers, minutes int }

// projectServiceDays sums a project's standing service records by day
// ('YYYY-MM-DD'): the volunteers and minutes its activities derive.
func projectServiceDays(ctx context.Context, db *DB, projectID string) (map[string]dayService, error) {
	out := map[string]dayService{}
	if !validID(projectID) {
		return out, nil
	}
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT day, COUNT(DISTINCT volunteer_id), SUM(minutes)
		FROM volunteer_records WHERE project_id = ? AND superseded_by IS NULL AND minutes > 0 GROUP BY day`), projectID)
	if err != nil {
		return nil, translateError(err, "read project service")
	}
	defer rows.Close()
	for rows.Next() {
		var day string
		var d dayService
		if err := rows.Scan(&day, &d.volunteers, &d.minutes); err != nil {
			return nil, translateError(err, "read project service")
		}
		out[day] = d
	}
	return out, translateError(rows.Err(), "read project service")
}

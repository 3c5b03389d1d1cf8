package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shequ"
)

// VolunteerService keeps volunteers, opportunities, sign-ups, service
// records, certificates and the time bank (issue 17). It implements
// shequ.VolunteerService and shequ.TimeBankService.
//
// Authorization is shequ.Authorize on the community of the record: a
// volunteer's and a time-bank account's owner is the resident's account
// (a resident reads and acts on their own only), an opportunity's owner an
// org_member who keeps the organizing organization. Service records are
// written by the organizer only (谁组织谁记录): the volunteer's own account
// can never confirm or correct their hours. Every write commits the
// change, its timeline event, its notifications and its audit record in
// one transaction; the time-bank ledger moves with a conditional update
// that never takes a balance below zero, on both engines.
type VolunteerService struct {
	db     *DB
	sealer shequ.Sealer

	// Now is the clock of the rules (check-in windows); nil means the
	// database's.
	Now func() time.Time
	// OnChange, when set, hears the communities concerned after a write.
	OnChange func(communities ...string)
	// ReminderLead is how long before an opportunity starts the
	// volunteers signed up are reminded (Remind); 0 means
	// shequ.DefaultReminderLead.
	ReminderLead time.Duration
}

var (
	_ shequ.VolunteerService = (*VolunteerService)(nil)
	_ shequ.TimeBankService  = (*VolunteerService)(nil)
)

// NewVolunteerService returns a VolunteerService on db sealing with sealer.
func NewVolunteerService(db *DB, sealer shequ.Sealer) *VolunteerService {
	return &VolunteerService{db: db, sealer: sealer}
}

// Object types and audited actions of the module.
const (
	objVolunteer    = "volunteer"
	objOpportunity  = "opportunity"
	objSignup       = "volunteer_signup"
	objRecord       = "volunteer_record"
	objCertificate  = "volunteer_certificate"
	objTimeBank     = "timebank_account"
	objTimeBankPol  = "timebank_policy"
	objWorkforce    = "workforce_member"
	objCourse       = "course"
	auditVolReg     = "volunteer.register"
	auditVolUpdate  = "volunteer.update"
	auditVolRead    = "volunteer.read"
	auditVolList    = "volunteer.list"
	auditVolImport  = "volunteer.import"
	auditOppCreate  = "opportunity.create"
	auditOppUpdate  = "opportunity.update"
	auditOppRead    = "opportunity.read"
	auditSignUp     = "signup.create"
	auditSignMove   = "signup.move"
	auditSignScan   = "signup.scan"
	auditConfirm    = "signup.confirm"
	auditRecordRead = "volunteer_record.read"
	auditCorrect    = "volunteer_record.correct"
	auditCertIssue  = "certificate.issue"
	auditTBRead     = "timebank.read"
	auditTBWithdraw = "timebank.withdraw"
	auditTBTransfer = "timebank.transfer"
	auditTBFamily   = "timebank.family"
	auditTBPolicy   = "timebank.policy"
)

// now is the rules' clock in UTC at the stored precision.
func (s *VolunteerService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.db.now()
}

// volAAD binds a sealed column to its row.
func volAAD(table, column, id string) string { return "volunteer." + table + "." + column + ":" + id }

// seal seals a text for a column of a row; "" is NULL.
func (s *VolunteerService) seal(text, table, column, id string) (any, error) {
	return sealColumn(s.sealer, text, table+"."+column, volAAD(table, column, id))
}

// open opens a sealed column; NULL is "".
func (s *VolunteerService) open(enc sql.NullString, table, column, id string) (string, error) {
	return openColumn(s.sealer, enc, table+"."+column, volAAD(table, column, id))
}

// write runs fn in one transaction: fn returns the object and the
// community it concerns; the change's events and notifications, then the
// audit record of action follow. A refusal is recorded after the rollback.
func (s *VolunteerService) write(ctx context.Context, action, objType string, fn func(c *change) (id, community string, err error)) error {
	var communities []string
	defer s.db.notesGen.Add(1)
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
		id, comm, err := fn(c)
		if err != nil {
			return err
		}
		communities = append([]string{comm}, c.touched...)
		if err := c.flush(); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, action, objType, id, comm, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, communities)
	return nil
}

// denied records a refusal outside a transaction and returns it.
func (s *VolunteerService) denied(ctx context.Context, err error, action, objType, id, community string) error {
	return s.db.recordDenied(ctx, err, action, objType, clipID(id), community)
}

// audited records the read of objects in a short transaction.
func (s *VolunteerService) audited(ctx context.Context, action, objType, id, community string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		return auditAllowed(ctx, s.db, tx, action, objType, id, community, "")
	})
}

// volunteerColumns are the columns scanVolunteer reads.
const volunteerColumns = `v.id, v.resident_id, v.community, r.name, r.id_number_enc, r.user_id, v.skills,
	v.availability, v.serves, v.emergency_name_enc, v.emergency_phone_enc, v.status, v.registered_on,
	(SELECT COALESCE(SUM(x.minutes), 0) FROM volunteer_records x WHERE x.volunteer_id = v.id AND x.superseded_by IS NULL),
	v.created_at, v.updated_at`

// volunteerFrom is the FROM clause of volunteerColumns.
const volunteerFrom = `volunteers v JOIN residents r ON r.id = v.resident_id`

// splitList reads a comma-separated list ("" is none).
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// joinList writes a list of codes comma-separated.
func joinList[T ~string](vs []T) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return strings.Join(out, ",")
}

// asList converts a list of strings to a list of codes.
func asList[T ~string](vs []string) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = T(v)
	}
	return out
}

// scanVolunteer reads a row of volunteerColumns; sealed contacts are
// opened when reveal is set, else masked.
func (s *VolunteerService) scanVolunteer(row rowScanner, reveal bool) (*shequ.Volunteer, error) {
	v := &shequ.Volunteer{}
	var idEnc, skills, avail, serves, status, reg string
	var user, eName, ePhone sql.NullString
	err := row.Scan(&v.ID, &v.ResidentID, &v.Community, &v.Name, &idEnc, &user, &skills, &avail, &serves, &eName,
		&ePhone, &status, &reg, &v.MinutesConfirmed, scanTime(&v.CreatedAt), scanTime(&v.UpdatedAt))
	if err != nil {
		return nil, err
	}
	v.UserID, v.Status, v.RegisteredOn = user.String, shequ.VolunteerStatus(status), parseDay(reg)
	v.Skills, v.Availability, v.Serves = asList[shequ.VolunteerSkill](splitList(skills)),
		asList[shequ.Availability](splitList(avail)), splitList(serves)
	id, err := s.sealer.Open(idEnc, residentAAD("id_number", v.ResidentID))
	if err != nil {
		return nil, shequ.Wrap(err, "open ID number")
	}
	v.IDMasked = shequ.Mask(shequ.PersonalIDNumber, id)
	if v.EmergencyName, err = s.open(eName, "volunteers", "emergency_name", v.ID); err != nil {
		return nil, err
	}
	phone, err := s.open(ePhone, "volunteers", "emergency_phone", v.ID)
	if err != nil {
		return nil, err
	}
	v.EmergencyPhone = shequ.Phone(phone)
	if !reveal {
		v.EmergencyName = shequ.MaskName(v.EmergencyName)
		if phone != "" {
			v.EmergencyPhone = shequ.Phone(v.EmergencyPhone.Masked())
		}
	}
	return v, nil
}

// loadVolunteer reads one volunteer (not authorized).
func (s *VolunteerService) loadVolunteer(ctx context.Context, q querier, id string, reveal bool) (*shequ.Volunteer, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	v, err := s.scanVolunteer(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+volunteerColumns+` FROM `+volunteerFrom+
		` WHERE v.id = ?`), id), reveal)
	if err != nil {
		return nil, noRows(err, "read volunteer")
	}
	return v, nil
}

// volunteerObject is what authorization sees of a volunteer.
func volunteerObject(v *shequ.Volunteer) *shequ.Object {
	return &shequ.Object{Division: v.Community, OwnerID: v.UserID}
}

// residentCommunity returns a resident's community and account, checking
// the resident exists (a field error on field otherwise).
func residentCommunity(ctx context.Context, db *DB, q querier, residentID, field string) (community, user string, err error) {
	var u sql.NullString
	err = q.QueryRowContext(ctx, db.rebind(`SELECT community, user_id FROM residents WHERE id = ?`), residentID).
		Scan(&community, &u)
	if !validID(residentID) || errors.Is(err, sql.ErrNoRows) {
		return "", "", fieldError(field, "volunteer.resident_id.required", "Pick the resident who volunteers.")
	}
	if err != nil {
		return "", "", translateError(err, "find resident")
	}
	return community, u.String, nil
}

// RegisterVolunteer implements shequ.VolunteerService: a community worker
// registers a resident of their area as a volunteer.
func (s *VolunteerService) RegisterVolunteer(ctx context.Context, v *shequ.Volunteer) error {
	if err := authorizeResident(ctx, shequ.ActionVolunteerWrite, nil); err != nil {
		return s.denied(ctx, err, auditVolReg, objVolunteer, "", "")
	}
	if err := v.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditVolReg, objVolunteer, func(c *change) (string, string, error) {
		if err := s.insertVolunteer(c, v, shequ.ActionVolunteerWrite, auditVolReg); err != nil {
			return "", "", err
		}
		return v.ID, v.Community, nil
	})
}

// Join implements shequ.VolunteerService: the signed-in resident registers
// themself.
func (s *VolunteerService) Join(ctx context.Context, v *shequ.Volunteer) error {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionVolunteerJoin, nil); err != nil || a == nil {
		if err == nil {
			err = shequ.ErrUnauthorized
		}
		return s.denied(ctx, err, auditVolReg, objVolunteer, "", "")
	}
	var rid string
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT id FROM residents WHERE user_id = ?`), a.UserID).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return shequ.Errorf(shequ.EConflict, "volunteer.join.unlinked", "Link your account to your resident record first.")
	} else if err != nil {
		return translateError(err, "find own resident")
	}
	v.ResidentID, v.Status = rid, shequ.VolunteerActive
	if err := v.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditVolReg, objVolunteer, func(c *change) (string, string, error) {
		if err := s.insertVolunteer(c, v, shequ.ActionVolunteerJoin, auditVolReg); err != nil {
			return "", "", err
		}
		return v.ID, v.Community, nil
	})
}

// insertVolunteer checks the resident and the actor's right over them and
// inserts v inside the change.
func (s *VolunteerService) insertVolunteer(c *change, v *shequ.Volunteer, act shequ.Action, audit string) error {
	comm, user, err := residentCommunity(c.ctx, s.db, c.tx, v.ResidentID, "resident_id")
	if err != nil {
		return err
	}
	v.Community, v.UserID = comm, user
	if err := authorizeResident(c.ctx, act, volunteerObject(v)); err != nil {
		return refuse(err, audit, objVolunteer, v.ResidentID, comm)
	}
	v.Serves = normalizeCodes(v.Serves, v.Community)
	v.ID, v.CreatedAt, v.UpdatedAt = newUUID7(), c.now, c.now
	if v.RegisteredOn.IsZero() {
		v.RegisteredOn = parseDay(dayArg(c.now))
	}
	name, err := s.seal(v.EmergencyName, "volunteers", "emergency_name", v.ID)
	if err != nil {
		return err
	}
	phone, err := s.seal(string(v.EmergencyPhone), "volunteers", "emergency_phone", v.ID)
	if err != nil {
		return err
	}
	_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO volunteers (id, resident_id, community, skills,
		availability, serves, emergency_name_enc, emergency_phone_enc, status, registered_on, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), v.ID, v.ResidentID, v.Community, joinList(v.Skills),
		joinList(v.Availability), strings.Join(v.Serves, ","), name, phone, string(v.Status), dayArg(v.RegisteredOn),
		s.db.dialect.timeArg(v.CreatedAt), s.db.dialect.timeArg(v.UpdatedAt))
	if err != nil {
		if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
			return fieldError("resident_id", "volunteer.resident_id.already", "The resident is already a volunteer.")
		}
		return translateError(err, "register volunteer")
	}
	var rname string
	if err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT name FROM residents WHERE id = ?`), v.ResidentID).
		Scan(&rname); err != nil {
		return translateError(err, "read resident")
	}
	v.Name = rname
	c.event(objVolunteer, v.ID, v.Community, audit, "", string(v.Status), "")
	return nil
}

// UpdateVolunteer implements shequ.VolunteerService: skills, availability,
// service areas, emergency contact and status. A community worker edits
// those of their area, a resident their own. A blank emergency contact on
// edit keeps the stored one (forms never show it in clear).
func (s *VolunteerService) UpdateVolunteer(ctx context.Context, v *shequ.Volunteer) error {
	act := shequ.ActionVolunteerWrite
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RoleResident {
		act = shequ.ActionVolunteerJoin
	}
	if err := authorizeResident(ctx, act, nil); err != nil {
		return s.denied(ctx, err, auditVolUpdate, objVolunteer, v.ID, "")
	}
	return s.write(ctx, auditVolUpdate, objVolunteer, func(c *change) (string, string, error) {
		old, err := s.loadVolunteer(c.ctx, c.tx, v.ID, true)
		if err != nil {
			return "", "", refuse(err, auditVolUpdate, objVolunteer, v.ID, "")
		}
		if err := authorizeResident(ctx, act, volunteerObject(old)); err != nil {
			return "", "", refuse(err, auditVolUpdate, objVolunteer, v.ID, old.Community)
		}
		if v.EmergencyName == "" && v.EmergencyPhone == "" {
			v.EmergencyName, v.EmergencyPhone = old.EmergencyName, old.EmergencyPhone
		}
		v.ResidentID = old.ResidentID
		if err := v.Validate(); err != nil {
			return "", "", err
		}
		v.Community, v.UserID, v.Name, v.IDMasked = old.Community, old.UserID, old.Name, old.IDMasked
		v.RegisteredOn, v.CreatedAt, v.UpdatedAt, v.MinutesConfirmed = old.RegisteredOn, old.CreatedAt, c.now, old.MinutesConfirmed
		v.Serves = normalizeCodes(v.Serves, v.Community)
		name, err := s.seal(v.EmergencyName, "volunteers", "emergency_name", v.ID)
		if err != nil {
			return "", "", err
		}
		phone, err := s.seal(string(v.EmergencyPhone), "volunteers", "emergency_phone", v.ID)
		if err != nil {
			return "", "", err
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE volunteers SET skills = ?, availability = ?, serves = ?,
			emergency_name_enc = ?, emergency_phone_enc = ?, status = ?, updated_at = ? WHERE id = ?`),
			joinList(v.Skills), joinList(v.Availability), strings.Join(v.Serves, ","), name, phone, string(v.Status),
			s.db.dialect.timeArg(c.now), v.ID)
		if err != nil {
			return "", "", translateError(err, "update volunteer")
		}
		c.event(objVolunteer, v.ID, v.Community, auditVolUpdate, string(old.Status), string(v.Status), "")
		return v.ID, v.Community, nil
	})
}

// FindVolunteerByID implements shequ.VolunteerService; the emergency
// contact is masked unless reveal is set and the actor may write the
// register (or is the volunteer). Audited.
func (s *VolunteerService) FindVolunteerByID(ctx context.Context, id string, reveal bool) (*shequ.Volunteer, error) {
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditVolRead, objVolunteer, id, "")
	}
	v, err := s.loadVolunteer(ctx, s.db.db, id, false)
	if err != nil {
		return nil, s.denied(ctx, err, auditVolRead, objVolunteer, id, "")
	}
	if err := authorizeResident(ctx, shequ.ActionVolunteerRead, volunteerObject(v)); err != nil {
		return nil, s.denied(ctx, err, auditVolRead, objVolunteer, id, v.Community)
	}
	if reveal {
		a := shequ.ActorFrom(ctx)
		if isConsole(ctx) || (a != nil && (a.UserID == v.UserID || authorizeResident(ctx, shequ.ActionVolunteerWrite, volunteerObject(v)) == nil)) {
			if v, err = s.loadVolunteer(ctx, s.db.db, id, true); err != nil {
				return nil, err
			}
		}
	}
	return v, s.audited(ctx, auditVolRead, objVolunteer, v.ID, v.Community)
}

// FindVolunteers implements shequ.VolunteerService: the register of the
// actor's area (a resident: their own record).
func (s *VolunteerService) FindVolunteers(ctx context.Context, f shequ.VolunteerFilter) ([]*shequ.Volunteer, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionVolunteerRead, auditVolList, objVolunteer, "v.community", f.Community)
	if err != nil || !ok {
		return []*shequ.Volunteer{}, 0, err
	}
	if a := shequ.ActorFrom(ctx); a.OwnOnly(shequ.ActionVolunteerRead) {
		q.equal("r.user_id", a.UserID)
	}
	enumFilter(q, "v.status", "status", f.Status, shequ.VolunteerStatuses, "volunteer.status.invalid", "Unknown status.")
	if f.Skill != "" {
		q.conds, q.args = append(q.conds, s.db.dialect.position("(',' || v.skills || ',')", "?")+" > 0"),
			append(q.args, ","+string(f.Skill)+",")
	}
	if f.TeamID != "" {
		q.conds, q.args = append(q.conds, `v.id IN (SELECT volunteer_id FROM volunteer_team_members WHERE team_id = ?)`),
			append(q.args, f.TeamID)
	}
	if f.ResidentID != "" {
		q.equal("v.resident_id", teamIDArg(f.ResidentID))
	}
	q.contains("r.name", f.Query)
	return listPage(ctx, q, volunteerFrom, volunteerColumns, "v.community, r.name, v.id", f.Offset, f.Limit,
		func(r rowScanner) (*shequ.Volunteer, error) { return s.scanVolunteer(r, false) }, "volunteers")
}

// ImportVolunteers implements shequ.VolunteerService: all rows or none.
func (s *VolunteerService) ImportVolunteers(ctx context.Context, vs []*shequ.Volunteer) error {
	if err := authorizeResident(ctx, shequ.ActionVolunteerWrite, nil); err != nil {
		return s.denied(ctx, err, auditVolImport, objVolunteer, "", "")
	}
	if err := prepareRows(vs, func(v *shequ.Volunteer) error { return v.Validate() },
		func(v *shequ.Volunteer) string { return v.ResidentID }, "volunteer.import.duplicate", "resident"); err != nil {
		return err
	}
	return writeImport(ctx, s.db, s.now(), vs,
		func(c *change, v *shequ.Volunteer) error {
			return s.insertVolunteer(c, v, shequ.ActionVolunteerWrite, auditVolImport)
		},
		func(v *shequ.Volunteer) (string, string) { return v.ID, v.Community }, auditVolImport, objVolunteer, s.OnChange)
}

// MyVolunteer implements shequ.VolunteerService.
func (s *VolunteerService) MyVolunteer(ctx context.Context) (*shequ.Volunteer, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, shequ.ErrUnauthorized
	}
	v, err := s.scanVolunteer(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+volunteerColumns+` FROM `+volunteerFrom+
		` WHERE r.user_id = ?`), a.UserID), true)
	if err != nil {
		return nil, noRows(err, "read own volunteer")
	}
	return v, nil
}

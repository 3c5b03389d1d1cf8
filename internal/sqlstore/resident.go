package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// ResidentService keeps residents and households. It implements
// shequ.ResidentService.
//
// ID and phone numbers are stored only sealed (AES-256-GCM through the
// shequ.Sealer, bound to the row and field) and as a blind index (keyed
// HMAC) for exact lookup and uniqueness; birth date and sex, derived from the
// ID number, are stored in clear for age queries.
//
// Every method authorizes the actor of the context with shequ.Authorize
// (console work, with no actor and RequestMeta.ClientAddr "cli", is trusted
// and still audited as "cli"). Refusals are recorded as denied through
// recordDenied. Writes append their audit record in the same transaction as
// the change: one record per resident, import included, so that the trail
// answers "who wrote this record" by object id. Reads of sensitive data
// append a record in a short write transaction before the data is returned:
// "resident.reveal" when ID and phone numbers are asked for in clear, and
// "resident.read_minor" for every record of a minor that is read, alone, in
// a list or as a household member. Audit details carry field names or
// catalogue keys, never values.
type ResidentService struct {
	db     *DB
	sealer shequ.Sealer
	// OnChange, when set, hears the communities whose residents changed in
	// number after a write (a resident created, imported or moved): the
	// figures per 1,000 residents follow (cmd/shequ/services_feed.go).
	OnChange func(communities ...string)
}

var _ shequ.ResidentService = (*ResidentService)(nil)

// NewResidentService returns a ResidentService on db sealing personal data
// with sealer.
func NewResidentService(db *DB, sealer shequ.Sealer) *ResidentService {
	return &ResidentService{db: db, sealer: sealer}
}

// Audited actions of this service. Denied attempts are recorded under the
// action that was tried.
const (
	auditResidentCreate    = "resident.create"
	auditResidentRead      = "resident.read"
	auditResidentList      = "resident.list"
	auditResidentReadMinor = "resident.read_minor"
	auditResidentReveal    = "resident.reveal"
	auditResidentUpdate    = "resident.update"
	auditResidentVerify    = "resident.verify"
	auditResidentImport    = "resident.import"
	auditResidentRegister  = "resident.register"
	auditHouseholdCreate   = "household.create"
	auditHouseholdRead     = "household.read"
	auditHouseholdReveal   = "household.reveal"
	auditResidentSearchID  = "resident.search_id"
	auditResidentMatch     = "resident.match"
)

// Audit object types.
const (
	objResident  = "resident"
	objHousehold = "household"
)

// Blind index kinds. The kind is part of the HMAC input, so equal digits of
// an ID number and a phone never index alike.
const (
	indexIDNumber = "id_number"
	indexPhone    = "phone"
)

// Limits of FindResidents.
const (
	defaultResidentLimit = 50
	maxResidentLimit     = 500
)

// residentAAD binds a sealed field to its row: a ciphertext copied into
// another row or field fails to open.
func residentAAD(field, id string) string { return "resident." + field + ":" + id }

// authorizeResident is shequ.Authorize, except that console work is trusted:
// the operator of the command line has the database file or URL anyway.
func authorizeResident(ctx context.Context, act shequ.Action, obj *shequ.Object) error {
	if isConsole(ctx) {
		return nil
	}
	return shequ.Authorize(shequ.ActorFrom(ctx), act, obj)
}

// residentObject is what authorization sees of a resident.
func residentObject(r *shequ.Resident) *shequ.Object {
	return &shequ.Object{Division: r.Community, OwnerID: r.UserID}
}

// refusal is an error found inside a transaction that must be recorded in
// the audit trail after the transaction rolled back: recordDenied writes in a
// transaction of its own, and on SQLite a second writer would wait for the
// first. settle records it.
type refusal struct {
	err                                    error
	action, objectType, objectID, division string
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// refuse wraps err to be recorded by settle.
func refuse(err error, action, objectType, objectID, division string) error {
	return &refusal{err: err, action: action, objectType: objectType, objectID: clipID(objectID), division: division}
}

// clipID bounds an object id taken from a request (it may be anything) to
// the length of a UUID, on a byte boundary of ASCII or not: audit columns are
// text and the id is only a hint for the auditor.
func clipID(id string) string {
	if len(id) > 36 {
		return strings.ToValidUTF8(id[:36], "")
	}
	return id
}

// settle records a refusal carried by err, if any, and returns the error
// the caller should see.
func (s *ResidentService) settle(ctx context.Context, err error) error {
	var r *refusal
	if errors.As(err, &r) {
		return s.db.recordDenied(ctx, r.err, r.action, r.objectType, r.objectID, r.division)
	}
	return err
}

// audit appends an allowed record of action inside tx.
func (s *ResidentService) audit(ctx context.Context, tx *sql.Tx, action, objectType, objectID, division, detail string) error {
	rec := s.db.newAudit(ctx, action, objectType, objectID, division, shequ.AuditAllowed)
	rec.Detail = detail
	return s.db.appendAudit(ctx, tx, rec)
}

// actorRef is who is recorded as having verified a resident: the user id,
// or "cli" for console work.
func actorRef(ctx context.Context) string {
	if a := shequ.ActorFrom(ctx); a != nil {
		return a.UserID
	}
	return cliActor
}

// normalizeResident validates r as a new record through the same rules as
// forms (ResidentInput.Apply) and stores the normalized values back: trimmed
// name, canonical ID and phone numbers, sorted tags (the order they read
// back in). A relation without a household is dropped.
func normalizeResident(r *shequ.Resident, now time.Time) error {
	name, id, phone := r.Name, string(r.IDNumber), string(r.Phone)
	community, household, relation := r.Community, r.HouseholdID, string(r.Relation)
	tags := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		tags[i] = string(t)
	}
	in := shequ.ResidentInput{Name: &name, IDNumber: &id, Phone: &phone, Community: &community,
		HouseholdID: &household, Relation: &relation, Tags: &tags}
	var v shequ.Resident
	if err := in.Apply(&v, now); err != nil {
		return err
	}
	if v.HouseholdID == "" {
		v.Relation = ""
	} else if _, err := uuid.Parse(v.HouseholdID); err != nil {
		return householdUnknown()
	}
	slices.Sort(v.Tags)
	r.Name, r.IDNumber, r.Phone, r.Community = v.Name, v.IDNumber, v.Phone, v.Community
	r.HouseholdID, r.Relation, r.Tags = v.HouseholdID, v.Relation, v.Tags
	return nil
}

// householdUnknown is the field error of a household id that names no
// household.
func householdUnknown() error {
	var fe shequ.FieldErrors
	fe.Add("household_id", "resident.household.unknown", "No household has this id.", nil)
	return fe.Err()
}

// checkPlacement checks inside tx that the community exists and that the
// household, if any, exists in the same community and gets at most one head.
// communities caches known community codes across the rows of an import.
func (s *ResidentService) checkPlacement(ctx context.Context, tx *sql.Tx, r *shequ.Resident, communities map[string]bool) error {
	var fe shequ.FieldErrors
	if !communities[r.Community] {
		var n int
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), r.Community).Scan(&n)
		if err != nil {
			return translateError(err, "check community")
		}
		if n == 0 {
			fe.Add("community_code", "resident.community.unknown", "No community has this code.", nil)
			return fe.Err()
		}
		if communities != nil {
			communities[r.Community] = true
		}
	}
	if r.HouseholdID == "" {
		return nil
	}
	var community string
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM households WHERE id = ?`), r.HouseholdID).
		Scan(&community)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return householdUnknown()
	case err != nil:
		return translateError(err, "check household")
	case community != r.Community:
		fe.Add("household_id", "resident.household.community", "The household belongs to another community.", nil)
		return fe.Err()
	}
	if r.Relation == shequ.RelationHead {
		var n int
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM residents
			WHERE household_id = ? AND relation = 'head' AND id <> ?`), r.HouseholdID, r.ID).Scan(&n)
		if err != nil {
			return translateError(err, "check household head")
		}
		if n > 0 {
			fe.Add("relation", "resident.household.head_taken", "The household already has a head.", nil)
			return fe.Err()
		}
	}
	return nil
}

// checkDuplicate fails with EConflict when another resident has the ID
// number. The message names that resident's community only when the actor
// could read the record there; otherwise it is neutral, so that the
// registry's content does not leak beyond the actor's scope.
func (s *ResidentService) checkDuplicate(ctx context.Context, tx *sql.Tx, r *shequ.Resident, idx string) error {
	var other, community, name string
	var userID sql.NullString
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT r.id, r.community, r.user_id, d.name
		FROM residents r JOIN divisions d ON d.code = r.community
		WHERE r.id_number_idx = ?`), idx).Scan(&other, &community, &userID, &name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return translateError(err, "check duplicate ID number")
	case other == r.ID:
		return nil
	}
	if authorizeResident(ctx, shequ.ActionResidentRead, &shequ.Object{Division: community, OwnerID: userID.String}) == nil {
		return shequ.Errorf(shequ.EConflict, "resident.id_number.taken_in",
			"A resident with this ID number is already registered in %s (%s).", name, community).
			With(map[string]any{"Community": community, "CommunityName": name})
	}
	return errIDNumberTaken()
}

// errIDNumberTaken is the neutral answer to a duplicate ID number.
func errIDNumberTaken() error {
	return shequ.Errorf(shequ.EConflict, "resident.id_number.taken", "A resident with this ID number is already registered.")
}

// sealed holds the stored forms of a resident's ID and phone numbers.
type sealed struct {
	idEnc, idIdx       string
	phoneEnc, phoneIdx any // nil without a phone
}

// seal encrypts and indexes the ID and phone numbers of r.
func (s *ResidentService) seal(r *shequ.Resident) (sealed, error) {
	var out sealed
	var err error
	if out.idEnc, err = s.sealer.Seal(string(r.IDNumber), residentAAD("id_number", r.ID)); err != nil {
		return out, sealFailed(err, "seal ID number")
	}
	out.idIdx = s.sealer.Index(indexIDNumber, string(r.IDNumber))
	if r.Phone != "" {
		enc, err := s.sealer.Seal(string(r.Phone), residentAAD("phone", r.ID))
		if err != nil {
			return out, sealFailed(err, "seal phone")
		}
		out.phoneEnc, out.phoneIdx = enc, s.sealer.Index(indexPhone, string(r.Phone))
	}
	return out, nil
}

// CreateResident stores a new resident with its tags. It assigns a UUIDv7
// when ID is empty, validates and normalizes r as a form would, checks that
// the community and household exist, and refuses a duplicate ID number
// (EConflict, see checkDuplicate). A new record is unverified and not linked
// to an account. Audited "resident.create".
func (s *ResidentService) CreateResident(ctx context.Context, r *shequ.Resident) error {
	if err := authorizeResident(ctx, shequ.ActionResidentWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditResidentCreate, objResident, r.ID, r.Community)
	}
	now := s.db.now()
	if err := prepareNewResident(r, now); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionResidentWrite, residentObject(r)); err != nil {
		return s.db.recordDenied(ctx, err, auditResidentCreate, objResident, r.ID, r.Community)
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertResident(ctx, tx, r, nil, auditResidentCreate); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditResidentCreate, objResident, r.ID, r.Community, "")
	})
	if err := s.settle(ctx, err); err != nil {
		return err
	}
	notifyChange(s.OnChange, []string{r.Community})
	return nil
}

// prepareNewResident normalizes r, gives it an id and the state of a new
// record.
func prepareNewResident(r *shequ.Resident, now time.Time) error {
	if err := normalizeResident(r, now); err != nil {
		return err
	}
	if r.ID == "" {
		r.ID = newUUID7()
	} else if _, err := uuid.Parse(r.ID); err != nil {
		// PostgreSQL would reject it as uuid, SQLite would not.
		return shequ.Errorf(shequ.EInvalid, "resident.id.malformed", "The resident id is not a UUID.")
	}
	r.UserID, r.Verified, r.VerifiedAt, r.VerifiedBy = "", false, nil, ""
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// insertResident checks placement and uniqueness of a normalized r and
// inserts it with its tags inside tx. A refused duplicate is returned as a
// refusal of action, to be recorded as a failed attempt.
func (s *ResidentService) insertResident(ctx context.Context, tx *sql.Tx, r *shequ.Resident, communities map[string]bool, action string) error {
	if err := s.checkPlacement(ctx, tx, r, communities); err != nil {
		return err
	}
	sv, err := s.seal(r)
	if err != nil {
		return err
	}
	if err := s.checkDuplicate(ctx, tx, r, sv.idIdx); err != nil {
		return refuse(err, action, objResident, r.ID, r.Community)
	}
	d := s.db.dialect
	_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO residents
		(id, name, id_number_enc, id_number_idx, phone_enc, phone_idx, birth_date, sex, community,
		 household_id, relation, user_id, verified, verified_at, verified_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, ?, ?)`),
		r.ID, r.Name, sv.idEnc, sv.idIdx, sv.phoneEnc, sv.phoneIdx, r.BirthDate().Format(time.DateOnly),
		string(r.Sex()), r.Community, nullString(r.HouseholdID), nullString(string(r.Relation)), false,
		d.timeArg(r.CreatedAt), d.timeArg(r.UpdatedAt))
	if err != nil {
		return uniqueAsNeutral(translateError(err, "create resident"))
	}
	return s.insertTags(ctx, tx, r.ID, r.Tags)
}

// uniqueAsNeutral turns a unique violation that slipped past the checks (a
// concurrent writer) into the neutral duplicate answer.
func uniqueAsNeutral(err error) error {
	if e := shequ.AsError(err); e.Key == "db.duplicate" {
		return errIDNumberTaken()
	}
	return err
}

// insertTags stores tags of a resident in one statement.
func (s *ResidentService) insertTags(ctx context.Context, tx *sql.Tx, id string, tags []shequ.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		args = append(args, id, string(t))
	}
	q := `INSERT INTO resident_tags (resident_id, tag) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(tags)), ", ")
	if _, err := tx.ExecContext(ctx, s.db.rebind(q), args...); err != nil {
		return translateError(err, "store resident tags")
	}
	return nil
}

// residentColumns are read by scanResident, with the table aliased r.
const residentColumns = `r.id, r.name, r.id_number_enc, r.phone_enc, r.community, r.household_id, r.relation,
	r.user_id, r.verified, r.verified_at, r.verified_by, r.created_at, r.updated_at`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanResident reads residentColumns and opens the sealed numbers. Tags are
// loaded separately (loadTags).
func (s *ResidentService) scanResident(row rowScanner) (*shequ.Resident, error) {
	var r shequ.Resident
	var idEnc string
	var phoneEnc, household, relation, userID, verifiedBy sql.NullString
	var verifiedAt time.Time
	if err := row.Scan(&r.ID, &r.Name, &idEnc, &phoneEnc, &r.Community, &household, &relation, &userID,
		&r.Verified, scanTime(&verifiedAt), &verifiedBy, scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt)); err != nil {
		return nil, err
	}
	r.HouseholdID, r.Relation, r.UserID, r.VerifiedBy = household.String, shequ.Relation(relation.String),
		userID.String, verifiedBy.String
	if !verifiedAt.IsZero() {
		r.VerifiedAt = &verifiedAt
	}
	id, err := s.sealer.Open(idEnc, residentAAD("id_number", r.ID))
	if err != nil {
		return nil, fmt.Errorf("open ID number of resident %s: %w", r.ID, err)
	}
	r.IDNumber = shequ.IDNumber(id)
	if phoneEnc.Valid {
		p, err := s.sealer.Open(phoneEnc.String, residentAAD("phone", r.ID))
		if err != nil {
			return nil, fmt.Errorf("open phone of resident %s: %w", r.ID, err)
		}
		r.Phone = shequ.Phone(p)
	}
	return &r, nil
}

// loadResident reads one resident with its tags; ErrNotFound when there is
// none (or id is not a UUID).
func (s *ResidentService) loadResident(ctx context.Context, q querier, id string) (*shequ.Resident, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	r, err := s.scanResident(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+residentColumns+`
		FROM residents r WHERE r.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find resident")
	}
	if err := s.loadTags(ctx, q, []*shequ.Resident{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// loadTags fills the tags of residents with one query.
func (s *ResidentService) loadTags(ctx context.Context, q querier, rs []*shequ.Resident) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*shequ.Resident, len(rs))
	args := make([]any, len(rs))
	for i, r := range rs {
		byID[r.ID], args[i] = r, r.ID
		r.Tags = nil
	}
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT resident_id, tag FROM resident_tags
		WHERE resident_id IN (`+placeholders(len(rs))+`) ORDER BY resident_id, tag`), args...)
	if err != nil {
		return translateError(err, "find resident tags")
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return translateError(err, "find resident tags")
		}
		if r := byID[id]; r != nil {
			r.Tags = append(r.Tags, shequ.Tag(tag))
		}
	}
	return translateError(rows.Err(), "find resident tags")
}

// FindResidentByID returns a resident with ID and phone numbers in clear,
// whether or not reveal is set: the store has to open them anyway, and
// showing them masked is the caller's part (the web masks unless reveal).
// reveal asks for the permission to show them: it needs
// ActionResidentReveal (else EForbidden, recorded as denied) and is audited
// "resident.reveal". Reading a minor's record is audited
// "resident.read_minor". A record outside the actor's scope, or not the
// resident's own for a resident, answers ENotFound like a missing one, and
// the attempt is recorded as denied.
func (s *ResidentService) FindResidentByID(ctx context.Context, id string, reveal bool) (*shequ.Resident, error) {
	// The permission alone first: a role that may not read residents at all
	// gets the same answer whether the id exists or not.
	if err := authorizeResident(ctx, shequ.ActionResidentRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditResidentRead, objResident, clipID(id), "")
	}
	r, err := s.loadResident(ctx, s.db.db, id)
	if shequ.ErrorCode(err) == shequ.ENotFound {
		return nil, s.db.recordDenied(ctx, err, auditResidentRead, objResident, clipID(id), "")
	} else if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionResidentRead, residentObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditResidentRead, objResident, id, r.Community)
	}
	if reveal {
		if err := authorizeResident(ctx, shequ.ActionResidentReveal, residentObject(r)); err != nil {
			return nil, s.db.recordDenied(ctx, err, auditResidentReveal, objResident, id, r.Community)
		}
	}
	if err := s.auditReads(ctx, []*shequ.Resident{r}, reveal, "record"); err != nil {
		return nil, err
	}
	return r, nil
}

// auditReads records, in one short write transaction, the reveal of the
// first resident when reveal is set and the read of every minor among rs;
// where says how they were read ("record", "list", "household"). Nothing is
// written when there is nothing sensitive.
func (s *ResidentService) auditReads(ctx context.Context, rs []*shequ.Resident, reveal bool, where string) error {
	now := s.db.now()
	var minors []*shequ.Resident
	for _, r := range rs {
		if r.MinorAt(now) {
			minors = append(minors, r)
		}
	}
	if !reveal && len(minors) == 0 {
		return nil
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if reveal {
			if err := s.audit(ctx, tx, auditResidentReveal, objResident, rs[0].ID, rs[0].Community, "fields=id_number,phone"); err != nil {
				return err
			}
		}
		for _, r := range minors {
			if err := s.audit(ctx, tx, auditResidentReadMinor, objResident, r.ID, r.Community, where); err != nil {
				return err
			}
		}
		return nil
	})
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// SocialWorkerService keeps the register of social workers (社会工作者). It
// implements shequ.SocialWorkerService.
//
// A worker's ID and phone numbers follow the residents' rules: stored only
// sealed, with the AADs "worker.id_number:<id>" and "worker.phone:<id>", and
// the ID number also as a blind index that keeps it unique in the register.
// Birth date and sex, derived from it, are stored in clear for breakdowns.
//
// Authorization is shequ.Authorize with ActionWorkerRead and
// ActionWorkerWrite on the worker's home community, the owner being the
// linked account (UserID): a social_worker edits only their own record and
// may not re-link it. Creating and importing is for the keepers of the
// register (community workers, officials). Asking for the numbers in clear
// (FindWorkerByID with reveal) needs ActionWorkerWrite, the permission of
// those who keep the record, and is audited "worker.reveal"; the residents'
// ActionResidentReveal is not used because the register is not the
// residents' and its keepers include officials. The permission is checked
// before any lookup, and a record out of scope answers ENotFound like a
// missing one, with a denied audit record. Writes are audited in their
// transaction ("worker.create", "worker.update" with the changed field
// names, "worker.import" once per row).
type SocialWorkerService struct {
	db     *DB
	sealer shequ.Sealer

	// OnChange, when set, is called after every committed write with the
	// communities whose figures may have changed: the old and new home
	// communities and communities served. It is not called after a failed
	// or refused write.
	OnChange func(communities ...string)
}

var _ shequ.SocialWorkerService = (*SocialWorkerService)(nil)

// NewSocialWorkerService returns a SocialWorkerService on db sealing
// personal data with sealer.
func NewSocialWorkerService(db *DB, sealer shequ.Sealer) *SocialWorkerService {
	return &SocialWorkerService{db: db, sealer: sealer}
}

// Audited actions of SocialWorkerService; denied attempts are recorded
// under the action tried.
const (
	auditWorkerCreate = "worker.create"
	auditWorkerRead   = "worker.read"
	auditWorkerList   = "worker.list"
	auditWorkerReveal = "worker.reveal"
	auditWorkerUpdate = "worker.update"
	auditWorkerImport = "worker.import"
	auditWorkerReseal = "worker.reseal"
	objWorker         = "social_worker"
)

// workerAAD binds a sealed field of a worker to its row.
func workerAAD(field, id string) string { return "worker." + field + ":" + id }

// workerObject is what authorization sees of a worker.
func workerObject(w *shequ.SocialWorker) *shequ.Object {
	return &shequ.Object{Division: w.Community, OwnerID: w.UserID}
}

// workerCommunities are the communities whose figures a worker counts in.
func workerCommunities(w *shequ.SocialWorker) []string {
	return append([]string{w.Community}, w.Serves...)
}

// normalizeWorker validates w (shequ.SocialWorker.Validate plus the forms of
// the ids it refers to) and brings it to its stored form: trimmed text,
// normalized ID and phone numbers, sorted sets without the home community
// among those served, and the fields that do not apply cleared (no
// certificate without a qualification, no employer name unless "other", no
// employing organization unless "org").
func normalizeWorker(w *shequ.SocialWorker, now time.Time) error {
	w.Community = strings.TrimSpace(w.Community)
	w.CertNumber = strings.TrimSpace(w.CertNumber)
	w.EmployerOrgID = strings.TrimSpace(w.EmployerOrgID)
	w.EmployerName = strings.TrimSpace(w.EmployerName)
	w.UserID = strings.TrimSpace(w.UserID)
	w.Serves = normalizeCodes(w.Serves, w.Community)
	w.Functions, w.Areas = normalizeSet(w.Functions), normalizeSet(w.Areas)
	var fe shequ.FieldErrors
	if w.EmployerKind == shequ.EmployerOrg && w.EmployerOrgID != "" {
		if _, err := uuid.Parse(w.EmployerOrgID); err != nil {
			fe.Add("employer_org_id", "worker.employer.org_unknown", "No organization of the register has this id.", nil)
		}
	}
	if w.UserID != "" {
		if _, err := uuid.Parse(w.UserID); err != nil {
			fe.Add("user_id", "worker.user.invalid", "The linked account is an existing org_member or social_worker account.", nil)
		}
	}
	if err := mergeFieldErrors(w.Validate(now), fe); err != nil {
		return err
	}
	id, _ := shequ.ParseIDNumber(string(w.IDNumber), now)
	w.IDNumber = id
	if w.Phone != "" {
		w.Phone, _ = shequ.ParsePhone(string(w.Phone))
	}
	if !w.Qualification.Certified() {
		w.CertNumber, w.CertYear = "", 0
	}
	if w.EmployerKind != shequ.EmployerOrg {
		w.EmployerOrgID = ""
	}
	if w.EmployerKind != shequ.EmployerOther {
		w.EmployerName = ""
	}
	return nil
}

// prepareNewWorker normalizes w and gives it an id and the times of a new
// record.
func prepareNewWorker(w *shequ.SocialWorker, now time.Time) error {
	if err := normalizeWorker(w, now); err != nil {
		return err
	}
	if w.ID == "" {
		w.ID = newUUID7()
	} else if _, err := uuid.Parse(w.ID); err != nil {
		return shequ.Errorf(shequ.EInvalid, "worker.id.malformed", "The social worker id is not a UUID.")
	}
	w.CreatedAt, w.UpdatedAt = now, now
	return nil
}

// checkWorkerRefs checks inside tx what w refers to: its communities and
// employing organization exist, and the linked account is an org_member or
// social_worker account linked to no other worker. It answers field errors.
func (s *SocialWorkerService) checkWorkerRefs(ctx context.Context, tx *sql.Tx, w *shequ.SocialWorker, cc *communityChecker) error {
	var fe shequ.FieldErrors
	if c, err := cc.missing(ctx, tx, w.Community); err != nil {
		return err
	} else if c != "" {
		fe.Add("community_code", "resident.community.unknown", "No community has this code.", nil)
	}
	if c, err := cc.missing(ctx, tx, w.Serves...); err != nil {
		return err
	} else if c != "" {
		fe.Add("serves", "org.serves.unknown", fmt.Sprintf("No community has the code %s.", c), map[string]any{"Code": c})
	}
	if w.EmployerOrgID != "" {
		var n int
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_orgs WHERE id = ?`), w.EmployerOrgID).Scan(&n)
		if err != nil {
			return translateError(err, "check employer")
		}
		if n == 0 {
			fe.Add("employer_org_id", "worker.employer.org_unknown", "No organization of the register has this id.", nil)
		}
	}
	if w.UserID != "" {
		roles, err := userRoles(ctx, s.db, tx, []string{w.UserID})
		if err != nil {
			return err
		}
		if r := roles[w.UserID]; r != shequ.RoleOrgMember && r != shequ.RoleSocialWorker {
			fe.Add("user_id", "worker.user.invalid", "The linked account is an existing org_member or social_worker account.", nil)
		} else {
			var n int
			err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_workers WHERE user_id = ? AND id <> ?`),
				w.UserID, w.ID).Scan(&n)
			if err != nil {
				return translateError(err, "check linked account")
			}
			if n > 0 {
				fe.Add("user_id", "worker.user.taken", "The account is already linked to another social worker.", nil)
			}
		}
	}
	return fe.Err()
}

// checkWorkerDuplicate fails with EConflict when another worker has the ID
// number (its blind index idx). As for residents, the message names that
// worker's community only when the actor could read the record there;
// otherwise it is neutral.
func (s *SocialWorkerService) checkWorkerDuplicate(ctx context.Context, tx *sql.Tx, w *shequ.SocialWorker, idx string) error {
	var other, community, name string
	var userID sql.NullString
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT w.id, w.community, w.user_id, d.name
		FROM social_workers w JOIN divisions d ON d.code = w.community
		WHERE w.id_number_idx = ?`), idx).Scan(&other, &community, &userID, &name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return translateError(err, "check duplicate ID number")
	case other == w.ID:
		return nil
	}
	if authorizeResident(ctx, shequ.ActionWorkerRead, &shequ.Object{Division: community, OwnerID: userID.String}) == nil {
		return shequ.Errorf(shequ.EConflict, "worker.id_number.taken_in",
			"A social worker with this ID number is already registered in %s (%s).", name, community).
			With(map[string]any{"Community": community, "CommunityName": name})
	}
	return errWorkerIDNumberTaken()
}

// errWorkerIDNumberTaken is the neutral answer to a duplicate ID number.
func errWorkerIDNumberTaken() error {
	return shequ.Errorf(shequ.EConflict, "worker.id_number.taken", "A social worker with this ID number is already registered.")
}

// sealWorker returns the stored forms of the ID number (ciphertext and
// index) and phone (nil without one).
func (s *SocialWorkerService) sealWorker(w *shequ.SocialWorker) (idEnc, idIdx string, phone any, err error) {
	if idEnc, err = s.sealer.Seal(string(w.IDNumber), workerAAD("id_number", w.ID)); err != nil {
		return "", "", nil, sealFailed(err, "seal ID number")
	}
	if w.Phone != "" {
		if phone, err = s.sealer.Seal(string(w.Phone), workerAAD("phone", w.ID)); err != nil {
			return "", "", nil, sealFailed(err, "seal phone")
		}
	}
	return idEnc, s.sealer.Index(indexIDNumber, string(w.IDNumber)), phone, nil
}

// nullInt returns nil for 0 so that an absent number is stored as NULL.
func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// CreateWorker stores a new social worker. It assigns a UUIDv7 when ID is
// empty, validates and normalizes w (see normalizeWorker), checks what it
// refers to, and refuses an ID number already registered (EConflict
// "worker.id_number.taken_in" or, out of the actor's sight,
// "worker.id_number.taken"). Audited "worker.create".
func (s *SocialWorkerService) CreateWorker(ctx context.Context, w *shequ.SocialWorker) error {
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerCreate, objWorker, clipID(w.ID), w.Community)
	}
	if err := ownOnlyCreate(ctx, shequ.ActionWorkerWrite); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerCreate, objWorker, clipID(w.ID), w.Community)
	}
	if err := prepareNewWorker(w, s.db.now()); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, workerObject(w)); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerCreate, objWorker, w.ID, w.Community)
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertWorker(ctx, tx, w, newCommunityChecker(s.db), auditWorkerCreate); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditWorkerCreate, objWorker, w.ID, w.Community, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, workerCommunities(w))
	return nil
}

// insertWorker checks and inserts a normalized w with its sets inside tx. A
// refused duplicate is returned as a refusal of action, recorded as failed.
func (s *SocialWorkerService) insertWorker(ctx context.Context, tx *sql.Tx, w *shequ.SocialWorker, cc *communityChecker, action string) error {
	if err := s.checkWorkerRefs(ctx, tx, w, cc); err != nil {
		return err
	}
	idEnc, idIdx, phone, err := s.sealWorker(w)
	if err != nil {
		return err
	}
	if err := s.checkWorkerDuplicate(ctx, tx, w, idIdx); err != nil {
		return refuse(err, action, objWorker, w.ID, w.Community)
	}
	d := s.db.dialect
	_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO social_workers
		(id, name, id_number_enc, id_number_idx, phone_enc, birth_date, sex, qualification, cert_number, cert_year,
		 education, employer_kind, employer_org_id, employer_name, community, user_id, status, left_on, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		w.ID, w.Name, idEnc, idIdx, phone, w.IDNumber.BirthDate().Format(time.DateOnly), string(w.IDNumber.Sex()),
		string(w.Qualification), nullString(w.CertNumber), nullInt(w.CertYear), nullString(string(w.Education)),
		string(w.EmployerKind), nullString(w.EmployerOrgID), nullString(w.EmployerName), w.Community,
		nullString(w.UserID), workerStatus(w), dateArg(w.LeftOn), d.timeArg(w.CreatedAt), d.timeArg(w.UpdatedAt))
	if err != nil {
		return workerUniqueAsNeutral(translateError(err, "create social worker"))
	}
	return s.insertWorkerSets(ctx, tx, w)
}

// insertWorkerSets stores the served communities, functions and areas of w.
func (s *SocialWorkerService) insertWorkerSets(ctx context.Context, tx *sql.Tx, w *shequ.SocialWorker) error {
	if err := insertPairs(ctx, s.db, tx, "social_worker_serves", "worker_id, community", w.ID, w.Serves); err != nil {
		return err
	}
	if err := insertPairs(ctx, s.db, tx, "social_worker_functions", "worker_id, function", w.ID, w.Functions); err != nil {
		return err
	}
	return insertPairs(ctx, s.db, tx, "social_worker_areas", "worker_id, area", w.ID, w.Areas)
}

// workerUniqueAsNeutral turns a unique violation that slipped past the
// checks (a concurrent writer) into the neutral duplicate answer.
func workerUniqueAsNeutral(err error) error {
	if shequ.AsError(err).Key == "db.duplicate" {
		return errWorkerIDNumberTaken()
	}
	return err
}

// workerColumns are read by scanWorker, with the table aliased w.
const workerColumns = `w.id, w.name, w.id_number_enc, w.phone_enc, w.qualification, w.cert_number, w.cert_year,
	w.education, w.employer_kind, w.employer_org_id, w.employer_name, w.community, w.user_id,
	w.status, w.left_on, w.created_at, w.updated_at`

// scanWorker reads workerColumns and opens the sealed numbers. The sets are
// loaded separately (loadWorkerSets).
func (s *SocialWorkerService) scanWorker(row rowScanner) (*shequ.SocialWorker, error) {
	var w shequ.SocialWorker
	var idEnc, qual, employer string
	var phone, cert, edu, orgID, employerName, userID, left sql.NullString
	var certYear sql.NullInt64
	var status string
	if err := row.Scan(&w.ID, &w.Name, &idEnc, &phone, &qual, &cert, &certYear, &edu, &employer, &orgID,
		&employerName, &w.Community, &userID, &status, &left, scanTime(&w.CreatedAt), scanTime(&w.UpdatedAt)); err != nil {
		return nil, err
	}
	w.Status, w.LeftOn = shequ.WorkerStatus(status), optDay(left)
	w.Qualification, w.CertNumber, w.CertYear = shequ.Qualification(qual), cert.String, int(certYear.Int64)
	w.Education, w.EmployerKind = shequ.Education(edu.String), shequ.EmployerKind(employer)
	w.EmployerOrgID, w.EmployerName, w.UserID = orgID.String, employerName.String, userID.String
	id, err := s.sealer.Open(idEnc, workerAAD("id_number", w.ID))
	if err != nil {
		return nil, fmt.Errorf("open ID number of social worker %s: %w", w.ID, err)
	}
	w.IDNumber = shequ.IDNumber(id)
	if phone.Valid {
		p, err := s.sealer.Open(phone.String, workerAAD("phone", w.ID))
		if err != nil {
			return nil, fmt.Errorf("open phone of social worker %s: %w", w.ID, err)
		}
		w.Phone = shequ.Phone(p)
	}
	return &w, nil
}

// loadWorkerSets fills the served communities, functions and areas of ws,
// three queries for the lot.
func (s *SocialWorkerService) loadWorkerSets(ctx context.Context, q querier, ws []*shequ.SocialWorker) error {
	byID := make(map[string]*shequ.SocialWorker, len(ws))
	ids := make([]any, len(ws))
	for i, w := range ws {
		byID[w.ID], ids[i] = w, w.ID
		w.Serves, w.Functions, w.Areas = nil, nil, nil
	}
	err := loadPairs(ctx, s.db, q, "social_worker_serves", "worker_id", "community", ids, func(id, v string) {
		if w := byID[id]; w != nil {
			w.Serves = append(w.Serves, v)
		}
	})
	if err != nil {
		return err
	}
	err = loadPairs(ctx, s.db, q, "social_worker_functions", "worker_id", "function", ids, func(id, v string) {
		if w := byID[id]; w != nil {
			w.Functions = append(w.Functions, shequ.ServiceFunction(v))
		}
	})
	if err != nil {
		return err
	}
	return loadPairs(ctx, s.db, q, "social_worker_areas", "worker_id", "area", ids, func(id, v string) {
		if w := byID[id]; w != nil {
			w.Areas = append(w.Areas, shequ.ServiceArea(v))
		}
	})
}

// loadWorker reads one worker with its sets; ErrNotFound when there is none
// (or id is not a UUID).
func (s *SocialWorkerService) loadWorker(ctx context.Context, q querier, id string) (*shequ.SocialWorker, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	w, err := s.scanWorker(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+workerColumns+` FROM social_workers w WHERE w.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find social worker")
	}
	if err := s.loadWorkerSets(ctx, q, []*shequ.SocialWorker{w}); err != nil {
		return nil, err
	}
	return w, nil
}

// FindWorkerByID returns a worker with ID and phone numbers in clear whether
// or not reveal is set (the caller masks them unless reveal, as for
// residents). It needs ActionWorkerRead in the home community; reveal needs
// ActionWorkerWrite on the record too (else EForbidden, or ENotFound for a
// social_worker and another's record, recorded as denied) and is audited
// "worker.reveal". A record out of scope answers ENotFound like a missing
// one, and the attempt is recorded as denied.
func (s *SocialWorkerService) FindWorkerByID(ctx context.Context, id string, reveal bool) (*shequ.SocialWorker, error) {
	w, err := findRecord(ctx, s.db, shequ.ActionWorkerRead, auditWorkerRead, objWorker, id, s.loadWorker, workerObject)
	if err != nil {
		return nil, err
	}
	if !reveal {
		return w, nil
	}
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, workerObject(w)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWorkerReveal, objWorker, id, w.Community)
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		return auditAllowed(ctx, s.db, tx, auditWorkerReveal, objWorker, w.ID, w.Community, "fields=id_number,phone")
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// workerStatus is the stored status of w (active when not set).
func workerStatus(w *shequ.SocialWorker) string {
	if w.Status == "" {
		return string(shequ.WorkerActive)
	}
	return string(w.Status)
}

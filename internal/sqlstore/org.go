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

// OrgService keeps the register of community social organizations
// (社区社会组织). It implements shequ.OrgService.
//
// Authorization is shequ.Authorize with ActionOrgRead and ActionOrgWrite on
// the organization's home community (console work is trusted and audited as
// "cli"). An org_member may write only an organization whose owners
// (social_org_owners) include their account: the object's OwnerID is the
// actor's id when it is among the owners, else "". Creating and importing
// organizations, and changing who owns one, is for the keepers of the
// register (community workers, officials). The permission is checked before
// any lookup, and an organization out of scope answers ENotFound like a
// missing one, with a denied audit record.
//
// The leader's phone is personal data: sealed with the AAD
// "org.leader_phone:<id>" and returned in clear, for the caller to mask (as
// FindResidentByID does). Writes are audited in their transaction
// ("org.create", "org.update" with the changed field names, "org.import"
// once per row).
type OrgService struct {
	db     *DB
	sealer shequ.Sealer

	// OnChange, when set, is called after every committed write with the
	// communities whose figures may have changed: the old and new home
	// communities and communities served. The indicator engine updates
	// those instead of recomputing everything. It is not called after a
	// failed or refused write.
	OnChange func(communities ...string)
}

var _ shequ.OrgService = (*OrgService)(nil)

// NewOrgService returns an OrgService on db sealing personal data with sealer.
func NewOrgService(db *DB, sealer shequ.Sealer) *OrgService {
	return &OrgService{db: db, sealer: sealer}
}

// Audited actions of OrgService; denied attempts are recorded under the
// action tried.
const (
	auditOrgCreate = "org.create"
	auditOrgRead   = "org.read"
	auditOrgList   = "org.list"
	auditOrgUpdate = "org.update"
	auditOrgImport = "org.import"
	auditOrgReseal = "org.reseal"
	objOrg         = "social_org"
)

// orgAAD binds a sealed field of an organization to its row.
func orgAAD(field, id string) string { return "org." + field + ":" + id }

// orgObject is what authorization sees of an organization for the actor of
// ctx: its home community, and the actor as owner when they are one.
func orgObject(ctx context.Context, o *shequ.SocialOrg) *shequ.Object {
	obj := &shequ.Object{Division: o.Community}
	if a := shequ.ActorFrom(ctx); a != nil && a.UserID != "" && slices.Contains(o.OwnerUserIDs, a.UserID) {
		obj.OwnerID = a.UserID
	}
	return obj
}

// orgCommunities are the communities whose figures an organization counts in.
func orgCommunities(o *shequ.SocialOrg) []string {
	return append([]string{o.Community}, o.Serves...)
}

// normalizeOrg validates o (shequ.SocialOrg.Validate plus the leader's phone,
// owners and dates) and brings it to its stored form: trimmed text, the
// credit code upper-case, sorted sets without the home community among those
// served, dates at midnight in Asia/Shanghai, and the fields of other legal
// statuses cleared (a filed organization has no incubator).
func normalizeOrg(o *shequ.SocialOrg, now time.Time) error {
	o.Community = strings.TrimSpace(o.Community)
	o.FiledWith = strings.TrimSpace(o.FiledWith)
	o.Incubator = strings.TrimSpace(o.Incubator)
	o.Leader = strings.TrimSpace(o.Leader)
	o.CreditCode = shequ.CreditCode(strings.ToUpper(strings.TrimSpace(string(o.CreditCode))))
	o.Serves = normalizeCodes(o.Serves, o.Community)
	o.OwnerUserIDs = normalizeSet(o.OwnerUserIDs)
	o.FoundedOn, o.GradedOn, o.StatusSince = dayOf(o.FoundedOn), dayOf(o.GradedOn), dayOf(o.StatusSince)
	var fe shequ.FieldErrors
	if o.LeaderPhone != "" {
		p, err := shequ.ParsePhone(string(o.LeaderPhone))
		if err != nil {
			fe.Add("leader_phone", "phone.invalid", shequ.ErrPhone.Message, nil)
		}
		o.LeaderPhone = p
	}
	for _, id := range o.OwnerUserIDs {
		if _, err := uuid.Parse(id); err != nil {
			fe.Add("owners", "org.owners.invalid", "Every owner is an existing org_member account.", nil)
			break
		}
	}
	futureDate(&fe, "founded_on", o.FoundedOn, now)
	futureDate(&fe, "graded_on", o.GradedOn, now)
	futureDate(&fe, "status_since", o.StatusSince, now)
	if err := mergeFieldErrors(o.Validate(), fe); err != nil {
		return err
	}
	if o.LegalStatus != shequ.LegalFiled {
		o.FiledWith = ""
	}
	if o.LegalStatus != shequ.LegalIncubating {
		o.Incubator = ""
	}
	return nil
}

// prepareNewOrg normalizes o and gives it an id and the times of a new
// record; a status without a date dates from today.
func prepareNewOrg(o *shequ.SocialOrg, now time.Time) error {
	if err := normalizeOrg(o, now); err != nil {
		return err
	}
	if o.ID == "" {
		o.ID = newUUID7()
	} else if _, err := uuid.Parse(o.ID); err != nil {
		return shequ.Errorf(shequ.EInvalid, "org.id.malformed", "The organization id is not a UUID.")
	}
	if o.StatusSince == nil {
		o.StatusSince = dayOf(&now)
	}
	o.CreatedAt, o.UpdatedAt = now, now
	return nil
}

// checkOrgRefs checks inside tx what o refers to: its home community, the
// communities served and the township it is filed with exist, and every
// owner is an org_member account. It answers field errors.
func (s *OrgService) checkOrgRefs(ctx context.Context, tx *sql.Tx, o *shequ.SocialOrg, cc *communityChecker) error {
	var fe shequ.FieldErrors
	if c, err := cc.missing(ctx, tx, o.Community); err != nil {
		return err
	} else if c != "" {
		fe.Add("community_code", "resident.community.unknown", "No community has this code.", nil)
	}
	if c, err := cc.missing(ctx, tx, o.Serves...); err != nil {
		return err
	} else if c != "" {
		fe.Add("serves", "org.serves.unknown", fmt.Sprintf("No community has the code %s.", c), map[string]any{"Code": c})
	}
	if c, err := cc.missing(ctx, tx, o.FiledWith); err != nil {
		return err
	} else if c != "" {
		fe.Add("filed_with", "org.filed_with.unknown", "No street or township has this code.", nil)
	}
	roles, err := userRoles(ctx, s.db, tx, o.OwnerUserIDs)
	if err != nil {
		return err
	}
	for _, id := range o.OwnerUserIDs {
		if roles[id] != shequ.RoleOrgMember {
			fe.Add("owners", "org.owners.invalid", "Every owner is an existing org_member account.", nil)
			break
		}
	}
	return fe.Err()
}

// errCreditCodeTaken is the answer to a credit code another organization has.
// Credit codes are public, so it may say so plainly, and it carries a field
// error so that a form shows it next to the code.
func errCreditCodeTaken() error {
	const msg = "An organization with this unified social credit code is already registered."
	return &shequ.Error{Code: shequ.EConflict, Key: "org.credit_code.taken", Message: msg,
		Fields: []shequ.FieldError{{Field: "credit_code", Key: "org.credit_code.taken", Message: msg}}}
}

// checkCreditCode fails with EConflict when another organization has o's
// credit code.
func (s *OrgService) checkCreditCode(ctx context.Context, tx *sql.Tx, o *shequ.SocialOrg) error {
	if o.CreditCode == "" {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_orgs WHERE credit_code = ? AND id <> ?`),
		string(o.CreditCode), o.ID).Scan(&n)
	if err != nil {
		return translateError(err, "check credit code")
	}
	if n > 0 {
		return errCreditCodeTaken()
	}
	return nil
}

// sealPhone returns the stored form of the leader's phone, nil without one.
func (s *OrgService) sealPhone(o *shequ.SocialOrg) (any, error) {
	if o.LeaderPhone == "" {
		return nil, nil
	}
	enc, err := s.sealer.Seal(string(o.LeaderPhone), orgAAD("leader_phone", o.ID))
	if err != nil {
		return nil, sealFailed(err, "seal leader phone")
	}
	return enc, nil
}

// CreateOrg stores a new organization. It assigns a UUIDv7 when ID is
// empty, validates and normalizes o (see normalizeOrg), checks what it
// refers to, and refuses a credit code already registered (EConflict
// "org.credit_code.taken"). A status without a date dates from today.
// Audited "org.create".
func (s *OrgService) CreateOrg(ctx context.Context, o *shequ.SocialOrg) error {
	if err := authorizeResident(ctx, shequ.ActionOrgWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgCreate, objOrg, clipID(o.ID), o.Community)
	}
	if err := ownOnlyCreate(ctx, shequ.ActionOrgWrite); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgCreate, objOrg, clipID(o.ID), o.Community)
	}
	if err := prepareNewOrg(o, s.db.now()); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionOrgWrite, orgObject(ctx, o)); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgCreate, objOrg, o.ID, o.Community)
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertOrg(ctx, tx, o, newCommunityChecker(s.db)); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditOrgCreate, objOrg, o.ID, o.Community, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, orgCommunities(o))
	return nil
}

// insertOrg checks and inserts a normalized o with its served communities
// and owners inside tx.
func (s *OrgService) insertOrg(ctx context.Context, tx *sql.Tx, o *shequ.SocialOrg, cc *communityChecker) error {
	if err := s.checkOrgRefs(ctx, tx, o, cc); err != nil {
		return err
	}
	if err := s.checkCreditCode(ctx, tx, o); err != nil {
		return err
	}
	phone, err := s.sealPhone(o)
	if err != nil {
		return err
	}
	d := s.db.dialect
	_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO social_orgs
		(id, name, kind, community, legal_status, credit_code, filed_with, incubator, founded_on, leader,
		 leader_phone_enc, members, grade, graded_on, status, status_since, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		o.ID, o.Name, string(o.Kind), o.Community, string(o.LegalStatus), nullString(string(o.CreditCode)),
		nullString(o.FiledWith), nullString(o.Incubator), dateArg(o.FoundedOn), o.Leader, phone, o.Members,
		o.Grade, dateArg(o.GradedOn), string(o.Status), dateArg(o.StatusSince),
		d.timeArg(o.CreatedAt), d.timeArg(o.UpdatedAt))
	if err != nil {
		return creditCodeConflict(translateError(err, "create organization"), o)
	}
	if err := insertPairs(ctx, s.db, tx, "social_org_serves", "org_id, community", o.ID, o.Serves); err != nil {
		return err
	}
	return insertPairs(ctx, s.db, tx, "social_org_owners", "org_id, user_id", o.ID, o.OwnerUserIDs)
}

// creditCodeConflict turns a unique violation that slipped past
// checkCreditCode (a concurrent writer) into its answer.
func creditCodeConflict(err error, o *shequ.SocialOrg) error {
	if o.CreditCode != "" && shequ.AsError(err).Key == "db.duplicate" {
		return errCreditCodeTaken()
	}
	return err
}

// orgColumns are read by scanOrg, with the table aliased o.
const orgColumns = `o.id, o.name, o.kind, o.community, o.legal_status, o.credit_code, o.filed_with, o.incubator,
	o.founded_on, o.leader, o.leader_phone_enc, o.members, o.grade, o.graded_on, o.status, o.status_since,
	o.created_at, o.updated_at`

// scanOrg reads orgColumns and opens the leader's phone. Served
// communities and owners are loaded separately (loadOrgSets).
func (s *OrgService) scanOrg(row rowScanner) (*shequ.SocialOrg, error) {
	var o shequ.SocialOrg
	var kind, legal, status string
	var credit, filed, incubator, founded, phone, graded, since sql.NullString
	if err := row.Scan(&o.ID, &o.Name, &kind, &o.Community, &legal, &credit, &filed, &incubator, &founded,
		&o.Leader, &phone, &o.Members, &o.Grade, &graded, &status, &since,
		scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt)); err != nil {
		return nil, err
	}
	o.Kind, o.LegalStatus, o.Status = shequ.OrgKind(kind), shequ.LegalStatus(legal), shequ.OrgStatus(status)
	o.CreditCode, o.FiledWith, o.Incubator = shequ.CreditCode(credit.String), filed.String, incubator.String
	var err error
	for _, d := range []struct {
		dst **time.Time
		src sql.NullString
	}{{&o.FoundedOn, founded}, {&o.GradedOn, graded}, {&o.StatusSince, since}} {
		if *d.dst, err = scanDate(d.src); err != nil {
			return nil, err
		}
	}
	if phone.Valid {
		p, err := s.sealer.Open(phone.String, orgAAD("leader_phone", o.ID))
		if err != nil {
			return nil, fmt.Errorf("open leader phone of organization %s: %w", o.ID, err)
		}
		o.LeaderPhone = shequ.Phone(p)
	}
	return &o, nil
}

// loadOrgSets fills the served communities and owners of orgs, two queries
// for the lot.
func (s *OrgService) loadOrgSets(ctx context.Context, q querier, orgs []*shequ.SocialOrg) error {
	byID := make(map[string]*shequ.SocialOrg, len(orgs))
	ids := make([]any, len(orgs))
	for i, o := range orgs {
		byID[o.ID], ids[i] = o, o.ID
		o.Serves, o.OwnerUserIDs = nil, nil
	}
	err := loadPairs(ctx, s.db, q, "social_org_serves", "org_id", "community", ids, func(id, v string) {
		if o := byID[id]; o != nil {
			o.Serves = append(o.Serves, v)
		}
	})
	if err != nil {
		return err
	}
	return loadPairs(ctx, s.db, q, "social_org_owners", "org_id", "user_id", ids, func(id, v string) {
		if o := byID[id]; o != nil {
			o.OwnerUserIDs = append(o.OwnerUserIDs, v)
		}
	})
}

// loadOrg reads one organization with its sets; ErrNotFound when there is
// none (or id is not a UUID).
func (s *OrgService) loadOrg(ctx context.Context, q querier, id string) (*shequ.SocialOrg, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	o, err := s.scanOrg(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+orgColumns+` FROM social_orgs o WHERE o.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find organization")
	}
	if err := s.loadOrgSets(ctx, q, []*shequ.SocialOrg{o}); err != nil {
		return nil, err
	}
	return o, nil
}

// FindOrgByID returns an organization with the leader's phone in clear (the
// caller masks it). It needs ActionOrgRead in the home community; an
// organization out of scope answers ENotFound like a missing one, and the
// attempt is recorded as denied.
func (s *OrgService) FindOrgByID(ctx context.Context, id string) (*shequ.SocialOrg, error) {
	return findRecord(ctx, s.db, shequ.ActionOrgRead, auditOrgRead, objOrg, id, s.loadOrg,
		func(o *shequ.SocialOrg) *shequ.Object { return orgObject(ctx, o) })
}

// FindOrgs lists the organizations in the actor's scope matching f, ordered
// by home community, name and id, with the total count. Community narrows
// the scope (a disjoint one matches nothing); Kind and Status match exactly
// (an unknown value is a field error); Query matches part of the name.
// Limit defaults to 50 and is capped at 500.
func (s *OrgService) FindOrgs(ctx context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionOrgRead, auditOrgList, objOrg, "o.community", f.Community)
	if err != nil || !ok {
		return []*shequ.SocialOrg{}, 0, err
	}
	enumFilter(q, "o.kind", "kind", f.Kind, shequ.OrgKinds, "org.kind.invalid", "Unknown kind of organization.")
	enumFilter(q, "o.status", "status", f.Status, shequ.OrgStatuses, "org.status.invalid", "The status is active, dormant or dissolved.")
	q.contains("o.name", f.Query)
	out, total, err := listPage(ctx, q, "social_orgs o", orgColumns, "o.community, o.name, o.id", f.Offset, f.Limit, s.scanOrg, "organizations")
	if err != nil {
		return nil, 0, err
	}
	if err := s.loadOrgSets(ctx, s.db.db, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Reseal opens every sealed leader phone and seals it again under the
// sealer's current key after a key rotation (`shequ keys rotate`), in
// batches of 500 organizations, each audited "org.reseal" with its count. It
// can be interrupted and run again; progress, if set, gets the number done
// after each batch. Only the console and ActionSecurityManage may run it.
func (s *OrgService) Reseal(ctx context.Context, progress func(int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditOrgReseal, objOrg, "", "")
	}
	return resealTable(ctx, s.db, s.sealer, sealedTableNamed("social_orgs"), progress)
}

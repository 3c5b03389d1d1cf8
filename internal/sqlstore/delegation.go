package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// DelegationService keeps delegations (委托代理) and their custody logs. It
// implements shequ.DelegationService.
//
// Authorization: ActionDelegationRead/Write on the resident's community
// with the resident's account as owner, so a resident reads, confirms and
// revokes only their own; the agent is a community worker whose scope
// covers the community. Every write is audited in its transaction.
type DelegationService struct {
	db *DB
}

var _ shequ.DelegationService = (*DelegationService)(nil)

// NewDelegationService returns the delegations on db.
func NewDelegationService(db *DB) *DelegationService { return &DelegationService{db: db} }

// Audited actions of delegations.
const (
	auditDelegationCreate  = "delegation.create"
	auditDelegationRead    = "delegation.read"
	auditDelegationConsent = "delegation.consent"
	auditDelegationEnd     = "delegation.end"
	auditCustodyAdd        = "delegation.custody"
	objDelegation          = "delegation"
)

const delegationColumns = `d.id, d.resident_id, res.name, res.user_id, d.community, d.agent_id, u.name, d.items,
	d.valid_from, d.valid_until, d.state, d.consent_method, d.consent_at, d.consent_file, d.note, d.created_by,
	d.created_at, d.updated_at`

const delegationFrom = ` FROM delegations d JOIN residents res ON res.id = d.resident_id JOIN users u ON u.id = d.agent_id `

func scanDelegation(row rowScanner) (*shequ.Delegation, error) {
	var d shequ.Delegation
	var owner sql.NullString
	var items, state, method string
	var consent time.Time
	if err := row.Scan(&d.ID, &d.ResidentID, &d.ResidentName, &owner, &d.Community, &d.AgentID, &d.AgentName, &items,
		scanTime(&d.ValidFrom), scanTime(&d.ValidUntil), &state, &method, scanTime(&consent), &d.ConsentFileID,
		&d.Note, &d.CreatedBy, scanTime(&d.CreatedAt), scanTime(&d.UpdatedAt)); err != nil {
		return nil, err
	}
	d.OwnerUserID, d.State, d.ConsentMethod = owner.String, shequ.DelegationState(state), shequ.ConsentMethod(method)
	if !consent.IsZero() {
		d.ConsentAt = &consent
	}
	if err := json.Unmarshal([]byte(items), &d.Items); err != nil {
		return nil, err
	}
	return &d, nil
}

// loadDelegation reads one delegation; ENotFound when there is none.
func loadDelegation(ctx context.Context, db *DB, q querier, id string) (*shequ.Delegation, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	d, err := scanDelegation(q.QueryRowContext(ctx, db.rebind(`SELECT `+delegationColumns+delegationFrom+`WHERE d.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find delegation")
	}
	return d, nil
}

func delegationObject(d *shequ.Delegation) *shequ.Object {
	return &shequ.Object{Division: d.Community, OwnerID: d.OwnerUserID}
}

// authorized loads a delegation and checks act on it, recording refusals.
func (s *DelegationService) authorized(ctx context.Context, id string, act shequ.Action, audit string) (*shequ.Delegation, error) {
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, audit, objDelegation, clipID(id), "")
	}
	d, err := loadDelegation(ctx, s.db, s.db.db, id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, audit, objDelegation, clipID(id), "")
	}
	if err := authorizeResident(ctx, act, delegationObject(d)); err != nil {
		return nil, s.db.recordDenied(ctx, err, audit, objDelegation, id, d.Community)
	}
	return d, nil
}

// CreateDelegation records a requested delegation. The resident must exist
// (a resident account may create one only for themself), the agent must be
// an enabled community worker whose scope covers the resident's community,
// and the items must be in the catalogue and open to agency.
func (s *DelegationService) CreateDelegation(ctx context.Context, d *shequ.Delegation) error {
	if err := authorizeResident(ctx, shequ.ActionDelegationWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditDelegationCreate, objDelegation, "", "")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	var fe shequ.FieldErrors
	if now := s.db.now(); d.ValidUntil.Before(shequ.StartOfDay(now)) {
		// A delegation that has already ended would be recorded only to be
		// expired (one "valid" until 1900 was accepted).
		fe.Add("valid_until", "delegation.validity.past", "The validity period has already ended; give a day from today on.", nil)
		return fe.Err()
	}
	var owner sql.NullString
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT community, user_id, name FROM residents WHERE id = ?`), d.ResidentID).
		Scan(&d.Community, &owner, &d.ResidentName)
	if _, perr := uuid.Parse(d.ResidentID); perr != nil || errors.Is(err, sql.ErrNoRows) {
		fe.Add("resident_id", "request.resident.unknown", "No resident has this id.", nil)
		return fe.Err()
	} else if err != nil {
		return translateError(err, "find resident")
	}
	d.OwnerUserID = owner.String
	if err := authorizeResident(ctx, shequ.ActionDelegationWrite, delegationObject(d)); err != nil {
		return s.db.recordDenied(ctx, err, auditDelegationCreate, objDelegation, "", d.Community)
	}
	var role, scope string
	var disabled bool
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT role, scope, disabled, name FROM users WHERE id = ?`), d.AgentID).
		Scan(&role, &scope, &disabled, &d.AgentName)
	if _, perr := uuid.Parse(d.AgentID); perr != nil || err != nil || role != string(shequ.RoleCommunityWorker) || disabled ||
		!shequ.IsAncestorOrSelf(scope, d.Community) {
		fe.Add("agent_id", "delegation.agent.invalid", "The agent is a community worker of the resident's community.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	now := s.db.now()
	d.ID, d.State, d.CreatedAt, d.UpdatedAt = newUUID7(), shequ.DelegationRequested, now, now
	d.ConsentMethod, d.ConsentAt, d.ConsentFileID = "", nil, ""
	if a := shequ.ActorFrom(ctx); a != nil {
		d.CreatedBy = a.UserID
	}
	dl := s.db.dialect
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO delegations (id, resident_id, community, agent_id, items,
			valid_from, valid_until, state, consent_method, consent_at, consent_file, note, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL, '', ?, ?, ?, ?)`),
			d.ID, d.ResidentID, d.Community, d.AgentID, jsonText(d.Items), dl.timeArg(d.ValidFrom), dl.timeArg(d.ValidUntil),
			string(d.State), d.Note, d.CreatedBy, dl.timeArg(now), dl.timeArg(now))
		if err != nil {
			return translateError(err, "create delegation")
		}
		// The resident consents from the delegation's page, where the
		// notification leads (delegation_notify.go).
		var notes noteList
		notes.add(ctx, now, []string{d.OwnerUserID}, "delegation_consent", objDelegation, d.ID, d.AgentName,
			d.ValidUntil.In(shequ.Shanghai).Format("2006-01-02"))
		if err := s.db.addNotifications(ctx, tx, notes); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditDelegationCreate, objDelegation, d.ID, d.Community, "")
	})
	return err
}

// GetDelegation returns a delegation the actor may see.
func (s *DelegationService) GetDelegation(ctx context.Context, id string) (*shequ.Delegation, error) {
	return s.authorized(ctx, id, shequ.ActionDelegationRead, auditDelegationRead)
}

// FindDelegations lists the delegations of a resident ("" every one in the
// actor's scope, or the resident's own for a resident account), or those
// whose agent is the actor (agentOnly), newest first, at most 500.
func (s *DelegationService) FindDelegations(ctx context.Context, residentID string, agentOnly bool) ([]*shequ.Delegation, error) {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionDelegationRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditDelegationRead, objDelegation, "", "")
	}
	conds, args := "1 = 1", []any{}
	if a != nil {
		conds, args = "d.community >= ? AND d.community < ?", []any{a.Scope, a.Scope + ":"}
		if a.OwnOnly(shequ.ActionDelegationRead) {
			conds, args = conds+" AND res.user_id = ?", append(args, a.UserID)
		}
		if agentOnly {
			conds, args = conds+" AND d.agent_id = ?", append(args, a.UserID)
		}
	}
	if residentID != "" {
		if _, err := uuid.Parse(residentID); err != nil {
			return []*shequ.Delegation{}, nil
		}
		conds, args = conds+" AND d.resident_id = ?", append(args, residentID)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+delegationColumns+delegationFrom+`WHERE `+conds+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT 500`), args...)
	if err != nil {
		return nil, translateError(err, "find delegations")
	}
	defer rows.Close()
	out := []*shequ.Delegation{}
	for rows.Next() {
		d, err := scanDelegation(rows)
		if err != nil {
			return nil, translateError(err, "find delegations")
		}
		out = append(out, d)
	}
	return out, translateError(rows.Err(), "find delegations")
}

// Consent activates a requested delegation. ConsentPortal is the resident
// themself, signed in; ConsentSignedForm is a worker who uploaded the signed
// form as an attachment of the delegation (fileID).
func (s *DelegationService) Consent(ctx context.Context, id string, method shequ.ConsentMethod, fileID string) (*shequ.Delegation, error) {
	d, err := s.authorized(ctx, id, shequ.ActionDelegationWrite, auditDelegationConsent)
	if err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(ctx)
	switch method {
	case shequ.ConsentPortal:
		if a == nil || a.Role != shequ.RoleResident || a.UserID != d.OwnerUserID {
			return nil, s.db.recordDenied(ctx, shequ.ErrForbidden, auditDelegationConsent, objDelegation, id, d.Community)
		}
		fileID = ""
	case shequ.ConsentSignedForm:
		if a != nil && a.Role == shequ.RoleResident {
			return nil, s.db.recordDenied(ctx, shequ.ErrForbidden, auditDelegationConsent, objDelegation, id, d.Community)
		}
		var n int
		if _, err := uuid.Parse(fileID); err == nil {
			if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM attachments
				WHERE id = ? AND object_type = 'delegation' AND object_id = ?`), fileID, id).Scan(&n); err != nil {
				return nil, translateError(err, "find signed form")
			}
		}
		if n == 0 {
			var fe shequ.FieldErrors
			fe.Add("file", "delegation.form.required", "Upload the signed authorization form first.", nil)
			return nil, fe.Err()
		}
	default:
		return nil, shequ.Errorf(shequ.EInvalid, "delegation.consent.invalid", "Consent is given in the portal or by a signed form.")
	}
	now := s.db.now()
	if err := d.CanTransition(shequ.DelegationActive, now); err != nil {
		return nil, err
	}
	d.State, d.ConsentMethod, d.ConsentAt, d.ConsentFileID, d.UpdatedAt = shequ.DelegationActive, method, &now, fileID, now
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.setState(ctx, tx, d, shequ.DelegationRequested); err != nil {
			return err
		}
		var notes noteList
		delegationNotes(ctx, &notes, d, "delegation_active", now)
		if err := s.db.addNotifications(ctx, tx, notes); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditDelegationConsent, objDelegation, d.ID, d.Community, string(method))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// setState writes d's state and consent if the row is still in state from.
func (s *DelegationService) setState(ctx context.Context, tx *sql.Tx, d *shequ.Delegation, from shequ.DelegationState) error {
	dl := s.db.dialect
	var consent any
	if d.ConsentAt != nil {
		consent = dl.timeArg(*d.ConsentAt)
	}
	res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE delegations SET state = ?, consent_method = ?, consent_at = ?,
		consent_file = ?, updated_at = ? WHERE id = ? AND state = ?`),
		string(d.State), string(d.ConsentMethod), consent, d.ConsentFileID, dl.timeArg(d.UpdatedAt), d.ID, string(from))
	if err != nil {
		return translateError(err, "update delegation")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return shequ.Errorf(shequ.EConflict, "delegation.changed", "The delegation was changed by someone else; reload it.")
	}
	return nil
}

// EndDelegation completes (a worker) or revokes (the resident or a worker)
// a delegation; from then on the agent is refused at once.
func (s *DelegationService) EndDelegation(ctx context.Context, id string, to shequ.DelegationState) (*shequ.Delegation, error) {
	d, err := s.authorized(ctx, id, shequ.ActionDelegationWrite, auditDelegationEnd)
	if err != nil {
		return nil, err
	}
	if to != shequ.DelegationRevoked && to != shequ.DelegationCompleted {
		return nil, shequ.Errorf(shequ.EInvalid, "delegation.end.invalid", "A delegation ends as completed or revoked.")
	}
	if a := shequ.ActorFrom(ctx); to == shequ.DelegationCompleted && a != nil && a.Role == shequ.RoleResident {
		return nil, s.db.recordDenied(ctx, shequ.ErrForbidden, auditDelegationEnd, objDelegation, id, d.Community)
	}
	now := s.db.now()
	if err := d.CanTransition(to, now); err != nil {
		return nil, err
	}
	from := d.State
	d.State, d.UpdatedAt = to, now
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.setState(ctx, tx, d, from); err != nil {
			return err
		}
		var notes noteList
		delegationNotes(ctx, &notes, d, "delegation_"+string(to), now)
		if err := s.db.addNotifications(ctx, tx, notes); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditDelegationEnd, objDelegation, d.ID, d.Community, string(to))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// AddCustody records what happened to a material (received, forwarded,
// returned). Receiving and forwarding need the delegation active and the
// agent (or a worker of the community) acting; returning is always
// possible, even after the delegation ended.
func (s *DelegationService) AddCustody(ctx context.Context, c *shequ.CustodyEntry) error {
	d, err := s.authorized(ctx, c.DelegationID, shequ.ActionDelegationWrite, auditCustodyAdd)
	if err != nil {
		return err
	}
	a := shequ.ActorFrom(ctx)
	if a != nil && a.Role == shequ.RoleResident {
		return s.db.recordDenied(ctx, shequ.ErrForbidden, auditCustodyAdd, objDelegation, d.ID, d.Community)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	now := s.db.now()
	if c.Action != shequ.CustodyReturned && d.Effective(now) != shequ.DelegationActive {
		return s.db.recordDenied(ctx, shequ.ErrDelegationInactive, auditCustodyAdd, objDelegation, d.ID, d.Community)
	}
	c.ID, c.At = newUUID7(), now
	if a != nil {
		c.ByID, c.ByName = a.UserID, a.Username
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO delegation_custody
			(id, delegation_id, request_id, material, action, party, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, d.ID, c.RequestID, c.Material, string(c.Action), c.Party, c.ByID, c.ByName, s.db.dialect.timeArg(now))
		if err != nil {
			return translateError(err, "add custody entry")
		}
		return auditAllowed(ctx, s.db, tx, auditCustodyAdd, objDelegation, d.ID, d.Community, string(c.Action))
	})
}

// Custody returns a delegation's custody log, oldest first.
func (s *DelegationService) Custody(ctx context.Context, delegationID string) ([]*shequ.CustodyEntry, error) {
	if _, err := s.authorized(ctx, delegationID, shequ.ActionDelegationRead, auditDelegationRead); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, delegation_id, request_id, material, action, party,
		by_id, by_name, at FROM delegation_custody WHERE delegation_id = ? ORDER BY at, id`), delegationID)
	if err != nil {
		return nil, translateError(err, "read custody log")
	}
	defer rows.Close()
	out := []*shequ.CustodyEntry{}
	for rows.Next() {
		var c shequ.CustodyEntry
		var action string
		if err := rows.Scan(&c.ID, &c.DelegationID, &c.RequestID, &c.Material, &action, &c.Party, &c.ByID, &c.ByName,
			scanTime(&c.At)); err != nil {
			return nil, translateError(err, "read custody log")
		}
		c.Action = shequ.CustodyAction(action)
		out = append(out, &c)
	}
	return out, translateError(rows.Err(), "read custody log")
}

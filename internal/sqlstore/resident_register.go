package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"shequ"
)

// errRegisterNoMatch is the neutral answer of self-registration: it does not
// say whether the ID number, the phone or both failed to match, so that the
// form cannot be used to probe the registry.
var errRegisterNoMatch = shequ.Errorf(shequ.EInvalid, "register.no_match",
	"No resident record matches this ID number and phone number. Please ask your community for help.")

// RegisterAccount creates a resident account and links it to the resident
// whose ID number and phone both match (through the blind indexes), in one
// transaction. The account gets role resident, scope the resident's
// community and a UUIDv7 id; u is filled with the stored values. Malformed
// numbers answer field errors; no match answers the neutral EInvalid
// "register.no_match" and a record already linked EConflict
// "register.already_linked", both recorded as failed attempts. The resident
// stays unverified. Audited "resident.register", with the new account as
// actor. The columns written are those of the users table of migration
// 0002, as UserService.CreateUser writes them.
func (s *ResidentService) RegisterAccount(ctx context.Context, idNumber, phone string, u *shequ.User, passwordHash string) (*shequ.Resident, error) {
	now := s.db.now()
	var fe shequ.FieldErrors
	id, err := shequ.ParseIDNumber(idNumber, now)
	if err != nil {
		fe.Add("id_number", "id_number.invalid", shequ.ErrIDNumber.Message, nil)
	}
	p, err := shequ.ParsePhone(phone)
	if err != nil || p == "" {
		fe.Add("phone", "phone.invalid", shequ.ErrPhone.Message, nil)
	}
	if err := shequ.ValidateUsername(u.Username); err != nil {
		e := shequ.AsError(err)
		fe.Add("username", e.Key, e.Message, nil)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if passwordHash == "" {
		return nil, shequ.Wrap(errors.New("empty password hash"), "register account")
	}
	if u.ID == "" {
		u.ID = newUUID7()
	} else if _, err := uuid.Parse(u.ID); err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "user.id.malformed", "The user id is not a UUID.")
	}
	u.Role, u.Disabled, u.MustChangePassword, u.FailedLogins, u.LockedUntil = shequ.RoleResident, false, false, 0, nil
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	var out *shequ.Resident
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		var rid string
		var linked sql.NullString
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT id, user_id FROM residents
			WHERE id_number_idx = ? AND phone_idx = ?`),
			s.sealer.Index(indexIDNumber, string(id)), s.sealer.Index(indexPhone, string(p))).Scan(&rid, &linked)
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(errRegisterNoMatch, auditResidentRegister, objResident, "", "")
		}
		if err != nil {
			return translateError(err, "find resident to register")
		}
		r, err := s.loadResident(ctx, tx, rid)
		if err != nil {
			return err
		}
		if linked.Valid {
			return refuse(shequ.Errorf(shequ.EConflict, "register.already_linked",
				"An account is already linked to this resident. Sign in with it, or ask your community for help."),
				auditResidentRegister, objResident, r.ID, r.Community)
		}
		u.Scope = r.Community
		if err := u.Validate(); err != nil {
			return err
		}
		d := s.db.dialect
		_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO users
			(id, username, username_key, name, role, scope, disabled, must_change_password, failed_logins,
			 locked_until, password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?)`),
			u.ID, u.Username, strings.ToLower(u.Username), u.Name, string(u.Role), u.Scope, false, false,
			passwordHash, d.timeArg(now), d.timeArg(now), d.timeArg(now))
		if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
			// The id is fresh, so the unique key that clashed is the name.
			return &shequ.Error{Code: shequ.EConflict, Key: "user.username.taken",
				Message: "This user name is taken.", Err: fmt.Errorf("register account: %w", err)}
		}
		if err != nil {
			return translateError(err, "register account")
		}
		// user_id IS NULL guards against a concurrent registration on
		// PostgreSQL, where the SELECT above took no lock.
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE residents SET user_id = ?, updated_at = ?
			WHERE id = ? AND user_id IS NULL`), u.ID, d.timeArg(now), r.ID)
		if err != nil {
			return translateError(err, "link resident account")
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return refuse(shequ.Errorf(shequ.EConflict, "register.already_linked",
				"An account is already linked to this resident. Sign in with it, or ask your community for help."),
				auditResidentRegister, objResident, r.ID, r.Community)
		}
		r.UserID, r.UpdatedAt = u.ID, now
		rec := s.db.newAudit(ctx, auditResidentRegister, objResident, r.ID, r.Community, shequ.AuditAllowed)
		rec.ActorID, rec.ActorName, rec.Role = u.ID, u.Username, u.Role
		rec.Detail = "user=" + u.ID
		out = r
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	return out, nil
}

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

// Audit actions of self-registration and its verification
// (shequ/account_verify.go).
const (
	auditAccountVerifyCode = "account.verify_code"
	auditAccountVerify     = "account.verify"
	auditAccountClaims     = "account.claims"
	objUser                = "user"
)

// RegisterAccount creates a pending resident account (verify_state
// 'pending', no community) that claims the resident of the ID number and
// phone through their blind indexes (users.claim_id_idx, claim_phone_idx).
// It links nothing and never looks at the residents: the answer and the
// work are the same whether or not the pair matches anyone, so the form
// cannot probe the registry. Malformed numbers answer field errors, a
// taken name EConflict "user.username.taken". u is filled with the stored
// values (id a UUIDv7 unless given). Audited "resident.register" on the
// new account, with it as actor.
func (s *ResidentService) RegisterAccount(ctx context.Context, idNumber, phone string, u *shequ.User, passwordHash string) error {
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
		return err
	}
	if passwordHash == "" {
		return shequ.Wrap(errors.New("empty password hash"), "register account")
	}
	if u.ID == "" {
		u.ID = newUUID7()
	} else if _, err := uuid.Parse(u.ID); err != nil {
		return shequ.Errorf(shequ.EInvalid, "user.id.malformed", "The user id is not a UUID.")
	}
	u.Role, u.Scope, u.VerifyState = shequ.RoleResident, "", shequ.VerifyPending
	u.Disabled, u.MustChangePassword, u.FailedLogins, u.LockedUntil = false, false, 0, nil
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	if err := u.Validate(); err != nil {
		return err
	}
	claimID, claimPhone := s.sealer.Index(indexIDNumber, string(id)), s.sealer.Index(indexPhone, string(p))
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		d := s.db.dialect
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO users
			(id, username, username_key, name, role, scope, disabled, must_change_password, failed_logins,
			 locked_until, password_hash, password_changed_at, created_at, updated_at,
			 verify_state, claim_id_idx, claim_phone_idx)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, ?, ?, ?)`),
			u.ID, u.Username, strings.ToLower(u.Username), u.Name, string(u.Role), u.Scope, false, false,
			passwordHash, d.timeArg(now), d.timeArg(now), d.timeArg(now), shequ.VerifyPending, claimID, claimPhone)
		if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
			// The id is fresh, so the unique key that clashed is the name.
			return &shequ.Error{Code: shequ.EConflict, Key: "user.username.taken",
				Message: "This user name is taken.", Err: fmt.Errorf("register account: %w", err)}
		}
		if err != nil {
			return translateError(err, "register account")
		}
		rec := s.db.newAudit(ctx, auditResidentRegister, objUser, u.ID, "", shequ.AuditAllowed)
		rec.ActorID, rec.ActorName, rec.Role = u.ID, u.Username, u.Role
		rec.Detail = "pending"
		return s.db.appendAudit(ctx, tx, rec)
	})
	return err
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shequ"
)

// TwoFactorService keeps accounts' second factors (shequ.TwoFactorService):
// the TOTP secret sealed in users.totp_secret (AES-GCM under the
// personal-data key, bound to the account), the last accepted time step
// and the wrong codes in a row beside it, and the recovery codes in
// user_recovery_codes as keyed hashes (the sealer's index key, which is
// kept outside the database), each spent once.
//
// TwoFactor, StartTOTP, EnableTOTP, AcceptStep, UseRecoveryCode and
// RecordCodeFailure are not authorized, like the password checks of
// UserService: the sign-in flow calls them for the account whose password
// it has just checked, before that account is signed in. ResetTwoFactor is
// the security administrator's (or the console's).
type TwoFactorService struct {
	db     *DB
	sealer shequ.Sealer
}

var _ shequ.TwoFactorService = (*TwoFactorService)(nil)

// NewTwoFactorService returns a TwoFactorService on db sealing secrets with
// sealer.
func NewTwoFactorService(db *DB, sealer shequ.Sealer) *TwoFactorService {
	return &TwoFactorService{db: db, sealer: sealer}
}

// Audited actions of two-factor sign-in.
const (
	auditTOTPEnrol = "totp.enrol"
	auditTOTPReset = "totp.reset"
)

var (
	errTOTPEnabled = shequ.Errorf(shequ.EConflict, "totp.enabled",
		"Two-factor sign-in is already set up for this account; the security administrator can reset it.")
	errTOTPNotStarted = shequ.Errorf(shequ.EConflict, "totp.not_started",
		"Two-factor sign-in is not being set up for this account; start again.")
)

// totpAAD binds a sealed secret to its account.
func totpAAD(userID string) string { return "user.totp_secret:" + userID }

// recoveryIndex is the keyed hash of a recovery code of an account.
func (s *TwoFactorService) recoveryIndex(userID, code string) string {
	return s.sealer.Index("totp.recovery", userID+":"+shequ.NormalizeCode(code))
}

// TwoFactor returns the account's state with its secret opened.
func (s *TwoFactorService) TwoFactor(ctx context.Context, userID string) (*shequ.TwoFactor, error) {
	if !wellFormedUUID(userID) {
		return nil, errUserNotFound
	}
	t := &shequ.TwoFactor{UserID: userID}
	var sealed string
	var enabled time.Time
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT totp_secret, totp_enabled_at, totp_last_step,
		totp_failures, (SELECT COUNT(*) FROM user_recovery_codes c WHERE c.user_id = u.id AND c.used_at IS NULL)
		FROM users u WHERE u.id = ?`), userID).Scan(&sealed, scanTime(&enabled), &t.LastStep, &t.Failures, &t.RecoveryLeft)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, translateError(err, "read two-factor state")
	}
	if !enabled.IsZero() {
		t.EnabledAt = &enabled
	}
	if sealed != "" {
		if s.sealer == nil {
			return nil, errNoSealer
		}
		if t.Secret, err = s.sealer.Open(sealed, totpAAD(userID)); err != nil {
			return nil, shequ.Wrap(err, "open two-factor secret")
		}
	}
	return t, nil
}

// StartTOTP stores secret as the set-up in progress, replacing an earlier
// unfinished one.
func (s *TwoFactorService) StartTOTP(ctx context.Context, userID, secret string) error {
	if !wellFormedUUID(userID) {
		return errUserNotFound
	}
	if s.sealer == nil {
		return errNoSealer
	}
	if secret == "" {
		return shequ.Wrap(errors.New("empty secret"), "start two-factor set-up")
	}
	sealed, err := s.sealer.Seal(secret, totpAAD(userID))
	if err != nil {
		return shequ.Wrap(err, "seal two-factor secret")
	}
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_secret = ?, totp_last_step = 0,
		totp_failures = 0, updated_at = ? WHERE id = ? AND totp_enabled_at IS NULL`),
		sealed, s.db.dialect.timeArg(s.db.now()), userID)
	if err != nil {
		return translateError(err, "start two-factor set-up")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translateError(err, "start two-factor set-up")
	} else if n == 0 {
		if _, err := NewUserService(s.db).FindUserByID(ctx, userID); err != nil {
			return err
		}
		return errTOTPEnabled
	}
	return nil
}

// EnableTOTP ends the set-up with the step of the right code and stores
// the recovery codes' hashes, with the audit record, in one transaction.
func (s *TwoFactorService) EnableTOTP(ctx context.Context, userID string, step int64, recovery []string) error {
	u, err := NewUserService(s.db).FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if s.sealer == nil {
		return errNoSealer
	}
	if step < 0 {
		return shequ.Wrap(fmt.Errorf("step %d", step), "enable two-factor sign-in")
	}
	now := s.db.now()
	d := s.db.dialect
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_enabled_at = ?, totp_last_step = ?,
			totp_failures = 0, updated_at = ? WHERE id = ? AND totp_secret <> '' AND totp_enabled_at IS NULL`),
			d.timeArg(now), step, d.timeArg(now), userID)
		if err != nil {
			return translateError(err, "enable two-factor sign-in")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translateError(err, "enable two-factor sign-in")
		} else if n == 0 {
			return errTOTPNotStarted
		}
		if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM user_recovery_codes WHERE user_id = ?`), userID); err != nil {
			return translateError(err, "replace recovery codes")
		}
		for _, c := range recovery {
			if !shequ.IsRecoveryCode(shequ.NormalizeCode(c)) {
				return shequ.Wrap(errors.New("malformed recovery code"), "store recovery codes")
			}
			if _, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO user_recovery_codes (user_id, code_idx)
				VALUES (?, ?)`), userID, s.recoveryIndex(userID, c)); err != nil {
				return translateError(err, "store recovery codes")
			}
		}
		rec := s.db.newAudit(ctx, auditTOTPEnrol, userObjectType, userID, u.Scope, shequ.AuditAllowed)
		if rec.ActorID == "" {
			rec.ActorID, rec.ActorName, rec.Role = u.ID, u.Username, u.Role
		}
		rec.Detail = fmt.Sprintf("recovery_codes=%d", len(recovery))
		return s.db.appendAudit(ctx, tx, rec)
	})
}

// AcceptStep records the step of a right code unless that step or a later
// one was accepted already: the conditional UPDATE makes two concurrent
// sign-ins with one code accept it once.
func (s *TwoFactorService) AcceptStep(ctx context.Context, userID string, step int64) (bool, error) {
	if !wellFormedUUID(userID) {
		return false, errUserNotFound
	}
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_last_step = ?, totp_failures = 0
		WHERE id = ? AND totp_enabled_at IS NOT NULL AND totp_last_step < ?`), step, userID, step)
	if err != nil {
		return false, translateError(err, "accept one-time code")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translateError(err, "accept one-time code")
	}
	return n == 1, nil
}

// UseRecoveryCode spends one unused recovery code, atomically, and clears
// the wrong codes in a row.
func (s *TwoFactorService) UseRecoveryCode(ctx context.Context, userID, code string) (bool, error) {
	if !wellFormedUUID(userID) {
		return false, errUserNotFound
	}
	if s.sealer == nil {
		return false, errNoSealer
	}
	if !shequ.IsRecoveryCode(shequ.NormalizeCode(code)) {
		return false, nil
	}
	now := s.db.now()
	used := false
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE user_recovery_codes SET used_at = ?
			WHERE user_id = ? AND code_idx = ? AND used_at IS NULL`),
			s.db.dialect.timeArg(now), userID, s.recoveryIndex(userID, code))
		if err != nil {
			return translateError(err, "use recovery code")
		}
		n, err := res.RowsAffected()
		if err != nil || n != 1 {
			return translateError(err, "use recovery code")
		}
		used = true
		_, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_failures = 0 WHERE id = ?`), userID)
		return translateError(err, "use recovery code")
	})
	return used, err
}

// RecordCodeFailure counts a wrong code; at max in a row (max > 0) the
// account locks until lockUntil, as for wrong passwords, recorded as
// "user.lock". The count starts again after the lock.
func (s *TwoFactorService) RecordCodeFailure(ctx context.Context, userID string, max int, lockUntil time.Time) (*shequ.User, error) {
	if !wellFormedUUID(userID) {
		return nil, errUserNotFound
	}
	if max <= 0 {
		max = int(^uint32(0) >> 1)
	}
	d := s.db.dialect
	var u *shequ.User
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var failures int
		err := tx.QueryRowContext(ctx, s.db.rebind(`UPDATE users SET totp_failures = totp_failures + 1
			WHERE id = ? RETURNING totp_failures`), userID).Scan(&failures)
		if errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return translateError(err, "record wrong code")
		}
		if failures >= max {
			if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_failures = 0, locked_until = ?,
				updated_at = ? WHERE id = ?`), d.timeArg(lockUntil), d.timeArg(s.db.now()), userID); err != nil {
				return translateError(err, "lock account")
			}
		}
		if u, err = NewUserService(s.db).findUser(ctx, tx, `u.id = ?`, userID); err != nil {
			return err
		}
		if failures < max {
			return nil
		}
		rec := s.db.newAudit(ctx, "user.lock", userObjectType, u.ID, u.Scope, shequ.AuditAllowed)
		rec.Detail = fmt.Sprintf("wrong_codes=%d until=%s", failures, lockUntil.UTC().Format(time.RFC3339))
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ResetTwoFactor removes the account's second factor, its recovery codes
// and its sessions, with the audit record, in one transaction. The account
// sets two-factor sign-in up again at its next sign-in when its role needs
// it.
func (s *TwoFactorService) ResetTwoFactor(ctx context.Context, userID string) error {
	u, err := NewUserService(s.db).FindUserByID(ctx, userID)
	if err == nil {
		err = authorizeAccount(ctx, u, false, shequ.ActionSecurityManage)
	}
	if err != nil {
		div := ""
		if u != nil {
			div = u.Scope
		}
		return s.db.recordDenied(ctx, err, auditTOTPReset, userObjectType, userID, div)
	}
	now := s.db.now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var had bool
		if err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT totp_secret <> '' FROM users WHERE id = ?`), userID).
			Scan(&had); err != nil {
			return translateError(err, "reset two-factor sign-in")
		}
		if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET totp_secret = '', totp_enabled_at = NULL,
			totp_last_step = 0, totp_failures = 0, updated_at = ? WHERE id = ?`),
			s.db.dialect.timeArg(now), userID); err != nil {
			return translateError(err, "reset two-factor sign-in")
		}
		for _, q := range []string{`DELETE FROM user_recovery_codes WHERE user_id = ?`, `DELETE FROM sessions WHERE user_id = ?`} {
			if _, err := tx.ExecContext(ctx, s.db.rebind(q), userID); err != nil {
				return translateError(err, "reset two-factor sign-in")
			}
		}
		rec := s.db.newAudit(ctx, auditTOTPReset, userObjectType, userID, u.Scope, shequ.AuditAllowed)
		if !had {
			rec.Detail = "none set up"
		}
		return s.db.appendAudit(ctx, tx, rec)
	})
}

package sqlstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"shequ"
)

// Verification of self-registered accounts (shequ/account_verify.go): a
// code sent to the phone on record of the resident an account claims, or a
// community worker at the window. Codes are kept as keyed hashes (the index
// key, outside the database), one per account in verify_codes.

var _ shequ.AccountVerifier = (*ResidentService)(nil)

// indexVerifyCode is the blind-index kind of verification codes; the value
// hashed is "<user id>:<code>", so a code is good for one account only.
const indexVerifyCode = "verify_code"

var (
	errVerifyCodeWrong = shequ.Errorf(shequ.EInvalid, "verify.code_wrong",
		"Wrong or expired code, or too many wrong tries: ask for a new code.")
	errVerifyNotPending = shequ.Errorf(shequ.EConflict, "verify.not_pending",
		"This account is verified already.")
	errVerifyAccountGone = shequ.Errorf(shequ.ENotFound, "verify.account_not_found",
		"No account waiting for verification claims this resident.")
	errVerifyLinked = shequ.Errorf(shequ.EConflict, "verify.resident_linked",
		"An account is already linked to this resident.")
)

// claim is what a pending account claims.
type claim struct {
	state, idIdx, phoneIdx string
}

// loadClaim reads the account's verification state and claim in tx.
func (s *ResidentService) loadClaim(ctx context.Context, tx *sql.Tx, userID string) (*claim, error) {
	var c claim
	var idIdx, phoneIdx sql.NullString
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT verify_state, claim_id_idx, claim_phone_idx
		FROM users WHERE id = ?`), userID).Scan(&c.state, &idIdx, &phoneIdx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrUnauthorized
	}
	if err != nil {
		return nil, translateError(err, "read account claim")
	}
	c.idIdx, c.phoneIdx = idIdx.String, phoneIdx.String
	return &c, nil
}

// matchClaim returns the id of the unlinked resident whose ID and phone
// numbers are those claimed, "" when none. It runs the same query whether
// or not anything matches.
func (s *ResidentService) matchClaim(ctx context.Context, tx *sql.Tx, c *claim) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT id FROM residents
		WHERE id_number_idx = ? AND phone_idx = ? AND user_id IS NULL`), c.idIdx, c.phoneIdx).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", translateError(err, "match account claim")
	}
	return id, nil
}

// pendingActor returns the signed-in account, which must be pending.
func pendingActor(ctx context.Context) (*shequ.Actor, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, shequ.ErrUnauthorized
	}
	if !a.Pending {
		return nil, errVerifyNotPending
	}
	return a, nil
}

// newVerifyCode returns VerifyCodeDigits random decimal digits.
func newVerifyCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// retryIn is the Data of a throttled answer: the seconds to wait.
func retryIn(d time.Duration) map[string]any {
	return map[string]any{"RetryAfter": int(max(d.Round(time.Second), time.Second) / time.Second)}
}

// SendVerifyCode implements shequ.AccountVerifier. The code row is written,
// and the send counted, whether or not the claim matches a resident; only
// the phone returned differs (nothing to send when ""), and the audit
// record names the resident when one matched.
func (s *ResidentService) SendVerifyCode(ctx context.Context) (*shequ.VerifyCode, error) {
	a, err := pendingActor(ctx)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditAccountVerifyCode, objUser, "", "")
	}
	now := s.db.now()
	code, err := newVerifyCode()
	if err != nil {
		return nil, err
	}
	out := &shequ.VerifyCode{Code: code, ExpiresAt: now.Add(shequ.VerifyCodeLife)}
	day := now.UTC().Format(time.DateOnly)
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		c, err := s.loadClaim(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		if c.state != shequ.VerifyPending {
			return refuse(errVerifyNotPending, auditAccountVerifyCode, objUser, a.UserID, "")
		}
		var sends int
		var sendsDay string
		var sentAt time.Time
		err = tx.QueryRowContext(ctx, s.db.rebind(`SELECT sends, sends_day, sent_at FROM verify_codes
			WHERE user_id = ?`), a.UserID).Scan(&sends, &sendsDay, scanTime(&sentAt))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return translateError(err, "read verification code")
		}
		if sendsDay != day {
			sends = 0
		}
		if sends >= shequ.VerifyCodeSends {
			tomorrow := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			return refuse(shequ.Errorf(shequ.ETooManyRequests, "verify.send_limit",
				"No more codes today (%d a day): try again tomorrow, or verify at your community's window.",
				shequ.VerifyCodeSends).With(retryIn(tomorrow.Sub(now))), auditAccountVerifyCode, objUser, a.UserID, "")
		}
		if wait := sentAt.Add(shequ.VerifyCodeInterval).Sub(now); !sentAt.IsZero() && wait > 0 {
			return refuse(shequ.Errorf(shequ.ETooManyRequests, "verify.send_wait",
				"A code was sent less than a minute ago: wait a minute before asking for another.").
				With(retryIn(wait)), auditAccountVerifyCode, objUser, a.UserID, "")
		}
		rid, err := s.matchClaim(ctx, tx, c)
		if err != nil {
			return err
		}
		d := s.db.dialect
		if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM verify_codes WHERE user_id = ?`), a.UserID); err != nil {
			return translateError(err, "replace verification code")
		}
		_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO verify_codes
			(user_id, code_idx, expires_at, attempts, sent_at, sends, sends_day) VALUES (?, ?, ?, 0, ?, ?, ?)`),
			a.UserID, s.sealer.Index(indexVerifyCode, a.UserID+":"+code), d.timeArg(out.ExpiresAt),
			d.timeArg(now), sends+1, day)
		if err != nil {
			return translateError(err, "store verification code")
		}
		detail := ""
		if rid != "" {
			r, err := s.loadResident(ctx, tx, rid)
			if err != nil {
				return err
			}
			out.Phone, detail = r.Phone, "resident="+r.ID
		}
		return auditAllowed(ctx, s.db, tx, auditAccountVerifyCode, objUser, a.UserID, "", detail)
	})
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	return out, nil
}

// CheckVerifyCode implements shequ.AccountVerifier. A wrong code counts a
// try (committed) and is audited as failed; the right code of an account
// whose claim no longer matches an unlinked resident is wrong too.
func (s *ResidentService) CheckVerifyCode(ctx context.Context, code string) (*shequ.Resident, error) {
	a, err := pendingActor(ctx)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditAccountVerify, objUser, "", "")
	}
	code = strings.TrimSpace(code)
	now := s.db.now()
	var out *shequ.Resident
	wrong := false
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		c, err := s.loadClaim(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		if c.state != shequ.VerifyPending {
			return refuse(errVerifyNotPending, auditAccountVerify, objUser, a.UserID, "")
		}
		var stored string
		var attempts int
		var expires time.Time
		err = tx.QueryRowContext(ctx, s.db.rebind(`SELECT code_idx, attempts, expires_at FROM verify_codes
			WHERE user_id = ?`), a.UserID).Scan(&stored, &attempts, scanTime(&expires))
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(errVerifyCodeWrong, auditAccountVerify, objUser, a.UserID, "")
		}
		if err != nil {
			return translateError(err, "read verification code")
		}
		given := s.sealer.Index(indexVerifyCode, a.UserID+":"+code)
		right := hmac.Equal([]byte(given), []byte(stored)) && attempts < shequ.VerifyCodeTries && now.Before(expires)
		rid, err := s.matchClaim(ctx, tx, c)
		if err != nil {
			return err
		}
		if !right || rid == "" {
			// Counted, and committed: the refusal is audited after it.
			wrong = true
			_, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE verify_codes SET attempts = attempts + 1
				WHERE user_id = ?`), a.UserID)
			return translateError(err, "count verification try")
		}
		r, err := s.link(ctx, tx, a.UserID, rid, shequ.VerifySMS, now)
		out = r
		return err
	})
	if err == nil && wrong {
		err = refuse(errVerifyCodeWrong, auditAccountVerify, objUser, a.UserID, "")
	}
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	s.db.authChanged()
	return out, nil
}

// link links the pending account userID to the resident rid, verified
// how (VerifySMS or VerifyWindow), in tx: the resident's user_id, the
// account's state, community and cleared claim, its code gone, the
// resident's timeline event, a notification to the account when a worker
// verified it, and the audit record last.
func (s *ResidentService) link(ctx context.Context, tx *sql.Tx, userID, rid, how string, now time.Time) (*shequ.Resident, error) {
	r, err := s.loadResident(ctx, tx, rid)
	if err != nil {
		return nil, err
	}
	d := s.db.dialect
	res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE residents SET user_id = ?, updated_at = ?
		WHERE id = ? AND user_id IS NULL`), userID, d.timeArg(now), r.ID)
	if err != nil {
		return nil, translateError(err, "link resident account")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Another account was linked meanwhile (PostgreSQL took no lock).
		return nil, refuse(errVerifyLinked, auditAccountVerify, objResident, r.ID, r.Community)
	}
	res, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET verify_state = ?, verified_at = ?, scope = ?,
		claim_id_idx = NULL, claim_phone_idx = NULL, updated_at = ? WHERE id = ? AND verify_state = ?`),
		how, d.timeArg(now), r.Community, d.timeArg(now), userID, shequ.VerifyPending)
	if err != nil {
		return nil, translateError(err, "verify account")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, refuse(errVerifyNotPending, auditAccountVerify, objUser, userID, r.Community)
	}
	if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM verify_codes WHERE user_id = ?`), userID); err != nil {
		return nil, translateError(err, "spend verification code")
	}
	r.UserID, r.UpdatedAt = userID, now
	c := &change{db: s.db, ctx: ctx, tx: tx, now: now}
	c.event(objResident, r.ID, r.Community, auditAccountVerify, shequ.VerifyPending, how, "")
	if shequ.ActorFrom(ctx) != nil && how == shequ.VerifyWindow {
		// A worker verified the person (the console, loading the demo,
		// tells nobody; whoever gave the code knows).
		c.notify([]string{userID}, "account_verified", objResident, r.ID, "")
	}
	if err := c.flush(); err != nil {
		return nil, err
	}
	if err := auditAllowed(ctx, s.db, tx, auditAccountVerify, objResident, r.ID, r.Community,
		"user="+userID+" by="+how); err != nil {
		return nil, err
	}
	return r, nil
}

// PendingAccounts implements shequ.AccountVerifier: at most 20, oldest
// first. Refusals are audited "account.claims" (the list itself holds no
// personal data beyond user names).
func (s *ResidentService) PendingAccounts(ctx context.Context, residentID string) ([]*shequ.PendingAccount, error) {
	if err := authorizeResident(ctx, shequ.ActionResidentVerify, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditAccountClaims, objResident, clipID(residentID), "")
	}
	r, err := s.loadResident(ctx, s.db.db, residentID)
	if shequ.ErrorCode(err) == shequ.ENotFound {
		return nil, s.db.recordDenied(ctx, err, auditAccountClaims, objResident, clipID(residentID), "")
	} else if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionResidentVerify, residentObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditAccountClaims, objResident, r.ID, r.Community)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, username, name, claim_phone_idx, created_at
		FROM users WHERE claim_id_idx = ? AND verify_state = ? AND disabled = ? ORDER BY created_at, id LIMIT 20`),
		s.sealer.Index(indexIDNumber, string(r.IDNumber)), shequ.VerifyPending, false)
	if err != nil {
		return nil, translateError(err, "find pending accounts")
	}
	defer rows.Close()
	phone := s.sealer.Index(indexPhone, string(r.Phone))
	out := []*shequ.PendingAccount{}
	for rows.Next() {
		p := &shequ.PendingAccount{}
		var phoneIdx sql.NullString
		if err := rows.Scan(&p.UserID, &p.Username, &p.Name, &phoneIdx, scanTime(&p.CreatedAt)); err != nil {
			return nil, translateError(err, "find pending accounts")
		}
		p.PhoneMatch = r.Phone != "" && phoneIdx.String == phone
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find pending accounts")
	}
	return out, nil
}

// VerifyAtWindow implements shequ.AccountVerifier.
func (s *ResidentService) VerifyAtWindow(ctx context.Context, residentID, userID string) (*shequ.Resident, error) {
	if err := authorizeResident(ctx, shequ.ActionResidentVerify, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditAccountVerify, objResident, clipID(residentID), "")
	}
	if !wellFormedUUID(userID) {
		return nil, s.db.recordDenied(ctx, errVerifyAccountGone, auditAccountVerify, objResident, clipID(residentID), "")
	}
	now := s.db.now()
	var out *shequ.Resident
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadAuthorized(ctx, tx, residentID, shequ.ActionResidentVerify, auditAccountVerify)
		if err != nil {
			return err
		}
		if r.UserID != "" {
			return refuse(errVerifyLinked, auditAccountVerify, objResident, r.ID, r.Community)
		}
		c, err := s.loadClaim(ctx, tx, userID)
		if err != nil || c.state != shequ.VerifyPending || c.idIdx != s.sealer.Index(indexIDNumber, string(r.IDNumber)) {
			return refuse(errVerifyAccountGone, auditAccountVerify, objResident, r.ID, r.Community)
		}
		out, err = s.link(ctx, tx, userID, r.ID, shequ.VerifyWindow, now)
		return err
	})
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	s.db.authChanged()
	return out, nil
}

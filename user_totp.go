package shequ

import (
	"context"
	"strings"
	"time"
)

// Two-factor sign-in (issue 14 item 5): a time-based one-time password
// (TOTP, RFC 6238: six digits, 30-second steps, HMAC-SHA1, the form every
// authenticator app reads) after the password. GB/T 22239-2019 level 3 asks
// for two factors for administrators; the platform asks them of the roles
// that read or manage many people's data (TwoFactorRequired) and offers them
// to everyone else.
//
// An account that must use it and has not set it up yet sets it up at its
// first sign-in, before it can do anything else. Setting up shows a secret
// (as a QR code and as text), asks for one code to prove the authenticator
// holds it, and then shows ten recovery codes once: each signs in once in
// place of a code (a lost phone). Only the security administrator resets
// an account's two-factor sign-in (for the three administrators, the
// console: see Role.Privileged), with an audit record; the account sets it up
// again at its next sign-in.

// TwoFactorRequired reports whether accounts of role r must sign in with a
// second factor: the official and the three administrators.
func TwoFactorRequired(r Role) bool {
	return r == RoleOfficial || r.Privileged()
}

// Session stages: a session is signed in only at stage SessionSignedIn.
// After a right password, an account with two-factor sign-in gets a
// session at SessionCodeDue (it may only enter a code), and one that must
// set it up first a session at SessionEnrolDue (it may only set it up).
const (
	SessionSignedIn = ""
	SessionCodeDue  = "totp"
	SessionEnrolDue = "enrol"
)

// StagedSessionLife bounds a session that waits for a code or a set-up.
const StagedSessionLife = 10 * time.Minute

// RecoveryCodeCount is how many recovery codes an account gets at set-up.
const RecoveryCodeCount = 10

// TwoFactor is an account's two-factor state, as the store holds it.
type TwoFactor struct {
	UserID string
	// Secret is the TOTP secret (base32), opened; "" when none.
	Secret    string
	EnabledAt *time.Time // nil: none, or a set-up in progress (Secret set)
	// LastStep is the last time step accepted: a code of that step or an
	// earlier one is never accepted again (RFC 6238 §5.2).
	LastStep int64
	// Failures counts wrong codes in a row; the account locks at the
	// security policy's limit, as with wrong passwords.
	Failures int
	// RecoveryLeft is how many recovery codes are still unused.
	RecoveryLeft int
}

// Enabled reports whether the account signs in with a second factor.
func (t *TwoFactor) Enabled() bool { return t != nil && t.EnabledAt != nil }

// TwoFactorService keeps accounts' second factors. Secrets are sealed with
// the personal-data key; recovery codes are kept as keyed hashes only.
type TwoFactorService interface {
	// TwoFactor returns the account's state (not authorized: the sign-in
	// flow reads it before anyone is signed in).
	TwoFactor(ctx context.Context, userID string) (*TwoFactor, error)
	// StartTOTP stores secret as the account's set-up in progress. An
	// account that has two-factor sign-in answers EConflict (reset first).
	// Only the account itself (or the console) may.
	StartTOTP(ctx context.Context, userID, secret string) error
	// EnableTOTP ends the set-up: the code of step was right. The recovery
	// codes replace any earlier ones. Audited "totp.enrol".
	EnableTOTP(ctx context.Context, userID string, step int64, recovery []string) error
	// AcceptStep records a right code of step and clears the failures; it
	// reports false when a code of that step or a later one was accepted
	// before (a replay), atomically.
	AcceptStep(ctx context.Context, userID string, step int64) (bool, error)
	// UseRecoveryCode spends one recovery code; false when it is not one of
	// the account's unused codes.
	UseRecoveryCode(ctx context.Context, userID, code string) (bool, error)
	// RecordCodeFailure counts a wrong code and locks the account until
	// lockUntil when the count reaches max (audited "user.lock"); it
	// returns the account as it is then.
	RecordCodeFailure(ctx context.Context, userID string, max int, lockUntil time.Time) (*User, error)
	// ResetTwoFactor removes the account's second factor and recovery codes
	// and ends its sessions; the security administrator over the account's
	// scope may (the console for the administrators). Audited "totp.reset".
	ResetTwoFactor(ctx context.Context, userID string) error
}

// OTP makes and checks one-time passwords (internal/auth, RFC 6238).
type OTP interface {
	// NewSecret returns a new random secret (base32).
	NewSecret() (string, error)
	// URI returns the otpauth:// URI of secret for an authenticator app,
	// which shows issuer and account beside the codes.
	URI(issuer, account, secret string) (string, error)
	// Match reports the time step of now (or the step just before or
	// after, for clock drift) whose code is code, among the steps after
	// after; ok is false when none is.
	Match(secret, code string, now time.Time, after int64) (step int64, ok bool)
	// Code returns the code of secret at t.
	Code(secret string, t time.Time) (string, error)
	// RecoveryCodes returns n new random recovery codes.
	RecoveryCodes(n int) []string
}

// NormalizeCode removes the spaces and hyphens people type or copy into a
// one-time or recovery code and upper-cases it.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u3000':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		}
		return r
	}, s)
}

// IsTOTPCode reports whether s (normalized) has the form of a TOTP code:
// six digits.
func IsTOTPCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RecoveryCodeAlphabet is the alphabet of recovery codes: no 0/O, 1/I/L,
// so that a code copied from paper is read back right.
const RecoveryCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// RecoveryCodeLength is the length of a recovery code (about 50 bits).
const RecoveryCodeLength = 10

// IsRecoveryCode reports whether s (normalized) has the form of a recovery
// code.
func IsRecoveryCode(s string) bool {
	if len(s) != RecoveryCodeLength {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(RecoveryCodeAlphabet, r) {
			return false
		}
	}
	return true
}

// FormatRecoveryCode shows a recovery code in two groups: "ABCDE-FGHJK".
func FormatRecoveryCode(s string) string {
	if len(s) != RecoveryCodeLength {
		return s
	}
	return s[:5] + "-" + s[5:]
}

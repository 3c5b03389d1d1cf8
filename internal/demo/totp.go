package demo

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"

	"shequ"
)

// TOTPSecret is the fixed two-factor secret of a demo account (issue 14):
// the demo accounts whose role needs two-factor sign-in come with it set up,
// so that a newcomer (README demo table) and a test can compute the code,
// e.g. `shequ totp code -username demo-official`. Derived from the user
// name; published, like the demo password: demo data only.
func TOTPSecret(username string) string {
	sum := sha256.Sum256([]byte("shequ demo two-factor secret:" + username))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10])
}

// allAccounts lists every demo account of every module.
func allAccounts() []Account {
	out := append([]Account{}, Accounts...)
	out = append(out, LinkageAccounts...)
	return append(out, CareAccounts...)
}

// RequiresCode reports whether the demo account username signs in with a
// code (its role needs two-factor sign-in).
func RequiresCode(username string) bool {
	for _, a := range allAccounts() {
		if a.Username == username {
			return shequ.TwoFactorRequired(a.Role)
		}
	}
	return false
}

// loadTwoFactor sets two-factor sign-in up with TOTPSecret for the demo
// accounts that need it (those the demo created); no recovery codes.
func loadTwoFactor(ctx context.Context, s Services) error {
	if s.TwoFactor == nil {
		return nil
	}
	for _, a := range allAccounts() {
		if !shequ.TwoFactorRequired(a.Role) {
			continue
		}
		u, err := s.Users.FindUserByUsername(ctx, a.Username)
		if shequ.ErrorCode(err) == shequ.ENotFound {
			continue
		} else if err != nil {
			return err
		}
		if err := s.TwoFactor.StartTOTP(ctx, u.ID, TOTPSecret(a.Username)); err != nil {
			return fmt.Errorf("demo two-factor %s: %w", a.Username, err)
		}
		if err := s.TwoFactor.EnableTOTP(ctx, u.ID, 0, nil); err != nil {
			return fmt.Errorf("demo two-factor %s: %w", a.Username, err)
		}
	}
	return nil
}

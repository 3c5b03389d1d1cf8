package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"shequ"
)

// TOTP makes and checks time-based one-time passwords (RFC 6238) with
// github.com/pquerna/otp: 160-bit secrets, six digits, 30-second steps,
// HMAC-SHA1 — the parameters every authenticator app supports. It
// implements shequ.OTP.
type TOTP struct{}

var _ shequ.OTP = TOTP{}

// totpPeriod is the length of a time step in seconds.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewSecret returns a new random 160-bit secret (RFC 4226 §4).
func (TOTP) NewSecret() (string, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "shequ", AccountName: "new", SecretSize: 20})
	if err != nil {
		return "", err
	}
	return k.Secret(), nil
}

// URI returns the otpauth:// URI of secret.
func (TOTP) URI(issuer, account, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return k.URL(), nil
}

// Step returns the time step of t.
func Step(t time.Time) int64 { return t.Unix() / totpPeriod }

// Match checks code against the steps of now, the one before and the one
// after (one step of clock drift either way, RFC 6238 §5.2), oldest first,
// skipping steps not after after, and returns the step that matched. Every
// candidate is compared in constant time.
func (TOTP) Match(secret, code string, now time.Time, after int64) (int64, bool) {
	if !shequ.IsTOTPCode(code) {
		return 0, false
	}
	cur := Step(now)
	var found int64
	ok := false
	for step := cur - 1; step <= cur+1; step++ {
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// Code returns the code of secret at t.
func (TOTP) Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// RecoveryCodes returns n new recovery codes (shequ.RecoveryCodeLength
// characters of shequ.RecoveryCodeAlphabet, uniformly drawn).
func (TOTP) RecoveryCodes(n int) []string {
	alpha := shequ.RecoveryCodeAlphabet
	out := make([]string, 0, n)
	for len(out) < n {
		b := make([]byte, 0, shequ.RecoveryCodeLength)
		var buf [1]byte
		for len(b) < shequ.RecoveryCodeLength {
			_, _ = rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
			// Rejection sampling keeps the draw uniform: 248 = 8 × 31.
			if int(buf[0]) >= 256-256%len(alpha) {
				continue
			}
			b = append(b, alpha[int(buf[0])%len(alpha)])
		}
		out = append(out, string(b))
	}
	return out
}

package shequ

import (
	"context"
	"time"
)

// Verified self-registration (issue 14.6). A person who registers with an
// ID number and a phone number gets a pending account linked to nothing:
// registration answers the same, and does the same work, whether or not
// the pair matches a resident, so the form cannot probe the registry. A
// pending account may read the service guides, its account page and the
// verification page, and sign out; it has no permission at all (Actor.Pending).
// It is linked to the resident whose ID and phone numbers match, when
//
//   - the person gives the code sent to the phone ON RECORD of that resident
//     (VerifyCodeLife, VerifyCodeTries, VerifyCodeSends; the answer to a
//     send is alike whether or not anything matches), or
//   - a community worker checks the person's ID card at the window, from the
//     resident's page, which lists the pending accounts claiming the resident.

// Verification states of an account (users.verify_state).
const (
	VerifyNone    = "none"    // made by staff or the console
	VerifyPending = "pending" // self-registered, not yet verified
	VerifyWindow  = "window"  // verified by a community worker at the window
	VerifySMS     = "sms"     // verified by the code sent to the phone on record
)

// Bounds of verification codes.
const (
	VerifyCodeDigits   = 6
	VerifyCodeLife     = 10 * time.Minute
	VerifyCodeTries    = 5 // wrong codes before the code is spent
	VerifyCodeSends    = 5 // codes a day (UTC) per account
	VerifyCodeInterval = time.Minute
)

// Error codes of this file: an answer refused by a throttle (429), and a
// pending account refused what only verified accounts may do (403).
const (
	ETooManyRequests = "too_many_requests"
	EPending         = "account_pending"
)

// VerifyCode is a code to be sent by SMS. Phone is the phone on record of
// the resident the account claims, "" when nothing matches (then nothing
// is sent, and the caller answers as if it were).
type VerifyCode struct {
	Phone     Phone
	Code      string
	ExpiresAt time.Time
}

// PendingAccount is a self-registered account waiting to be linked to a
// resident, as the window sees it.
type PendingAccount struct {
	UserID     string
	Username   string
	Name       string
	PhoneMatch bool // the phone typed at registration is the one on record
	CreatedAt  time.Time
}

// AccountVerifier links pending accounts to residents.
type AccountVerifier interface {
	// SendVerifyCode makes a new code for the signed-in pending account
	// (ETooManyRequests beyond VerifyCodeSends a day or within
	// VerifyCodeInterval of the last one). The code is stored as a keyed
	// hash; audited "account.verify_code".
	SendVerifyCode(ctx context.Context) (*VerifyCode, error)
	// CheckVerifyCode links the signed-in pending account to the resident
	// it claims when code is the last one sent and still good; any wrong,
	// expired or spent code answers EInvalid "verify.code_wrong". Audited
	// "account.verify" with the resident's timeline event, in one
	// transaction.
	CheckVerifyCode(ctx context.Context, code string) (*Resident, error)
	// PendingAccounts lists the pending accounts claiming the resident (by
	// the ID number), for whoever may verify residents.
	PendingAccounts(ctx context.Context, residentID string) ([]*PendingAccount, error)
	// VerifyAtWindow links a pending account claiming the resident to it
	// after a community worker checked the person's ID card. Audited
	// "account.verify" with the timeline event and a notification to the
	// account, in one transaction.
	VerifyAtWindow(ctx context.Context, residentID, userID string) (*Resident, error)
}

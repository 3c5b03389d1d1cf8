package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// User is an account. Staff accounts are bound to a division (Scope);
// resident accounts to their community.
type User struct {
	ID                 string // UUIDv7
	Username           string // 3–64 characters: letters, digits, . _ -
	Name               string // 姓名, optional
	Role               Role
	Scope              string // division code, "" for the whole country
	Disabled           bool
	MustChangePassword bool   // set for generated one-time passwords
	TwoFactorOn        bool   // signs in with a one-time code after the password (user_totp.go)
	VerifyState        string // VerifyNone, or how a self-registered account was verified (account_verify.go)
	FailedLogins       int
	LockedUntil        *time.Time
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Actor returns the user as the subject of authorization.
func (u *User) Actor() *Actor {
	return &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Scope: u.Scope, Pending: u.Pending()}
}

// Pending reports whether u is a self-registered account not yet verified.
func (u *User) Pending() bool { return u.VerifyState == VerifyPending }

// Password length bounds: long passphrases, no composition rules (NIST
// SP 800-63B), common passwords refused.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// ValidateUsername checks the form of a user name.
func ValidateUsername(s string) error {
	if len(s) < 3 || len(s) > 64 {
		return Errorf(EInvalid, "user.username.invalid", "The user name has 3 to 64 letters, digits, dots, underscores or hyphens.")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return Errorf(EInvalid, "user.username.invalid", "The user name has 3 to 64 letters, digits, dots, underscores or hyphens.")
		}
	}
	return nil
}

// ValidatePassword applies the password policy: 12 to 128 characters and not
// in the list of common passwords (which also catches the user name itself).
func ValidatePassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return Errorf(EInvalid, "password.length", "The password must have %d to %d characters.",
			MinPasswordLength, MaxPasswordLength).With(map[string]any{"Min": MinPasswordLength, "Max": MaxPasswordLength})
	}
	lower := strings.ToLower(password)
	if IsCommonPassword(lower) || (username != "" && strings.Contains(lower, strings.ToLower(username))) {
		return Errorf(EInvalid, "password.common", "This password is too common or contains the user name; choose another.")
	}
	return nil
}

// Validate checks a new or edited user.
func (u *User) Validate() error {
	var fe FieldErrors
	if err := ValidateUsername(u.Username); err != nil {
		e := AsError(err)
		fe.Add("username", e.Key, e.Message, nil)
	}
	if !u.Role.Valid() {
		fe.Add("role", "user.role.invalid", "Unknown role.", map[string]any{"Value": string(u.Role)})
	}
	if u.Scope != "" {
		if err := ValidateDivisionCode(u.Scope); err != nil {
			fe.Add("scope", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
		}
	}
	if u.Role == RoleResident && len(u.Scope) != 12 && !(u.Pending() && u.Scope == "") {
		// A pending account belongs to no community until verified.
		fe.Add("scope", "user.scope.resident", "A resident account is bound to a community (12-digit code).", nil)
	}
	if utf8.RuneCountInString(u.Name) > 50 {
		fe.Add("name", "user.name.long", "The name has at most 50 characters.", nil)
	} else if err := CheckText(u.Name, TextLine); err != nil {
		// The console (user add -name) has no decoding boundary.
		e := AsError(err)
		fe.Add("name", e.Key, e.Message, nil)
	}
	return fe.Err()
}

// UserFilter selects users; nil fields are not filtered on.
type UserFilter struct {
	Scope    *string // at or below this division
	Role     *Role
	Username *string
	Offset   int
	Limit    int
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	Name     *string
	Disabled *bool
}

// UserService keeps accounts. Password hashes never leave it.
type UserService interface {
	FindUserByID(ctx context.Context, id string) (*User, error)
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// CreateUser stores a user with the given password hash (already hashed).
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (*User, error)
	// SetPassword replaces the hash, clears lockout and sets MustChangePassword.
	SetPassword(ctx context.Context, id, passwordHash string, mustChange bool) error
	// PasswordHash returns the stored hash for verification at login.
	PasswordHash(ctx context.Context, id string) (string, error)
	// RecordLoginFailure counts a failure and locks the account until lockUntil
	// when the count reaches max; it returns the updated user.
	RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (*User, error)
	// RecordLoginSuccess clears the failure count.
	RecordLoginSuccess(ctx context.Context, id string) error
	// CountUsers returns how many users have the role (enabled or not).
	CountUsers(ctx context.Context, role Role) (int, error)
}

package shequ

import (
	"context"
	"time"
)

// Session is a signed-in browser session, kept server-side. The cookie holds
// a random token; the store keeps only its SHA-256 hash as the ID.
type Session struct {
	ID         string // hex SHA-256 of the token
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
	ClientAddr string
	// Stage is SessionSignedIn ("") for a signed-in session, or the step
	// of two-factor sign-in it waits for (user_totp.go).
	Stage string
}

// SessionPolicy bounds sessions.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without a request
	Absolute time.Duration // ends this long after sign-in
}

// DefaultSessionPolicy: 30 minutes idle, 12 hours at most.
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}

// SessionService keeps sessions.
type SessionService interface {
	// CreateSession starts a session and returns the token for the cookie.
	CreateSession(ctx context.Context, userID, clientAddr string, p SessionPolicy) (token string, s *Session, err error)
	// StageSession starts a session that waits for the second factor
	// (SessionCodeDue or SessionEnrolDue): it does not act for its user.
	StageSession(ctx context.Context, userID, clientAddr, stage string, p SessionPolicy) (token string, s *Session, err error)
	// FindSession returns the live session of a token and its user, and
	// records the activity; an expired or idle session is deleted and answers
	// EUnauthorized.
	FindSession(ctx context.Context, token string, p SessionPolicy) (*Session, *User, error)
	// DeleteSession signs one session out.
	DeleteSession(ctx context.Context, token string) error
	// DeleteUserSessions signs a user out everywhere.
	DeleteUserSessions(ctx context.Context, userID string) (int, error)
}

// APIToken is a revocable bearer token for API clients. Only the SHA-256 hash
// of the secret is stored; the secret is shown once at creation.
type APIToken struct {
	ID         string // UUIDv7, used to revoke
	UserID     string
	Name       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// TokenService keeps API tokens.
type TokenService interface {
	// CreateToken makes a token for a user; expires 0 means no expiry.
	CreateToken(ctx context.Context, userID, name string, expires time.Duration) (secret string, t *APIToken, err error)
	// FindTokenUser returns the user of a live token; a revoked, expired or
	// unknown one answers EUnauthorized.
	FindTokenUser(ctx context.Context, secret string) (*User, *APIToken, error)
	RevokeToken(ctx context.Context, id string) error
	FindTokens(ctx context.Context, userID string) ([]*APIToken, error)
}

// PasswordHasher hashes and checks passwords (argon2id in internal/auth).
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(password, hash string) (bool, error)
}

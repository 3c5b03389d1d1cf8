package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"shequ"
)

// SessionService keeps browser sessions server-side. It implements
// shequ.SessionService. The cookie carries a random token; the table keeps
// only its SHA-256 hash as the id, so that a copy of the database does not
// hold usable cookies.
type SessionService struct {
	db *DB
}

var _ shequ.SessionService = (*SessionService)(nil)

// NewSessionService returns a SessionService on db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

// sessionTouchInterval is how stale last_seen_at may get before FindSession
// writes it again: at most one write per session a minute rather than one
// per request. The idle timeout is therefore exact to within a minute.
const sessionTouchInterval = time.Minute

// maxSecretLen bounds the tokens and secrets hashed on lookup, so that a
// huge header is refused before any work.
const maxSecretLen = 256

// errSessionExpired is the answer for an unknown, expired or idle session.
var errSessionExpired = shequ.Errorf(shequ.EUnauthorized, "session.expired",
	"Your session has ended; please sign in again.")

// errUserDisabled is the answer for a session or token of a disabled account.
var errUserDisabled = shequ.Errorf(shequ.EUnauthorized, "user.disabled", "This account is disabled.")

// randomSecret returns 32 random bytes in unpadded base64url (43 characters).
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// secretHash is the hex SHA-256 of a token or secret. A plain hash (no salt,
// no stretching) is enough: the secrets are 256 random bits, not passwords.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// sessionPolicy fills the zero fields of p from shequ.DefaultSessionPolicy.
func sessionPolicy(p shequ.SessionPolicy) shequ.SessionPolicy {
	if p.Idle <= 0 {
		p.Idle = shequ.DefaultSessionPolicy.Idle
	}
	if p.Absolute <= 0 {
		p.Absolute = shequ.DefaultSessionPolicy.Absolute
	}
	return p
}

// CreateSession starts a session for userID and returns its token for the
// cookie. A new token every time: callers create one at each login, which is
// the session id rotation that defeats fixation. A missing user answers
// ENotFound. The login itself is recorded by the caller.
func (s *SessionService) CreateSession(ctx context.Context, userID, clientAddr string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
	return s.createSession(ctx, userID, clientAddr, shequ.SessionSignedIn, p)
}

// StageSession starts a session waiting for the second factor: it ends
// shequ.StagedSessionLife after it began, and the sign-in flow replaces
// it by a new session (a new token) once the factor is given.
func (s *SessionService) StageSession(ctx context.Context, userID, clientAddr, stage string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
	if stage != shequ.SessionCodeDue && stage != shequ.SessionEnrolDue {
		return "", nil, shequ.Wrap(fmt.Errorf("unknown session stage %q", stage), "stage session")
	}
	return s.createSession(ctx, userID, clientAddr, stage, p)
}

func (s *SessionService) createSession(ctx context.Context, userID, clientAddr, stage string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
	if !wellFormedUUID(userID) {
		return "", nil, errUserNotFound
	}
	p = sessionPolicy(p)
	if stage != shequ.SessionSignedIn && p.Absolute > shequ.StagedSessionLife {
		p.Absolute = shequ.StagedSessionLife
	}
	token := randomSecret()
	now := s.db.now()
	sess := &shequ.Session{ID: secretHash(token), UserID: userID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(p.Absolute), ClientAddr: clientAddr, Stage: stage}
	d := s.db.dialect
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`INSERT INTO sessions
		(id, user_id, created_at, last_seen_at, expires_at, client_addr, stage) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		sess.ID, sess.UserID, d.timeArg(now), d.timeArg(now), d.timeArg(sess.ExpiresAt), clientAddr, stage)
	if err != nil {
		if shequ.ErrorCode(translateError(err, "")) == shequ.EInvalid {
			// The foreign key: no such user.
			return "", nil, errUserNotFound
		}
		return "", nil, translateError(err, "create session")
	}
	return token, sess, nil
}

// FindSession returns the live session of token and its user. A session past
// its absolute end or idle for longer than p.Idle is deleted and answers
// EUnauthorized "session.expired", as does an unknown token; a disabled
// user's session is deleted and answers EUnauthorized "user.disabled".
// Activity is recorded at most once a minute (sessionTouchInterval).
func (s *SessionService) FindSession(ctx context.Context, token string, p shequ.SessionPolicy) (*shequ.Session, *shequ.User, error) {
	if token == "" || len(token) > maxSecretLen {
		return nil, nil, errSessionExpired
	}
	p = sessionPolicy(p)
	id := secretHash(token)
	var sess shequ.Session
	row := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT s.id, s.user_id, s.created_at, s.last_seen_at,
		s.expires_at, s.client_addr, s.stage, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`), id)
	u, err := scanUser(func(dest ...any) error {
		return row.Scan(append([]any{&sess.ID, &sess.UserID, scanTime(&sess.CreatedAt), scanTime(&sess.LastSeenAt),
			scanTime(&sess.ExpiresAt), &sess.ClientAddr, &sess.Stage}, dest...)...)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errSessionExpired
	}
	if err != nil {
		return nil, nil, translateError(err, "find session")
	}
	now := s.db.now()
	var dead error
	switch {
	case !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(p.Idle)):
		dead = errSessionExpired
	case u.Disabled:
		dead = errUserDisabled
	}
	if dead != nil {
		if _, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE id = ?`), id); err != nil {
			return nil, nil, translateError(err, "delete ended session")
		}
		return nil, nil, dead
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchInterval {
		// "last_seen_at < ?" keeps concurrent requests from writing twice and
		// the time from going back.
		if _, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE sessions SET last_seen_at = ?
			WHERE id = ? AND last_seen_at < ?`), s.db.dialect.timeArg(now), id, s.db.dialect.timeArg(now)); err != nil {
			return nil, nil, translateError(err, "touch session")
		}
		sess.LastSeenAt = now
	}
	return &sess, u, nil
}

// DeleteSession signs one session out. An unknown token is not an error:
// signing out twice is harmless. The logout is recorded by the caller.
func (s *SessionService) DeleteSession(ctx context.Context, token string) error {
	if token == "" || len(token) > maxSecretLen {
		return nil
	}
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE id = ?`), secretHash(token))
	return translateError(err, "delete session")
}

// DeleteUserSessions signs a user out everywhere and returns how many
// sessions ended. Users may do it for themselves; for others it needs
// user.manage or security.manage over their scope, or the console. Recorded
// as "session.revoke_all".
func (s *SessionService) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	const action = "session.revoke_all"
	u, err := NewUserService(s.db).FindUserByID(ctx, userID)
	if err == nil {
		err = authorizeAccount(ctx, u, true, shequ.ActionUserManage, shequ.ActionSecurityManage)
	}
	if err != nil {
		div := ""
		if u != nil {
			div = u.Scope
		}
		return 0, s.db.recordDenied(ctx, err, action, userObjectType, userID, div)
	}
	var n int64
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID)
		if err != nil {
			return translateError(err, "delete user sessions")
		}
		if n, err = res.RowsAffected(); err != nil {
			return translateError(err, "delete user sessions")
		}
		rec := s.db.newAudit(ctx, action, userObjectType, userID, u.Scope, shequ.AuditAllowed)
		rec.Detail = fmt.Sprintf("sessions=%d", n)
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"shequ"
)

// TokenService keeps API tokens. It implements shequ.TokenService. Only the
// SHA-256 hash of a secret is stored; the secret is shown once, at creation.
//
// Users may create, list and revoke their own tokens; for others it takes
// user.manage (listing: user.read) over the account's scope, or the console.
type TokenService struct {
	db    *DB
	cache *tokenCache
}

var _ shequ.TokenService = (*TokenService)(nil)

// NewTokenService returns a TokenService on db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db, cache: newTokenCache(db)} }

// tokenPrefix starts every secret, so that a leaked one is recognisable
// (secret scanners, logs) and a wrong kind of credential is refused early.
const tokenPrefix = "shq_"

// tokenObjectType names tokens in the audit trail.
const tokenObjectType = "api_token"

// tokenColumns are the columns of api_tokens in the order scanToken reads.
const tokenColumns = `t.id, t.user_id, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`

// errTokenInvalid is the one answer for an unknown, revoked or expired
// token, or one of a disabled account: the client learns nothing more.
var errTokenInvalid = shequ.Errorf(shequ.EUnauthorized, "token.invalid", "The API token is not valid.")

// errTokenNotFound is the answer for an unknown token id (or one of an
// account outside the caller's scope).
var errTokenNotFound = shequ.Errorf(shequ.ENotFound, "token.not_found", "API token not found.")

// CreateToken makes a token for userID named name (at most 100 characters),
// valid for expires (0: until revoked), and returns its secret,
// "shq_" + 43 base64url characters. Recorded as "token.create".
func (s *TokenService) CreateToken(ctx context.Context, userID, name string, expires time.Duration) (string, *shequ.APIToken, error) {
	const action = "token.create"
	u, err := NewUserService(s.db).FindUserByID(ctx, userID)
	if err == nil {
		err = authorizeAccount(ctx, u, true, shequ.ActionUserManage)
	}
	if err != nil {
		return "", nil, s.db.recordDenied(ctx, err, action, userObjectType, userID, scopeOf(u))
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", nil, shequ.FieldErrors{{Field: "name", Key: "token.name.long",
			Message: "The token name has at most 100 characters."}}.Err()
	}
	if expires < 0 {
		return "", nil, shequ.FieldErrors{{Field: "expires", Key: "token.expires.negative",
			Message: "The validity must not be negative."}}.Err()
	}
	secret := tokenPrefix + randomSecret()
	now := s.db.now()
	t := &shequ.APIToken{ID: newUUID7(), UserID: userID, Name: name, CreatedAt: now}
	if expires > 0 {
		e := now.Add(expires)
		t.ExpiresAt = &e
	}
	d := s.db.dialect
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		var exp any
		if t.ExpiresAt != nil {
			exp = d.timeArg(*t.ExpiresAt)
		}
		if _, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO api_tokens
			(id, user_id, name, hash, created_at, expires_at, revoked_at, last_used_at)
			VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`),
			t.ID, t.UserID, t.Name, secretHash(secret), d.timeArg(now), exp); err != nil {
			return translateError(err, "create token")
		}
		rec := s.db.newAudit(ctx, action, tokenObjectType, t.ID, u.Scope, shequ.AuditAllowed)
		rec.Detail = "user=" + u.Username
		if t.ExpiresAt != nil {
			rec.Detail += " expires=" + t.ExpiresAt.Format(time.RFC3339)
		}
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// scopeOf is the scope of u, "" when u is nil (not found).
func scopeOf(u *shequ.User) string {
	if u == nil {
		return ""
	}
	return u.Scope
}

// FindTokenUser returns the user and token of secret. An unknown, revoked or
// expired token, or one of a disabled account, answers EUnauthorized
// "token.invalid". Use is recorded at most once a minute. Not authorized:
// this is how an API client signs in. What it read is kept for a second
// (token_cache.go).
func (s *TokenService) FindTokenUser(ctx context.Context, secret string) (*shequ.User, *shequ.APIToken, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > maxSecretLen {
		return nil, nil, errTokenInvalid
	}
	hash := secretHash(secret)
	now := s.db.now()
	if c, ok := s.cache.get(hash, now); ok {
		if c.token.ExpiresAt != nil && !now.Before(*c.token.ExpiresAt) {
			return nil, nil, errTokenInvalid
		}
		return &c.user, &c.token, nil
	}
	gen := s.db.authGen.Load()
	var t *shequ.APIToken
	row := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+tokenColumns+`, `+userColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), hash)
	u, err := scanUser(func(dest ...any) error {
		var err error
		t, err = scanToken(func(tdest ...any) error { return row.Scan(append(tdest, dest...)...) })
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errTokenInvalid
	}
	if err != nil {
		return nil, nil, translateError(err, "find token")
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) || u.Disabled {
		return nil, nil, errTokenInvalid
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= sessionTouchInterval {
		d := s.db.dialect
		if _, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE api_tokens SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`), d.timeArg(now), t.ID, d.timeArg(now)); err != nil {
			return nil, nil, translateError(err, "touch token")
		}
		t.LastUsedAt = &now
	}
	s.cache.put(hash, cachedToken{user: *u, token: *t}, now, gen)
	return u, t, nil
}

// RevokeToken ends a token for good. Revoking a revoked token changes
// nothing. An unknown id, or a token of an account outside the caller's
// scope, answers ENotFound. Recorded as "token.revoke".
func (s *TokenService) RevokeToken(ctx context.Context, id string) error {
	const action = "token.revoke"
	var t *shequ.APIToken
	var u *shequ.User
	var err error = errTokenNotFound
	if wellFormedUUID(id) {
		row := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+tokenColumns+`, `+userColumns+`
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`), id)
		u, err = scanUser(func(dest ...any) error {
			var err error
			t, err = scanToken(func(tdest ...any) error { return row.Scan(append(tdest, dest...)...) })
			return err
		})
		if errors.Is(err, sql.ErrNoRows) {
			err = errTokenNotFound
		} else if err != nil {
			return translateError(err, "find token")
		}
	}
	if err == nil {
		if err = authorizeAccount(ctx, u, true, shequ.ActionUserManage); shequ.ErrorCode(err) == shequ.ENotFound {
			err = errTokenNotFound
		}
	}
	if err != nil {
		return s.db.recordDenied(ctx, err, action, tokenObjectType, id, scopeOf(u))
	}
	if t.RevokedAt != nil {
		return nil
	}
	now := s.db.now()
	defer s.db.authChanged()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE api_tokens SET revoked_at = ?
			WHERE id = ? AND revoked_at IS NULL`), s.db.dialect.timeArg(now), id); err != nil {
			return translateError(err, "revoke token")
		}
		rec := s.db.newAudit(ctx, action, tokenObjectType, id, u.Scope, shequ.AuditAllowed)
		rec.Detail = "user=" + u.Username
		return s.db.appendAudit(ctx, tx, rec)
	})
}

// FindTokens lists the tokens of userID, newest first, revoked and expired
// ones included (they show when they ended). Users may list their own; for
// others it takes user.read over their scope, or the console.
func (s *TokenService) FindTokens(ctx context.Context, userID string) ([]*shequ.APIToken, error) {
	u, err := NewUserService(s.db).FindUserByID(ctx, userID)
	if err == nil {
		err = authorizeAccount(ctx, u, true, shequ.ActionUserRead)
	}
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, "token.list", userObjectType, userID, scopeOf(u))
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+tokenColumns+` FROM api_tokens t
		WHERE t.user_id = ? ORDER BY t.created_at DESC, t.id DESC`), userID)
	if err != nil {
		return nil, translateError(err, "find tokens")
	}
	defer rows.Close()
	out := []*shequ.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, translateError(err, "find tokens")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find tokens")
	}
	return out, nil
}

// scanToken reads tokenColumns with scan, the Scan of a row.
func scanToken(scan func(dest ...any) error) (*shequ.APIToken, error) {
	var t shequ.APIToken
	var exp, rev, used time.Time
	if err := scan(&t.ID, &t.UserID, &t.Name, scanTime(&t.CreatedAt), scanTime(&exp), scanTime(&rev),
		scanTime(&used)); err != nil {
		return nil, fmt.Errorf("scan token: %w", err)
	}
	for _, p := range []struct {
		t   time.Time
		dst **time.Time
	}{{exp, &t.ExpiresAt}, {rev, &t.RevokedAt}, {used, &t.LastUsedAt}} {
		if !p.t.IsZero() {
			v := p.t
			*p.dst = &v
		}
	}
	return &t, nil
}

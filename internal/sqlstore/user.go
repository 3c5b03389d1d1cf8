package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"shequ"
)

// UserService keeps accounts. It implements shequ.UserService.
//
// Writes need the user.manage permission (the system administrator) over
// the account's scope, except console work: a context without an actor whose
// RequestMeta.ClientAddr is "cli" is the operator at the server's command
// line, who is trusted (they can read the database anyway) and recorded in
// the audit trail as actor "cli". An administrator sees and manages only the
// accounts at or below their own scope; others answer ENotFound.
//
// FindUserByID, FindUserByUsername, PasswordHash, RecordLoginFailure,
// RecordLoginSuccess and CountUsers are not authorized: the login flow and
// session lookup call them before anyone is signed in, and the first-start
// check counts sysadmins with no actor at all. They return nothing a caller
// could show without its own check: handlers that show accounts use
// FindUsers, which is scoped.
//
// Disabled and locked accounts are stored as they are; the login flow
// decides: a disabled account cannot sign in and its sessions and tokens stop
// working (FindSession, FindTokenUser); a locked account (LockedUntil in the
// future) cannot sign in until then, but sessions it already has go on.
type UserService struct {
	db *DB
}

var _ shequ.UserService = (*UserService)(nil)

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

// Limits of FindUsers.
const (
	defaultUserLimit = 50
	maxUserLimit     = 1000
)

// Audit names of this file.
const (
	userObjectType = "user"
)

// userColumns are the columns of users in the order scanUser reads,
// qualified with the alias u so that joins can use them.
const userColumns = `u.id, u.username, u.name, u.role, u.scope, u.disabled, u.must_change_password,
	u.failed_logins, u.locked_until, u.password_changed_at, u.created_at, u.updated_at,
	(u.totp_enabled_at IS NOT NULL), u.verify_state`

// userReturning is userColumns unqualified, for RETURNING: SQLite does not
// accept the table alias there.
var userReturning = strings.ReplaceAll(userColumns, "u.", "")

// errUserNotFound is the answer for an unknown account and for one outside
// the caller's scope alike.
var errUserNotFound = shequ.Errorf(shequ.ENotFound, "user.not_found", "User not found.")

// isConsole reports whether ctx is console work: no actor, client "cli".
func isConsole(ctx context.Context) bool {
	return shequ.ActorFrom(ctx) == nil && shequ.RequestMetaFrom(ctx).ClientAddr == cliActor
}

// authorizeAccount checks that ctx may do act to the account target: the
// console may; the account's own user may when self is set; nobody else may
// touch an administrator's account; otherwise the actor needs one of acts
// over the account's scope. The first refusal that
// is not ErrForbidden (a scope miss, ENotFound) wins, so that an account
// outside the scope never answers differently from a missing one.
func authorizeAccount(ctx context.Context, target *shequ.User, self bool, acts ...shequ.Action) error {
	if isConsole(ctx) {
		return nil
	}
	a := shequ.ActorFrom(ctx)
	if self && a != nil && target != nil && a.UserID == target.ID {
		return nil
	}
	// The administrators' own accounts are the console's alone (三权分立):
	// see shequ.Role.Privileged.
	if target != nil && target.Role.Privileged() {
		if a == nil {
			return shequ.ErrUnauthorized
		}
		return shequ.ErrForbidden
	}
	var obj *shequ.Object
	if target != nil {
		obj = &shequ.Object{Division: target.Scope}
	}
	var err error
	for _, act := range acts {
		if err = shequ.Authorize(a, act, obj); err == nil || shequ.ErrorCode(err) != shequ.EForbidden {
			return err
		}
	}
	return err
}

// wellFormedUUID reports whether id is a UUID; PostgreSQL rejects anything else
// in a uuid column with an error, SQLite would simply find nothing.
func wellFormedUUID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

// FindUserByID returns the account with id (not authorized: see UserService).
func (s *UserService) FindUserByID(ctx context.Context, id string) (*shequ.User, error) {
	return s.findUser(ctx, s.db.db, `u.id = ?`, id)
}

// FindUserByUsername returns the account named username, whatever its case
// (not authorized: see UserService).
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*shequ.User, error) {
	return s.findUser(ctx, s.db.db, `u.username_key = ?`, strings.ToLower(username))
}

// findUser reads one account by a condition on u with one argument.
func (s *UserService) findUser(ctx context.Context, q querier, cond string, arg string) (*shequ.User, error) {
	if strings.HasPrefix(cond, "u.id") && !wellFormedUUID(arg) {
		return nil, errUserNotFound
	}
	row := q.QueryRowContext(ctx, s.db.rebind(`SELECT `+userColumns+` FROM users u WHERE `+cond), arg)
	u, err := scanUser(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, translateError(err, "find user")
	}
	return u, nil
}

// FindUsers lists the accounts matching f within the caller's scope, by user
// name, with the total number of matches. It needs user.read (system and
// security administrators) or the console. Limit defaults to 50, at most 1000.
func (s *UserService) FindUsers(ctx context.Context, f shequ.UserFilter) ([]*shequ.User, int, error) {
	scope := ""
	if !isConsole(ctx) {
		a := shequ.ActorFrom(ctx)
		if err := shequ.Authorize(a, shequ.ActionUserRead, nil); err != nil {
			return nil, 0, s.db.recordDenied(ctx, err, "user.list", userObjectType, "", "")
		}
		scope = a.Scope
	}
	if f.Scope != nil {
		var ok bool
		if scope, ok = narrowToScope(scope, *f.Scope); !ok {
			return []*shequ.User{}, 0, nil
		}
	}
	var where []string
	var args []any
	if scope != "" {
		// Prefix range on the scope index; see FindAuditRecords.
		where, args = append(where, `u.scope >= ? AND u.scope < ?`), append(args, scope, scope+":")
	}
	if f.Role != nil {
		where, args = append(where, `u.role = ?`), append(args, string(*f.Role))
	}
	if f.Username != nil {
		where, args = append(where, `u.username_key = ?`), append(args, strings.ToLower(*f.Username))
	}
	cond := ""
	if len(where) > 0 {
		cond = `WHERE ` + strings.Join(where, ` AND `)
	}
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM users u `+cond), args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count users")
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+userColumns+` FROM users u `+cond+`
		ORDER BY u.username_key LIMIT ? OFFSET ?`),
		append(args, clamp(f.Limit, defaultUserLimit, maxUserLimit), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, translateError(err, "find users")
	}
	defer rows.Close()
	out := []*shequ.User{}
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, 0, translateError(err, "find users")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find users")
	}
	return out, total, nil
}

// CreateUser stores u with the given (already computed) password hash. It
// assigns a UUIDv7 when ID is empty and sets the times; FailedLogins and
// LockedUntil start cleared. It needs user.manage over u.Scope (an
// administrator creates accounts at or below their own scope) or the
// console. A user name taken in any case answers EConflict
// "user.username.taken". Recorded as "user.create".
func (s *UserService) CreateUser(ctx context.Context, u *shequ.User, passwordHash string) error {
	const action = "user.create"
	if err := authorizeAccount(ctx, nil, false, shequ.ActionUserManage); err != nil {
		return s.db.recordDenied(ctx, err, action, userObjectType, "", u.Scope)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" {
		return shequ.Wrap(errors.New("empty password hash"), "create user")
	}
	if err := authorizeAccount(ctx, u, false, shequ.ActionUserManage); err != nil {
		return s.db.recordDenied(ctx, err, action, userObjectType, "", u.Scope)
	}
	if u.ID == "" {
		u.ID = newUUID7()
	} else if !wellFormedUUID(u.ID) {
		return shequ.Errorf(shequ.EInvalid, "user.id.malformed", "The user id is not a UUID.")
	}
	now := s.db.now()
	u.FailedLogins, u.LockedUntil = 0, nil
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	d := s.db.dialect
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		// The scope names a division of the tree ("" is the country): an
		// account bound to a code that does not exist sees nothing and
		// hides the typing error.
		if u.Scope != "" {
			var n int
			if err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), u.Scope).Scan(&n); err != nil {
				return translateError(err, "find scope")
			}
			if n == 0 {
				var fe shequ.FieldErrors
				fe.Add("scope", "user.scope.unknown", "No division has this code: check it, or import the division tree first.", nil)
				return fe.Err()
			}
		}
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO users
			(id, username, username_key, name, role, scope, disabled, must_change_password, failed_logins,
			 locked_until, password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?)`),
			u.ID, u.Username, strings.ToLower(u.Username), u.Name, string(u.Role), u.Scope, u.Disabled,
			u.MustChangePassword, passwordHash, d.timeArg(now), d.timeArg(now), d.timeArg(now))
		if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
			// The id is fresh, so the unique key that clashed is the name.
			return &shequ.Error{Code: shequ.EConflict, Key: "user.username.taken",
				Message: "This user name is taken.", Err: fmt.Errorf("create user: %w", err)}
		}
		if err != nil {
			return translateError(err, "create user")
		}
		rec := s.db.newAudit(ctx, action, userObjectType, u.ID, u.Scope, shequ.AuditAllowed)
		rec.Detail = "username=" + u.Username + " role=" + string(u.Role)
		return s.db.appendAudit(ctx, tx, rec)
	})
}

// UpdateUser changes the name or the disabled flag of an account, with
// user.manage over its scope or from the console. Disabling an account also
// ends its sessions. Recorded as "user.update" (or "user.disable" and
// "user.enable").
func (s *UserService) UpdateUser(ctx context.Context, id string, upd shequ.UserUpdate) (*shequ.User, error) {
	u, err := s.FindUserByID(ctx, id)
	if err == nil {
		err = authorizeAccount(ctx, u, false, shequ.ActionUserManage)
	}
	if err != nil {
		div := ""
		if u != nil {
			div = u.Scope
		}
		return nil, s.db.recordDenied(ctx, err, "user.update", userObjectType, id, div)
	}
	action, detail := "user.update", []string{}
	if upd.Name != nil {
		if utf8.RuneCountInString(*upd.Name) > 50 {
			return nil, shequ.FieldErrors{{Field: "name", Key: "user.name.long",
				Message: "The name has at most 50 characters."}}.Err()
		}
		u.Name = *upd.Name
		detail = append(detail, "name")
	}
	if upd.Disabled != nil && *upd.Disabled != u.Disabled {
		u.Disabled = *upd.Disabled
		action = map[bool]string{true: "user.disable", false: "user.enable"}[u.Disabled]
		detail = append(detail, "disabled")
	}
	u.UpdatedAt = s.db.now()
	defer s.db.authChanged()
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET name = ?, disabled = ?, updated_at = ?
			WHERE id = ?`), u.Name, u.Disabled, s.db.dialect.timeArg(u.UpdatedAt), u.ID); err != nil {
			return translateError(err, "update user")
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE user_id = ?`), u.ID); err != nil {
				return translateError(err, "end sessions of disabled user")
			}
		}
		rec := s.db.newAudit(ctx, action, userObjectType, u.ID, u.Scope, shequ.AuditAllowed)
		rec.Detail = strings.Join(detail, ",")
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword replaces the password hash of an account, sets
// MustChangePassword as given and clears the failure count and any lockout.
// Users may change their own password; for others it needs user.manage or
// security.manage over the account's scope, or the console. Recorded as
// "user.password".
func (s *UserService) SetPassword(ctx context.Context, id, passwordHash string, mustChange bool) error {
	const action = "user.password"
	u, err := s.FindUserByID(ctx, id)
	if err == nil {
		err = authorizeAccount(ctx, u, true, shequ.ActionUserManage, shequ.ActionSecurityManage)
	}
	if err != nil {
		div := ""
		if u != nil {
			div = u.Scope
		}
		return s.db.recordDenied(ctx, err, action, userObjectType, id, div)
	}
	if passwordHash == "" {
		return shequ.Wrap(errors.New("empty password hash"), "set password")
	}
	now := s.db.now()
	d := s.db.dialect
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE users SET password_hash = ?, must_change_password = ?,
			failed_logins = 0, locked_until = NULL, password_changed_at = ?, updated_at = ?
			WHERE id = ?`), passwordHash, mustChange, d.timeArg(now), d.timeArg(now), id); err != nil {
			return translateError(err, "set password")
		}
		rec := s.db.newAudit(ctx, action, userObjectType, id, u.Scope, shequ.AuditAllowed)
		if mustChange {
			rec.Detail = "must_change"
		}
		return s.db.appendAudit(ctx, tx, rec)
	})
}

// PasswordHash returns the stored hash for verification at login (not
// authorized: see UserService).
func (s *UserService) PasswordHash(ctx context.Context, id string) (string, error) {
	if !wellFormedUUID(id) {
		return "", errUserNotFound
	}
	var h string
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT password_hash FROM users WHERE id = ?`), id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errUserNotFound
	}
	if err != nil {
		return "", translateError(err, "read password hash")
	}
	return h, nil
}

// RecordLoginFailure adds one to the failure count and, when it reaches max
// (max > 0), locks the account until lockUntil, in one atomic UPDATE …
// RETURNING so that concurrent failed logins all count. The count is kept
// while locked: after the lock ends, the next failure locks again at once,
// until a successful login or a new password clears it. The moment of
// locking is recorded as "user.lock" (not authorized: see UserService).
func (s *UserService) RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (*shequ.User, error) {
	if !wellFormedUUID(id) {
		return nil, errUserNotFound
	}
	if max <= 0 {
		// No lockout: a threshold no count reaches.
		max = int(^uint32(0) >> 1)
	}
	d := s.db.dialect
	var u *shequ.User
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, s.db.rebind(`UPDATE users SET failed_logins = failed_logins + 1,
			locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,
			updated_at = ?
			WHERE id = ? RETURNING `+userReturning), max, d.timeArg(lockUntil), d.timeArg(s.db.now()), id)
		var err error
		if u, err = scanUser(row.Scan); errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return translateError(err, "record login failure")
		}
		if u.FailedLogins != max {
			return nil
		}
		rec := s.db.newAudit(ctx, "user.lock", userObjectType, u.ID, u.Scope, shequ.AuditAllowed)
		rec.Detail = fmt.Sprintf("failed_logins=%d until=%s", u.FailedLogins, lockUntil.UTC().Format(time.RFC3339))
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// RecordLoginSuccess clears the failure count and any lockout (not
// authorized: see UserService; the login itself is recorded by the caller).
func (s *UserService) RecordLoginSuccess(ctx context.Context, id string) error {
	if !wellFormedUUID(id) {
		return errUserNotFound
	}
	// Only when there is something to clear: most logins then write nothing.
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE users SET failed_logins = 0, locked_until = NULL,
		updated_at = ? WHERE id = ? AND (failed_logins <> 0 OR locked_until IS NOT NULL)`),
		s.db.dialect.timeArg(s.db.now()), id)
	return translateError(err, "record login success")
}

// CountUsers returns how many accounts have role, enabled or not (not
// authorized: the first start counts sysadmins before anyone exists).
func (s *UserService) CountUsers(ctx context.Context, role shequ.Role) (int, error) {
	var n int
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM users WHERE role = ?`), string(role)).Scan(&n)
	if err != nil {
		return 0, translateError(err, "count users")
	}
	return n, nil
}

// scanUser reads one row of userColumns with scan, the Scan method of an
// *sql.Row or *sql.Rows.
func scanUser(scan func(dest ...any) error) (*shequ.User, error) {
	var u shequ.User
	var role string
	var locked time.Time
	if err := scan(&u.ID, &u.Username, &u.Name, &role, &u.Scope, &u.Disabled, &u.MustChangePassword,
		&u.FailedLogins, scanTime(&locked), scanTime(&u.PasswordChangedAt), scanTime(&u.CreatedAt),
		scanTime(&u.UpdatedAt), &u.TwoFactorOn, &u.VerifyState); err != nil {
		return nil, err
	}
	u.Role = shequ.Role(role)
	if !locked.IsZero() {
		u.LockedUntil = &locked
	}
	return &u, nil
}

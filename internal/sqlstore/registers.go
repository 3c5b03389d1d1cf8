package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"shequ"
)

// Helpers shared by the two registers of issue 4, OrgService (org.go) and
// SocialWorkerService (worker.go). They follow the residents' model:
// authorization through authorizeResident (shequ.Authorize, console
// trusted), refusals found inside a transaction carried out of it by refuse
// and recorded by settleRefusal, audit records appended last in the
// transaction of the change.

// Limits of FindOrgs and FindWorkers.
const (
	defaultRegisterLimit = 50
	maxRegisterLimit     = 500
)

// settleRefusal records a refusal carried by err, if any (see refusal), and
// returns the error the caller should see.
func settleRefusal(ctx context.Context, db *DB, err error) error {
	var r *refusal
	if errors.As(err, &r) {
		return db.recordDenied(ctx, r.err, r.action, r.objectType, r.objectID, r.division)
	}
	return err
}

// auditAllowed appends an allowed record of action inside tx. Call it last
// in the transaction (see appendAudit).
func auditAllowed(ctx context.Context, db *DB, tx *sql.Tx, action, objectType, objectID, division, detail string) error {
	rec := db.newAudit(ctx, action, objectType, objectID, division, shequ.AuditAllowed)
	rec.Detail = detail
	return db.appendAudit(ctx, tx, rec)
}

// notifyChange calls fn, if set, with the distinct non-empty communities in
// sorted order. It runs after commit: a listener that reads the tables sees
// the change.
func notifyChange(fn func(communities ...string), communities []string) {
	if fn == nil {
		return
	}
	var out []string
	for _, c := range communities {
		if c != "" {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 {
		fn(out...)
	}
}

// ownOnlyCreate refuses creation and import to a role that may write only
// its own records (org_member, social_worker): the register is kept by the
// community workers and officials, who create the records and link them to
// accounts; the owners then keep their profile.
func ownOnlyCreate(ctx context.Context, act shequ.Action) error {
	if a := shequ.ActorFrom(ctx); a != nil && a.OwnOnly(act) {
		return shequ.ErrForbidden
	}
	return nil
}

// normalizeCodes trims, de-duplicates and sorts division codes and drops
// home (the home community is not "also served").
func normalizeCodes(codes []string, home string) []string {
	var out []string
	for _, c := range codes {
		if c = strings.TrimSpace(c); c != "" && c != home {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeSet trims, de-duplicates and sorts values of a string type.
func normalizeSet[T ~string](in []T) []T {
	var out []T
	for _, v := range in {
		if v = T(strings.TrimSpace(string(v))); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// dayOf returns the date of t in Asia/Shanghai at midnight there, the form
// dates read back in; nil stays nil.
func dayOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := t.In(shequ.Shanghai)
	d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, shequ.Shanghai)
	return &d
}

// dateArg is the stored form of a date: 'YYYY-MM-DD' in Asia/Shanghai on
// both engines, NULL for nil.
func dateArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.In(shequ.Shanghai).Format(time.DateOnly)
}

// scanDate reads a stored date back (see dateArg).
func scanDate(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s.String, shequ.Shanghai)
	if err != nil {
		return nil, fmt.Errorf("scan date %q: %w", s.String, err)
	}
	return &t, nil
}

// sameDay reports whether two optional dates are equal.
func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// futureDate adds a field error when a date lies after today.
func futureDate(fe *shequ.FieldErrors, field string, t *time.Time, now time.Time) {
	if t != nil && t.In(shequ.Shanghai).Format(time.DateOnly) > now.In(shequ.Shanghai).Format(time.DateOnly) {
		fe.Add(field, "register.date.future", "The date cannot lie in the future.", nil)
	}
}

// mergeFieldErrors returns the field errors of err (an EInvalid from a
// Validate method, or nil) followed by more, as one error.
func mergeFieldErrors(err error, more shequ.FieldErrors) error {
	if err == nil {
		return more.Err()
	}
	e := shequ.AsError(err)
	if e.Code != shequ.EInvalid || len(more) == 0 {
		return err
	}
	return append(shequ.FieldErrors(slices.Clone(e.Fields)), more...).Err()
}

// communityChecker checks inside a transaction that divisions exist, caching
// the known codes across the rows of an import.
type communityChecker struct {
	db    *DB
	known map[string]bool
}

func newCommunityChecker(db *DB) *communityChecker {
	return &communityChecker{db: db, known: map[string]bool{}}
}

// missing returns the first of codes that is not a division, "" when all are.
func (c *communityChecker) missing(ctx context.Context, tx *sql.Tx, codes ...string) (string, error) {
	for _, code := range codes {
		if code == "" || c.known[code] {
			continue
		}
		var n int
		err := tx.QueryRowContext(ctx, c.db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), code).Scan(&n)
		if err != nil {
			return "", translateError(err, "check division")
		}
		if n == 0 {
			return code, nil
		}
		c.known[code] = true
	}
	return "", nil
}

// userRoles reads the roles of accounts by id inside tx; ids that name no
// account are absent from the map.
func userRoles(ctx context.Context, db *DB, tx *sql.Tx, ids []string) (map[string]shequ.Role, error) {
	out := map[string]shequ.Role{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT id, role FROM users WHERE id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, translateError(err, "check accounts")
	}
	defer rows.Close()
	for rows.Next() {
		var id, role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, translateError(err, "check accounts")
		}
		out[id] = shequ.Role(role)
	}
	return out, translateError(rows.Err(), "check accounts")
}

// scopePrefix intersects the actor's scope with a requested division, as the
// residents' lists do; ok is false when they are disjoint (nothing to list)
// and err a field error when division is malformed.
func scopePrefix(a *shequ.Actor, division string) (prefix string, ok bool, err error) {
	prefix = strings.TrimSpace(division)
	if prefix != "" && shequ.ValidateDivisionCode(prefix) != nil {
		var fe shequ.FieldErrors
		fe.Add("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
		return "", false, fe.Err()
	}
	if a == nil {
		return prefix, true, nil
	}
	prefix, ok = narrowToScope(a.Scope, prefix)
	return prefix, ok, nil
}

// insertPairs inserts (id, value) rows into a two-column table in one
// statement.
func insertPairs[T ~string](ctx context.Context, db *DB, tx *sql.Tx, table, cols, id string, values []T) error {
	if len(values) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(values))
	for _, v := range values {
		args = append(args, id, string(v))
	}
	q := `INSERT INTO ` + table + ` (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(values)), ", ")
	if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
		return translateError(err, "store "+table)
	}
	return nil
}

// replacePairs replaces the rows of id in a two-column table.
func replacePairs[T ~string](ctx context.Context, db *DB, tx *sql.Tx, table, idCol, valueCol, id string, values []T) error {
	if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM `+table+` WHERE `+idCol+` = ?`), id); err != nil {
		return translateError(err, "replace "+table)
	}
	return insertPairs(ctx, db, tx, table, idCol+", "+valueCol, id, values)
}

// loadPairs reads the (id, value) rows of a two-column table for ids, in
// value order, and hands each to add.
func loadPairs(ctx context.Context, db *DB, q querier, table, idCol, valueCol string, ids []any, add func(id, value string)) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+idCol+`, `+valueCol+` FROM `+table+`
		WHERE `+idCol+` IN (`+placeholders(len(ids))+`) ORDER BY `+idCol+`, `+valueCol), ids...)
	if err != nil {
		return translateError(err, "read "+table)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return translateError(err, "read "+table)
		}
		add(id, v)
	}
	return translateError(rows.Err(), "read "+table)
}

// resealValue opens a ciphertext and seals its value again under the
// current key.
func resealValue(sealer shequ.Sealer, ciphertext, aad string) (string, error) {
	plain, err := sealer.Open(ciphertext, aad)
	if err != nil {
		return "", shequ.Wrap(err, "open sealed value")
	}
	out, err := sealer.Seal(plain, aad)
	if err != nil {
		return "", sealFailed(err, "seal value")
	}
	return out, nil
}

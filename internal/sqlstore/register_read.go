package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"shequ"
)

// The reads of a register (organizations, social workers, facilities, and
// the registers of the modules): one record with its authorization
// (findRecord), and the list query — the permission and scope preamble, the
// WHERE clause of its filters, the count and the page. The SELECT, its
// columns and its order stay in the resource's file, one explicit query per
// resource (STYLE §4); only the parts every read repeats live here.
//
//	func (s *OrgService) FindOrgByID(ctx context.Context, id string) (*shequ.SocialOrg, error) {
//		return findRecord(ctx, s.db, shequ.ActionOrgRead, auditOrgRead, objOrg, id, s.loadOrg,
//			func(o *shequ.SocialOrg) *shequ.Object { return orgObject(ctx, o) })
//	}
//
//	q, ok, err := s.db.scopedList(ctx, shequ.ActionOrgRead, auditOrgList, objOrg, "o.community", f.Community)
//	if err != nil || !ok {
//		return []*shequ.SocialOrg{}, 0, err
//	}
//	enumFilter(q, "o.kind", "kind", f.Kind, shequ.OrgKinds, "org.kind.invalid", "Unknown kind of organization.")
//	q.contains("o.name", f.Query)
//	return listPage(ctx, q, "social_orgs o", orgColumns, "o.community, o.name, o.id", f.Offset, f.Limit, s.scanOrg, "organizations")

// findRecord loads the record id with load and authorizes act on it: the
// permission alone first (a role that may not read the register gets the
// same answer whether the id exists or not), then on the record's object
// (scope, ownership). A missing record and one the actor may not see both
// answer ENotFound; every refusal is recorded as denied under audit and
// objType.
func findRecord[T any](ctx context.Context, db *DB, act shequ.Action, audit, objType, id string,
	load func(context.Context, querier, string) (*T, error), object func(*T) *shequ.Object) (*T, error) {
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, db.recordDenied(ctx, err, audit, objType, clipID(id), "")
	}
	x, err := load(ctx, db.db, id)
	if shequ.ErrorCode(err) == shequ.ENotFound {
		return nil, db.recordDenied(ctx, err, audit, objType, clipID(id), "")
	} else if err != nil {
		return nil, err
	}
	obj := object(x)
	if err := authorizeResident(ctx, act, obj); err != nil {
		return nil, db.recordDenied(ctx, err, audit, objType, id, obj.Division)
	}
	return x, nil
}

// listQuery is the WHERE clause of a register's list being built, with the
// field errors of its filters.
type listQuery struct {
	db    *DB
	conds []string
	args  []any
	fe    shequ.FieldErrors
}

// scopedList starts the list of records that act may read: it authorizes
// the actor (a refusal is audited under audit and objType) and narrows
// the actor's scope to community on the division column col. ok is false
// when the two are disjoint: the list is empty. A malformed community is a
// field error.
func (db *DB) scopedList(ctx context.Context, act shequ.Action, audit, objType, col, community string) (*listQuery, bool, error) {
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, false, db.recordDenied(ctx, err, audit, objType, "", community)
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), community)
	if err != nil || !ok {
		return nil, false, err
	}
	q := &listQuery{db: db}
	q.within(col, prefix)
	return q, true, nil
}

// within keeps the rows whose division column col is prefix or below it.
// A range rather than LIKE, so that the index on the column serves it:
// codes are digits and ':' sorts right after '9'.
func (q *listQuery) within(col, prefix string) {
	if prefix != "" {
		q.conds, q.args = append(q.conds, col+" >= ? AND "+col+" < ?"), append(q.args, prefix, prefix+":")
	}
}

// equal keeps the rows whose column col is v.
func (q *listQuery) equal(col string, v any) {
	q.conds, q.args = append(q.conds, col+" = ?"), append(q.args, v)
}

// enumFilter keeps the rows whose column col is v, unless v is empty; a
// value outside set is a field error on field.
func enumFilter[E ~string](q *listQuery, col, field string, v E, set []E, key, msg string) {
	if v == "" {
		return
	}
	if !slices.Contains(set, v) {
		q.fe.Add(field, key, msg, map[string]any{"Value": string(v)})
	}
	q.equal(col, string(v))
}

// contains keeps the rows whose text column col contains text ("" none).
func (q *listQuery) contains(col, text string) {
	if text = strings.TrimSpace(text); text != "" {
		q.conds, q.args = append(q.conds, q.db.dialect.position(col, "?")+" > 0"), append(q.args, text)
	}
}

// between keeps the rows whose date column col (YYYY-MM-DD text on both
// engines, see dateArg) lies from from to to, inclusive; nil is open.
func (q *listQuery) between(col string, from, to *time.Time) {
	if from != nil {
		q.conds, q.args = append(q.conds, col+" >= ?"), append(q.args, dateArg(from))
	}
	if to != nil {
		q.conds, q.args = append(q.conds, col+" <= ?"), append(q.args, dateArg(to))
	}
}

// where is the clause's text ("1 = 1" when nothing filters).
func (q *listQuery) where() string {
	if len(q.conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(q.conds, " AND ")
}

// listPage answers the list: the field errors of its filters first, then
// the total count and the page of at most limit rows (default 50, capped at
// 500) from offset, in order, read with scan. from is the FROM clause with
// its alias, columns the select list; what names the rows in errors.
func listPage[T any](ctx context.Context, q *listQuery, from, columns, order string, offset, limit int,
	scan func(rowScanner) (*T, error), what string) ([]*T, int, error) {
	if err := q.fe.Err(); err != nil {
		return nil, 0, err
	}
	db := q.db
	where := q.where()
	var total int
	if err := db.db.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM `+from+` WHERE `+where), q.args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count "+what)
	}
	limit = clamp(limit, defaultRegisterLimit, maxRegisterLimit)
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT `+columns+` FROM `+from+` WHERE `+where+`
		ORDER BY `+order+` LIMIT ? OFFSET ?`), append(slices.Clone(q.args), limit, max(offset, 0))...)
	if err != nil {
		return nil, 0, translateError(err, "find "+what)
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, 0, translateError(err, "find "+what)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find "+what)
	}
	return out, total, nil
}

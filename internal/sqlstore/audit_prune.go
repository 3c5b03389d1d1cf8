package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shequ"
)

// Retention of the audit trail (issue 14): records are kept at least
// shequ.AuditRetentionMonths. Nothing prunes them by itself; an operator
// may prune records older than that at the console (shequ audit prune),
// which archives them first and leaves an "audit.prune" record in the
// chain naming what went (shequ.AuditPrune). Verification starts after the
// last prune, at the record that links to the hash it names, and refuses a
// prune that removed records younger than the retention allowed at its
// time.

// auditActionPrune is the action of the record a prune appends.
const auditActionPrune = "audit.prune"

// AuditArchive receives the records a prune removes, in seq order, before
// they are removed; Close must make them durable (flush, sync) and the
// records are removed only if it returns nil.
type AuditArchive interface {
	Write(*shequ.AuditRecord) error
	Close() error
}

// lastPrune returns the last prune of the trail at or below seq head (nil
// when none) and every prune's record, in seq order.
func (db *DB) prunes(ctx context.Context, head int64) ([]*shequ.AuditRecord, error) {
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT `+auditColumns+` FROM audit_log
		WHERE action = ? AND result = ? AND seq <= ? ORDER BY seq`), auditActionPrune, string(shequ.AuditAllowed), head)
	if err != nil {
		return nil, translateError(err, "read audit prunes")
	}
	defer rows.Close()
	var out []*shequ.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, translateError(err, "read audit prunes")
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "read audit prunes")
}

// checkPrunes parses the prune records of the trail: it returns the last
// prune (nil when none) and the record of the first that breaks the
// retention rule (it still counts, so that the rest of the trail is
// checked) or cannot be read (the prunes after it are not taken).
func checkPrunes(recs []*shequ.AuditRecord) (*shequ.AuditPrune, *shequ.AuditRecord) {
	var last *shequ.AuditPrune
	var bad *shequ.AuditRecord
	for _, r := range recs {
		p, err := shequ.ParseAuditPrune(r.Detail)
		if err != nil || (last != nil && p.First != last.Through+1) || (last == nil && p.First != 1) || p.Through >= r.Seq {
			return last, cmp.Or(bad, r)
		}
		if !p.Keeps(r.Time) && bad == nil {
			bad = r
		}
		last = p
	}
	return last, bad
}

// PruneAudit removes the records older than before (which must be at
// least shequ.AuditRetentionMonths ago: else EInvalid on "before") from the
// trail, after handing them to archive and archive.Close returned nil. The
// records removed must verify (a broken part is refused: pruning must not
// erase evidence). In one transaction it lifts the database's refusal to
// delete audit records for its own DELETE only (PostgreSQL: the trigger is
// disabled inside the transaction, which holds the table's lock; SQLite:
// the trigger is dropped and created again from its own definition) and
// appends the "audit.prune" record. It returns what was pruned, Count 0
// when nothing is older than before. Console only (ActionSecurityManage).
func (s *AuditService) PruneAudit(ctx context.Context, before time.Time, archive AuditArchive) (*shequ.AuditPrune, error) {
	db := s.db
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return nil, db.recordDenied(ctx, err, auditActionPrune, auditObjectType, "", "")
	}
	if limit := shequ.AuditPruneLimit(db.now()); before.After(limit) {
		var fe shequ.FieldErrors
		fe.Add("before", "audit.prune.recent", fmt.Sprintf("Audit records are kept at least %d months: the cut-off can be %s at the latest.",
			shequ.AuditRetentionMonths, limit.Format(time.DateOnly)), map[string]any{"Months": shequ.AuditRetentionMonths, "Limit": limit.Format(time.DateOnly)})
		return nil, fe.Err()
	}
	head, err := db.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := db.prunes(ctx, head.Seq)
	if err != nil {
		return nil, err
	}
	last, bad := checkPrunes(recs)
	if bad != nil {
		return nil, errPruneBroken(bad.Seq)
	}
	p := &shequ.AuditPrune{Before: before, First: 1}
	prev := ""
	if last != nil {
		p.First, prev = last.Through+1, last.Hash
	}
	// The records older than before are those below the first that is
	// not: a later seq never has an earlier time than this cut-off allows.
	var firstKept sql.NullInt64
	if err := db.db.QueryRowContext(ctx, db.rebind(`SELECT MIN(seq) FROM audit_log WHERE time >= ?`), db.dialect.timeArg(before)).
		Scan(&firstKept); err != nil {
		return nil, translateError(err, "find audit records to prune")
	}
	p.Through = head.Seq
	if firstKept.Valid {
		p.Through = firstKept.Int64 - 1
	}
	if p.Through < p.First {
		return &shequ.AuditPrune{Before: before}, nil
	}
	// Archive what goes, checking its chain on the way.
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT `+auditColumns+` FROM audit_log
		WHERE seq >= ? AND seq <= ? ORDER BY seq`), p.First, p.Through)
	if err != nil {
		return nil, translateError(err, "read audit records to prune")
	}
	var werr error
	next := func() (*shequ.AuditRecord, bool, error) {
		if !rows.Next() {
			return nil, false, rows.Err()
		}
		r, err := scanAudit(rows)
		if err != nil {
			return nil, false, err
		}
		if werr == nil {
			werr = archive.Write(r)
		}
		p.Hash = r.Hash
		return r, true, nil
	}
	v, err := shequ.VerifyAuditChainFrom(next, p.First, prev, head.KeyedFrom, db.auditKey)
	rows.Close()
	if err != nil {
		return nil, translateError(err, "read audit records to prune")
	}
	if werr != nil {
		return nil, shequ.Wrap(werr, "archive audit records")
	}
	if v.BadSeq != 0 || v.Checked != p.Through-p.First+1 {
		return nil, errPruneBroken(max(v.BadSeq, p.First+v.Checked))
	}
	if err := archive.Close(); err != nil {
		return nil, shequ.Wrap(err, "archive audit records")
	}
	p.Count = p.Through - p.First + 1
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		n, err := deleteAuditRecords(ctx, db, tx, p.First, p.Through)
		if err != nil {
			return err
		}
		if n != p.Count {
			return shequ.Errorf(shequ.EConflict, "audit.prune.changed",
				"The audit records to prune changed while they were archived; nothing was pruned.")
		}
		rec := db.newAudit(ctx, auditActionPrune, auditObjectType, "", "", shequ.AuditAllowed)
		rec.Detail = p.Detail()
		return db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// errPruneBroken refuses to prune a trail that does not verify.
func errPruneBroken(seq int64) error {
	return shequ.Errorf(shequ.EConflict, "audit.prune.broken",
		"The audit trail does not verify at record %d: nothing was pruned (run shequ audit verify).", seq).
		With(map[string]any{"Seq": seq})
}

// deleteAuditRecords deletes records first..through inside tx, past the
// trigger that refuses it to everyone else, and returns how many went.
func deleteAuditRecords(ctx context.Context, db *DB, tx *sql.Tx, first, through int64) (int64, error) {
	del := func() (int64, error) {
		res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM audit_log WHERE seq >= ? AND seq <= ?`), first, through)
		if err != nil {
			return 0, translateError(err, "prune audit records")
		}
		n, err := res.RowsAffected()
		return n, translateError(err, "prune audit records")
	}
	if db.Engine() == enginePostgres {
		// Disabled for this transaction only: ALTER TABLE takes the
		// table's exclusive lock, so no other transaction sees it off.
		if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete`); err != nil {
			return 0, translateError(err, "prune audit records")
		}
		n, err := del()
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_delete`); err != nil {
			return 0, translateError(err, "prune audit records")
		}
		return n, nil
	}
	// SQLite holds the write lock for the transaction (BEGIN IMMEDIATE).
	var def string
	err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_delete'`).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, shequ.Wrap(fmt.Errorf("trigger audit_log_no_delete is missing"), "prune audit records")
	}
	if err != nil {
		return 0, translateError(err, "prune audit records")
	}
	if _, err := tx.ExecContext(ctx, `DROP TRIGGER audit_log_no_delete`); err != nil {
		return 0, translateError(err, "prune audit records")
	}
	n, err := del()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, def); err != nil {
		return 0, translateError(err, "prune audit records")
	}
	return n, nil
}

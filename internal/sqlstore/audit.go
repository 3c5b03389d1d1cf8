package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"shequ"
)

// The audit trail is one hash chain (shequ.AuditRecord.ComputeHash) kept in
// audit_log, with its head (last seq and hash) in the one-row table
// audit_head. Every write of every service appends its record inside its own
// transaction through appendAudit, so a change and its record commit or roll
// back together. The database refuses UPDATE and DELETE on audit_log
// (triggers, migration 0002); verification detects what someone with enough
// privileges to drop the triggers changed anyway.

// cliActor is the actor name recorded for work done on the console (the
// command line) without a signed-in account.
const cliActor = "cli"

// appendAudit appends rec to the hash chain inside tx (the same transaction
// as the change it records). It fills ID and Time when empty and sets Seq,
// PrevHash and Hash.
//
// The head row is read and advanced with one UPDATE … RETURNING, which both
// engines accept: on PostgreSQL it takes the row lock, so concurrent writers
// queue on it and each sees the head its predecessor committed (as SELECT …
// FOR UPDATE would); on SQLite the transaction is BEGIN IMMEDIATE and holds
// the database's write lock already.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, rec *shequ.AuditRecord) error {
	if rec.Action == "" {
		return shequ.Wrap(errors.New("audit record without action"), "append audit record")
	}
	switch rec.Result {
	case shequ.AuditAllowed, shequ.AuditDenied, shequ.AuditFailed:
	default:
		return shequ.Wrap(fmt.Errorf("audit result %q", rec.Result), "append audit record")
	}
	if rec.ID == "" {
		rec.ID = newUUID7()
	}
	rec.Time = storedTime(rec.Time, db.now())
	var seq int64
	var prev string
	err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).
		Scan(&seq, &prev)
	if err != nil {
		return translateError(err, "advance audit head")
	}
	rec.Seq, rec.PrevHash = seq, prev
	rec.Hash = rec.ComputeHash(prev)
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO audit_log
		(seq, id, time, actor_id, actor_name, role, action, object_type, object_id, division,
		 result, client_addr, request_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		rec.Seq, rec.ID, db.dialect.timeArg(rec.Time), rec.ActorID, rec.ActorName, string(rec.Role), rec.Action,
		rec.ObjectType, rec.ObjectID, rec.Division, string(rec.Result), rec.ClientAddr, rec.RequestID, rec.Detail,
		rec.PrevHash, rec.Hash)
	if err != nil {
		return translateError(err, "append audit record")
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE audit_head SET hash = ? WHERE id = 1`), rec.Hash); err != nil {
		return translateError(err, "advance audit head")
	}
	return nil
}

// newAudit returns a record of action on an object, filled from the
// context: ActorID, ActorName and Role from shequ.ActorFrom(ctx) (empty when
// nobody is signed in, except that console work, RequestMeta.ClientAddr
// "cli", is recorded with ActorName "cli"), ClientAddr and RequestID from
// shequ.RequestMetaFrom(ctx), Time from the clock and a new UUIDv7 ID.
func (db *DB) newAudit(ctx context.Context, action, objectType, objectID, division string, result shequ.AuditResult) *shequ.AuditRecord {
	m := shequ.RequestMetaFrom(ctx)
	rec := &shequ.AuditRecord{
		ID:         newUUID7(),
		Time:       db.now(),
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Division:   division,
		Result:     result,
		ClientAddr: m.ClientAddr,
		RequestID:  m.RequestID,
	}
	if a := shequ.ActorFrom(ctx); a != nil {
		rec.ActorID, rec.ActorName, rec.Role = a.UserID, a.Username, a.Role
	} else if m.ClientAddr == cliActor {
		rec.ActorName = cliActor
	}
	return rec
}

// recordDenied writes a denied or failed attempt in its own transaction and
// returns err, so that callers can write
//
//	return db.recordDenied(ctx, err, action, objType, objID, division)
//
// Refusals (EForbidden, EUnauthorized, and ENotFound, which is how an object
// outside the caller's scope answers) are recorded as denied, anything else
// as failed. Detail is the error's catalogue key, never its message, which
// could quote input. A nil err records nothing. If the record cannot be
// written, the write error is joined to err: the error code callers see is
// still err's (errors.As finds it first), and the cause is kept for the log.
func (db *DB) recordDenied(ctx context.Context, err error, action, objectType, objectID, division string) error {
	if err == nil {
		return nil
	}
	result := shequ.AuditFailed
	switch shequ.ErrorCode(err) {
	case shequ.EForbidden, shequ.EUnauthorized, shequ.ENotFound:
		result = shequ.AuditDenied
	}
	rec := db.newAudit(ctx, action, objectType, objectID, division, result)
	rec.Detail = shequ.AsError(err).Key
	// The attempt is recorded even when the request was cancelled (a client
	// that hangs up must not escape the trail).
	ctx = context.WithoutCancel(ctx)
	werr := db.withTx(ctx, func(tx *sql.Tx) error {
		return db.appendAudit(ctx, tx, rec)
	})
	if werr != nil {
		return errors.Join(err, fmt.Errorf("record denied attempt: %w", werr))
	}
	return err
}

// newUUID7 returns a new UUIDv7 in text form. uuid.NewV7 fails only when the
// system's random source does, which crypto/rand treats as fatal anyway.
func newUUID7() string {
	return uuid.Must(uuid.NewV7()).String()
}

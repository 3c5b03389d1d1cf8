package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"shequ"
)

// The keyed audit chain (issue 14, internal/auditseal). With an audit key
// set (SetAuditKey), records are chained with HMAC-SHA256 under it from the
// epoch on (audit_head.keyed_from), and the records before keep their plain
// SHA-256 hashes, so that a trail from before the key still verifies. The
// epoch starts with an "audit.keyed" record (StartKeyedAudit) naming the
// key by its id, which audit_head keeps too (key_id): a process with
// another key, or without one, refuses to append rather than breaking the
// chain.

// Errors of the keyed chain.
var (
	errAuditKeyMismatch = shequ.Errorf(shequ.EConflict, "audit.key.mismatch",
		"The audit key file does not belong to this database: the audit trail is chained with another key. Use this installation's audit key file.")
	errAuditKeyMissing = shequ.Errorf(shequ.EConflict, "audit.key.missing",
		"The audit trail is chained with a key and none is loaded; give the audit key file.")
)

// SetAuditKey sets the key of the keyed chain and its id (auditseal.Keys).
func (db *DB) SetAuditKey(key []byte, id string) {
	db.auditKey, db.auditKeyID = key, id
}

// auditActionKeyed is the action of the record that starts the keyed chain.
const auditActionKeyed = "audit.keyed"

// StartKeyedAudit checks the audit key against the trail: on a trail not
// keyed yet it appends the "audit.keyed" record, the first keyed one; on a
// keyed trail the key must be the one it is keyed with. Without a key set
// it returns errAuditKeyMissing for a keyed trail and nil otherwise.
func (db *DB) StartKeyedAudit(ctx context.Context) error {
	head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	switch {
	case head.KeyedFrom != 0 && db.auditKey == nil:
		return errAuditKeyMissing
	case head.KeyedFrom != 0 && head.KeyID != db.auditKeyID:
		return errAuditKeyMismatch
	case head.KeyedFrom != 0 || db.auditKey == nil:
		return nil
	}
	rec := &shequ.AuditRecord{Action: auditActionKeyed, ObjectType: auditObjectType, ActorName: "system",
		Result: shequ.AuditAllowed, Detail: "hmac-sha256 key_id=" + db.auditKeyID}
	return db.withTx(ctx, func(tx *sql.Tx) error { return db.appendAudits(ctx, tx, []*shequ.AuditRecord{withID(db, rec)}) })
}

// withID fills a record's ID and time as appendAudit would.
func withID(db *DB, rec *shequ.AuditRecord) *shequ.AuditRecord {
	rec.ID, rec.Time = newUUID7(), db.now()
	return rec
}

// AuditHead returns the head of the chain: the last seq and hash, and the
// keyed epoch and key id (a checkpoint's content before it is signed).
func (db *DB) AuditHead(ctx context.Context) (*shequ.AuditCheckpoint, error) {
	var h shequ.AuditCheckpoint
	if err := db.db.QueryRowContext(ctx, `SELECT seq, hash, keyed_from, key_id FROM audit_head WHERE id = 1`).
		Scan(&h.Seq, &h.Hash, &h.KeyedFrom, &h.KeyID); err != nil {
		return nil, translateError(err, "read audit head")
	}
	return &h, nil
}

// checkCheckpoints compares the trail with signed checkpoints (their
// signatures are the caller's): a checkpoint beyond the head means a
// deleted tail, another hash at its seq a recomputed chain, another epoch a
// moved one. hashAt returns the stored hash of a seq ("" when missing). It
// returns the first checkpoint contradicted, in seq order, and why.
func checkCheckpoints(cps []*shequ.AuditCheckpoint, head *shequ.AuditCheckpoint, hashAt map[int64]string) (*shequ.AuditCheckpoint, string) {
	for _, cp := range cps {
		switch {
		case cp.Seq > head.Seq:
			return cp, "checkpoint.tail"
		case cp.KeyedFrom != head.KeyedFrom && cp.KeyedFrom != 0:
			return cp, "checkpoint.keyed"
		case cp.Seq > 0 && hashAt[cp.Seq] != cp.Hash:
			return cp, "checkpoint.hash"
		}
	}
	return nil, ""
}

// describeCheckpoint names a checkpoint for messages.
func describeCheckpoint(cp *shequ.AuditCheckpoint) string {
	return fmt.Sprintf("%s (record %d, %s)", cp.Time.In(shequ.Shanghai).Format("2006-01-02 15:04:05"), cp.Seq, cp.Source)
}

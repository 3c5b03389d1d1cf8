package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

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
//
// Call it last in the transaction, just before commit: on PostgreSQL the
// head's row lock is held from here to the end of the transaction, and every
// other audited write waits for it.
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
	if db.batch.deferAudit(tx, rec) {
		// Part of a group commit: appended with the group's records at
		// its end, in this order (tx_batch.go).
		return nil
	}
	return db.appendAudits(ctx, tx, []*shequ.AuditRecord{rec})
}

// auditColumnList is auditColumns as a list: appendAudits gives the values
// in this order.
var auditColumnList = strings.Fields(strings.ReplaceAll(auditColumns, ",", " "))

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

// AuditService reads and verifies the audit trail, and records attempts that
// change nothing. It implements shequ.AuditService.
type AuditService struct {
	db *DB
}

var _ shequ.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService on db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// Audit actions of this file.
const (
	auditActionRead   = "audit.read"
	auditActionVerify = "audit.verify"
	auditObjectType   = "audit_log"
)

// Limits of FindAuditRecords.
const (
	defaultAuditLimit = 50
	maxAuditLimit     = 1000
)

// auditColumns are the columns of audit_log in the order scanAudit reads.
const auditColumns = `seq, id, time, actor_id, actor_name, role, action, object_type, object_id, division,
	result, client_addr, request_id, detail, prev_hash, hash`

// RecordAudit appends r to the trail in a transaction of its own. It is for
// attempts that change nothing (a failed login, a refused request); changes
// record themselves in their own transaction. It needs no permission: a
// failed login is recorded before anyone is signed in, and appending can
// only add to the trail. ClientAddr and RequestID default to the context's
// request, and the actor fields to the context's actor when r names none.
func (s *AuditService) RecordAudit(ctx context.Context, r *shequ.AuditRecord) error {
	def := s.db.newAudit(ctx, r.Action, r.ObjectType, r.ObjectID, r.Division, r.Result)
	if r.ClientAddr == "" {
		r.ClientAddr = def.ClientAddr
	}
	if r.RequestID == "" {
		r.RequestID = def.RequestID
	}
	if r.ActorID == "" && r.ActorName == "" && r.Role == "" {
		r.ActorID, r.ActorName, r.Role = def.ActorID, def.ActorName, def.Role
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		return s.db.appendAudit(ctx, tx, r)
	})
}

// FindAuditRecords lists the records matching f, newest first, with the
// total number of matches. The caller needs the audit.read permission (the
// auditor); a nil actor is refused, so command-line work must put an actor
// in the context. An auditor sees the records at and below their scope:
// f.Division narrows it, and a division outside it matches nothing. From is
// inclusive and To exclusive. Limit defaults to 50 and is capped at 1000.
// The read is itself recorded (action "audit.read"), after it succeeds and
// before anything is returned: if it cannot be recorded nothing is shown.
func (s *AuditService) FindAuditRecords(ctx context.Context, f shequ.AuditFilter) ([]*shequ.AuditRecord, int, error) {
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, shequ.ActionAuditRead, nil); err != nil {
		return nil, 0, s.db.recordDenied(ctx, err, auditActionRead, auditObjectType, "", f.Division)
	}
	division, ok := narrowToScope(a.Scope, f.Division)
	if !ok {
		// Asked for a division outside the scope: nothing, as if empty.
		return []*shequ.AuditRecord{}, 0, s.recordRead(ctx, f, f.Division)
	}
	cond, args := s.where(f, division)
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM audit_log `+cond), args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count audit records")
	}
	limit := clamp(f.Limit, defaultAuditLimit, maxAuditLimit)
	offset := max(f.Offset, 0)
	// seq is chain order, which is commit order of the appends: newest first.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+auditColumns+` FROM audit_log `+cond+`
		ORDER BY seq DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "find audit records")
	}
	defer rows.Close()
	out := []*shequ.AuditRecord{}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, 0, translateError(err, "find audit records")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find audit records")
	}
	if err := s.recordRead(ctx, f, division); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// where returns the WHERE clause (or "") and its arguments of a filter
// narrowed to division.
func (s *AuditService) where(f shequ.AuditFilter, division string) (string, []any) {
	d := s.db.dialect
	var where []string
	var args []any
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	if division != "" {
		// A prefix range rather than LIKE or strpos, so that the index on
		// division serves it: codes are ASCII digits and ':' sorts right
		// after '9' (both engines compare these bytes in byte order).
		add(`division >= ? AND division < ?`, division, division+":")
	}
	if f.ActorName != "" {
		add(`actor_name = ?`, f.ActorName)
	}
	if f.ObjectType != "" {
		add(`object_type = ?`, f.ObjectType)
	}
	if f.ObjectID != "" {
		add(`object_id = ?`, f.ObjectID)
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.Result != "" {
		add(`result = ?`, string(f.Result))
	}
	if f.From != nil {
		add(`time >= ?`, d.timeArg(*f.From))
	}
	if f.To != nil {
		add(`time < ?`, d.timeArg(*f.To))
	}
	cond := ""
	if len(where) > 0 {
		cond = `WHERE ` + strings.Join(where, ` AND `)
	}
	return cond, args
}

// EachAuditRecord calls fn with every record matching f, in seq order (the
// export of `shequ audit export`), under the rules of FindAuditRecords:
// the auditor's permission and scope, the read itself recorded.
func (s *AuditService) EachAuditRecord(ctx context.Context, f shequ.AuditFilter, fn func(*shequ.AuditRecord) error) error {
	a := shequ.ActorFrom(ctx)
	if err := shequ.Authorize(a, shequ.ActionAuditRead, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditActionRead, auditObjectType, "", f.Division)
	}
	division, ok := narrowToScope(a.Scope, f.Division)
	if !ok {
		return s.recordRead(ctx, f, f.Division)
	}
	if err := s.recordRead(ctx, f, division); err != nil {
		return err
	}
	cond, args := s.where(f, division)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+auditColumns+` FROM audit_log `+cond+` ORDER BY seq`), args...)
	if err != nil {
		return translateError(err, "export audit records")
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return translateError(err, "export audit records")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return translateError(rows.Err(), "export audit records")
}

// recordRead records a read of the trail with a short description of the
// filter (names and ids, never personal data).
func (s *AuditService) recordRead(ctx context.Context, f shequ.AuditFilter, division string) error {
	rec := s.db.newAudit(ctx, auditActionRead, auditObjectType, "", division, shequ.AuditAllowed)
	var parts []string
	for _, kv := range [][2]string{{"actor", f.ActorName}, {"object_type", f.ObjectType},
		{"object_id", f.ObjectID}, {"action", f.Action}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if f.From != nil {
		parts = append(parts, "from="+f.From.UTC().Format(sqliteTimeLayout))
	}
	if f.To != nil {
		parts = append(parts, "to="+f.To.UTC().Format(sqliteTimeLayout))
	}
	rec.Detail = truncateText(strings.Join(parts, " "), 500)
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		return s.db.appendAudit(ctx, tx, rec)
	})
}

// narrowToScope intersects the actor's scope with a requested division: the
// deeper of the two when one contains the other, ok false when they are
// disjoint.
func narrowToScope(scope, division string) (string, bool) {
	switch {
	case shequ.IsAncestorOrSelf(scope, division):
		return division, true
	case shequ.IsAncestorOrSelf(division, scope):
		return scope, true
	}
	return "", false
}

// truncateText cuts s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// VerifyAudit checks the whole chain in seq order (see VerifyAuditAgainst)
// without checkpoints.
func (s *AuditService) VerifyAudit(ctx context.Context) (*shequ.AuditVerification, error) {
	return s.VerifyAuditAgainst(ctx, nil)
}

// VerifyAuditAgainst checks the whole chain in seq order
// (shequ.VerifyKeyedAuditChain: plain hashes before the keyed epoch, keyed
// ones from it on) and then its end against audit_head, so that deleting
// the newest records is detected too: Reason "truncated" with BadSeq the
// first missing seq, or "head" when the last record's hash is not the
// head's. Then the trail is compared with the signed checkpoints cps
// (their signatures checked by the caller, internal/auditseal): the first
// one it contradicts — a deleted tail, a recomputed chain, a moved epoch —
// is named in Checkpoint, whether or not the chain itself checks out (a
// chain recomputed with the key verifies on its own; only a checkpoint
// kept elsewhere shows it). It needs audit.read and is recorded (action
// "audit.verify", the outcome in Detail).
//
// The head is read first and the rows up to its seq after: a record appended
// meanwhile has a higher seq and is left for the next run, and every record
// at or below the head was committed with it, so no transaction (which on
// SQLite would block writers for the whole scan) is needed.
func (s *AuditService) VerifyAuditAgainst(ctx context.Context, cps []*shequ.AuditCheckpoint) (*shequ.AuditVerification, error) {
	if err := shequ.Authorize(shequ.ActorFrom(ctx), shequ.ActionAuditRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditActionVerify, auditObjectType, "", "")
	}
	head, err := s.db.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	if head.KeyedFrom != 0 && s.db.auditKey == nil {
		return nil, errAuditKeyMissing
	}
	if head.KeyedFrom != 0 && head.KeyID != s.db.auditKeyID {
		return nil, errAuditKeyMismatch
	}
	cps = slices.Clone(cps)
	slices.SortStableFunc(cps, func(a, b *shequ.AuditCheckpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	wanted := map[int64]bool{}
	for _, cp := range cps {
		wanted[cp.Seq] = true
	}
	hashAt := map[int64]string{}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+auditColumns+` FROM audit_log
		WHERE seq <= ? ORDER BY seq`), head.Seq)
	if err != nil {
		return nil, translateError(err, "verify audit trail")
	}
	defer rows.Close()
	var last *shequ.AuditRecord
	next := func() (*shequ.AuditRecord, bool, error) {
		if !rows.Next() {
			return nil, false, rows.Err()
		}
		r, err := scanAudit(rows)
		if err != nil {
			return nil, false, err
		}
		if wanted[r.Seq] {
			hashAt[r.Seq] = r.Hash
		}
		last = r
		return r, true, nil
	}
	v, err := shequ.VerifyKeyedAuditChain(next, head.KeyedFrom, s.db.auditKey)
	if err != nil {
		return nil, translateError(err, "verify audit trail")
	}
	// A broken chain stops the check; the rest is still read for the
	// hashes the checkpoints name.
	chainEnd := last
	for len(cps) > 0 {
		if _, ok, err := next(); err != nil {
			return nil, translateError(err, "verify audit trail")
		} else if !ok {
			break
		}
	}
	rows.Close()
	if v.BadSeq == 0 {
		switch {
		case v.Checked < head.Seq:
			v.BadSeq, v.Reason = v.Checked+1, "truncated"
		case chainEnd != nil && chainEnd.Hash != head.Hash:
			v.BadSeq, v.Reason = chainEnd.Seq, "head"
		}
	}
	v.Checkpoints = len(cps)
	if cp, reason := checkCheckpoints(cps, head, hashAt); cp != nil {
		v.Checkpoint, v.CheckpointReason = cp, reason
		if v.BadSeq == 0 {
			v.BadSeq, v.Reason = min(cp.Seq, head.Seq+1), reason
		}
	}
	rec := s.db.newAudit(ctx, auditActionVerify, auditObjectType, "", "", shequ.AuditAllowed)
	rec.Detail = fmt.Sprintf("checked=%d checkpoints=%d", v.Checked, v.Checkpoints)
	if v.BadSeq != 0 {
		rec.Detail += fmt.Sprintf(" bad_seq=%d reason=%s", v.BadSeq, v.Reason)
	}
	if v.Checkpoint != nil {
		rec.Detail += " checkpoint=" + truncateText(describeCheckpoint(v.Checkpoint), 200)
	}
	if err := s.db.withTx(ctx, func(tx *sql.Tx) error { return s.db.appendAudit(ctx, tx, rec) }); err != nil {
		return nil, err
	}
	return v, nil
}

// scanAudit reads one row of auditColumns.
func scanAudit(rows *sql.Rows) (*shequ.AuditRecord, error) {
	var r shequ.AuditRecord
	var role, result string
	if err := rows.Scan(&r.Seq, &r.ID, scanTime(&r.Time), &r.ActorID, &r.ActorName, &role, &r.Action,
		&r.ObjectType, &r.ObjectID, &r.Division, &result, &r.ClientAddr, &r.RequestID, &r.Detail,
		&r.PrevHash, &r.Hash); err != nil {
		return nil, fmt.Errorf("scan audit record: %w", err)
	}
	r.Role, r.Result = shequ.Role(role), shequ.AuditResult(result)
	return &r, nil
}

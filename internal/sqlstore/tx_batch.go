package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"

	"shequ"
)

// Group commit. Writers that arrive together (concurrent request
// submissions) share one transaction: each still writes its row, its event
// and its audit record in that transaction, so each is all or nothing, but
// the commit — a WAL write on SQLite, an fsync on PostgreSQL — and, on
// SQLite, the single write lock are paid once per group instead of once per
// writer. On SQLite it also ends the busy-wait of concurrent BEGIN IMMEDIATE:
// the losers there sleep in SQLite's busy handler (milliseconds each), which
// measured about 400 submissions/s with 16 HTTP clients.
//
// The members' audit records are kept until the end of the group and
// appended to the hash chain together (appendAudits): the chain's head row is
// then advanced and locked once per group, at its end, instead of once per
// member — on PostgreSQL the lock is held from there to the commit, so the
// groups of several goroutines (dialect.batchWorkers) overlap everything but
// that.
//
// One goroutine (SQLite, whose writers queue on one lock anyway) or a few
// (PostgreSQL) run the groups. A writer that arrives
// while a group commits waits for the next one, so groups grow with the load
// and a lone writer pays no delay. A group runs optimistically without
// savepoints; when any member fails, the group rolls back and every member
// runs again in a transaction of its own, so one writer's error never
// reaches another's work.

// maxBatch bounds a group: a larger one holds the write lock (SQLite) or the
// audit chain's head row (PostgreSQL) longer for little gain.
const maxBatch = 128

// batchItem is one writer waiting for its group.
type batchItem struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// txBatcher feeds the group goroutines and holds the work the members of
// the groups being written leave for their end.
type txBatcher struct {
	once sync.Once
	ch   chan *batchItem

	mu     sync.Mutex
	groups map[*sql.Tx]*groupWrites
}

// groupWrites is what the members of one group leave for its end: rows to
// write together (deferWrite), in the order their kinds first came, and
// audit records to chain together (deferAudit).
type groupWrites struct {
	later  []*deferredRows
	audits []*shequ.AuditRecord
}

// deferredRows are the rows of one kind the members handed over, and the
// function that writes them all.
type deferredRows struct {
	key   string
	rows  []any
	write func(ctx context.Context, tx *sql.Tx, rows []any) error
}

// deferAudit keeps rec for the end of its group when tx is a group's
// transaction, and reports whether it did.
func (b *txBatcher) deferAudit(tx *sql.Tx, rec *shequ.AuditRecord) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.groups[tx]
	if ok {
		g.audits = append(g.audits, rec)
	}
	return ok
}

// deferWrite keeps row for the end of its group when tx is a group's
// transaction, where write gets it with the other members' rows of the
// same key, in their order; it reports whether it did. When it did not,
// the caller writes row at once (with the same write, so that one code
// path writes one row or many). A failing write rolls the group back and
// its members run again alone, as when a member fails.
func (b *txBatcher) deferWrite(tx *sql.Tx, key string, row any, write func(ctx context.Context, tx *sql.Tx, rows []any) error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.groups[tx]
	if !ok {
		return false
	}
	for _, d := range g.later {
		if d.key == key {
			d.rows = append(d.rows, row)
			return true
		}
	}
	g.later = append(g.later, &deferredRows{key: key, rows: []any{row}, write: write})
	return true
}

// track starts (g non-nil) or ends deferring the work of tx's members.
func (b *txBatcher) track(tx *sql.Tx, g *groupWrites) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g == nil {
		delete(b.groups, tx)
	} else {
		b.groups[tx] = g
	}
}

// withBatchTx runs fn inside a transaction shared with the writers that
// arrive at the same time and returns once that transaction committed (nil)
// or rolled back (fn's error, or the commit's). fn must do all its work
// through tx and ctx, and must not keep anything from a failed attempt: it
// may run twice (see above). The ctx given to fn carries the caller's
// values (actor, request id) but not its cancellation: a client that goes
// away must not abort the others' transaction.
func (db *DB) withBatchTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	b := &db.batch
	b.once.Do(func() {
		b.ch = make(chan *batchItem, maxBatch)
		b.groups = map[*sql.Tx]*groupWrites{}
		for range db.dialect.batchWorkers {
			go db.runBatches(b.ch)
		}
	})
	it := &batchItem{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1)}
	select {
	case b.ch <- it:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-it.done
}

// runBatches runs the groups until the process ends. It holds no database
// connection between groups, so closing the DB is not blocked by it.
func (db *DB) runBatches(ch chan *batchItem) {
	for first := range ch {
		group := []*batchItem{first}
		if len(ch) == 0 {
			// Let the writers that are about to arrive (handlers running
			// on the other cores) join: a group of one pays a whole
			// commit for one member.
			runtime.Gosched()
		}
	drain:
		for len(group) < maxBatch {
			select {
			case it := <-ch:
				group = append(group, it)
			default:
				break drain
			}
		}
		db.runGroup(group)
	}
}

// runGroup commits a group in one transaction, or each member alone when
// the group as a whole fails.
func (db *DB) runGroup(group []*batchItem) {
	if len(group) > 1 {
		phase, err := db.txOnce(context.Background(), func(tx *sql.Tx) error {
			var g groupWrites
			db.batch.track(tx, &g)
			defer db.batch.track(tx, nil)
			for _, it := range group {
				if err := db.claimKey(it.ctx, tx); err != nil {
					return errGroupMember
				}
				if err := it.fn(it.ctx, tx); err != nil {
					return errGroupMember
				}
			}
			ctx := context.Background()
			for _, d := range g.later {
				if err := d.write(ctx, tx, d.rows); err != nil {
					return err
				}
			}
			return db.appendAudits(ctx, tx, g.audits)
		})
		if err == nil {
			for _, it := range group {
				keyClaimed(it.ctx)
				it.done <- nil
			}
			return
		}
		// A member failed (or the commit did): every member again, alone,
		// so each gets its own answer — but for a commit lost with its
		// connection, which may have committed after all: only the members
		// with an idempotency key run again (their claim then finds the key
		// taken if it did); the others get the error, never a duplicate.
		if phase == phaseCommit && lostPrimary(err) {
			var again []*batchItem
			for _, it := range group {
				if shequ.IdempotencyKeyFrom(it.ctx) != nil {
					again = append(again, it)
				} else {
					it.done <- err
				}
			}
			group = again
		}
	}
	for _, it := range group {
		it.done <- db.withTx(it.ctx, func(tx *sql.Tx) error { return it.fn(it.ctx, tx) })
	}
}

// errGroupMember rolls back a group in which a member failed.
var errGroupMember = errors.New("a member of the group failed")

// appendAudits appends records, in order, to the hash chain inside tx: the
// head is advanced once by their number, the hashes are chained in Go, the
// rows are written with a few multi-row INSERTs (insertRows), and the head's hash
// is set once. The result is the chain appendAudit would have built one by
// one.
func (db *DB) appendAudits(ctx context.Context, tx *sql.Tx, records []*shequ.AuditRecord) error {
	if len(records) == 0 {
		return nil
	}
	var last, keyedFrom int64
	var prev, keyID string
	err := tx.QueryRowContext(ctx, db.rebind(`UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash, keyed_from, key_id`), len(records)).
		Scan(&last, &prev, &keyedFrom, &keyID)
	if err != nil {
		return translateError(err, "advance audit head")
	}
	seq := last - int64(len(records))
	// The keyed chain (audit_key.go): from its epoch on, every record is
	// hashed with the audit key; the first append with a key starts it.
	startEpoch := false
	switch {
	case db.auditKey != nil && keyedFrom == 0:
		keyedFrom, keyID, startEpoch = seq+1, db.auditKeyID, true
	case db.auditKey != nil && keyID != db.auditKeyID:
		return errAuditKeyMismatch
	case db.auditKey == nil && keyedFrom != 0:
		return errAuditKeyMissing
	}
	for _, rec := range records {
		seq++
		rec.Seq, rec.PrevHash = seq, prev
		if keyedFrom != 0 && seq >= keyedFrom {
			rec.Hash = rec.ComputeKeyedHash(prev, db.auditKey)
		} else {
			rec.Hash = rec.ComputeHash(prev)
		}
		prev = rec.Hash
	}
	rows := make([][]any, len(records))
	for i, rec := range records {
		rows[i] = []any{rec.Seq, rec.ID, db.dialect.timeArg(rec.Time), rec.ActorID, rec.ActorName, string(rec.Role),
			rec.Action, rec.ObjectType, rec.ObjectID, rec.Division, string(rec.Result), rec.ClientAddr, rec.RequestID,
			rec.Detail, rec.PrevHash, rec.Hash}
	}
	if err := db.insertRows(ctx, tx, "audit_log", auditColumnList, rows); err != nil {
		return err
	}
	if startEpoch {
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE audit_head SET hash = ?, keyed_from = ?, key_id = ? WHERE id = 1`),
			prev, keyedFrom, keyID); err != nil {
			return translateError(err, "advance audit head")
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE audit_head SET hash = ? WHERE id = 1`), prev); err != nil {
		return translateError(err, "advance audit head")
	}
	return nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"shequ"
)

// memArchive keeps what a prune archives; closeErr fails its Close.
type memArchive struct {
	recs     []*shequ.AuditRecord
	closed   bool
	closeErr error
}

func (a *memArchive) Write(r *shequ.AuditRecord) error { a.recs = append(a.recs, r); return nil }
func (a *memArchive) Close() error                     { a.closed = true; return a.closeErr }

// auditSeqCount counts the records of the trail with seq in [from, to].
func auditSeqCount(t *testing.T, db *DB, from, to int64) int64 {
	t.Helper()
	var n int64
	if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE seq >= ? AND seq <= ?`), from, to).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Retention: records younger than six months are never pruned (a cut-off
// later than that is refused, and the records kept are exactly those not
// older than the cut-off); what is pruned is archived first (a failed
// archive prunes nothing), by the console only; the trail still verifies
// afterwards against checkpoints before, at and after the cut; the
// database refuses deletes again; an insider who deletes recent records
// and dresses it as a prune is caught.
func TestAuditPrune(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, shequ.Shanghai)
		clock := now.AddDate(0, -9, 0)
		db.Now = func() time.Time { return clock }
		key, id := testAuditKey()
		db.SetAuditKey(key, id)
		if err := db.StartKeyedAudit(ctx); err != nil {
			t.Fatal(err)
		}
		appendN(t, db, 4, "test.nine_months")
		old := must(db.AuditHead(ctx))(t)
		clock = now.AddDate(0, -7, 0)
		appendN(t, db, 3, "test.seven_months")
		cut := must(db.AuditHead(ctx))(t)
		clock = now.AddDate(0, -5, 0)
		appendN(t, db, 3, "test.five_months")
		clock = now
		old.Source, cut.Source = "cp:1", "cp:2"
		if old.Seq != 5 || cut.Seq != 8 {
			t.Fatalf("checkpoints at %d and %d", old.Seq, cut.Seq)
		}
		s := NewAuditService(db)
		limit := shequ.AuditPruneLimit(now) // 2026-06-06

		_, err := s.PruneAudit(cliContext(), limit.AddDate(0, 0, 1), &memArchive{})
		if !hasFieldErr(err, "before") || shequ.AsError(err).Fields[0].Key != "audit.prune.recent" {
			t.Fatalf("a cut-off younger than six months: %v", err)
		}
		_, err = s.PruneAudit(asActor(shequ.RoleAuditor, ""), limit, &memArchive{})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		failing := &memArchive{closeErr: errors.New("disk full")}
		if _, err := s.PruneAudit(cliContext(), limit, failing); err == nil || len(failing.recs) != 8 {
			t.Fatalf("a failed archive: %v, %d records", err, len(failing.recs))
		}
		if n := auditSeqCount(t, db, 1, 11); n != 11 {
			t.Fatalf("a failed archive pruned: %d of 11 left", n)
		}

		a := &memArchive{}
		p, err := s.PruneAudit(cliContext(), limit, a)
		if err != nil || p.First != 1 || p.Through != 8 || p.Count != 8 || p.Hash != cut.Hash || !a.closed {
			t.Fatalf("PruneAudit = %+v, %v", p, err)
		}
		for i, r := range a.recs {
			if r.Seq != int64(i+1) || r.Hash == "" {
				t.Fatalf("archived %d: seq %d", i, r.Seq)
			}
		}
		if len(a.recs) != 8 || a.recs[7].Hash != cut.Hash {
			t.Fatalf("archived %d records", len(a.recs))
		}
		// Every record not older than the cut-off is kept.
		var young, firstKept int64
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*), MIN(seq) FROM audit_log WHERE time >= ?`), db.dialect.timeArg(limit)).Scan(&young, &firstKept))
		if n := auditSeqCount(t, db, 1, 1<<40); n != young || firstKept != 9 || auditSeqCount(t, db, 9, 11) != 3 {
			t.Fatalf("kept %d records, %d of them young, from %d", n, young, firstKept)
		}
		var detail string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT detail FROM audit_log WHERE action = ? AND result = ?`), auditActionPrune, "allowed").Scan(&detail))
		if detail != p.Detail() {
			t.Errorf("prune record %q, want %q", detail, p.Detail())
		}

		head := must(db.AuditHead(ctx))(t)
		v, err := s.VerifyAuditAgainst(asActor(shequ.RoleAuditor, ""), []*shequ.AuditCheckpoint{old, cut, head})
		if err != nil || v.BadSeq != 0 || v.Checkpoint != nil || v.Pruned == nil || v.Pruned.Through != 8 {
			t.Fatalf("after the prune: %+v, %v", v, err)
		}
		// A checkpoint at the cut that the prune contradicts is named.
		forged := *cut
		forged.Hash = "00" + cut.Hash[2:]
		if v := must(s.VerifyAuditAgainst(asActor(shequ.RoleAuditor, ""), []*shequ.AuditCheckpoint{&forged}))(t); v.Checkpoint == nil || v.Reason != "checkpoint.hash" {
			t.Errorf("a checkpoint at the cut with another hash: %+v", v)
		}
		if _, err := db.db.Exec(db.rebind(`DELETE FROM audit_log WHERE seq = ?`), 9); err == nil {
			t.Fatal("the database deletes audit records again")
		}
		if p, err := s.PruneAudit(cliContext(), limit, &memArchive{}); err != nil || p.Count != 0 {
			t.Fatalf("nothing left to prune: %+v, %v", p, err)
		}

		// An insider deletes the recent records 9..10 and records it as a
		// prune with the key: the retention rule shows it.
		ten := allAudit(t, db)[1]
		dropAuditTrigger(t, db, "audit_log_no_delete")
		if _, err := db.db.Exec(db.rebind(`DELETE FROM audit_log WHERE seq >= ? AND seq <= ?`), 9, 10); err != nil {
			t.Fatal(err)
		}
		fake := &shequ.AuditPrune{Before: now.AddDate(0, -5, 1), First: 9, Through: 10, Count: 2, Hash: ten.Hash}
		rec := db.newAudit(cliContext(), auditActionPrune, auditObjectType, "", "", shequ.AuditAllowed)
		rec.Detail = fake.Detail()
		mustDo(t, db.withTx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, rec) }))
		v = must(s.VerifyAudit(asActor(shequ.RoleAuditor, "")))(t)
		if v.BadSeq != rec.Seq || v.Reason != "prune" {
			t.Fatalf("a prune of records younger than six months: %+v", v)
		}
	})
}

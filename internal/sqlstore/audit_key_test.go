package sqlstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"shequ"
)

// testAuditKey returns a random audit key and its id.
func testAuditKey() ([]byte, string) {
	k := make([]byte, 32)
	rand.Read(k)
	return k, fmt.Sprintf("%x", k[:16])
}

// appendN appends n records of action.
func appendN(t *testing.T, db *DB, n int, action string) {
	t.Helper()
	for i := range n {
		if err := NewAuditService(db).RecordAudit(cliContext(), &shequ.AuditRecord{Action: action, Result: shequ.AuditAllowed,
			Detail: fmt.Sprintf("n=%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// A trail from before the audit key keeps verifying with plain hashes; the
// key starts the keyed chain with an "audit.keyed" record, after which
// every record's hash is an HMAC under it; a process with another key, or
// none, refuses to append.
func TestKeyedAuditChain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		appendN(t, db, 3, "test.before")
		key, id := testAuditKey()
		db.SetAuditKey(key, id)
		if err := db.StartKeyedAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.StartKeyedAudit(ctx); err != nil {
			t.Fatal(err)
		}
		head, err := db.AuditHead(ctx)
		if err != nil || head.Seq != 4 || head.KeyedFrom != 4 || head.KeyID != id {
			t.Fatalf("head = %+v, %v", head, err)
		}
		appendN(t, db, 3, "test.after")
		v := mustVerify(t, NewAuditService(db))
		if v.BadSeq != 0 || v.Checked != 7 || v.KeyedFrom != 4 {
			t.Fatalf("VerifyAudit = %+v", v)
		}
		recs := allAudit(t, db)
		if recs[3].Action != "audit.keyed" || recs[3].Hash != recs[3].ComputeKeyedHash(recs[2].Hash, key) ||
			recs[1].Hash != recs[1].ComputeHash(recs[0].Hash) || recs[5].Hash == recs[5].ComputeHash(recs[4].Hash) {
			t.Errorf("hashes: %+v", recs)
		}
		other, otherID := testAuditKey()
		db.SetAuditKey(other, otherID)
		wantError(t, db.StartKeyedAudit(ctx), shequ.EConflict, "audit.key.mismatch")
		err = NewAuditService(db).RecordAudit(cliContext(), &shequ.AuditRecord{Action: "x", Result: shequ.AuditAllowed})
		wantError(t, err, shequ.EConflict, "audit.key.mismatch")
		db.SetAuditKey(nil, "")
		wantError(t, db.StartKeyedAudit(ctx), shequ.EConflict, "audit.key.missing")
		err = NewAuditService(db).RecordAudit(cliContext(), &shequ.AuditRecord{Action: "x", Result: shequ.AuditAllowed})
		wantError(t, err, shequ.EConflict, "audit.key.missing")
		if h, _ := db.AuditHead(ctx); h.Seq != 8 { // 7 and the verification's own record
			t.Errorf("refused appends moved the head to %d", h.Seq)
		}
	})
}

// allAudit reads every record in seq order, as an insider would.
func allAudit(t *testing.T, db *DB) []*shequ.AuditRecord {
	t.Helper()
	rows, err := db.db.Query(`SELECT ` + auditColumns + ` FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []*shequ.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// rewrite does what an insider with the database would: drop the
// append-only triggers, keep the records keep accepts, number them again
// without gaps, pad with copies of the last one to pad records, recompute
// the chain (keyed from keyedFrom with key, plain before; keyedFrom 0: all
// plain) and set the head to match.
func rewrite(t *testing.T, db *DB, keep func(*shequ.AuditRecord) bool, pad int, keyedFrom int64, key []byte) {
	t.Helper()
	drops := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`,
		`DROP TRIGGER audit_head_forward`, `DROP TRIGGER audit_head_keyed_once`}
	if db.Engine() == enginePostgres {
		drops = []string{`DROP TRIGGER audit_log_no_update ON audit_log`, `DROP TRIGGER audit_log_no_delete ON audit_log`,
			`DROP TRIGGER audit_head_forward ON audit_head`, `DROP TRIGGER audit_head_keyed_once ON audit_head`}
	}
	for _, q := range drops {
		if _, err := db.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var kept []*shequ.AuditRecord
	for _, r := range allAudit(t, db) {
		if keep(r) {
			kept = append(kept, r)
		}
	}
	for i := range pad {
		c := *kept[len(kept)-1]
		c.ID = newUUID7()
		c.Detail = fmt.Sprintf("filler %d", i)
		kept = append(kept, &c)
	}
	if _, err := db.db.Exec(`DELETE FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i, r := range kept {
		r.Seq, r.PrevHash = int64(i+1), prev
		if keyedFrom != 0 && r.Seq >= keyedFrom {
			r.Hash = r.ComputeKeyedHash(prev, key)
		} else {
			r.Hash = r.ComputeHash(prev)
		}
		prev = r.Hash
		if _, err := db.db.Exec(db.rebind(`INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.Seq, r.ID, db.dialect.timeArg(r.Time), r.ActorID, r.ActorName, string(r.Role), r.Action, r.ObjectType, r.ObjectID,
			r.Division, string(r.Result), r.ClientAddr, r.RequestID, r.Detail, r.PrevHash, r.Hash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.db.Exec(db.rebind(`UPDATE audit_head SET seq = ?, hash = ?, keyed_from = ? WHERE id = 1`), len(kept), prev, keyedFrom); err != nil {
		t.Fatal(err)
	}
}

// An insider who can rewrite the database deletes the records of reveals
// and makes the chain whole again, in every way open to them; the chain
// alone may then verify, but the signed checkpoint taken before does not
// agree, and verification names it.
func TestAuditInsiderRewrite(t *testing.T) {
	notReveal := func(r *shequ.AuditRecord) bool { return r.Action != "resident.reveal" }
	tests := []struct {
		name    string
		do      func(t *testing.T, db *DB, key []byte, keyedFrom int64)
		chainOK bool
		reason  string
	}{
		{"plain hashes recomputed, head updated", func(t *testing.T, db *DB, key []byte, k int64) {
			rewrite(t, db, notReveal, 0, k, nil) // without the key: keyed records cannot be made again
		}, false, ""},
		{"epoch moved away, all plain", func(t *testing.T, db *DB, key []byte, k int64) {
			rewrite(t, db, notReveal, 3, 0, nil)
		}, true, "checkpoint.keyed"},
		{"the key stolen, padded to the length", func(t *testing.T, db *DB, key []byte, k int64) {
			rewrite(t, db, notReveal, 3, k, key)
		}, true, "checkpoint.hash"},
		{"tail deleted", func(t *testing.T, db *DB, key []byte, k int64) {
			rewrite(t, db, func(r *shequ.AuditRecord) bool { return r.Seq <= 8 }, 0, k, key)
		}, true, "checkpoint.tail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, db *DB) {
				ctx := context.Background()
				key, id := testAuditKey()
				db.SetAuditKey(key, id)
				if err := db.StartKeyedAudit(ctx); err != nil {
					t.Fatal(err)
				}
				appendN(t, db, 4, "resident.read")
				appendN(t, db, 3, "resident.reveal")
				appendN(t, db, 3, "resident.update")
				cp, err := db.AuditHead(ctx) // the checkpoint shipped elsewhere
				if err != nil {
					t.Fatal(err)
				}
				cp.Source = "checkpoints.jsonl:1"
				tt.do(t, db, key, cp.KeyedFrom)
				v, err := NewAuditService(db).VerifyAuditAgainst(asActor(shequ.RoleAuditor, ""), []*shequ.AuditCheckpoint{cp})
				if err != nil {
					t.Fatal(err)
				}
				if v.Checkpoint == nil || v.Checkpoint.Source != "checkpoints.jsonl:1" || v.Checkpoints != 1 {
					t.Fatalf("VerifyAuditAgainst = %+v: no checkpoint named", v)
				}
				if tt.chainOK && v.Reason != tt.reason {
					t.Errorf("reason %q, want %q (%+v)", v.Reason, tt.reason, v)
				}
				if !tt.chainOK && v.Reason != "hash" {
					t.Errorf("the chain recomputed without the key: reason %q, want hash", v.Reason)
				}
				// Without the checkpoint, only the keyless rewrite shows.
				v2, err := NewAuditService(db).VerifyAudit(asActor(shequ.RoleAuditor, ""))
				if err != nil {
					t.Fatal(err)
				}
				if tt.chainOK != (v2.BadSeq == 0) {
					t.Errorf("chain alone: %+v", v2)
				}
			})
		})
	}
}

// The untouched trail agrees with its checkpoints, including one of an
// empty trail and one from before the keyed epoch.
func TestAuditCheckpointsAgree(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		empty, _ := db.AuditHead(ctx)
		appendN(t, db, 2, "test.before")
		before, _ := db.AuditHead(ctx)
		key, id := testAuditKey()
		db.SetAuditKey(key, id)
		if err := db.StartKeyedAudit(ctx); err != nil {
			t.Fatal(err)
		}
		appendN(t, db, 2, "test.after")
		after, _ := db.AuditHead(ctx)
		v, err := NewAuditService(db).VerifyAuditAgainst(asActor(shequ.RoleAuditor, ""), []*shequ.AuditCheckpoint{after, empty, before})
		if err != nil || v.BadSeq != 0 || v.Checkpoint != nil || v.Checkpoints != 3 {
			t.Fatalf("VerifyAuditAgainst = %+v, %v", v, err)
		}
	})
}

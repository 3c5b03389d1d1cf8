package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"shequ"
)

// asActor returns a context signed in as a user of role and scope, coming
// from a test client.
func asActor(role shequ.Role, scope string) context.Context {
	ctx := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.1", RequestID: "req-1"})
	return shequ.WithActor(ctx, &shequ.Actor{UserID: newUUID7(), Username: string(role) + "1", Role: role, Scope: scope})
}

// cliContext is the context of console work: no actor, client "cli".
func cliContext() context.Context {
	return shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "cli"})
}

// mustRecord appends n records through RecordAudit.
func mustRecord(t *testing.T, s *AuditService, n int) {
	t.Helper()
	for i := range n {
		r := &shequ.AuditRecord{Action: "test.write", ObjectType: "thing", ObjectID: fmt.Sprint(i),
			Division: "330523", Result: shequ.AuditAllowed}
		if err := s.RecordAudit(asActor(shequ.RoleCommunityWorker, "330523"), r); err != nil {
			t.Fatal(err)
		}
		if r.Seq == 0 || r.Hash == "" || r.ID == "" {
			t.Fatalf("record not filled: %+v", r)
		}
	}
}

// mustVerify runs VerifyAudit as an auditor.
func mustVerify(t *testing.T, s *AuditService) *shequ.AuditVerification {
	t.Helper()
	v, err := s.VerifyAudit(asActor(shequ.RoleAuditor, ""))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dropAuditTrigger removes one of the append-only triggers, as someone with
// the database owner's rights could.
func dropAuditTrigger(t *testing.T, db *DB, name string) {
	t.Helper()
	q := `DROP TRIGGER ` + name
	if db.Engine() == enginePostgres {
		q += ` ON audit_log`
	}
	if _, err := db.db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

func TestAuditChain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewAuditService(db)
		if v := mustVerify(t, s); v.BadSeq != 0 || v.Checked != 0 {
			t.Fatalf("empty chain: %+v", v)
		}
		// The verification itself was recorded: one record now.
		mustRecord(t, s, 5)
		// A record appended inside another transaction, as services do.
		ctx := asActor(shequ.RoleCommunityWorker, "330523")
		rec := db.newAudit(ctx, "test.change", "thing", "x", "330523001001", shequ.AuditAllowed)
		if err := db.withTx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, rec) }); err != nil {
			t.Fatal(err)
		}
		if rec.Seq != 7 || rec.ActorName != "community_worker1" || rec.ClientAddr != "192.0.2.1" ||
			rec.RequestID != "req-1" || !rec.Time.Equal(testNow.Truncate(time.Microsecond)) {
			t.Errorf("appended %+v", rec)
		}
		// A rolled-back change leaves no record and no hole in the chain.
		rb := db.newAudit(ctx, "test.change", "thing", "y", "330523", shequ.AuditAllowed)
		_ = db.withTx(ctx, func(tx *sql.Tx) error {
			if err := db.appendAudit(ctx, tx, rb); err != nil {
				return err
			}
			return shequ.ErrForbidden
		})
		v := mustVerify(t, s)
		if v.BadSeq != 0 || v.Checked != 7 {
			t.Fatalf("VerifyAudit = %+v, want 7 intact", v)
		}
		// Console work is recorded as "cli".
		cli := db.newAudit(cliContext(), "user.create", "user", "u", "", shequ.AuditAllowed)
		if cli.ActorName != "cli" || cli.ActorID != "" || cli.ClientAddr != "cli" {
			t.Errorf("cli record %+v", cli)
		}
	})
}

func TestAuditAppendOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewAuditService(db)
		mustRecord(t, s, 3)
		for _, q := range []string{
			`UPDATE audit_log SET detail = 'x' WHERE seq = 2`,
			`DELETE FROM audit_log WHERE seq = 3`,
			`DELETE FROM audit_log`,
			`UPDATE audit_head SET seq = 1`,
			`DELETE FROM audit_head`,
		} {
			if _, err := db.db.Exec(q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if db.Engine() == enginePostgres {
			if _, err := db.db.Exec(`TRUNCATE audit_log`); err == nil {
				t.Error("TRUNCATE audit_log accepted")
			}
		}
		if v := mustVerify(t, s); v.BadSeq != 0 || v.Checked != 3 {
			t.Fatalf("VerifyAudit = %+v", v)
		}
	})
}

func TestAuditTamper(t *testing.T) {
	tests := []struct {
		name    string
		trigger string
		query   string
		bad     int64
		reason  string
	}{
		{"changed", "audit_log_no_update", `UPDATE audit_log SET actor_name = 'someone' WHERE seq = 3`, 3, "hash"},
		{"relinked", "audit_log_no_update", `UPDATE audit_log SET prev_hash = 'x' WHERE seq = 4`, 4, "link"},
		{"deleted middle", "audit_log_no_delete", `DELETE FROM audit_log WHERE seq = 3`, 3, "gap"},
		{"deleted first", "audit_log_no_delete", `DELETE FROM audit_log WHERE seq = 1`, 1, "gap"},
		{"deleted last", "audit_log_no_delete", `DELETE FROM audit_log WHERE seq = 6`, 6, "truncated"},
		{"deleted tail", "audit_log_no_delete", `DELETE FROM audit_log WHERE seq >= 5`, 5, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, db *DB) {
				s := NewAuditService(db)
				mustRecord(t, s, 6)
				dropAuditTrigger(t, db, tt.trigger)
				if _, err := db.db.Exec(tt.query); err != nil {
					t.Fatal(err)
				}
				v := mustVerify(t, s)
				if v.BadSeq != tt.bad || v.Reason != tt.reason {
					t.Errorf("VerifyAudit = %+v, want bad %d %s", v, tt.bad, tt.reason)
				}
			})
		})
	}
}

func TestAuditConcurrentAppends(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewAuditService(db)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					r := &shequ.AuditRecord{Action: "test.write", ObjectID: fmt.Sprintf("%d-%d", w, i),
						Result: shequ.AuditAllowed}
					if err := s.RecordAudit(context.Background(), r); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if v := mustVerify(t, s); v.BadSeq != 0 || v.Checked != writers*each {
			t.Fatalf("VerifyAudit = %+v, want %d intact", v, writers*each)
		}
	})
}

func TestFindAuditRecords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewAuditService(db)
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, div := range []string{"330523", "330523001001", "330522", "330523", ""} {
			r := &shequ.AuditRecord{Time: base.Add(time.Duration(i) * time.Hour), ActorName: fmt.Sprintf("u%d", i%2),
				Action: "test.write", ObjectType: "thing", ObjectID: fmt.Sprint(i), Division: div, Result: shequ.AuditAllowed}
			if err := s.RecordAudit(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
		from, to := base.Add(time.Hour), base.Add(3*time.Hour)
		tests := []struct {
			name  string
			scope string
			f     shequ.AuditFilter
			want  []string // object ids, newest first
			total int
		}{
			{"all", "", shequ.AuditFilter{ObjectType: "thing"}, []string{"4", "3", "2", "1", "0"}, 5},
			{"division", "", shequ.AuditFilter{Division: "330523"}, []string{"3", "1", "0"}, 3},
			{"scope", "330523", shequ.AuditFilter{ObjectType: "thing"}, []string{"3", "1", "0"}, 3},
			{"deeper", "330523", shequ.AuditFilter{Division: "330523001"}, []string{"1"}, 1},
			{"outside", "330523", shequ.AuditFilter{Division: "330522"}, []string{}, 0},
			{"actor", "", shequ.AuditFilter{ActorName: "u1"}, []string{"3", "1"}, 2},
			{"object", "", shequ.AuditFilter{ObjectType: "thing", ObjectID: "2"}, []string{"2"}, 1},
			{"time", "", shequ.AuditFilter{From: &from, To: &to}, []string{"2", "1"}, 2},
			{"page", "", shequ.AuditFilter{ObjectType: "thing", Offset: 1, Limit: 2}, []string{"3", "2"}, 5},
		}
		for _, tt := range tests {
			recs, total, err := s.FindAuditRecords(asActor(shequ.RoleAuditor, tt.scope), tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := []string{}
			for _, r := range recs {
				got = append(got, r.ObjectID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || total != tt.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", tt.name, got, total, tt.want, tt.total)
			}
		}
		// The reads were recorded.
		recs, n, err := s.FindAuditRecords(asActor(shequ.RoleAuditor, ""), shequ.AuditFilter{Action: "audit.read", Limit: 1})
		if err != nil || n != len(tests) || len(recs) != 1 || recs[0].Role != shequ.RoleAuditor {
			t.Fatalf("audit.read records: %d %v %v", n, recs, err)
		}
		// Nobody signed in, or another role: refused, and the refusal recorded.
		if _, _, err := s.FindAuditRecords(context.Background(), shequ.AuditFilter{}); shequ.ErrorCode(err) != shequ.EUnauthorized {
			t.Errorf("no actor: %v", err)
		}
		if _, _, err := s.FindAuditRecords(asActor(shequ.RoleSysadmin, ""), shequ.AuditFilter{}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("sysadmin: %v", err)
		}
		if _, err := s.VerifyAudit(asActor(shequ.RoleSecadmin, "")); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("secadmin verify: %v", err)
		}
		recs, _, err = s.FindAuditRecords(asActor(shequ.RoleAuditor, ""), shequ.AuditFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		// Newest first (a read is recorded after it, so not in its own
		// result): the refused verify, the sysadmin's read, the anonymous one.
		if recs[0].Result != shequ.AuditDenied || recs[0].Action != "audit.verify" || recs[0].Role != shequ.RoleSecadmin ||
			recs[1].Result != shequ.AuditDenied || recs[1].Detail != "error.forbidden" ||
			recs[2].Result != shequ.AuditDenied || recs[2].Detail != "error.unauthorized" || recs[2].ActorName != "" {
			t.Errorf("denied records: %+v %+v %+v", recs[0], recs[1], recs[2])
		}
		if v := mustVerify(t, s); v.BadSeq != 0 {
			t.Errorf("VerifyAudit = %+v", v)
		}
	})
}

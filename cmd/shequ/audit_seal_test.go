package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/sqlstore"
)

// insiderRewrite does to the audit trail what issue 14 found possible: with
// the database in hand, drop the append-only triggers, delete every
// "resident.reveal" record, number the rest again, recompute the chain —
// keyed with key when the insider has it, plain SHA-256 otherwise — and
// update audit_head to match.
func insiderRewrite(t *testing.T, dsn string, key []byte) int {
	t.Helper()
	driver, pg := "sqlite", strings.HasPrefix(dsn, "postgres")
	if pg {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tr := range [][2]string{{"audit_log_no_update", "audit_log"}, {"audit_log_no_delete", "audit_log"},
		{"audit_head_forward", "audit_head"}, {"audit_head_keyed_once", "audit_head"}} {
		q := "DROP TRIGGER " + tr[0]
		if pg {
			q += " ON " + tr[1]
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	res, err := db.Exec(`DELETE FROM audit_log WHERE action = 'resident.reveal'`)
	if err != nil {
		t.Fatal(err)
	}
	deleted, _ := res.RowsAffected()
	var keyedFrom int64
	if err := db.QueryRow(`SELECT keyed_from FROM audit_head WHERE id = 1`).Scan(&keyedFrom); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT seq, id, time, actor_id, actor_name, role, action, object_type, object_id, division,
		result, client_addr, request_id, detail FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*shequ.AuditRecord
	for rows.Next() {
		var r shequ.AuditRecord
		var tm any
		var role, result string
		if err := rows.Scan(&r.Seq, &r.ID, &tm, &r.ActorID, &r.ActorName, &role, &r.Action, &r.ObjectType, &r.ObjectID,
			&r.Division, &result, &r.ClientAddr, &r.RequestID, &r.Detail); err != nil {
			t.Fatal(err)
		}
		switch v := tm.(type) {
		case time.Time:
			r.Time = v
		case string:
			if r.Time, err = time.Parse(time.RFC3339Nano, v); err != nil {
				t.Fatal(err)
			}
		}
		r.Role, r.Result = shequ.Role(role), shequ.AuditResult(result)
		recs = append(recs, &r)
	}
	rows.Close()
	prev := ""
	for i, r := range recs {
		old := r.Seq
		r.Seq = int64(i + 1)
		if keyedFrom != 0 && r.Seq >= keyedFrom && key != nil {
			r.Hash = r.ComputeKeyedHash(prev, key)
		} else {
			r.Hash = r.ComputeHash(prev)
		}
		q := `UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE seq = $4`
		if !pg {
			q = `UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?`
		}
		if _, err := db.Exec(q, r.Seq, prev, r.Hash, old); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	q := `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`
	if !pg {
		q = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
	}
	if _, err := db.Exec(q, len(recs), prev); err != nil {
		t.Fatal(err)
	}
	return int(deleted)
}

// TestAuditInsiderOnServer runs the platform, reveals residents' numbers
// (audited "resident.reveal"), lets the server write signed checkpoints,
// then rewrites the trail as an insider would (issue 14: plain SHA-256 and
// an updated head used to pass `shequ audit verify`). Verification fails
// naming the checkpoint it contradicts — also when the insider has the
// HMAC key, and with a forged checkpoint file; the untouched trail passes.
func TestAuditInsiderOnServer(t *testing.T) {
	for _, withKey := range []bool{false, true} {
		t.Run(fmt.Sprint("insider_has_key=", withKey), func(t *testing.T) {
			engines(t, func(t *testing.T, dsn string) {
				dir := dataDir(t)
				if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
					t.Fatalf("import: %d %s%s", code, out, errs)
				}
				worker := token(t, dsn, "audit-worker", "community_worker", "330523001002")
				m := startMain(t, dsn, nil)
				base := "http://" + m.Addr()
				var ids []string
				for i := range 3 {
					a := call(t, "POST", base+"/api/v1/residents", worker, newResident(i))
					if a.code != http.StatusCreated {
						t.Fatalf("create: %d %s", a.code, a.body)
					}
					ids = append(ids, uuidRE.FindString(a.body))
				}
				for _, id := range ids {
					if a := call(t, "GET", base+"/api/v1/residents/"+id+"?reveal=1", worker, nil); a.code != 200 {
						t.Fatalf("reveal: %d", a.code)
					}
				}
				m.Close() // the shutdown checkpoint covers the reveals
				file := filepath.Join(dir, auditseal.CheckpointsFileName)
				cps, err := auditseal.ReadFile(file)
				if err != nil || len(cps) < 2 {
					t.Fatalf("checkpoints written by the server: %d, %v", len(cps), err)
				}
				if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
					t.Errorf("checkpoint file mode %04o", st.Mode().Perm())
				}
				code, out, errs := cli(t, nil, "audit", "verify", "-db", dsn)
				if code != exitOK || !strings.Contains(out, "审计日志完整") || !strings.Contains(out, "签名检查点") {
					t.Fatalf("verify before: %d\n%s%s", code, out, errs)
				}

				var key []byte
				if withKey {
					k, err := auditseal.Load(filepath.Join(dir, auditseal.KeyFileName), nil)
					if err != nil {
						t.Fatal(err)
					}
					key = k.HMACKey()
				}
				if n := insiderRewrite(t, dsn, key); n < 3 {
					t.Fatalf("deleted %d reveal records", n)
				}
				code, out, errs = cli(t, nil, "audit", "verify", "-db", dsn)
				named := false
				for _, cp := range cps {
					named = named || strings.Contains(errs, fmt.Sprintf("签名检查点（第 %d 条记录，%s:", cp.Seq, file))
				}
				if code != exitError || !named || !strings.Contains(errs, "不符") {
					t.Fatalf("verify after the rewrite: %d\n%s%s", code, out, errs)
				}
				last := cps[len(cps)-1]
				t.Logf("verify after the rewrite: %s", strings.TrimSpace(errs))

				// The insider appends a checkpoint of the rewritten trail,
				// signed with a key of their own: refused.
				pub, priv, _ := ed25519.GenerateKey(rand.Reader)
				forged := *last
				forged.Seq = 1
				forged.PublicKey = base64.StdEncoding.EncodeToString(pub)
				forged.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte("anything")))
				if err := auditseal.Append(file, &forged); err != nil {
					t.Fatal(err)
				}
				code, _, errs = cli(t, nil, "audit", "verify", "-db", dsn)
				if code != exitError || !strings.Contains(errs, "不是由审计密钥签名") {
					t.Fatalf("verify with a forged checkpoint: %d %s", code, errs)
				}
			})
		})
	}
}

// `shequ audit checkpoint` signs the head now; `shequ audit export` writes
// the records with their hashes to a file only its owner reads.
func TestAuditCheckpointAndExport(t *testing.T) {
	dsn := migratedSQLite(t)
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	token(t, dsn, "export-worker", "community_worker", "330523001002")
	code, out, errs := cli(t, nil, "audit", "checkpoint", "-db", dsn)
	if code != exitOK || !strings.Contains(out, "已签名第") {
		t.Fatalf("checkpoint: %d %s%s", code, out, errs)
	}
	export := filepath.Join(t.TempDir(), "audit.jsonl")
	code, out, errs = cli(t, nil, "audit", "export", "-o", export, "-from", "2020-01-01", "-db", dsn)
	if code != exitOK || !strings.Contains(errs, "已导出") {
		t.Fatalf("export: %d %s%s", code, out, errs)
	}
	b, err := os.ReadFile(export)
	if err != nil || !strings.Contains(string(b), `"action":"audit.keyed"`) || !strings.Contains(string(b), `"hash":"`) {
		t.Fatalf("export file: %v\n%s", err, b)
	}
	if st, _ := os.Stat(export); st.Mode().Perm() != 0o600 {
		t.Errorf("export mode %04o", st.Mode().Perm())
	}
	if code, _, errs := cli(t, nil, "audit", "export", "-o", export, "-db", dsn); code != exitError {
		t.Errorf("export over an existing file: %d %s", code, errs)
	}
	if code, _, errs := cli(t, nil, "audit", "export", "-from", "2020-13-01", "-db", dsn); code != exitError || !strings.Contains(errs, "不是 YYYY-MM-DD") {
		t.Errorf("bad date: %d %s", code, errs)
	}
	if code, out, errs := cli(t, nil, "audit", "verify", "-db", dsn); code != exitOK {
		t.Errorf("verify: %d %s%s", code, out, errs)
	}
}

// `shequ audit prune` keeps six months: a later cut-off is refused and
// leaves no file; records older than the cut-off are archived (0600, one
// JSON line each, synced) and then removed; the trail still verifies and
// says what was pruned; with nothing older, nothing is written.
func TestAuditPruneAtConsole(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		db := openTestDB(t, dsn)
		db.Now = func() time.Time { return time.Now().AddDate(0, -8, 0) }
		ctx := shequ.WithRequestMeta(t.Context(), shequ.RequestMeta{ClientAddr: "cli"})
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if err := sqlstore.NewAuditService(db).RecordAudit(ctx, &shequ.AuditRecord{Action: "test.old", Result: shequ.AuditAllowed,
				Detail: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		dir := t.TempDir()
		limit := shequ.AuditPruneLimit(time.Now())
		if code, _, errs := cli(t, nil, "audit", "prune", "-db", dsn); code != exitError || !strings.Contains(errs, "-before") {
			t.Errorf("no cut-off: %d %s", code, errs)
		}
		early := filepath.Join(dir, "early.jsonl")
		code, _, errs := cli(t, nil, "audit", "prune", "-before", limit.AddDate(0, 0, 1).Format(time.DateOnly), "-o", early, "-db", dsn)
		if code != exitError || !strings.Contains(errs, "至少保存 6 个月") {
			t.Errorf("a cut-off within six months: %d %s", code, errs)
		}
		if _, err := os.Stat(early); err == nil {
			t.Error("a refused prune left its archive")
		}
		archive := filepath.Join(dir, "archive.jsonl")
		code, out, errs := cli(t, nil, "audit", "prune", "-before", limit.Format(time.DateOnly), "-o", archive, "-db", dsn)
		if code != exitOK || !strings.Contains(out, "已将 5 条审计记录") {
			t.Fatalf("prune: %d %s%s", code, out, errs)
		}
		b, err := os.ReadFile(archive)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if err != nil || len(lines) != 5 || !strings.HasPrefix(lines[0], `{"seq":1,`) || !strings.Contains(lines[4], `"action":"test.old"`) {
			t.Fatalf("archive: %v\n%s", err, b)
		}
		if st, _ := os.Stat(archive); st.Mode().Perm() != 0o600 {
			t.Errorf("archive mode %04o", st.Mode().Perm())
		}
		again := filepath.Join(dir, "again.jsonl")
		code, out, errs = cli(t, nil, "audit", "prune", "-before", limit.Format(time.DateOnly), "-o", again, "-db", dsn)
		if _, err := os.Stat(again); code != exitOK || !strings.Contains(out, "没有早于") || err == nil {
			t.Errorf("nothing left to prune: %d %s%s (file: %v)", code, out, errs, err)
		}
		if code, out, errs := cli(t, nil, "audit", "verify", "-db", dsn); code != exitOK || !strings.Contains(out, "已归档后清理") {
			t.Errorf("verify after the prune: %d %s%s", code, out, errs)
		}
	})
}

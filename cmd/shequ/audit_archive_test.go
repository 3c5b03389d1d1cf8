package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/sqlstore"
)

// TestAuditVerifyArchives: signed checkpoints of records a prune removed
// are checked against the prune's archive (audit verify -archives); an
// archive altered, cut short or not the prune's fails, naming why; without
// the archive, verify says how many checkpoints it could not check.
func TestAuditVerifyArchives(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		db := openTestDB(t, dsn)
		db.Now = func() time.Time { return time.Now().AddDate(0, -8, 0) }
		ctx := shequ.WithRequestMeta(t.Context(), shequ.RequestMeta{ClientAddr: "cli"})
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		keys, err := auditseal.Load(filepath.Join(dataDir(t), auditseal.KeyFileName), nil)
		if err != nil {
			t.Fatal(err)
		}
		cpFile := filepath.Join(dataDir(t), auditseal.CheckpointsFileName)
		record := func(n int) {
			for i := range n {
				if err := sqlstore.NewAuditService(db).RecordAudit(ctx, &shequ.AuditRecord{Action: "test.old",
					Result: shequ.AuditAllowed, Detail: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		sign := func() *shequ.AuditCheckpoint {
			cp, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cp.Time, cp.Host = db.Now().UTC(), "test"
			keys.Sign(cp)
			if err := auditseal.Append(cpFile, cp); err != nil {
				t.Fatal(err)
			}
			return cp
		}
		// Two checkpoints of records that will be pruned.
		record(3)
		early := sign()
		record(3)
		mid := sign()
		record(2)
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		archive := filepath.Join(t.TempDir(), "archive.jsonl")
		limit := shequ.AuditPruneLimit(time.Now())
		if code, out, errs := cli(t, nil, "audit", "prune", "-before", limit.Format(time.DateOnly), "-o", archive, "-db", dsn); code != exitOK {
			t.Fatalf("prune: %d %s%s", code, out, errs)
		}
		b, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		at := map[int64]int{} // seq → index in lines
		for i, l := range lines {
			var r struct{ Seq int64 }
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			at[r.Seq] = i
		}
		if _, ok := at[mid.Seq+1]; !ok || at[early.Seq] == 0 {
			t.Fatalf("the archive does not hold the records after the checkpoints:\n%s", b)
		}

		// Without the archive: intact, and it says what it did not check.
		code, out, errs := cli(t, nil, "audit", "verify", "-db", dsn)
		if code != exitOK || !strings.Contains(out, "未能核对") {
			t.Errorf("verify without archives: %d %s%s", code, out, errs)
		}
		// With it: every archived record and both checkpoints checked.
		code, out, errs = cli(t, nil, "audit", "verify", "-archives", archive, "-db", dsn)
		if code != exitOK || !strings.Contains(out, fmt.Sprintf("%d 条已清理的记录完整", len(lines))) ||
			!strings.Contains(out, "2 个早于清理的签名检查点与归档一致") || strings.Contains(out, "未能核对") {
			t.Errorf("verify with the archive: %d %s%s", code, out, errs)
		}

		write := func(name string, ls []string) string {
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, []byte(strings.Join(ls, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		// An altered record (its hash kept): the archive is broken there.
		altered := append([]string{}, lines...)
		i := at[early.Seq]
		altered[i] = strings.Replace(altered[i], `"action":"test.old"`, `"action":"test.changed"`, 1)
		if altered[i] == lines[i] {
			t.Fatalf("record %d of the archive: %s", early.Seq, lines[i])
		}
		code, _, errs = cli(t, nil, "audit", "verify", "-archives", write("altered.jsonl", altered), "-db", dsn)
		if code != exitError || !strings.Contains(errs, fmt.Sprintf("归档中的审计记录在第 %d 条处被破坏", early.Seq)) {
			t.Errorf("altered archive: %d %s", code, errs)
		}
		// Cut short: it does not end where the prune did.
		code, _, errs = cli(t, nil, "audit", "verify", "-archives", write("short.jsonl", lines[:len(lines)-1]), "-db", dsn)
		if code != exitError || !strings.Contains(errs, "归档止于第") {
			t.Errorf("short archive: %d %s", code, errs)
		}
		// Only the later part: the early checkpoint is not reached.
		code, out, errs = cli(t, nil, "audit", "verify", "-archives", write("late.jsonl", lines[at[early.Seq+1]:]), "-db", dsn)
		if code != exitOK || !strings.Contains(out, "1 个签名检查点所指的记录已被清理") {
			t.Errorf("partial archive: %d %s%s", code, out, errs)
		}
		// A checkpoint the archive contradicts: a forged early checkpoint
		// (signed with the key, as an insider who holds it could) of
		// another hash.
		forged := *early
		forged.Hash = strings.Repeat("0", len(early.Hash))
		keys.Sign(&forged)
		if err := auditseal.Append(cpFile, &forged); err != nil {
			t.Fatal(err)
		}
		code, _, errs = cli(t, nil, "audit", "verify", "-archives", archive, "-db", dsn)
		if code != exitError || !strings.Contains(errs, fmt.Sprintf("第 %d 条记录", early.Seq)) || !strings.Contains(errs, "不符") {
			t.Errorf("contradicted checkpoint: %d %s", code, errs)
		}
	})
}

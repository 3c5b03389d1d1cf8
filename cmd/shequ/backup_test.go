package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/demo"
	"shequ/internal/pii"
	"shequ/internal/sqlstore"
	"shequ/internal/testenv"
)

// TestRestoreDrill is the restore drill of the README on both engines: a
// demo server takes request submissions while `shequ backup` copies its
// database; the backup verifies, restores into another (empty) database
// with its key file, and there the row counts equal the backup's, the
// audit chain is intact and the sealed ID numbers open and are found
// through the blind index. The refusals (a non-empty target, wrong or
// missing keys, a damaged archive) leave the target untouched.
func TestRestoreDrill(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		base, m := startDemo(t, dsn)
		w := apiClient{t: t, base: base, token: token(t, dsn, "drill-worker", "community_worker", demo.Community)}
		worker := shequ.WithActor(cliContext(ctx), &shequ.Actor{Username: "drill", Role: shequ.RoleCommunityWorker, Scope: demo.Community})
		before := residentIDs(t, worker, m.svc.residents)
		if len(before) == 0 {
			t.Fatal("the demo has no residents")
		}
		countRequests := func() int64 {
			c, err := m.svc.db.CountRows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c["service_requests"]
		}
		atStart := countRequests()

		// Two clients submit requests until the backup is done.
		start := time.Now().In(shequ.Shanghai).AddDate(0, 0, 7).Format("2006-01-02") + " 09:00"
		req := map[string]any{"service_code": "WT-001", "channel": "phone", "community_code": demo.Community,
			"attributes": map[string][]string{"venue": {"hall"}, "start": {start}, "people": {"30"}}}
		var acked atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if code, _ := w.do("POST", "/api/v1/requests", req); code == http.StatusCreated {
						acked.Add(1)
					} else {
						t.Errorf("submit during backup: %d", code)
						return
					}
				}
			}()
		}
		// Let writes flow before and during the copy.
		for acked.Load() < 5 {
			time.Sleep(10 * time.Millisecond)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "shequ.backup")
		code, out, errs := cli(t, nil, "backup", file, "-db", dsn)
		close(stop)
		wg.Wait()
		if code != exitOK {
			t.Fatalf("backup: %d %s%s", code, out, errs)
		}
		keys := file + ".keys.json"
		if !strings.Contains(errs, keys) || !strings.Contains(errs, "分开保管") {
			t.Errorf("backup does not warn to store the key file apart: %q", errs)
		}
		for _, p := range []string{file, keys} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v %v, want mode 0600", p, fi, err)
			}
		}
		after := countRequests()
		manifest, err := readArchive(file, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got := manifest.Tables["service_requests"]; got < atStart+5 || got > after {
			t.Errorf("backup holds %d requests; %d before the writes, %d after (%d acknowledged)", got, atStart, after, acked.Load())
		}
		if after-atStart != acked.Load() {
			t.Errorf("%d requests acknowledged, %d stored", acked.Load(), after-atStart)
		}
		if code, out, errs := cli(t, nil, "verify-backup", file, "-keys", keys); code != exitOK {
			t.Fatalf("verify-backup: %d %s%s", code, out, errs)
		}

		// The restore's target: another SQLite file, or a new database with
		// the source's schema name (a dump restores into its own schema).
		target, restoreDir := restoreTarget(t, dsn), t.TempDir()
		env := map[string]string{"SHEQU_DATA_DIR": restoreDir}
		// Refusals first: each leaves the target empty.
		otherKeys := filepath.Join(t.TempDir(), "other.keys.json")
		if k, err := pii.GenerateKeyRing(); err != nil {
			t.Fatal(err)
		} else if err := k.Save(otherKeys); err != nil {
			t.Fatal(err)
		}
		damaged := filepath.Join(dir, "damaged.backup")
		b, _ := os.ReadFile(file)
		b[len(b)/2] ^= 0xff
		if err := os.WriteFile(damaged, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			args []string
			want string // in stderr
		}{
			{"no keys", []string{"restore", file, "-db", target}, "-keys"},
			{"wrong keys", []string{"restore", file, "-db", target, "-keys", otherKeys}, "无法解密"},
			{"damaged", []string{"restore", damaged, "-db", target, "-keys", keys}, "不是完好的"},
			{"missing", []string{"restore", file + ".nope", "-db", target, "-keys", keys}, "不存在"},
		} {
			if code, out, errs := cli(t, env, c.args...); code != exitError || !strings.Contains(errs, c.want) {
				t.Errorf("%s: %d %s%s, want a refusal with %q", c.name, code, out, errs, c.want)
			}
		}
		if code, _, errs := cli(t, nil, "verify-backup", damaged); code != exitError || !strings.Contains(errs, "不是完好的") {
			t.Errorf("verify-backup of a damaged archive: %d %s", code, errs)
		}
		if _, err := os.Stat(filepath.Join(restoreDir, pii.KeyFileName)); err == nil {
			t.Error("a refused restore installed a key file")
		}

		code, out, errs = cli(t, env, "restore", file, "-db", target, "-keys", keys)
		if code != exitOK {
			t.Fatalf("restore: %d %s%s", code, out, errs)
		}
		// A second restore into the now filled database is refused.
		if code, _, errs := cli(t, env, "restore", file, "-db", target, "-keys", keys); code != exitError || !strings.Contains(errs, "不是空的") {
			t.Errorf("restore into a filled database: %d %s", code, errs)
		}

		// The restored database: the manifest's counts (all but the audit
		// trail, which the restore's own verification extended by one),
		// an intact chain, and the residents' sealed numbers.
		rdb := openTestDB(t, target)
		counts, err := rdb.CountRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["audit_log"] != manifest.Tables["audit_log"]+1 {
			t.Errorf("audit records: %d restored, %d backed up (+1 verification)", counts["audit_log"], manifest.Tables["audit_log"])
		}
		counts["audit_log"] = manifest.Tables["audit_log"]
		if diff := counts.Diff(manifest.Tables); len(diff) > 0 {
			t.Errorf("restored counts differ: %v", diff)
		}
		if code, out, errs := cli(t, env, "audit", "verify", "-db", target); code != exitOK {
			t.Errorf("audit verify of the restored database: %d %s%s", code, out, errs)
		}
		rkeys, err := pii.LoadKeyRing(func(string) string { return "" }, restoreDir, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The restore installed the backup's audit key file: reads, which
		// are audited, extend the keyed trail with it.
		ak, err := auditseal.Load(filepath.Join(restoreDir, auditseal.KeyFileName), nil)
		if err != nil {
			t.Fatal(err)
		}
		rdb.SetAuditKey(ak.HMACKey(), ak.ID())
		restored := sqlstore.NewResidentService(rdb, rkeys)
		got := residentIDs(t, worker, restored)
		if strings.Join(got, ",") != strings.Join(before, ",") {
			t.Errorf("restored ID numbers %v, want %v", got, before)
		}
		found, _, err := restored.FindResidents(worker, shequ.ResidentFilter{IDNumber: before[0], Limit: 5})
		if err != nil || len(found) != 1 || string(found[0].IDNumber) != before[0] {
			t.Errorf("blind index after restore: %v %v", found, err)
		}
	})
}

// residentIDs returns the ID numbers of the demo community's residents, in
// order: reading them opens the sealed values.
func residentIDs(t *testing.T, ctx context.Context, s *sqlstore.ResidentService) []string {
	t.Helper()
	rs, _, err := s.FindResidents(ctx, shequ.ResidentFilter{Community: demo.Community, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		if r.IDNumber == "" || strings.Contains(string(r.IDNumber), "*") {
			t.Fatalf("resident %s: ID number %q not opened", r.ID, r.IDNumber)
		}
		ids = append(ids, string(r.IDNumber))
	}
	sort.Strings(ids)
	return ids
}

// restoreTarget returns an empty database of the same engine as dsn: a new
// SQLite file, or a new PostgreSQL database (dropped at cleanup) whose URL
// names the same schema.
func restoreTarget(t *testing.T, dsn string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres") {
		return filepath.Join(t.TempDir(), "restored", "shequ.db")
	}
	base := testenv.PostgresDSN(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "ha_drill_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			if _, err := db.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("drop database: %v", err)
			}
			db.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

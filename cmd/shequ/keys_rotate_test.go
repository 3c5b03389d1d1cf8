package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ/internal/auditseal"
	"shequ/internal/config"
	"shequ/internal/pii"
	"shequ/internal/sqlstore"
)

// keyServer runs the platform on dsn with its key file in dataDir, following
// key files quickly (checked every 100 ms, heartbeats every 200 ms).
func keyServer(t *testing.T, dsn, dataDir string) *Main {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		KeyPoll: 100 * time.Millisecond, KeyHeartbeat: 200 * time.Millisecond}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// revealAll reads every resident through the API with their numbers
// revealed, and returns their ID numbers; it fails the test on any error.
func revealAll(t *testing.T, base, token string) []string {
	t.Helper()
	a := call(t, "GET", base+"/api/v1/residents?limit=100", token, nil)
	if a.code != 200 {
		t.Fatalf("list residents: %d %s", a.code, a.body)
	}
	var ids []string
	for _, id := range uuidRE.FindAllString(a.body, -1) {
		r := call(t, "GET", base+"/api/v1/residents/"+id+"?reveal=1", token, nil)
		if r.code != 200 {
			t.Fatalf("resident %s: %d %s", id, r.code, r.body)
		}
		if i := strings.Index(r.body, `"id_number":"`); i >= 0 {
			ids = append(ids, r.body[i+13:i+13+18])
		}
	}
	return ids
}

// dbExec runs a statement on the database behind the application's back.
func dbExec(t *testing.T, dsn, q string) {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// copyFile copies a key file as an operator would, mode kept.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to+".tmp", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(to+".tmp", to); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRotationWhileServing rotates the personal-data key while servers
// run, on both engines (issue 14: before, the running server answered 500
// for every resident after a rotation, and after -retire sealed new
// records with a retired key, lost at the next restart):
//
//  1. with one server running, `keys rotate` completes: the server loads the
//     new key from the changed file, reads every record at once and seals
//     new ones with the new key; `keys retire` then removes the old key and
//     a restarted server still reads everything;
//  2. with a second server holding its own copy of the key file (another
//     machine), `keys rotate` refuses, naming it, and nothing is sealed with
//     the new key; once the file is copied there, running it again resumes
//     and completes;
//  3. `keys retire` refuses while a running server still seals with the old
//     key, and while a value under it cannot be re-encrypted;
//  4. a server started with a stale copy of the key file is refused.
func TestKeyRotationWhileServing(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		dir := dataDir(t)
		env := map[string]string{"SHEQU_DATA_DIR": dir}
		keys := func(args ...string) (int, string, string) {
			t.Helper()
			return cli(t, env, append(append([]string{"keys"}, args...), "-db", dsn)...)
		}
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		worker := token(t, dsn, "keys-worker", "community_worker", "330523001002")
		m := keyServer(t, dsn, dir)
		base := "http://" + m.Addr()
		for i := range 3 {
			if a := call(t, "POST", base+"/api/v1/residents", worker, newResident(i)); a.code != http.StatusCreated {
				t.Fatalf("create: %d %s", a.code, a.body)
			}
		}
		want := revealAll(t, base, worker)
		if len(want) != 3 {
			t.Fatalf("revealed %v", want)
		}

		// 1. One server: rotate while it runs.
		code, out, errs := keys("rotate", "-quiet", "-wait", "20s")
		if code != exitOK || !strings.Contains(out, "数据密钥 2 已启用") {
			t.Fatalf("rotate: %d\n%s%s", code, out, errs)
		}
		if got := revealAll(t, base, worker); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("after the rotation the server reads %v, want %v", got, want)
		}
		if a := call(t, "POST", base+"/api/v1/residents", worker, newResident(3)); a.code != http.StatusCreated {
			t.Fatalf("create after rotation: %d %s", a.code, a.body)
		}
		db := openTestDB(t, dsn)
		ak, err := auditseal.Load(filepath.Join(dir, auditseal.KeyFileName), nil) // this installation's audit key
		if err != nil {
			t.Fatal(err)
		}
		db.SetAuditKey(ak.HMACKey(), ak.ID())
		if c, err := db.CountSealed(context.Background(), []uint32{1, 2}); err != nil || c[1][""] != 0 || c[2][""] != 4 {
			t.Fatalf("sealed per key: %v %v", c, err)
		}
		code, out, errs = keys("retire")
		if code != exitOK || !strings.Contains(out, "已停用数据密钥 1") {
			t.Fatalf("retire: %d\n%s%s", code, out, errs)
		}
		ring, err := pii.LoadKeyRing(func(string) string { return "" }, dir, nil)
		if err != nil || len(ring.KeyIDs()) != 1 || ring.CurrentID() != 2 {
			t.Fatalf("key file after retire: %v %v", ring.KeyIDs(), err)
		}
		// The server drops key 1 too, and restarted reads everything.
		if !waitUntil(5*time.Second, func() bool { return len(m.svc.keys.KeyIDs()) == 1 }) {
			t.Errorf("the running server still holds keys %v", m.svc.keys.KeyIDs())
		}
		m.Close()
		m = keyServer(t, dsn, dir)
		base = "http://" + m.Addr()
		if got := revealAll(t, base, worker); len(got) != 4 {
			t.Fatalf("after a restart: %v", got)
		}

		// 2. A second server with its own copy of the key file.
		other := t.TempDir()
		copyFile(t, filepath.Join(dir, pii.KeyFileName), filepath.Join(other, pii.KeyFileName))
		copyFile(t, filepath.Join(dir, auditseal.KeyFileName), filepath.Join(other, auditseal.KeyFileName))
		m2 := keyServer(t, dsn, other)
		code, out, errs = keys("rotate", "-quiet", "-wait", "2s")
		if code != exitError || !strings.Contains(errs, "尚未加载数据密钥 3") || !strings.Contains(errs, m2.Addr()) || strings.Contains(errs, m.Addr()) {
			t.Fatalf("rotate with a server that cannot follow: %d\n%s%s", code, out, errs)
		}
		if st, _ := db.KeyState(context.Background(), 3); st != sqlstore.KeyNew {
			t.Errorf("key 3 is %q, want new", st)
		}
		if a := call(t, "POST", "http://"+m2.Addr()+"/api/v1/residents", worker, newResident(4)); a.code != http.StatusCreated {
			t.Fatalf("the second server writes on: %d %s", a.code, a.body)
		}
		copyFile(t, filepath.Join(dir, pii.KeyFileName), filepath.Join(other, pii.KeyFileName))
		code, out, errs = keys("rotate", "-quiet", "-wait", "20s")
		if code != exitOK || !strings.Contains(out, "继续轮换到数据密钥 3") || !strings.Contains(out, "数据密钥 3 已启用") {
			t.Fatalf("rotate resumed: %d\n%s%s", code, out, errs)
		}
		for _, s := range []*Main{m, m2} {
			if got := revealAll(t, "http://"+s.Addr(), worker); len(got) != 5 {
				t.Errorf("%s reads %v", s.Addr(), got)
			}
		}

		// 3. The next rotation switches while the second server, paused
		// during its first step, lacks the new key: it seals nothing and
		// cannot read what the new key sealed (503, not 500), and retiring
		// the old key is refused while it still holds it as its sealing
		// key; once its key file is copied it follows by itself.
		stale := filepath.Join(t.TempDir(), "keys.json")
		copyFile(t, filepath.Join(dir, pii.KeyFileName), stale) // keys 2 and 3
		if code, _, errs := keys("rotate", "-quiet", "-wait", "1s"); code != exitError || !strings.Contains(errs, "尚未加载数据密钥 4") {
			t.Fatalf("rotate to 4 without the second server: %d %s", code, errs)
		}
		if err := db.SetKeyState(context.Background(), 4, sqlstore.KeyCurrent); err != nil { // the switch it missed
			t.Fatal(err)
		}
		base2 := "http://" + m2.Addr()
		if !waitUntil(5*time.Second, func() bool {
			return call(t, "POST", base2+"/api/v1/residents", worker, newResident(6)).code == http.StatusServiceUnavailable
		}) {
			t.Fatal("a server without the sealing key still writes")
		}
		unavailable(t, "a write on a server without the sealing key", call(t, "POST", base2+"/api/v1/residents", worker, newResident(7)), "正在停用")
		if !waitUntil(5*time.Second, func() bool { return m.svc.keys.CurrentID() == 4 }) {
			t.Fatal("the first server does not seal with key 4")
		}
		a := call(t, "POST", base+"/api/v1/residents", worker, newResident(8)) // sealed with key 4 by the first server
		if a.code != http.StatusCreated {
			t.Fatalf("the first server writes with key 4: %d %s", a.code, a.body)
		}
		newID := uuidRE.FindString(a.body)
		unavailable(t, "a read of a key-4 record on a server without key 4", call(t, "GET", base2+"/api/v1/residents/"+newID+"?reveal=1", worker, nil), "缺少数据密钥 4")
		code, _, errs = keys("retire")
		if code != exitError || !strings.Contains(errs, "数据密钥 3 仍是以下运行中服务的加密密钥") || !strings.Contains(errs, m2.Addr()) {
			t.Fatalf("retire while a server seals with key 3: %d %s", code, errs)
		}
		copyFile(t, filepath.Join(dir, pii.KeyFileName), filepath.Join(other, pii.KeyFileName))
		if !waitUntil(5*time.Second, func() bool {
			return call(t, "POST", base2+"/api/v1/residents", worker, newResident(9)).code == http.StatusCreated
		}) {
			t.Fatal("the second server does not write again once it has the key file")
		}
		if r := call(t, "GET", base2+"/api/v1/residents/"+newID+"?reveal=1", worker, nil); r.code != 200 {
			t.Errorf("the key-4 record on the second server: %d %s", r.code, r.body)
		}
		code, out, errs = keys("rotate", "-quiet", "-wait", "20s")
		if code != exitOK || !strings.Contains(out, "继续轮换到数据密钥 4") {
			t.Fatalf("rotate resumes re-sealing: %d\n%s%s", code, out, errs)
		}
		// A value under key 3 that cannot be opened: retire re-encrypts
		// what it can and refuses to drop the key the rest needs.
		dbExec(t, dsn, `UPDATE residents SET id_number_enc = 'v1:3:AAAA' WHERE id = (SELECT id FROM residents ORDER BY id LIMIT 1)`)
		if code, _, errs := keys("retire"); code != exitError || !strings.Contains(errs, "无法用密钥文件解密") {
			t.Fatalf("retire with an unreadable value under key 3: %d %s", code, errs)
		}
		if st, _ := db.KeyState(context.Background(), 3); st != sqlstore.KeyOld {
			t.Errorf("key 3 is %q after a refused retire", st)
		}

		// 4. A server started with a stale copy of the key file.
		staleDir := t.TempDir()
		copyFile(t, stale, filepath.Join(staleDir, pii.KeyFileName))
		copyFile(t, filepath.Join(dir, auditseal.KeyFileName), filepath.Join(staleDir, auditseal.KeyFileName))
		cfg := config.Default()
		cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, staleDir
		m3 := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		err = m3.Run(context.Background())
		if err == nil || !strings.Contains(fmt.Sprint(err), "older than the database") {
			m3.Close()
			t.Fatalf("a server with a stale key file: %v", err)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ/internal/config"
)

// startMain runs the platform on dsn with the defaults changed by edit, and
// stops it at cleanup.
func startMain(t testing.TB, dsn string, edit func(*config.Config)) *Main {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	if edit != nil {
		edit(&cfg)
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// answer is a response's status, Retry-After and body.
type answer struct {
	code  int
	retry string
	body  string
}

// call sends a JSON request with a bearer token.
func call(t testing.TB, method, url, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

// newResident is the body of a resident to create; n keeps ID numbers apart.
func newResident(n int) map[string]any {
	return map[string]any{"name": "测试居民", "id_number": validID(fmt.Sprintf("33052319500101%03d", n)),
		"community_code": "330523001002"}
}

// unavailable checks a 503 with Retry-After and a message naming the cause.
func unavailable(t *testing.T, what string, a answer, want string) {
	t.Helper()
	if a.code != http.StatusServiceUnavailable || a.retry == "" || !strings.Contains(a.body, want) {
		t.Errorf("%s: %d, Retry-After %q, want 503 with Retry-After and %q\n%s", what, a.code, a.retry, want, a.body)
	}
}

// TestMetricsListener: with -metrics-addr the metrics are on a listener of
// their own (with the token when one is set) and not on the main address.
func TestMetricsListener(t *testing.T) {
	m := startMain(t, migratedSQLite(t), func(c *config.Config) {
		c.Ops.MetricsAddr, c.Ops.MetricsToken = "127.0.0.1:0", "a-metrics-token-0123456789"
	})
	if a := call(t, "GET", "http://"+m.Addr()+"/metrics", "a-metrics-token-0123456789", nil); a.code != 404 {
		t.Errorf("main address: %d", a.code)
	}
	if a := call(t, "GET", "http://"+m.MetricsAddr()+"/metrics", "", nil); a.code != 401 {
		t.Errorf("metrics address without the token: %d", a.code)
	}
	if a := call(t, "GET", "http://"+m.MetricsAddr()+"/metrics", "a-metrics-token-0123456789", nil); a.code != 200 || !strings.Contains(a.body, "shequ_build_info") {
		t.Errorf("metrics address: %d %s", a.code, a.body)
	}
	if a := call(t, "GET", "http://"+m.MetricsAddr()+"/residents", "a-metrics-token-0123456789", nil); a.code != 404 {
		t.Errorf("metrics address, another path: %d", a.code)
	}
}

// TestSQLiteReadOnlyServer: the database files of a running server become
// read-only for a while (chattr +i as root, chmod otherwise). Writes answer
// 503 with Retry-After and /readyz says not ready; reads go on; when the
// files are writable again the server writes again without a restart.
func TestSQLiteReadOnlyServer(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "shequ.db")
	base := startServer(t, dsn, "330523")
	worker := token(t, dsn, "ro-worker", "community_worker", "330523001002")
	if a := call(t, "POST", base+"/api/v1/residents", worker, newResident(1)); a.code != http.StatusCreated {
		t.Fatalf("create: %d %s", a.code, a.body)
	}
	var undo []func()
	for _, f := range []string{dsn, dsn + "-wal"} {
		if os.Geteuid() == 0 {
			if out, err := exec.Command("chattr", "+i", f).CombinedOutput(); err != nil {
				t.Skipf("chattr: %v %s", err, out)
			}
			undo = append(undo, func() { exec.Command("chattr", "-i", f).Run() })
		} else {
			os.Chmod(f, 0o400)
			undo = append(undo, func() { os.Chmod(f, 0o600) })
		}
	}
	restore := func() {
		for _, u := range undo {
			u()
		}
	}
	t.Cleanup(restore)
	for i := range 3 {
		unavailable(t, "a write to a read-only database", call(t, "POST", base+"/api/v1/residents", worker, newResident(2+i)), "数据库")
	}
	unavailable(t, "/readyz", call(t, "GET", base+"/readyz", "", nil), "unavailable")
	if a := call(t, "GET", base+"/api/v1/residents", worker, nil); a.code != 200 {
		t.Errorf("a read while read-only: %d %s", a.code, a.body)
	}
	restore()
	n := 10
	var last answer
	ok := waitUntil(10*time.Second, func() bool {
		n++
		last = call(t, "POST", base+"/api/v1/residents", worker, newResident(n))
		return last.code == http.StatusCreated
	})
	if !ok {
		t.Fatalf("no write succeeded after the files were writable again: %d %s", last.code, last.body)
	}
	if a := call(t, "GET", base+"/readyz", "", nil); a.code != 200 {
		t.Errorf("/readyz after: %d %s", a.code, a.body)
	}
}

// TestPostgresRestart runs the server on a PostgreSQL cluster of its own and
// stops it: requests answer 503 with Retry-After and /readyz says not
// ready; once PostgreSQL is back the server serves again by itself. Then the
// cluster is made read-only (default_transaction_read_only, as on a standby)
// and writable again, with the same outcome.
func TestPostgresRestart(t *testing.T) {
	pg := newPGCluster(t)
	dsn := pg.DSN()
	base := startServer(t, dsn, "330523")
	worker := token(t, dsn, "pg-worker", "community_worker", "330523001002")
	if a := call(t, "POST", base+"/api/v1/residents", worker, newResident(1)); a.code != http.StatusCreated {
		t.Fatalf("create: %d %s", a.code, a.body)
	}

	pg.Stop()
	unavailable(t, "a write while PostgreSQL is down", call(t, "POST", base+"/api/v1/residents", worker, newResident(2)), "数据库")
	unavailable(t, "a read while PostgreSQL is down", call(t, "GET", base+"/api/v1/residents", worker, nil), "数据库")
	unavailable(t, "/readyz", call(t, "GET", base+"/readyz", "", nil), "unavailable")
	pg.Start()
	n := 10
	var last answer
	if !waitUntil(15*time.Second, func() bool {
		n++
		last = call(t, "POST", base+"/api/v1/residents", worker, newResident(n))
		return last.code == http.StatusCreated
	}) {
		t.Fatalf("no write succeeded after PostgreSQL came back: %d %s", last.code, last.body)
	}
	if a := call(t, "GET", base+"/readyz", "", nil); a.code != 200 {
		t.Errorf("/readyz after the restart: %d %s", a.code, a.body)
	}

	pg.SQL("ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()")
	if !waitUntil(5*time.Second, func() bool {
		n++
		last = call(t, "POST", base+"/api/v1/residents", worker, newResident(n))
		return last.code == http.StatusServiceUnavailable
	}) {
		t.Fatalf("writes on a read-only server: %d %s", last.code, last.body)
	}
	unavailable(t, "a write on a read-only server", last, "暂时不能写入")
	unavailable(t, "/readyz on a read-only server", call(t, "GET", base+"/readyz", "", nil), "unavailable")
	pg.SQL("ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()")
	if !waitUntil(5*time.Second, func() bool {
		n++
		last = call(t, "POST", base+"/api/v1/residents", worker, newResident(n))
		return last.code == http.StatusCreated
	}) {
		t.Fatalf("writes after the server is writable again: %d %s", last.code, last.body)
	}
}

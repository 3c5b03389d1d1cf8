package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"shequ"
	"shequ/internal/testenv"
)

// Faults of the database are EUnavailable with a key that says which, so
// that the web layer answers 503 with Retry-After; errors of the request
// keep their codes; a caller that went away is not the database's fault.
func TestClassifyFaults(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code, key string
	}{
		{"read-only transaction", &pgconn.PgError{Code: "25006"}, shequ.EUnavailable, "db.read_only"},
		{"disk full", &pgconn.PgError{Code: "53100"}, shequ.EUnavailable, "db.full"},
		{"out of memory", &pgconn.PgError{Code: "53200"}, shequ.EUnavailable, "db.unavailable"},
		{"too many connections", &pgconn.PgError{Code: "53300"}, shequ.EUnavailable, "db.unavailable"},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, shequ.EUnavailable, "db.unavailable"},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, shequ.EUnavailable, "db.unavailable"},
		{"connection failure", &pgconn.PgError{Code: "08006"}, shequ.EUnavailable, "db.unavailable"},
		{"I/O error", &pgconn.PgError{Code: "58030"}, shequ.EUnavailable, "db.unavailable"},
		{"unique", &pgconn.PgError{Code: "23505"}, shequ.EConflict, "db.duplicate"},
		{"syntax", &pgconn.PgError{Code: "42601"}, shequ.EInternal, "error.internal"},
		{"server went away", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), shequ.EUnavailable, "db.unavailable"},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, shequ.EUnavailable, "db.unavailable"},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), shequ.EUnavailable, "db.unavailable"},
		{"conn done", sql.ErrConnDone, shequ.EUnavailable, "db.unavailable"},
		{"caller canceled", fmt.Errorf("query: %w", context.Canceled), shequ.EInternal, "error.internal"},
		{"other", errors.New("boom"), shequ.EInternal, "error.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := shequ.AsError(translateError(tt.err, "test"))
			if e.Code != tt.code || e.Key != tt.key {
				t.Errorf("%v: %s/%s, want %s/%s", tt.err, e.Code, e.Key, tt.code, tt.key)
			}
		})
	}
}

// A new SQLite database, its folder and the WAL and shared-memory files
// SQLite adds are readable by their owner only.
func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "shequ.db")
	db := mustOpen(t, path, true)
	if err := db.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", filepath.Base(name), st.Mode().Perm(), want)
		}
	}
}

// The sync mode is a choice: FULL or NORMAL reach every connection;
// anything else is refused.
func TestSQLiteSync(t *testing.T) {
	ctx := context.Background()
	for mode, want := range map[string]int{"": 1, SQLiteSyncNormal: 1, SQLiteSyncFull: 2} {
		db, err := OpenWith(ctx, filepath.Join(t.TempDir(), "shequ.db"), Options{SQLiteSync: mode})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&got); err != nil || got != want {
			t.Errorf("%q: synchronous = %d, %v; want %d", mode, got, err, want)
		}
		db.Close()
	}
	_, err := OpenWith(ctx, filepath.Join(t.TempDir(), "shequ.db"), Options{SQLiteSync: "off"})
	wantError(t, err, shequ.EInvalid, "db.sqlite_sync")
}

// setReadOnly makes a file unwritable, also for root (who ignores the mode
// bits): chattr +i where it works, chmod 0400 otherwise. It returns the
// undo.
func setReadOnly(t *testing.T, path string) func() {
	t.Helper()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err == nil {
			undo := func() { exec.Command("chattr", "-i", path).Run() }
			t.Cleanup(undo)
			return undo
		} else {
			t.Skipf("root cannot make %s read-only here (chattr: %v %s)", path, err, out)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	return func() { os.Chmod(path, 0o600) }
}

// recordAudit appends one record: the cheapest audited write.
func recordAudit(db *DB, detail string) error {
	return NewAuditService(db).RecordAudit(cliContext(), &shequ.AuditRecord{Action: "test.write", Result: shequ.AuditAllowed, Detail: detail})
}

// A SQLite file that is read-only for a while: writes answer "read-only"
// (503) and Ready says so; once the file is writable again writes succeed
// without a restart. Before, a connection opened while the file was
// read-only stayed read-only in the pool and every write failed until the
// process restarted.
func TestSQLiteReadOnlyRecovers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shequ.db")
	db := mustOpen(t, path, true)
	if err := recordAudit(db, "before"); err != nil {
		t.Fatal(err)
	}
	undo := setReadOnly(t, path)
	// New connections from now on: the pool's idle ones are closed.
	db.db.SetMaxIdleConns(0)
	db.db.SetMaxIdleConns(64)
	for range 3 {
		err := recordAudit(db, "while read-only")
		if e := shequ.AsError(err); e.Code != shequ.EUnavailable || e.Key != "db.read_only" {
			t.Fatalf("write to a read-only file: %v (%s/%s), want EUnavailable db.read_only", err, e.Code, e.Key)
		}
	}
	if err := db.Ready(ctx); shequ.ErrorCode(err) != shequ.EUnavailable {
		t.Errorf("Ready on a read-only file = %v", err)
	}
	undo()
	// Each failed write dropped its connection: the next one is fresh.
	if err := recordAudit(db, "after"); err != nil {
		t.Fatalf("write after the file is writable again: %v", err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("Ready after = %v", err)
	}
	if v, err := NewAuditService(db).VerifyAudit(asActor(shequ.RoleAuditor, "")); err != nil || v.BadSeq != 0 {
		t.Errorf("VerifyAudit = %+v, %v", v, err)
	}
}

// A SQLite database on a full disk (a small tmpfs mounted for the test,
// which needs root): writes answer "out of space" (503), Ready says so
// before the disk is quite full, and everything works again once space is
// freed.
func TestSQLiteDiskFullRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root; the mapping of a full disk is TestClassifyFaults'")
	}
	ctx := context.Background()
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	path := filepath.Join(mnt, "shequ.db")
	db, err := OpenWith(ctx, path, Options{MinFreeBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready on an empty disk: %v", err)
	}
	// Fill the disk but for a few pages.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if err := db.Ready(ctx); shequ.AsError(err).Key != "db.full" {
		t.Errorf("Ready on a full disk = %v, want db.full", err)
	}
	big := strings.Repeat("x", 32<<10)
	var werr error
	for range 200 {
		if werr = recordAudit(db, big); werr != nil {
			break
		}
	}
	if e := shequ.AsError(werr); e.Code != shequ.EUnavailable || e.Key != "db.full" {
		t.Fatalf("writes on a full disk: %v (%s/%s), want EUnavailable db.full", werr, e.Code, e.Key)
	}
	os.Remove(filler)
	if err := recordAudit(db, big); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("Ready after = %v", err)
	}
	if v, err := NewAuditService(db).VerifyAudit(asActor(shequ.RoleAuditor, "")); err != nil || v.BadSeq != 0 {
		t.Errorf("VerifyAudit = %+v, %v", v, err)
	}
}

// A PostgreSQL session that may not write (a standby, or
// default_transaction_read_only): writes and Ready answer "read-only".
func TestPostgresReadOnly(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPostgres(t, true)
	if err := recordAudit(db, "writable"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(testenv.PostgresDSN(t))
	q := u.Query()
	var database, schema string
	if err := db.db.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&database, &schema); err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	q.Set("search_path", schema)
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	ro, err := Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = recordAudit(ro, "read-only")
	if e := shequ.AsError(err); e.Code != shequ.EUnavailable || e.Key != "db.read_only" {
		t.Errorf("write in a read-only session: %v (%s/%s)", err, e.Code, e.Key)
	}
	if err := ro.Ready(ctx); shequ.AsError(err).Key != "db.read_only" {
		t.Errorf("Ready = %v, want db.read_only", err)
	}
}

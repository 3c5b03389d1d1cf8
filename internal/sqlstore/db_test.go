package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shequ"
	"shequ/internal/testenv"
)

// testNow is the fixed clock of test databases.
var testNow = time.Date(2026, 11, 29, 8, 30, 0, 123456000, time.UTC)

// MustOpenDB opens a fresh, migrated SQLite database in a temporary
// directory, closed when the test ends.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenSQLite(tb, true)
}

// mustOpenSQLite opens a fresh SQLite database, migrated when migrate is set.
// A migrated one starts as a copy of a file migrated once per test process
// (migrated); mustOpen still runs Migrate on it, which finds it up to date.
func mustOpenSQLite(tb testing.TB, migrate bool) *DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "db", "shequ.db")
	if migrate {
		migrated.SQLite(tb, path)
	}
	return mustOpen(tb, path, migrate)
}

// migrated is the database migrated once per test process and engine that
// the tests asking for a migrated database start from (testenv.DBTemplate):
// migrating a fresh SQLite file costs about 3 s of CPU under the race
// detector (each statement of the migrations makes SQLite parse the whole
// schema again), a PostgreSQL schema two to five seconds of the server's
// time, and some 250 tests of this package start on a migrated database
// (docs/TESTING.md, "Test run time"). On PostgreSQL each copy is a database
// of its own with search_path naming the template's schema, as a fresh
// test schema would be named. The migrations themselves run in
// buildMigrated, in TestMigrate… on fresh files, and wherever a test opens
// an empty database (forEachEmptyEngine).
var migrated = &testenv.DBTemplate{Name: "sqlstore", Schema: "test_migrated", Prepare: buildMigrated}

// buildMigrated migrates the new database at dsn as mustOpen would and
// closes it, which folds SQLite's write-ahead log into the file.
func buildMigrated(ctx context.Context, engine, dsn, _ string) error {
	db, err := Open(ctx, dsn)
	if err != nil {
		return err
	}
	db.Now = func() time.Time { return testNow }
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if engine == testenv.SQLite {
		// Nothing may be left beside the file: a copy of it alone is the database.
		if extra, _ := filepath.Glob(dsn + "-*"); len(extra) > 0 {
			return fmt.Errorf("the template left %v after closing", extra)
		}
	}
	return nil
}

// TestMain removes the migrated templates after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	migrated.Remove()
	os.Exit(code)
}

// mustOpenPostgres opens the test PostgreSQL server (or skips) in a schema of
// its own, created with a random name and dropped with everything in it when
// the test ends, so that tests never see each other's rows.
func mustOpenPostgres(tb testing.TB, migrate bool) *DB {
	tb.Helper()
	if migrate {
		dsn, _ := migrated.Postgres(tb)
		return mustOpen(tb, dsn, true)
	}
	base := testenv.PostgresDSN(tb)
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	// Registered first, so it runs after the DB is closed.
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	// pgx passes unknown DSN parameters to the server as run-time settings.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return mustOpen(tb, u.String(), migrate)
}

// mustOpen opens dsn with the test clock, migrated when migrate is set.
func mustOpen(tb testing.TB, dsn string, migrate bool) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	db.Now = func() time.Time { return testNow }
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			tb.Fatalf("migrate: %v", err)
		}
	}
	return db
}

// forEachEngine runs fn as subtests "sqlite" and "postgres", each on a fresh
// migrated database.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	forEach(t, true, fn)
}

// forEachEmptyEngine is forEachEngine on databases that are not migrated.
func forEachEmptyEngine(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	forEach(t, false, fn)
}

func forEach(t *testing.T, migrate bool, fn func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, mustOpenSQLite(t, migrate))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, mustOpenPostgres(t, migrate))
	})
}

// wantError fails unless err is an application error with code and key.
func wantError(t *testing.T, err error, code, key string) {
	t.Helper()
	var e *shequ.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want %s/%s", err, code, key)
	}
	if e.Code != code || e.Key != key {
		t.Fatalf("err = %s/%s (%v), want %s/%s", e.Code, e.Key, err, code, key)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b?c#d%", "shequ.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Engine(); got != "sqlite" {
		t.Errorf("Engine() = %q", got)
	}
	// The pragmas reach every pooled connection, not only the first.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		if conns[i], err = db.db.Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
		var fk int
		var mode string
		if err := conns[i].QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := conns[i].QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || mode != "wal" {
			t.Errorf("conn %d: foreign_keys=%d journal_mode=%s", i, fk, mode)
		}
	}
	if _, err := Open(ctx, ""); shequ.ErrorCode(err) != shequ.EInvalid {
		t.Errorf("Open(\"\") err = %v", err)
	}
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	db := mustOpenPostgres(t, false)
	if got := db.Engine(); got != "postgres" {
		t.Errorf("Engine() = %q", got)
	}
	if db.Stats().OpenConnections < 1 {
		t.Errorf("Stats() = %+v, want an open connection after ping", db.Stats())
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Port 1 on the loopback refuses at once.
	_, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	wantError(t, err, shequ.EUnavailable, "db.unreachable")
}

// TestGenericPlans: PostgreSQL URLs get plan_cache_mode=force_generic_plan
// unless they name it, other parameters kept; and a PostgreSQL connection
// opened through Open plans generically.
func TestGenericPlans(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u@h:5432/db", "postgres://u@h:5432/db?plan_cache_mode=force_generic_plan"},
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?plan_cache_mode=force_generic_plan&sslmode=disable"},
		{"postgresql://u@h/db?plan_cache_mode=auto", "postgresql://u@h/db?plan_cache_mode=auto"},
	} {
		if got := withGenericPlans(tc.in); got != tc.want {
			t.Errorf("withGenericPlans(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	forEachEngine(t, func(t *testing.T, db *DB) {
		if db.Engine() != enginePostgres {
			return
		}
		var mode string
		if err := db.db.QueryRow(`SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "force_generic_plan" {
			t.Errorf("plan_cache_mode = %q, %v", mode, err)
		}
	})
}

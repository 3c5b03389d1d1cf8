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
	"sync"
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
// (sqliteTemplate); mustOpen still runs Migrate on it, which finds it up to
// date.
func mustOpenSQLite(tb testing.TB, migrate bool) *DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "db", "shequ.db")
	if migrate {
		copySQLiteTemplate(tb, path)
	}
	return mustOpen(tb, path, migrate)
}

// sqliteTemplate is a SQLite file migrated once per test process. Migrating
// a fresh SQLite file costs about 3 s of CPU under the race detector (each
// statement of the migrations makes SQLite parse the whole schema again),
// and some 250 tests of this package start on a migrated SQLite database:
// they get a copy of this file instead (docs/TESTING.md, "Test run time").
// The migrations themselves run here, in TestMigrate… on fresh files, and
// wherever a test opens an empty database (forEachEmptyEngine).
var sqliteTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// copySQLiteTemplate writes a copy of the migrated template file to path.
func copySQLiteTemplate(tb testing.TB, path string) {
	tb.Helper()
	sqliteTemplate.once.Do(func() {
		sqliteTemplate.dir, sqliteTemplate.err = buildSQLiteTemplate()
	})
	if sqliteTemplate.err != nil {
		tb.Fatalf("migrated SQLite template: %v", sqliteTemplate.err)
	}
	b, err := os.ReadFile(filepath.Join(sqliteTemplate.dir, "shequ.db"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// buildSQLiteTemplate migrates a new SQLite file as mustOpen would and
// closes it, which folds its write-ahead log into the file.
func buildSQLiteTemplate() (string, error) {
	dir, err := os.MkdirTemp("", "shequ-sqlstore-template-")
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "shequ.db"))
	if err != nil {
		return dir, err
	}
	db.Now = func() time.Time { return testNow }
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return dir, err
	}
	if err := db.Close(); err != nil {
		return dir, err
	}
	// Nothing may be left beside the file: a copy of it alone is the database.
	if extra, _ := filepath.Glob(filepath.Join(dir, "shequ.db-*")); len(extra) > 0 {
		return dir, fmt.Errorf("the template left %v after closing", extra)
	}
	return dir, nil
}

// postgresTemplate is a PostgreSQL database migrated once per test process,
// in a schema of its own (templateSchema). Migrating a schema takes two to
// five seconds of the server's time; a copy of a database (CREATE DATABASE
// … TEMPLATE) a few tenths. A test that asks for a migrated PostgreSQL
// database gets a database of its own copied from it, dropped when the test
// ends, with search_path naming the schema as for a fresh one.
var postgresTemplate struct {
	once sync.Once
	base string // the DSN of the server's test database
	name string // the template database
	err  error
}

// templateSchema is the schema of the template, and so of each copy.
const templateSchema = "test_migrated"

// copyPostgresTemplate creates a copy of the migrated template database on
// the server of base, dropped when the test ends, and returns its DSN.
func copyPostgresTemplate(tb testing.TB, base string) string {
	tb.Helper()
	postgresTemplate.once.Do(func() {
		postgresTemplate.base = base
		postgresTemplate.name, postgresTemplate.err = buildPostgresTemplate(base)
	})
	if postgresTemplate.err != nil {
		tb.Fatalf("migrated PostgreSQL template: %v", postgresTemplate.err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + postgresTemplate.name); err != nil {
		admin.Close()
		tb.Fatalf("copy the migrated database: %v", err)
	}
	// Registered first, so it runs after the DB is closed.
	tb.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("drop database: %v", err)
		}
		admin.Close()
	})
	return postgresDSN(tb, base, name, templateSchema)
}

// buildPostgresTemplate creates a database with an empty schema, migrates it
// as mustOpen would, and closes every connection to it (a template being
// copied may have none).
func buildPostgresTemplate(base string) (string, error) {
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "test_template_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	dsn, err := withDatabase(base, name, templateSchema)
	if err != nil {
		return name, err
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		return name, err
	}
	defer db.Close()
	if _, err := db.db.ExecContext(ctx, `CREATE SCHEMA `+templateSchema); err != nil {
		return name, err
	}
	db.Now = func() time.Time { return testNow }
	if _, err := db.Migrate(ctx); err != nil {
		return name, err
	}
	return name, db.Close()
}

// postgresDSN is base naming database and, through search_path, schema.
func postgresDSN(tb testing.TB, base, database, schema string) string {
	tb.Helper()
	dsn, err := withDatabase(base, database, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

func withDatabase(base, database, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + database
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// TestMain removes the migrated templates after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if sqliteTemplate.dir != "" {
		os.RemoveAll(sqliteTemplate.dir)
	}
	if postgresTemplate.name != "" {
		if admin, err := sql.Open("pgx", postgresTemplate.base); err == nil {
			admin.Exec(`DROP DATABASE IF EXISTS ` + postgresTemplate.name + ` WITH (FORCE)`)
			admin.Close()
		}
	}
	os.Exit(code)
}

// mustOpenPostgres opens the test PostgreSQL server (or skips) in a schema of
// its own, created with a random name and dropped with everything in it when
// the test ends, so that tests never see each other's rows.
func mustOpenPostgres(tb testing.TB, migrate bool) *DB {
	tb.Helper()
	base := testenv.PostgresDSN(tb)
	if migrate {
		return mustOpen(tb, copyPostgresTemplate(tb, base), true)
	}
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

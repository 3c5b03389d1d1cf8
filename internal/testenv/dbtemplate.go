package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create and drop databases
)

// DBTemplate is a database prepared once per test process and engine — a
// migrated schema, the demo county — that each test gets a copy of: on
// SQLite a copy of the file, on PostgreSQL a database of its own made by
// CREATE DATABASE … TEMPLATE and dropped when the test ends. Preparing a
// database takes seconds (migrating a SQLite file costs about 3 s of CPU
// under the race detector, loading the demo half a minute); a copy takes a
// few hundredths of a second on SQLite and a few tenths on PostgreSQL
// (docs/TESTING.md, "Test run time"). A test process that uses templates
// removes them in its TestMain (Remove).
//
// This package cannot import the store (the store's own tests import this
// package): Prepare, given by the test package, fills the database.
type DBTemplate struct {
	// Name names the template's folder and databases: lower-case letters,
	// digits and underscores.
	Name string
	// Schema, when set, is created in the PostgreSQL template before
	// Prepare runs, and every copy's DSN names it in search_path, as a
	// test's own schema would be named. Empty: the database's public schema.
	Schema string
	// Prepare fills the new database: dsn is a SQLite file (under dir) or
	// a PostgreSQL DSN; dir is a folder of the template's own for what goes
	// with the database (the keys of a data folder), handed to each copy.
	// It must close every connection it opened: PostgreSQL copies only a
	// database nobody is connected to, and closing SQLite folds its
	// write-ahead log into the file.
	Prepare func(ctx context.Context, engine, dsn, dir string) error

	mu      sync.Mutex
	engines map[string]*builtTemplate
}

// builtTemplate is a template on one engine.
type builtTemplate struct {
	once sync.Once
	err  error
	dir  string // the template's folder
	file string // SQLite: the database file
	base string // PostgreSQL: the DSN of the server's test database
	name string // PostgreSQL: the template database
}

// The engines a template is built on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// built returns the template on engine, prepared on first use.
func (tpl *DBTemplate) built(tb testing.TB, engine, base string) *builtTemplate {
	tb.Helper()
	tpl.mu.Lock()
	if tpl.engines == nil {
		tpl.engines = map[string]*builtTemplate{}
	}
	b := tpl.engines[engine]
	if b == nil {
		b = &builtTemplate{base: base}
		tpl.engines[engine] = b
	}
	tpl.mu.Unlock()
	b.once.Do(func() { b.err = tpl.build(b, engine) })
	if b.err != nil {
		tb.Fatalf("%s template (%s): %v", tpl.Name, engine, b.err)
	}
	return b
}

// build prepares the template b on engine.
func (tpl *DBTemplate) build(b *builtTemplate, engine string) error {
	dir, err := os.MkdirTemp("", "shequ-"+tpl.Name+"-template-")
	if err != nil {
		return err
	}
	b.dir = dir
	ctx := context.Background()
	if engine == SQLite {
		b.file = filepath.Join(dir, "template.db")
		return tpl.Prepare(ctx, engine, b.file, dir)
	}
	admin, err := sql.Open("pgx", b.base)
	if err != nil {
		return err
	}
	defer admin.Close()
	name := "t_" + tpl.Name + "_tpl_" + randomHex()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return fmt.Errorf("create the template database: %w", err)
	}
	b.name = name
	dsn, err := PostgresDatabaseDSN(b.base, name, tpl.Schema)
	if err != nil {
		return err
	}
	if tpl.Schema != "" {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, `CREATE SCHEMA `+tpl.Schema)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("create the template's schema: %w", err)
		}
	}
	return tpl.Prepare(ctx, engine, dsn, dir)
}

// SQLite writes a copy of the template's SQLite database to path (with
// any write-ahead log left beside it) and returns the template's folder,
// which the test may read but not change.
func (tpl *DBTemplate) SQLite(tb testing.TB, path string) (dir string) {
	tb.Helper()
	b := tpl.built(tb, SQLite, "")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	files, _ := filepath.Glob(b.file + "*") // the file, and any -wal or -shm
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path+strings.TrimPrefix(f, b.file), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return b.dir
}

// Postgres creates a copy of the template's PostgreSQL database on the test
// server (PostgresDSN: skipped, or failed in strict mode, without one),
// dropped when the test ends, and returns its DSN and the template's
// folder, which the test may read but not change.
func (tpl *DBTemplate) Postgres(tb testing.TB) (dsn, dir string) {
	tb.Helper()
	base := PostgresDSN(tb)
	b := tpl.built(tb, Postgres, base)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	name := "t_" + tpl.Name + "_" + randomHex()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + b.name); err != nil {
		admin.Close()
		tb.Fatalf("copy the %s template: %v", tpl.Name, err)
	}
	// Registered before the test opens the copy: cleanups run last first,
	// so this one runs after the test has closed its connections; WITH
	// (FORCE) ends any it left open.
	tb.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("drop the copy of the %s template: %v", tpl.Name, err)
		}
		admin.Close()
	})
	dsn, err = PostgresDatabaseDSN(base, name, tpl.Schema)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn, b.dir
}

// Remove deletes the template's folders and databases; TestMain calls it
// after the tests.
func (tpl *DBTemplate) Remove() {
	tpl.mu.Lock()
	defer tpl.mu.Unlock()
	for _, b := range tpl.engines {
		if b.dir != "" {
			os.RemoveAll(b.dir)
		}
		if b.name != "" {
			if admin, err := sql.Open("pgx", b.base); err == nil {
				admin.Exec(`DROP DATABASE IF EXISTS ` + b.name + ` WITH (FORCE)`)
				admin.Close()
			}
		}
	}
}

// PostgresDatabaseDSN returns the PostgreSQL DSN base naming database
// instead, and schema in search_path when schema is set.
func PostgresDatabaseDSN(base, database, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + database
	if schema != "" {
		q := u.Query()
		// pgx passes unknown DSN parameters to the server as run-time settings.
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// randomHex is 12 random hexadecimal digits, for names of databases.
func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"shequ/internal/config"
	"shequ/internal/demo"
	"shequ/internal/sqlstore"
	"shequ/internal/testenv"
)

// The demo takes half a minute to load on each engine under the race
// detector, and some twenty tests start a server on it. The tests that only
// need the demo as `serve -demo` leaves it get a copy instead: the demo is
// loaded once per engine and test process into a template (a SQLite file, a
// PostgreSQL database) with its data folder (the keys that seal its personal
// data and key its audit chain), and each test gets a copy of both, so that
// what one test writes no other test sees. `serve -demo` on a database that
// holds divisions loads nothing (demo.Load), so startDemo on a copy starts
// on the same data as on a fresh load.

// demoTemplate is one engine's loaded demo.
type demoTemplate struct {
	once sync.Once
	err  error
	dir  string // its data folder, and the SQLite file under it
	db   string // the SQLite file, or the PostgreSQL database's name
	dsn  string // PostgreSQL: the DSN of the template database
}

var demoTemplates = map[string]*demoTemplate{"sqlite": {}, "postgres": {}}

// TestMain removes the demo templates after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, tpl := range demoTemplates {
		tpl.remove()
	}
	os.Exit(code)
}

// demoEngines is engines with the demo loaded: f gets a DSN holding a copy of
// the demo, and the test's data folder (dataDir) holds the demo's keys.
func demoEngines(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, demoCopy(t, "sqlite")) })
	t.Run("postgres", func(t *testing.T) { f(t, demoCopy(t, "postgres")) })
}

// demoCopy returns the DSN of a new copy of the demo on engine ("sqlite" or
// "postgres"), dropped at the test's end, and copies the demo's keys into
// the test's data folder.
func demoCopy(t *testing.T, engine string) string {
	t.Helper()
	tpl := demoTemplates[engine]
	base := ""
	if engine == "postgres" {
		base = testenv.PostgresDSN(t)
	}
	tpl.once.Do(func() { tpl.err = tpl.build(engine, base) })
	if tpl.err != nil {
		t.Fatalf("demo template (%s): %v", engine, tpl.err)
	}
	copyTree(t, filepath.Join(tpl.dir, "data"), dataDir(t))
	if engine == "sqlite" {
		dsn := filepath.Join(t.TempDir(), "data", "shequ.db")
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(tpl.db + "*") // the file and any -wal or -shm left
		for _, f := range files {
			copyFile(t, f, filepath.Dir(dsn)+"/"+strings.Replace(filepath.Base(f), filepath.Base(tpl.db), "shequ.db", 1))
		}
		return dsn
	}
	name := "t_demo_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tpl.db); err != nil {
		t.Fatalf("copy the demo database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(base, name) })
	return withDatabase(base, name)
}

// build loads the demo into a new template as startDemo would.
func (tpl *demoTemplate) build(engine, base string) error {
	dir, err := os.MkdirTemp("", "shequ-demo-template-")
	if err != nil {
		return err
	}
	tpl.dir = dir
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	dsn := filepath.Join(dir, "shequ.db")
	tpl.db = dsn
	if engine == "postgres" {
		tpl.db = "t_demo_tpl_" + randomHex(6)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE " + tpl.db); err != nil {
			return fmt.Errorf("create the template database: %w", err)
		}
		tpl.dsn = withDatabase(base, tpl.db)
		dsn = tpl.dsn
	}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", dsn, data, true
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		DemoPrefix: demo.County}
	if err := m.Run(context.Background()); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	// Closed, so that PostgreSQL copies it (a template has no connections)
	// and SQLite's write-ahead log is folded into the file.
	if err := m.Close(); err != nil {
		return err
	}
	// Without the engines' snapshot that Close stored, so that a server on
	// a copy loads its engines in full, as one that loaded the demo does
	// (serve_snapshot.go; starting from a snapshot has tests of its own).
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.DropEngineSnapshots(context.Background())
}

// remove deletes the template's folder and database.
func (tpl *demoTemplate) remove() {
	if tpl.dir != "" {
		os.RemoveAll(tpl.dir)
	}
	if tpl.dsn != "" {
		dropDatabase(os.Getenv("SHEQU_TEST_POSTGRES"), tpl.db)
	}
}

// withDatabase returns the PostgreSQL DSN base naming database name instead.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

// dropDatabase drops database name on the server of base, ending its
// sessions.
func dropDatabase(base, name string) {
	if db, err := sql.Open("pgx", base); err == nil {
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// copyTree copies the files under folder from into folder to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

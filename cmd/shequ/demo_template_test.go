package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// demoDB is the loaded demo, once per engine and test process
// (testenv.DBTemplate): the demo's data folder is the folder "data" of the
// template's own folder.
var demoDB = &testenv.DBTemplate{Name: "demo", Prepare: buildDemo}

// TestMain removes the templates after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	demoDB.Remove()
	migratedDB.Remove()
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
	var dsn, dir string
	if engine == testenv.Postgres {
		dsn, dir = demoDB.Postgres(t)
	} else {
		dsn = filepath.Join(t.TempDir(), "data", "shequ.db")
		dir = demoDB.SQLite(t, dsn)
	}
	copyTree(t, filepath.Join(dir, "data"), dataDir(t))
	return dsn
}

// buildDemo loads the demo into the new database at dsn as startDemo would,
// its data folder under dir.
func buildDemo(ctx context.Context, engine, dsn, dir string) error {
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", dsn, data, true
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		DemoPrefix: demo.County}
	if err := m.Run(ctx); err != nil {
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
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.DropEngineSnapshots(ctx); err != nil {
		return err
	}
	// Nor the job that took the full load's snapshot: the job a server on
	// a copy enqueues after its full load is unique per minute, and one
	// done in the same minute would stand for it (serve.go), so that no
	// snapshot would follow that server's full load.
	driver := "sqlite"
	if engine == testenv.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `DELETE FROM river_job WHERE kind = '`+engineSnapshotArgs{}.Kind()+`'`)
	return err
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

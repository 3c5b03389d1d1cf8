package sqlstore

import (
	"database/sql"
	"strings"

	"modernc.org/sqlite"
)

// reconcileCache is the page cache of the reconcile's SQLite connection:
// SQLite's default, 2 MiB, instead of the application's 64 MiB.
const reconcileCache = "cache_size(-2048)"

// ReconcileSources returns the sources a server's reconcile reads through
// (cmd/shequ serve_reconcile.go: every community read again once, in
// batches, after a start from the engines' snapshot), and close, which
// releases them. On SQLite they read through one connection of their own
// with a small page cache: through the application's pool, each of whose
// connections keeps up to 64 MiB of pages, the reconcile's pass over the
// whole division table raised the national server's resident memory past
// the 400 MB budget (406 MB against 359–363 MB without it,
// docs/BENCHMARKS.md). On PostgreSQL the cache is the server's: they read
// through the database's pool.
func (db *DB) ReconcileSources() (*IndicatorSource, *CoverageSource, func() error) {
	if db.dialect != sqliteDialect {
		return NewIndicatorSource(db), NewCoverageSource(db), func() error { return nil }
	}
	p := sql.OpenDB(&sqliteConnector{dsn: strings.Replace(db.source, "cache_size(-65536)", reconcileCache, 1), drv: &sqlite.Driver{}})
	p.SetMaxOpenConns(1)
	p.SetMaxIdleConns(1)
	view := &DB{Now: db.Now, db: p, dialect: db.dialect, source: db.source, path: db.path, minFree: db.minFree}
	return NewIndicatorSource(view), NewCoverageSource(view), p.Close
}

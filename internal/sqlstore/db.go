// Package sqlstore implements the shequ service interfaces on database/sql,
// for SQLite (modernc.org/sqlite, the embedded default) and PostgreSQL 15
// (pgx, production). Queries are written once in the SQL both engines share;
// the real differences live in dialect.go, driver errors are translated in
// errors.go, and the schema is migrated by goose from embedded files kept in
// step per engine (migrate.go).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// Register the database/sql drivers "pgx" and "sqlite".
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"modernc.org/sqlite"

	"shequ"
)

// DB is a handle on the database, shared by the services of this package.
type DB struct {
	// Now is the clock. It defaults to time.Now; tests inject a fixed one.
	// Times are stored in UTC whatever its location.
	Now func() time.Time

	db      *sql.DB
	dialect *dialect
	// batch groups concurrent writers into one transaction (tx_batch.go).
	batch txBatcher
	// authGen counts the committed changes to accounts and tokens; what
	// was read before one is stale (token_cache.go).
	authGen atomic.Uint64
	// notesGen counts the changes to notifications: the cached unread
	// counts read before one are stale (LinkageService.CountUnread).
	notesGen atomic.Uint64
	// replica serves the reads marked stale-tolerant (replica.go); nil
	// sends them to the primary.
	replica *replica
	// feed publishes the changes of accounts and tokens to the other
	// servers on the database (changefeed.go); nil publishes nothing.
	feed *ChangeFeed

	// source is the driver's data source name, for the job queue's own
	// SQLite pool (jobs.go).
	source string
	// deliveryChannels are the external notification channels with a
	// sender (SetDeliveryChannels); set before serving, read-only after.
	deliveryChannels []string
	// inserter is the insert-only job client (jobs.go), made on first use.
	inserterOnce sync.Once
	inserter     *river.Client[*sql.Tx]
	inserterErr  error

	// path is the SQLite file ("" on PostgreSQL) and minFree the free
	// space its file system must keep for Ready (readiness.go).
	path    string
	minFree int64
	// auditKey and auditKeyID key the audit chain (audit_key.go).
	auditKey   []byte
	auditKeyID string
}

// sqlitePragmas are set through the DSN so that every pooled connection gets
// them, not only the first (PRAGMA is per connection):
//   - foreign_keys: SQLite does not enforce REFERENCES without it;
//   - busy_timeout: a writer waits up to 10 s for the write lock instead of
//     failing at once with SQLITE_BUSY;
//   - journal_mode(WAL): readers never block the writer nor the other way;
//   - synchronous: NORMAL by default (Options.SQLiteSync), see below;
//   - _txlock=immediate: BEGIN IMMEDIATE takes the write lock at the start,
//     so a read-then-write transaction cannot fail halfway with SQLITE_BUSY
//     when it upgrades its lock;
//   - cache_size(-65536): up to 64 MiB of page cache per connection instead
//     of SQLite's 2 MiB, taken only as pages are used. With tables of
//     millions of rows (requests) the default cache spills dirty pages in
//     the middle of a write transaction and re-reads index pages on every
//     insert (measured with `shequ bench requests`).
//   - temp_store(MEMORY): statement journals in memory. A multi-row
//     INSERT inside a transaction keeps the pages it changes in a statement
//     journal (to undo itself alone on a constraint error), which spilled to
//     a temporary file past 64 KiB: a third of the group commit's writes
//     (tx_batch.go). Temporary tables and sorts live in memory too.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)&_pragma=cache_size(-65536)" +
	"&_pragma=temp_store(MEMORY)&_txlock=immediate"

// SQLite's synchronous settings (Options.SQLiteSync). In WAL mode:
//   - NORMAL (the default) syncs the WAL at checkpoints only. A commit is
//     durable against a crash of the process (kill -9) but the last
//     transactions before a power cut or an operating-system crash can be
//     lost (never corrupted: the database comes back as of an earlier
//     commit). The request budgets of docs/BENCHMARKS.md are measured so.
//   - FULL syncs the WAL at every commit: nothing acknowledged is lost to a
//     power cut either, at the price of an fsync per commit (per group of
//     commits, tx_batch.go).
const (
	SQLiteSyncNormal = "normal"
	SQLiteSyncFull   = "full"
)

// Options tune Open.
type Options struct {
	// SQLiteSync is SQLiteSyncNormal (the default when empty) or
	// SQLiteSyncFull. PostgreSQL ignores it: its durability is the
	// server's synchronous_commit.
	SQLiteSync string
	// MinFreeBytes is the free space below which a SQLite database is not
	// ready (Ready): writes would soon fail with a full disk. 0 means
	// DefaultMinFreeBytes; PostgreSQL ignores it.
	MinFreeBytes int64
}

// Open opens a database from a DSN with the default Options. "postgres://…"
// and "postgresql://…" mean PostgreSQL through pgx; anything else is the
// path of a SQLite file, whose parent directory is created if needed (mode
// 0700) as is the file (mode 0600: it holds personal data, sealed or not,
// and SQLite gives its WAL and shared-memory files the file's mode). Open
// pings the database but does not migrate it: see Migrate and Ready.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts Options) (*DB, error) {
	d, source, err := resolveDSN(dsn, opts)
	if err != nil {
		return nil, err
	}
	var sqldb *sql.DB
	if d == sqliteDialect {
		// Through the statement cache (stmtcache.go).
		sqldb = sql.OpenDB(&sqliteConnector{dsn: source, drv: &sqlite.Driver{}})
	} else {
		// Through the process's connection slots (pg_slots.go).
		c, err := newSlotConnector(source)
		if err != nil {
			return nil, &shequ.Error{Code: shequ.EInvalid, Key: "db.dsn.invalid",
				Message: "The database URL is not valid.", Err: fmt.Errorf("open %s database: %w", d.name, err)}
		}
		sqldb = sql.OpenDB(c)
	}
	if d == sqliteDialect {
		// Enough idle connections for a busy server's concurrent readers:
		// a connection closed for lack of an idle slot takes its pragmas
		// and its statement cache with it, and its successor pays them
		// again (with 4, 16 HTTP clients spent a sixth of the time
		// re-opening connections; with 16, 32 clients still a tenth).
		sqldb.SetMaxIdleConns(64)
	} else {
		// A bounded pool: beyond it callers wait for a connection instead
		// of opening more than the server accepts (PostgreSQL's default
		// max_connections is 100, shared by every client; a burst of
		// concurrent requests on a cold cache otherwise failed with "too
		// many clients"). The slots of pg_slots.go bound all the pools of
		// the process together.
		sqldb.SetMaxOpenConns(maxPostgresConns)
		sqldb.SetMaxIdleConns(8)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{Now: time.Now, db: sqldb, dialect: d, source: source, minFree: opts.MinFreeBytes}
	if d == sqliteDialect {
		db.path = dsn
	}
	if db.minFree <= 0 {
		db.minFree = DefaultMinFreeBytes
	}
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, &shequ.Error{Code: shequ.EUnavailable, Key: "db.unreachable",
			Message: "The database cannot be reached.", Err: fmt.Errorf("ping %s database: %w", d.name, err)}
	}
	return db, nil
}

// openSQLitePool opens another pool on the same SQLite file, with the same
// pragmas, of at most n connections.
func (db *DB) openSQLitePool(n int) (*sql.DB, error) {
	p := sql.OpenDB(&sqliteConnector{dsn: db.source, drv: &sqlite.Driver{}})
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	return p, nil
}

// resolveDSN picks the dialect for dsn and returns the driver's data source
// name. For SQLite it creates the parent directory of the file and the
// file, both readable by their owner only.
func resolveDSN(dsn string, opts Options) (*dialect, string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgresDialect, withGenericPlans(dsn), nil
	}
	if dsn == "" {
		return nil, "", shequ.Errorf(shequ.EInvalid, "db.dsn.empty", "The database location is empty.")
	}
	sync := "NORMAL"
	switch opts.SQLiteSync {
	case "", SQLiteSyncNormal:
	case SQLiteSyncFull:
		sync = "FULL"
	default:
		return nil, "", shequ.Errorf(shequ.EInvalid, "db.sqlite_sync", "The SQLite sync mode must be full or normal.")
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create database directory: %w", err)
		}
	}
	// SQLite would create the file with mode 0644 (less the umask); create
	// it first so that it, and the WAL and shared-memory files SQLite
	// gives the same mode, are the owner's alone.
	if f, err := os.OpenFile(dsn, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, "", fmt.Errorf("create database file: %w", err)
	}
	return sqliteDialect, "file:" + sqliteURIPath(dsn) + "?" + sqlitePragmas + "&_pragma=synchronous(" + sync + ")", nil
}

// withGenericPlans adds plan_cache_mode=force_generic_plan to a PostgreSQL
// URL that does not set it. pgx prepares every statement once per
// connection; PostgreSQL then plans it again for each set of values (a
// custom plan) until it trusts a generic plan, and for some statements it
// never does: the worker queue's UNION of one index range per state spent
// 1–2.5 ms of every page planning and 0.4 ms running, at 10⁷ requests. The
// statements of this package select by keys, codes, prefix ranges and
// states through indexes, which a generic plan serves as well as a custom
// one. A DSN that names plan_cache_mode keeps its own.
func withGenericPlans(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Query().Has("plan_cache_mode") {
		return dsn // pgx reports a malformed URL itself
	}
	q := u.Query()
	q.Set("plan_cache_mode", "force_generic_plan")
	u.RawQuery = q.Encode()
	return u.String()
}

// sqliteURIPath escapes the characters that would end or alter the path part
// of an SQLite "file:" URI; SQLite decodes %HH escapes in it.
func sqliteURIPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
}

// Close closes the database.
func (db *DB) Close() error {
	if db.replica != nil {
		_ = db.replica.db.Close()
	}
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Stats returns the connection pool statistics.
func (db *DB) Stats() sql.DBStats { return db.db.Stats() }

// now returns the clock's time in UTC, truncated to the microseconds that
// both engines store, so that a value read back equals the value written.
func (db *DB) now() time.Time {
	return db.Now().UTC().Truncate(time.Microsecond)
}

// rebind adapts a query written with ? placeholders to the engine.
func (db *DB) rebind(query string) string { return db.dialect.rebind(query) }

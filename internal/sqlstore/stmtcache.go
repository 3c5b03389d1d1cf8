package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A prepared-statement cache for SQLite. modernc.org/sqlite parses and
// plans every query it is given (sqlite3_prepare_v2) unless the caller holds
// a prepared statement, and this package passes query text, as database/sql
// code usually does: parsing then took about two thirds of the time of a
// request submission (measured with `shequ bench requests`). pgx keeps such
// a cache on its own for PostgreSQL.
//
// Each connection keeps the statements of the single-statement queries it
// ran, keyed by their text; the queries of this package are constants with
// placeholders, so the cache stays small (bounded by maxCachedStmts anyway).
// A statement whose rows are still being read is busy: running the same
// text meanwhile (a query inside a loop over the same query's rows) prepares
// a statement of its own. Scripts (several statements, as in migrations) are
// never cached.

// maxCachedStmts bounds one connection's cache.
const maxCachedStmts = 256

// sqliteConnector opens modernc.org/sqlite connections with a statement
// cache.
type sqliteConnector struct {
	dsn string
	drv *sqlite.Driver
}

// Connect implements driver.Connector.
func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: inner, stmts: map[string]*cachedStmt{}}, nil
}

// Driver implements driver.Connector.
func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what modernc.org/sqlite's connection implements and the
// cache forwards.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a cached statement, whether rows of it are open, and when
// it was last used (the connection's use counter).
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
	used uint64
}

// cachingConn is a connection with its statement cache. database/sql uses a
// connection from one goroutine at a time, so the cache needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
	uses  uint64
	// bad is set by an error after which the connection is no use:
	// database/sql then closes it instead of pooling it (IsValid,
	// ResetSession), and the next caller opens a fresh one. A connection
	// opened while the file was read-only stays read-only for its life
	// (SQLite falls back to opening it read-only), so without this every
	// write kept failing until a restart after the file was writable again.
	bad bool
}

// failed notes err of the connection and returns it: a read-only
// database, an I/O error, a file that cannot be opened or is not a
// database make the connection bad.
func (c *cachingConn) failed(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			c.bad = true
		}
	}
	return err
}

func (c *cachingConn) inner() sqliteConn { return c.Conn.(sqliteConn) }

// cacheable reports whether query is one statement (no ';' inside).
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";")
}

// stmt returns the cached statement of query, preparing it when needed;
// nil when the query is not cached (a script, or busy). A full cache drops
// its least recently used statement: a connection that once ran hundreds
// of other statements (the migrations at start, queries built for one
// filter) must still cache the ones it runs now — without eviction the
// worker queue's query was parsed again on every page.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	c.uses++
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		cs.used = c.uses
		return cs, nil
	}
	if !cacheable(query) {
		return nil, nil
	}
	if len(c.stmts) >= maxCachedStmts && !c.evict() {
		return nil, nil
	}
	ds, err := c.inner().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		ds.Close()
		return nil, nil
	}
	cs := &cachedStmt{stmt: s, used: c.uses}
	c.stmts[query] = cs
	return cs, nil
}

// evict closes and drops the least recently used statement that is not
// busy, and reports whether there was one.
func (c *cachingConn) evict() bool {
	var oldest string
	var at uint64
	found := false
	for q, cs := range c.stmts {
		if !cs.busy && (!found || cs.used < at) {
			oldest, at, found = q, cs.used, true
		}
	}
	if found {
		c.stmts[oldest].stmt.Close()
		delete(c.stmts, oldest)
	}
	return found
}

// ExecContext implements driver.ExecerContext through the cache.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, c.failed(err)
	}
	var res driver.Result
	if cs == nil {
		res, err = c.inner().ExecContext(ctx, query, args)
	} else {
		res, err = cs.stmt.ExecContext(ctx, args)
	}
	return res, c.failed(err)
}

// QueryContext implements driver.QueryerContext through the cache; the
// statement is busy until the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, c.failed(err)
	}
	if cs == nil {
		rows, err := c.inner().QueryContext(ctx, query, args)
		return rows, c.failed(err)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, c.failed(err)
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	for q, cs := range c.stmts {
		cs.stmt.Close()
		delete(c.stmts, q)
	}
	return c.Conn.Close()
}

// The rest is forwarded as it is.

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.inner().BeginTx(ctx, opts)
	if err != nil {
		return nil, c.failed(err)
	}
	return &watchedTx{Tx: tx, c: c}, nil
}

// watchedTx notes the errors of a commit on its connection.
type watchedTx struct {
	driver.Tx
	c *cachingConn
}

func (t *watchedTx) Commit() error { return t.c.failed(t.Tx.Commit()) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner().PrepareContext(ctx, query)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.inner().Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if c.bad {
		return driver.ErrBadConn
	}
	return c.inner().ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return !c.bad && c.inner().IsValid() }

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

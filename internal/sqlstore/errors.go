package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"shequ"
)

// PostgreSQL SQLSTATE codes this package translates.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgNotNullViolation    = "23502"
	// A write in a read-only transaction: a standby, or
	// default_transaction_read_only set by an operator.
	pgReadOnly = "25006"
	// Class 53 is "insufficient resources"; 53100 is a full disk.
	pgDiskFull = "53100"
)

// translateError turns a driver error into an application error, using the
// drivers' error codes and never their messages (which change between
// versions and locales). what is a verb phrase naming the operation, kept in
// the internal cause. Application errors pass through unchanged; errors no
// rule matches become EInternal.
func translateError(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *shequ.Error
	if errors.As(err, &ae) {
		return err
	}
	code, key, msg := classify(err)
	if code == "" {
		return shequ.Wrap(err, what)
	}
	return &shequ.Error{Code: code, Key: key, Message: msg, Err: fmt.Errorf("%s: %w", what, err)}
}

// classify returns the code, catalogue key and English message for a driver
// error, or "" when it is not one the application can explain.
//
// Faults of the database rather than of the request — unreachable, shutting
// down, read-only, out of space or out of other resources, an I/O error —
// are EUnavailable, which the web layer answers with 503 and Retry-After:
// the same request can succeed once the cause goes, and the platform
// recovers by itself (a SQLite connection that hit a read-only file or an
// I/O error is dropped from the pool, see stmtcache.go; PostgreSQL
// connections broken by a restart are dropped by pgx and database/sql).
func classify(err error) (code, key, msg string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return duplicate()
		case pgForeignKeyViolation:
			return reference()
		case pgCheckViolation, pgNotNullViolation:
			return constraint()
		case pgReadOnly:
			return readOnly()
		case pgDiskFull:
			return full()
		}
		// Class 08 is "connection exception", 53 "insufficient resources"
		// (memory, connections), 58 "system error" (I/O); 57P01–57P05 are
		// shutdowns and terminated connections.
		if len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "53" || pe.Code[:2] == "58" || pe.Code[:4] == "57P0") {
			return unavailable()
		}
		return "", "", ""
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// modernc enables extended result codes, so Code() tells the
		// constraint apart; the low byte is the primary code.
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return duplicate()
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return reference()
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return constraint()
		}
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return constraint()
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
			return unavailable()
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return readOnly()
		case sqlite3.SQLITE_FULL:
			return full()
		}
		return "", "", ""
	}
	if connectionLost(err) {
		return unavailable()
	}
	return "", "", ""
}

// connectionLost reports errors of the connection rather than of the
// statement: the server could not be reached, or went away in the middle
// (a PostgreSQL restart answers the next statement of a pooled connection
// with an unexpected EOF or a reset connection).
func connectionLost(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller went away, not the database
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	// pgx says so of errors that happened before anything was sent.
	return pgconn.SafeToRetry(err)
}

// duplicate is a unique or primary key violation: the object already exists.
func duplicate() (string, string, string) {
	return shequ.EConflict, "db.duplicate", "This record already exists."
}

// reference is a foreign key violation. Nothing in this package deletes a
// referenced row, so the only way to violate one is to write a reference to
// a row that does not exist (a division whose parent is missing): bad input.
func reference() (string, string, string) {
	return shequ.EInvalid, "db.reference", "The record refers to something that does not exist."
}

// constraint is a CHECK or NOT NULL violation: a value out of range that
// validation in package shequ should have caught.
func constraint() (string, string, string) {
	return shequ.EInvalid, "db.constraint", "A value is not allowed."
}

// unavailable means the database is busy, shutting down or unreachable.
func unavailable() (string, string, string) {
	return shequ.EUnavailable, "db.unavailable", "The database is unavailable; try again later."
}

// readOnly means the database refuses writes for now: a read-only file or
// file system, a standby, or an operator's setting.
func readOnly() (string, string, string) {
	return shequ.EUnavailable, "db.read_only", "The database accepts no changes at the moment; try again shortly."
}

// full means the database has no space left to write.
func full() (string, string, string) {
	return shequ.EUnavailable, "db.full", "The database is out of space; try again shortly."
}

package sqlstore

import (
	"errors"
	"fmt"

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
		}
		// Class 08 is "connection exception"; 57P01–57P03 are shutdowns.
		if len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:4] == "57P0") {
			return unavailable()
		}
		return "", "", ""
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return unavailable()
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
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return unavailable()
		}
	}
	return "", "", ""
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

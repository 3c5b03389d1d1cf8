package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common, so that a
// read helper can run inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// withTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise. On SQLite the DSN's _txlock=immediate makes it a
// BEGIN IMMEDIATE, so the write lock is held from the start.
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return translateError(err, "begin transaction")
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("roll back: %w", rerr))
			}
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return translateError(err, "commit")
	}
	return nil
}

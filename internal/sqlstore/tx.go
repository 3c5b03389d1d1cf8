package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"shequ"
)

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common, so that a
// read helper can run inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txPhase is how far a transaction got before it failed.
type txPhase int

const (
	phaseBegin  txPhase = iota // nothing was sent: fn never ran
	phaseWork                  // fn ran (its statements may have been sent)
	phaseCommit                // COMMIT was sent: it may have committed
)

// txRetryWaits are the waits before the retries of a transaction that lost
// its PostgreSQL connection (retrySafe), about 4 s in all: long enough for
// database/sql to reconnect to a node that is still up, and for the pool
// to find the new primary of a switchover (target_session_attrs=read-write);
// a failover that takes longer is answered 503 with Retry-After, and the
// client retries with its idempotency key.
var txRetryWaits = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

// withTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise. On SQLite the DSN's _txlock=immediate makes it a
// BEGIN IMMEDIATE, so the write lock is held from the start. The context's
// idempotency key, if any and not yet claimed, is claimed in the same
// transaction (claimKey), before fn runs.
//
// A transaction that failed because its PostgreSQL connection was lost
// (a failover, a restart) is run again, up to len(txRetryWaits) times, only
// when that is safe (retrySafe).
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		phase, err := db.txOnce(ctx, fn)
		if err == nil {
			keyClaimed(ctx)
			return nil
		}
		if attempt == len(txRetryWaits) || !db.retrySafe(ctx, err, phase) {
			return err
		}
		t := time.NewTimer(txRetryWaits[attempt])
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// txOnce is one attempt of withTx; it returns how far it got.
func (db *DB) txOnce(ctx context.Context, fn func(tx *sql.Tx) error) (phase txPhase, err error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return phaseBegin, translateError(err, "begin transaction")
	}
	defer func() {
		if err != nil && phase != phaseCommit {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) && !connectionLost(rerr) {
				err = errors.Join(err, fmt.Errorf("roll back: %w", rerr))
			}
		}
	}()
	if err := db.claimKey(ctx, tx); err != nil {
		return phaseWork, err
	}
	if err := fn(tx); err != nil {
		return phaseWork, err
	}
	if err := tx.Commit(); err != nil {
		return phaseCommit, translateError(err, "commit")
	}
	return phaseCommit, nil
}

// retrySafe reports whether a transaction that failed with err after
// phase may run again. Only a lost PostgreSQL connection (or a node that
// became read-only: the demoted primary of a switchover) is retried, and
// only when running again cannot duplicate: nothing ran yet (the failure
// was at BEGIN), or the submission carries an idempotency key, whose claim
// finds the key taken if the lost transaction did commit after all.
func (db *DB) retrySafe(ctx context.Context, err error, phase txPhase) bool {
	if db.dialect != postgresDialect || !lostPrimary(err) {
		return false
	}
	if phase == phaseBegin {
		return true
	}
	k := shequ.IdempotencyKeyFrom(ctx)
	return k != nil && !k.Taken()
}

// lostPrimary reports errors of a connection lost or of a primary gone
// (shutting down, read-only), as opposed to errors of the statement.
func lostPrimary(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgReadOnly || len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:4] == "57P0")
	}
	return connectionLost(err)
}

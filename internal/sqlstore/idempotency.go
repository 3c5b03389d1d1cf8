package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/riverqueue/river"

	"shequ"
)

// Idempotency keys of submissions (shequ.IdempotencyKey). withTx and the
// group commit claim the key of the context in the transaction that
// creates (claimKey), so a submission and its key commit together: a
// repeat, or a retry of a transaction whose commit was lost with its
// connection, finds the key taken and creates nothing.

// IdempotencyService keeps the keys and their first answers; it implements
// shequ.IdempotencyStore.
type IdempotencyService struct{ db *DB }

// NewIdempotencyService returns the service on db.
func NewIdempotencyService(db *DB) *IdempotencyService { return &IdempotencyService{db: db} }

// claimKey claims the context's unclaimed key inside tx, or returns
// shequ.ErrKeyTaken when a committed transaction holds it already (on
// PostgreSQL an uncommitted one makes it wait for its end). It does nothing
// without a key, or when an earlier transaction of the request claimed it.
func (db *DB) claimKey(ctx context.Context, tx *sql.Tx) error {
	k := shequ.IdempotencyKeyFrom(ctx)
	if k == nil || k.Taken() {
		return nil
	}
	res, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO idempotency_keys (account, idem_key, route, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (account, idem_key) DO NOTHING`),
		k.Account, k.Key, k.Route, db.dialect.timeArg(db.now()))
	if err != nil {
		return translateError(err, "claim idempotency key")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translateError(err, "claim idempotency key")
	} else if n == 0 {
		return shequ.ErrKeyTaken
	}
	return nil
}

// keyClaimed marks the context's key taken once its transaction committed.
func keyClaimed(ctx context.Context) {
	if k := shequ.IdempotencyKeyFrom(ctx); k != nil {
		k.Take()
	}
}

// FindAnswer implements shequ.IdempotencyStore. A key older than
// shequ.IdempotencyKeyTTL counts as never used, pruned or not.
func (s *IdempotencyService) FindAnswer(ctx context.Context, account, key string) (*shequ.IdempotentAnswer, error) {
	var a shequ.IdempotentAnswer
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT route, created_at, status, content_type, location, body
		FROM idempotency_keys WHERE account = ? AND idem_key = ? AND created_at > ?`),
		account, key, s.db.dialect.timeArg(s.db.now().Add(-shequ.IdempotencyKeyTTL))).
		Scan(&a.Route, scanTime(&a.Created), &a.Status, &a.ContentType, &a.Location, &a.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translateError(err, "find idempotent answer")
	}
	return &a, nil
}

// SaveAnswer implements shequ.IdempotencyStore.
func (s *IdempotencyService) SaveAnswer(ctx context.Context, k *shequ.IdempotencyKey, a shequ.IdempotentAnswer) error {
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, body = ?
		WHERE account = ? AND idem_key = ?`), a.Status, a.ContentType, a.Location, a.Body, k.Account, k.Key)
	return translateError(err, "save idempotent answer")
}

// PruneKeys deletes the keys older than shequ.IdempotencyKeyTTL and returns
// how many.
func (s *IdempotencyService) PruneKeys(ctx context.Context) (int, error) {
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM idempotency_keys WHERE created_at <= ?`),
		s.db.dialect.timeArg(s.db.now().Add(-shequ.IdempotencyKeyTTL)))
	if err != nil {
		return 0, translateError(err, "prune idempotency keys")
	}
	n, err := res.RowsAffected()
	return int(n), translateError(err, "prune idempotency keys")
}

// IdempotencyPruneArgs is the periodic job that deletes expired keys.
type IdempotencyPruneArgs struct{}

// Kind implements river.JobArgs.
func (IdempotencyPruneArgs) Kind() string { return "idempotency_prune" }

// IdempotencyPruneWorker is the worker of IdempotencyPruneArgs.
func IdempotencyPruneWorker(s *IdempotencyService) river.Worker[IdempotencyPruneArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[IdempotencyPruneArgs]) error {
		_, err := s.PruneKeys(ctx)
		return err
	})
}

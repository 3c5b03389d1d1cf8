package sqlstore

import (
	"context"
	"database/sql"
)

// nextNumber advances the counter of scope (e.g. "project:330523:2026")
// inside tx and returns its new value, 1 for a new scope. The upsert is the
// whole mechanism on both engines: SQLite's single writer already holds
// the lock, and PostgreSQL's row lock on the counter makes a concurrent
// creation in the same scope wait for this transaction, so numbers are
// never repeated and a rolled-back creation gives its number back.
func nextNumber(ctx context.Context, db *DB, tx *sql.Tx, scope string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, db.rebind(`INSERT INTO number_counters (scope, n) VALUES (?, 1)
		ON CONFLICT (scope) DO UPDATE SET n = number_counters.n + 1 RETURNING n`), scope).Scan(&n)
	if err != nil {
		return 0, translateError(err, "advance counter "+scope)
	}
	return n, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// writeImport writes the prepared rows of an import all or nothing: each
// row inserted through insert (a refusal names its row, rowError), then
// one audit record per row, in one transaction; once committed, onChange
// (if set) hears the rows' communities and those an insert touched
// (change.touched: the other communities a row serves). where gives a
// row's ID and community.
func writeImport[T any](ctx context.Context, db *DB, now time.Time, rows []T, insert func(*change, T) error,
	where func(T) (id, community string), action, objectType string, onChange func(communities ...string)) error {
	var communities []string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: db, ctx: ctx, tx: tx, now: now}
		communities = communities[:0] // a retried transaction starts again
		for i, r := range rows {
			if err := insert(c, r); err != nil {
				return rowError(i, err)
			}
			_, community := where(r)
			communities = append(communities, community)
		}
		if err := c.flush(); err != nil {
			return err
		}
		communities = append(communities, c.touched...)
		for _, r := range rows {
			id, community := where(r)
			if err := auditAllowed(ctx, db, tx, action, objectType, id, community, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return settleRefusal(ctx, db, err)
	}
	notifyChange(onChange, communities)
	return nil
}

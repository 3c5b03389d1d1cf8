package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	"shequ"
)

// DefaultMinFreeBytes is the free space a SQLite database's file system must
// keep for Ready: below it the next checkpoint or a growing table is about
// to fail with a full disk.
const DefaultMinFreeBytes = 16 << 20

// Ready implements shequ.Readiness: the database answers, its schema is
// exactly the one this binary knows, and a write can be made — a
// transaction updates the probe row and commits (a read-only database, file
// or standby, and a disk that refuses the write, fail here, where a ping
// succeeds) — and, for SQLite, the file system keeps MinFreeBytes free
// (a write of one row into pages that exist can still succeed on a full
// disk). Otherwise it returns an EUnavailable error keyed "db.unreachable",
// "schema.not_current", "db.read_only", "db.full" or "db.unavailable".
func (db *DB) Ready(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return &shequ.Error{Code: shequ.EUnavailable, Key: "db.unreachable",
			Message: "The database cannot be reached.", Err: fmt.Errorf("ping database: %w", err)}
	}
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return &shequ.Error{Code: shequ.EUnavailable, Key: "db.unreachable",
			Message: "The database cannot be reached.", Err: fmt.Errorf("read schema status: %w", err)}
	}
	if !st.UpToDate() && !(st.Newer() && st.Compatible() && !st.JobsBehind) {
		return shequ.Errorf(shequ.EUnavailable, "schema.not_current",
			"The database schema is at version %d but this program needs version %d.", st.Current, st.Latest).
			With(map[string]any{"Current": st.Current, "Latest": st.Latest})
	}
	if db.path != "" {
		if free, ok := freeBytes(filepath.Dir(db.path)); ok && free < uint64(db.minFree) {
			_, key, msg := full()
			return &shequ.Error{Code: shequ.EUnavailable, Key: key, Message: msg,
				Err: fmt.Errorf("%d bytes free beside %s, want %d", free, db.path, db.minFree)}
		}
	}
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.rebind(`UPDATE readiness_probe SET at = ? WHERE id = 1`), db.dialect.timeArg(db.now()))
		return translateError(err, "write the readiness probe")
	})
	if err != nil {
		if e := shequ.AsError(err); e.Code == shequ.EUnavailable {
			return err
		}
		return &shequ.Error{Code: shequ.EUnavailable, Key: "db.unavailable",
			Message: "The database is unavailable; try again later.", Err: err}
	}
	return nil
}

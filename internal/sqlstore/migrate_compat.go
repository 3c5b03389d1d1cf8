package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Rolling upgrades. A migration marked "-- compat: expand" on a line of its
// own only adds (tables, nullable or defaulted columns, indexes): a program
// of the previous schema version runs on it unchanged, so servers can be
// upgraded one at a time. Anything else — a contraction (dropping or
// renaming what the previous program uses, in a later release once no
// program uses it), and every migration from before the marks — needs the
// programs that know it. After migrating, the program records in
// schema_compat the version of the last migration not marked expand: the
// floor. A program whose latest migration is at or above the floor runs on
// a newer schema without migrating (SchemaStatus.Compatible); below it, it
// refuses to start (schema.newer).

// compatMark is the line of a migration that expands only.
const compatMark = "-- compat: expand"

// migrationExpands reports whether the embedded migration file of dir and
// name is marked expand-only.
func migrationExpands(dir, file string) (bool, error) {
	b, err := fs.ReadFile(migrationsFS, path.Join(dir, file))
	if err != nil {
		return false, fmt.Errorf("read migration: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == compatMark {
			return true, nil
		}
	}
	return false, nil
}

// compatFloor is the floor of this program's migrations up to version
// current: the last one not marked expand.
func (db *DB) compatFloor(current int64) (int64, error) {
	src, err := migrationSources(db.dialect.migrations)
	if err != nil {
		return 0, err
	}
	var floor int64
	for _, m := range src {
		if m.Version <= current && !m.Expand {
			floor = m.Version
		}
	}
	return floor, nil
}

// writeCompatFloor records the floor of the schema as migrated now.
func (db *DB) writeCompatFloor(ctx context.Context, current int64) error {
	ok, err := db.tableExists(ctx, "schema_compat")
	if err != nil || !ok {
		return err
	}
	floor, err := db.compatFloor(current)
	if err != nil {
		return err
	}
	_, err = db.db.ExecContext(ctx, db.rebind(`UPDATE schema_compat SET floor = ? WHERE id = 1`), floor)
	return translateError(err, "record the schema's compatibility")
}

// readCompatFloor returns the floor recorded in the database, 0 when none
// is (a schema from before rolling upgrades).
func (db *DB) readCompatFloor(ctx context.Context) (int64, error) {
	ok, err := db.tableExists(ctx, "schema_compat")
	if err != nil || !ok {
		return 0, err
	}
	var floor int64
	err = db.db.QueryRowContext(ctx, `SELECT floor FROM schema_compat WHERE id = 1`).Scan(&floor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return floor, translateError(err, "read the schema's compatibility")
}

// tableExists reports whether the table exists (in the current schema on
// PostgreSQL).
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, db.rebind(db.dialect.tableExists), name).Scan(&n); err != nil {
		return false, translateError(err, "look up table "+name)
	}
	return n > 0, nil
}

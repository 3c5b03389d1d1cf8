package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"

	"shequ"
)

// This file holds what `shequ backup`, `restore` and `verify-backup` ask of
// the database: a consistent copy while the server keeps writing, the row
// counts of that copy, and whether a database is empty. The archive itself
// and the PostgreSQL client programs are the command's (cmd/shequ/backup.go).

// RowCounts maps each table of the store's schema to its number of rows.
type RowCounts map[string]int64

// Tables returns the table names in order.
func (c RowCounts) Tables() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Diff lists the tables whose counts differ from want, as
// "table: got N, want M", in order.
func (c RowCounts) Diff(want RowCounts) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range append(want.Tables(), c.Tables()...) {
		if seen[n] {
			continue
		}
		seen[n] = true
		got, ok1 := c[n]
		w, ok2 := want[n]
		if got != w || ok1 != ok2 {
			out = append(out, fmt.Sprintf("%s: got %d, want %d", n, got, w))
		}
	}
	return out
}

// tableNames lists the base tables of the schema in use: on PostgreSQL the
// first schema of search_path (current_schema()), on SQLite the main file.
func (db *DB) tableNames(ctx context.Context, q querier) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if db.dialect == postgresDialect {
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, translateError(err, "list tables")
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, translateError(err, "list tables")
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "list tables")
	}
	sort.Strings(names)
	return names, nil
}

// countRows counts the rows of every table through q.
func (db *DB) countRows(ctx context.Context, q querier) (RowCounts, error) {
	names, err := db.tableNames(ctx, q)
	if err != nil {
		return nil, err
	}
	counts := RowCounts{}
	for _, n := range names {
		var c int64
		// The names come from the catalogue, quoted all the same.
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, translateError(err, "count "+n)
		}
		counts[n] = c
	}
	return counts, nil
}

// CountRows counts the rows of every table of the database.
func (db *DB) CountRows(ctx context.Context) (RowCounts, error) {
	return db.countRows(ctx, db.db)
}

// IsEmpty reports whether the database (on PostgreSQL: the schema in use)
// holds no table at all, as a restore requires.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	names, err := db.tableNames(ctx, db.db)
	return len(names) == 0, err
}

// Schema returns the PostgreSQL schema the store uses, the first of
// search_path, and whether it exists (the restore of a dump creates a
// missing one); "" on SQLite.
func (db *DB) Schema(ctx context.Context) (name string, exists bool, err error) {
	if db.dialect != postgresDialect {
		return "", false, nil
	}
	var s sql.NullString
	if err := db.db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&s); err != nil {
		return "", false, translateError(err, "current schema")
	}
	if s.Valid {
		return s.String, true, nil
	}
	// current_schema() skips the schemas of search_path that do not exist;
	// "$user" is not one that a restore creates.
	if err := db.db.QueryRowContext(ctx, `SELECT trim(both ' "' from split_part(current_setting('search_path'), ',', 1))`).Scan(&s); err != nil {
		return "", false, translateError(err, "search path")
	}
	return s.String, false, nil
}

// SnapshotSQLite writes a consistent copy of a SQLite database to dest
// (which must not exist) while other connections keep writing: VACUUM INTO
// reads the database in one read transaction, which WAL mode lets run
// beside the writer, and writes a compact copy in rollback-journal mode.
func (db *DB) SnapshotSQLite(ctx context.Context, dest string) error {
	if db.dialect != sqliteDialect {
		return fmt.Errorf("sqlstore: SnapshotSQLite on %s", db.dialect.name)
	}
	if _, err := os.Stat(dest); err == nil {
		return shequ.Errorf(shequ.EConflict, "backup.exists", "The file %s exists already.", dest).With(map[string]any{"Path": dest})
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return translateError(err, "vacuum into "+dest)
	}
	return os.Chmod(dest, 0o600)
}

// ExportSnapshot runs fn with the name of an exported PostgreSQL snapshot
// (pg_export_snapshot) and the row counts seen in it: a pg_dump given
// --snapshot=name copies exactly the rows counted, whatever commits
// meanwhile. The snapshot lives until fn returns.
func (db *DB) ExportSnapshot(ctx context.Context, fn func(snapshot string, counts RowCounts) error) error {
	if db.dialect != postgresDialect {
		return fmt.Errorf("sqlstore: ExportSnapshot on %s", db.dialect.name)
	}
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return translateError(err, "begin snapshot")
	}
	defer tx.Rollback()
	var snap string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snap); err != nil {
		return translateError(err, "export snapshot")
	}
	counts, err := db.countRows(ctx, tx)
	if err != nil {
		return err
	}
	return fn(snap, counts)
}

// IntegrityCheck runs SQLite's integrity_check and returns its findings
// (nil when the file is sound); PostgreSQL has nothing to check here.
func (db *DB) IntegrityCheck(ctx context.Context) ([]string, error) {
	if db.dialect != sqliteDialect {
		return nil, nil
	}
	rows, err := db.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, translateError(err, "integrity check")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translateError(err, "integrity check")
		}
		if s != "ok" {
			out = append(out, s)
		}
	}
	return out, translateError(rows.Err(), "integrity check")
}

// DSN returns the data source name the database was opened with (the
// PostgreSQL URL that pg_dump and pg_restore connect to).
func (db *DB) DSN() string { return db.source }

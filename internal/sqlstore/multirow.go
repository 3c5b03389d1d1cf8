package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// rowChunks are the row counts of the multi-row INSERTs of insertRows,
// largest first. A few fixed sizes keep the statement texts few, so that
// the prepared-statement cache (stmtcache.go on SQLite, pgx's own on
// PostgreSQL) holds them all; any number of rows is a sum of them.
var rowChunks = [...]int{64, 16, 4, 1}

// insertRows writes rows (each with a value per column of cols) into
// table inside tx with as few multi-row INSERT statements as rowChunks
// allow. Values go through the driver as given: times must already be
// dialect.timeArg values.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	one := "(" + placeholders(len(cols)) + ")"
	for _, n := range rowChunks {
		if len(rows) < n {
			continue
		}
		query := db.rebind(head + strings.TrimSuffix(strings.Repeat(one+", ", n), ", "))
		args := make([]any, 0, n*len(cols))
		for len(rows) >= n {
			args = args[:0]
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return translateError(err, "insert into "+table)
			}
			rows = rows[n:]
		}
	}
	return nil
}

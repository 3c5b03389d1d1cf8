package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3/database"
)

// Engine names returned by DB.Engine.
const (
	engineSQLite   = "sqlite"
	enginePostgres = "postgres"
)

// dialect holds every real difference between SQLite and PostgreSQL. All
// other SQL in this package is written once, in the subset both engines
// share, with ? placeholders. Keeping the differences in one small struct
// (instead of "if sqlite" branches scattered over the queries) makes them easy
// to review and to test.
type dialect struct {
	// name is the engine name, engineSQLite or enginePostgres.
	name string
	// driver is the database/sql driver name.
	driver string
	// goose is the goose dialect used for the version table.
	goose database.Dialect
	// migrations is the folder of the embedded migrations for this engine.
	migrations string
	// numbered reports whether placeholders are $1, $2 … (PostgreSQL) rather
	// than ? (SQLite). rebind uses it.
	numbered bool
	// position returns an SQL expression giving the 1-based character
	// position of the parameter arg in col, 0 when absent. SQLite spells it
	// instr(col, arg), PostgreSQL strpos(col, arg); both count characters,
	// not bytes, so Chinese names behave the same. "> 0" is a substring
	// match and "= 1" a prefix match, neither needing LIKE escaping.
	position func(col, arg string) string
	// timeArg converts a time to the value bound for a timestamp column:
	// SQLite has no time type and stores fixed-width RFC 3339 UTC text (so
	// that text order is time order); PostgreSQL takes time.Time for
	// timestamptz.
	timeArg func(t time.Time) any
	// tableExists is a query with one ? parameter, the table name, returning
	// one row with a count > 0 when the table exists (in the current schema
	// on PostgreSQL, so that search_path isolates test schemas).
	tableExists string
	// gooseAppliedAt is the expression reading when goose applied a
	// migration. goose stores a timestamp without zone: UTC from
	// datetime('now') on SQLite, the session's local time from now() on
	// PostgreSQL, which AT TIME ZONE turns back into an instant.
	gooseAppliedAt string
	// importDivisions writes a sorted, de-duplicated slice of divisions. The
	// engines differ most here: SQLite gets multi-row upserts through
	// prepared statements, PostgreSQL COPY into a staging table (see
	// division_import.go and division_import_postgres.go).
	importDivisions func(ctx context.Context, db *DB, p *importPlan) error
	// nextRequestSeqs advances the counter of readable request numbers by
	// n inside tx and returns the n numbers taken, in increasing order: a
	// counter row on SQLite (its single writer holds the lock anyway), a
	// sequence on PostgreSQL (nextval takes no lock held to commit, so
	// concurrent submissions do not queue on it; the numbers of one call
	// need not be consecutive there).
	nextRequestSeqs func(ctx context.Context, tx *sql.Tx, n int) ([]int64, error)
	// batchWorkers is how many group commits run at once (tx_batch.go):
	// one on SQLite, whose writers hold one lock in turn; two on
	// PostgreSQL, whose groups overlap but for the audit chain's head and
	// the count rows of the communities they share (more groups queue on
	// those rows instead of growing).
	batchWorkers int
	// rowKey is the column of service_requests that finds a row fastest
	// from an index entry: SQLite's rowid, which every index entry carries
	// and which is the table's own B-tree key (the id is a second index,
	// one more descent per row: the queue page's 50 rows read each of its
	// pages again after every commit under submissions), PostgreSQL's
	// primary key id.
	rowKey string
}

// sqliteTimeLayout is RFC 3339 in UTC with a fixed six-digit fraction:
// microseconds match PostgreSQL's precision, and the fixed width keeps
// lexical order equal to time order for ORDER BY on the TEXT column.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// sqliteDialect is the dialect of modernc.org/sqlite.
var sqliteDialect = &dialect{
	name:       engineSQLite,
	driver:     "sqlite",
	goose:      database.DialectSQLite3,
	migrations: "migrations/sqlite",
	numbered:   false,
	position: func(col, arg string) string {
		return "instr(" + col + ", " + arg + ")"
	},
	timeArg: func(t time.Time) any {
		return t.UTC().Format(sqliteTimeLayout)
	},
	tableExists:     `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`,
	gooseAppliedAt:  `tstamp`,
	importDivisions: importDivisionsSQLite,
	batchWorkers:    1,
	rowKey:          "rowid",
	nextRequestSeqs: func(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
		var last int64
		if err := tx.QueryRowContext(ctx, `UPDATE request_seq SET n = n + ? WHERE id = 1 RETURNING n`, n).Scan(&last); err != nil {
			return nil, err
		}
		seqs := make([]int64, n)
		for i := range seqs {
			seqs[i] = last - int64(n-1-i)
		}
		return seqs, nil
	},
}

// postgresDialect is the dialect of PostgreSQL through pgx.
var postgresDialect = &dialect{
	name:       enginePostgres,
	driver:     "pgx",
	goose:      database.DialectPostgres,
	migrations: "migrations/postgres",
	numbered:   true,
	position: func(col, arg string) string {
		return "strpos(" + col + ", " + arg + ")"
	},
	timeArg: func(t time.Time) any {
		return t.UTC()
	},
	// current_schema() is the first schema of search_path, which is where
	// goose creates its table when the name is unqualified.
	tableExists:     `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?`,
	gooseAppliedAt:  `tstamp AT TIME ZONE current_setting('TimeZone')`,
	importDivisions: importDivisionsPostgres,
	batchWorkers:    2, // 4 measured 1.26× slower on 16 communities (docs/BENCHMARKS.md)
	rowKey:          "id",
	nextRequestSeqs: func(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
		rows, err := tx.QueryContext(ctx, `SELECT nextval('request_seq') FROM generate_series(1, $1)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		seqs := make([]int64, 0, n)
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			seqs = append(seqs, v)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(seqs) != n {
			return nil, fmt.Errorf("request numbers: %d of %d", len(seqs), n)
		}
		slices.Sort(seqs)
		return seqs, nil
	},
}

// rebind rewrites ? placeholders into $1, $2 … for PostgreSQL and returns
// the query unchanged for SQLite. Question marks inside single-quoted string
// literals, double-quoted identifiers and -- comments are left alone. The
// queries of this package never use the PostgreSQL ? operators (jsonb).
func (d *dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// Copy the quoted text through its closing quote. A doubled
			// quote ('') is an escaped quote and simply reopens the literal
			// on the next iteration, which gives the same result.
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// placeholders returns n comma-separated ? placeholders for an IN list.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

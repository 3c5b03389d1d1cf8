package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	sqlite3 "modernc.org/sqlite/lib"

	"shequ"
)

// Default rows per batch. A batch is the unit of progress reports and, for
// non-atomic imports, of commits. SQLite's cost per commit is one WAL sync;
// PostgreSQL's per batch is a COPY round trip and one INSERT … SELECT.
const (
	defaultSQLiteBatch   = 5000
	defaultPostgresBatch = 20000
)

// divisionInsertColumns are the columns an import writes, in the order of
// divisionArgs followed by updated_at.
const divisionInsertColumns = `code, name, level, parent_code, kind, region,
	urban_rural, terrain, population, households, lat, lng, updated_at`

// divisionArgCount is the number of values divisionArgs appends.
const divisionArgCount = 12

// importPlan is an import ready for an engine: rows sorted by code (so
// parents come before children, also across batches) without duplicates.
type importPlan struct {
	rows      []*shequ.Division
	update    string // assignments of ON CONFLICT (code) DO UPDATE SET
	atomic    bool
	batchSize int // 0 for the engine's default
	progress  func(written int)
	now       time.Time
}

// batches calls fn with consecutive slices of at most size rows.
func (p *importPlan) batches(size int, fn func(batch []*shequ.Division) error) error {
	for rows := p.rows; len(rows) > 0; {
		n := min(len(rows), size)
		if err := fn(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// report calls the progress callback, if any.
func (p *importPlan) report(written int) {
	if p.progress != nil {
		p.progress(written)
	}
}

// divisionArgs appends the column values of d (all of divisionInsertColumns
// but updated_at) as plain driver values, nil for absent attributes.
func divisionArgs(args []any, d *shequ.Division) []any {
	return append(args, d.Code, d.Name, string(d.Level), nullString(d.ParentCode),
		nullString(string(d.Kind)), nullString(string(d.Region)),
		ptrString(d.UrbanRural), ptrString(d.Terrain),
		ptrValue(d.Population), ptrValue(d.Households), ptrValue(d.Lat), ptrValue(d.Lng))
}

// divisionUpdateSet returns the assignments for rows that already exist: the
// derived columns and updated_at always, the attributes only when cols says
// the import carries them, so that a file without a column leaves it alone.
// A carried but empty attribute sets NULL: the file said it is unknown.
func divisionUpdateSet(cols shequ.DivisionColumns) string {
	set := []string{"level", "parent_code", "kind", "region"}
	if cols.Name {
		set = append(set, "name")
	}
	if cols.UrbanRural {
		set = append(set, "urban_rural")
	}
	if cols.Terrain {
		set = append(set, "terrain")
	}
	if cols.Population {
		set = append(set, "population")
	}
	if cols.Households {
		set = append(set, "households")
	}
	if cols.LatLng {
		set = append(set, "lat", "lng")
	}
	set = append(set, "updated_at")
	for i, c := range set {
		// excluded is the proposed row, in both engines.
		set[i] = c + " = excluded." + c
	}
	return strings.Join(set, ", ")
}

// ImportDivisions inserts new rows with all their attributes and, for codes
// already stored, updates the derived columns and those in cols. Rows must
// be validated and derived (Division.Derive) by the caller. They are written
// in code order, parents first, from a sorted copy of the slice; when a code
// appears more than once the last row wins. With opt.Atomic everything is
// one transaction and a failure writes nothing; otherwise each batch commits
// on its own and a failure keeps the batches before it. opt.Progress is
// called after each batch with the rows written so far.
func (s *DivisionService) ImportDivisions(ctx context.Context, rows []*shequ.Division, cols shequ.DivisionColumns, opt shequ.DivisionImportOptions) error {
	sorted := make([]*shequ.Division, 0, len(rows))
	for i, d := range rows {
		if d == nil {
			return shequ.Errorf(shequ.EInvalid, "division.import.nil_row", "Row %d is empty.", i+1)
		}
		sorted = append(sorted, d)
	}
	// A stable sort keeps duplicates in input order, so compacting to the
	// last of each run keeps the last occurrence.
	slices.SortStableFunc(sorted, func(a, b *shequ.Division) int { return cmp.Compare(a.Code, b.Code) })
	uniq := sorted[:0]
	for i, d := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Code == d.Code {
			continue
		}
		uniq = append(uniq, d)
	}
	if len(uniq) == 0 {
		return nil
	}
	p := &importPlan{
		rows:      uniq,
		update:    divisionUpdateSet(cols),
		atomic:    opt.Atomic,
		batchSize: max(opt.BatchSize, 0),
		progress:  opt.Progress,
		now:       s.db.now(),
	}
	if err := s.db.dialect.importDivisions(ctx, s.db, p); err != nil {
		return translateError(err, "import divisions")
	}
	return nil
}

// sqliteRowsPerStatement is how many rows one multi-row INSERT carries.
// Each row binds 13 values and SQLite allows 32766 per statement (2520
// rows); beyond a few hundred rows per statement the gain is nil while the
// statement text and the bind work grow, so stay well below the limit.
const sqliteRowsPerStatement = min(500, sqlite3.SQLITE_MAX_VARIABLE_NUMBER/(divisionArgCount+1))

// importDivisionsSQLite writes with multi-row INSERT … ON CONFLICT upserts
// through a statement prepared once per transaction. Foreign keys are checked
// at the end of each statement, and parents sort before their children, so a
// parent in the same statement or an earlier one satisfies the reference.
func importDivisionsSQLite(ctx context.Context, db *DB, p *importPlan) error {
	size := cmp.Or(p.batchSize, defaultSQLiteBatch)
	now := db.dialect.timeArg(p.now)
	stmtFor := func(n int) string {
		row := "(" + placeholders(divisionArgCount+1) + ")"
		return `INSERT INTO divisions (` + divisionInsertColumns + `) VALUES ` +
			strings.Repeat(row+", ", n-1) + row +
			` ON CONFLICT (code) DO UPDATE SET ` + p.update
	}
	args := make([]any, 0, sqliteRowsPerStatement*(divisionArgCount+1))
	write := func(ctx context.Context, tx *sql.Tx, batch []*shequ.Division) error {
		var full *sql.Stmt
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		for len(batch) > 0 {
			n := min(len(batch), sqliteRowsPerStatement)
			args = args[:0]
			for _, d := range batch[:n] {
				args = append(divisionArgs(args, d), now)
			}
			var err error
			if n == sqliteRowsPerStatement {
				if full == nil {
					if full, err = tx.PrepareContext(ctx, stmtFor(n)); err != nil {
						return fmt.Errorf("prepare upsert: %w", err)
					}
				}
				_, err = full.ExecContext(ctx, args...)
			} else {
				// The tail of a batch: a one-off statement.
				_, err = tx.ExecContext(ctx, stmtFor(n), args...)
			}
			if err != nil {
				return fmt.Errorf("upsert divisions: %w", err)
			}
			batch = batch[n:]
		}
		return nil
	}

	written := 0
	if p.atomic {
		return db.withTx(ctx, func(tx *sql.Tx) error {
			return p.batches(size, func(batch []*shequ.Division) error {
				if err := write(ctx, tx, batch); err != nil {
					return err
				}
				written += len(batch)
				p.report(written)
				return nil
			})
		})
	}
	return p.batches(size, func(batch []*shequ.Division) error {
		if err := db.withTx(ctx, func(tx *sql.Tx) error { return write(ctx, tx, batch) }); err != nil {
			return err
		}
		written += len(batch)
		p.report(written)
		return nil
	})
}

// stagingColumns are the columns COPY fills in the staging table.
var stagingColumns = []string{"code", "name", "level", "parent_code", "kind", "region",
	"urban_rural", "terrain", "population", "households", "lat", "lng"}

// createStaging creates the per-transaction staging table. It has no
// constraints or indexes, so COPY only appends; ON COMMIT DROP removes it
// with the transaction, and a rollback undoes its creation.
const createStaging = `CREATE TEMP TABLE division_staging (
	code text, name text, level text, parent_code text, kind text, region text,
	urban_rural text, terrain text, population bigint, households bigint,
	lat double precision, lng double precision
) ON COMMIT DROP`

// importDivisionsPostgres streams each batch with COPY into a temporary
// staging table and moves it into divisions with one INSERT … SELECT … ON
// CONFLICT. COPY is PostgreSQL's fast path (no per-row statement and no
// bind-parameter limit); the INSERT then checks constraints and foreign keys
// set-wise inside the server. database/sql has no COPY, so the work runs on
// the pgx connection underneath one pooled connection, in pgx transactions.
func importDivisionsPostgres(ctx context.Context, db *DB, p *importPlan) error {
	size := cmp.Or(p.batchSize, defaultPostgresBatch)
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()

	// ORDER BY code keeps the index insertions in key order.
	insert := `INSERT INTO divisions (` + divisionInsertColumns + `)
		SELECT ` + strings.Join(stagingColumns, ", ") + `, CAST($1 AS timestamptz)
		FROM division_staging ORDER BY code
		ON CONFLICT (code) DO UPDATE SET ` + p.update
	row := make([]any, 0, divisionArgCount)
	write := func(tx pgx.Tx, batch []*shequ.Division, last bool) error {
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(batch) {
				return nil, nil
			}
			row = divisionArgs(row[:0], batch[i])
			i++
			return row, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"division_staging"}, stagingColumns, src); err != nil {
			return fmt.Errorf("copy divisions: %w", err)
		}
		if _, err := tx.Exec(ctx, insert, p.now); err != nil {
			return fmt.Errorf("upsert divisions: %w", err)
		}
		if !last {
			if _, err := tx.Exec(ctx, `TRUNCATE division_staging`); err != nil {
				return fmt.Errorf("empty staging table: %w", err)
			}
		}
		return nil
	}

	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		written := 0
		if p.atomic {
			return pgxTx(ctx, pc, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, createStaging); err != nil {
					return fmt.Errorf("create staging table: %w", err)
				}
				return p.batches(size, func(batch []*shequ.Division) error {
					if err := write(tx, batch, written+len(batch) == len(p.rows)); err != nil {
						return err
					}
					written += len(batch)
					p.report(written)
					return nil
				})
			})
		}
		return p.batches(size, func(batch []*shequ.Division) error {
			err := pgxTx(ctx, pc, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, createStaging); err != nil {
					return fmt.Errorf("create staging table: %w", err)
				}
				return write(tx, batch, true)
			})
			if err != nil {
				return err
			}
			written += len(batch)
			p.report(written)
			return nil
		})
	})
}

// pgxTx runs fn in a pgx transaction on c, committing when it returns nil.
func pgxTx(ctx context.Context, c *pgx.Conn, fn func(tx pgx.Tx) error) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		// Rollback after a failed statement is what ends the aborted
		// transaction; its own error adds nothing to err.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

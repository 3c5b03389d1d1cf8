package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"shequ"
)

// Default rows per batch. A batch is the unit of progress reports and, for
// non-atomic imports, of commits. On SQLite each commit writes the dirty
// pages to the WAL, and pages touched again by the next batch are written
// again: 20,000 rows per batch imported the full file about 25% faster than
// 5,000. On PostgreSQL a batch costs a COPY round trip and one INSERT … SELECT.
const (
	defaultSQLiteBatch   = 20000
	defaultPostgresBatch = 20000
)

// divisionInsertColumns are the columns an import writes, in the order of
// divisionArgs followed by updated_at.
const divisionInsertColumns = `code, name, level, parent_code, kind, region,
	urban_rural, terrain, population, households, lat, lng, updated_at`

// divisionArgColumns name the values divisionArgs appends, in its order.
var divisionArgColumns = []string{"code", "name", "level", "parent_code", "kind", "region",
	"urban_rural", "terrain", "population", "households", "lat", "lng"}

// divisionArgCount is the number of values divisionArgs appends.
const divisionArgCount = 12

// importPlan is an import ready for an engine: rows sorted by code (so
// parents come before children, also across batches) without duplicates.
type importPlan struct {
	rows   []*shequ.Division
	update string // assignments of ON CONFLICT (code) DO UPDATE SET
	// updateOnly is set for imports without names: they can only update
	// stored divisions (a new row needs a name), so they are written with
	// UPDATE, never INSERT, and a code that is not stored is an error.
	updateOnly bool
	set        []string // columns an UPDATE sets besides updated_at
	atomic     bool
	batchSize  int // 0 for the engine's default
	progress   func(written int)
	now        time.Time

	mu      sync.Mutex // serialises progress reports of parallel streams
	written int        // rows written so far, for progress reports
}

// batches calls fn with consecutive slices of rows of at most size rows.
func batches(rows []*shequ.Division, size int, fn func(batch []*shequ.Division) error) error {
	for len(rows) > 0 {
		n := min(len(rows), size)
		if err := fn(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// wrote counts n more rows written and reports the running total to the
// progress callback, if any. Calls are serialised, so the callback sees
// increasing totals even when batches are written in parallel.
func (p *importPlan) wrote(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.written += n
	if p.progress != nil {
		p.progress(p.written)
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

// divisionSetColumns returns the columns written to rows that already
// exist, updated_at aside: the derived columns always, the attributes only
// when cols says the import carries them, so that a file without a column
// leaves it alone. A carried but empty attribute sets NULL: the file said it
// is unknown.
//
// An update-only import (no name column) leaves out level and parent_code:
// they follow from the length and the prefix of the code, so a stored row
// has them already, and they are indexed, so assigning them costs index
// writes even when the values are equal (SQLite rewrites the entries of
// every index on an assigned column). Kind and region come from tables that
// could change, and are not indexed, so they are written.
func divisionSetColumns(cols shequ.DivisionColumns) []string {
	var set []string
	if cols.Name {
		set = append(set, "level", "parent_code")
	}
	set = append(set, "kind", "region")
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
	return set
}

// divisionUpdateSet returns the assignments of the upsert for rows that
// already exist: divisionSetColumns and updated_at.
func divisionUpdateSet(cols shequ.DivisionColumns) string {
	set := append(divisionSetColumns(cols), "updated_at")
	for i, c := range set {
		// excluded is the proposed row, in both engines.
		set[i] = c + " = excluded." + c
	}
	return strings.Join(set, ", ")
}

// errUnknownDivision is the error of an update-only import (no name column)
// that meets a code which is not stored.
func errUnknownDivision(code string) error {
	return shequ.Errorf(shequ.EInvalid, "division.import.unknown",
		"No division %s is stored; only a file with a name column can add divisions.", code).
		With(map[string]any{"Code": code})
}

// ImportDivisions inserts new rows with all their attributes and, for codes
// already stored, updates the derived columns and those in cols. Without
// cols.Name the rows can only update stored divisions, since a new one needs
// a name: they are written with UPDATE, and a code that is not stored fails
// the batch with EInvalid "division.import.unknown" (the caller,
// divimport.Resolve, rejects such rows beforehand). Rows must
// be validated and derived (Division.Derive) by the caller. They are written
// in code order, parents first, from a sorted copy of the slice; when a code
// appears more than once the last row wins.
//
// With opt.Atomic everything is one transaction and a failure writes
// nothing. Otherwise each batch commits on its own and a failure keeps the
// batches committed before it; on PostgreSQL a large import is written as
// parallel streams of whole provinces, and a failure in one stream cancels
// the others, whose batch in flight is rolled back. opt.Progress is called after each batch
// with the rows written so far; calls never overlap, though they may come
// from different goroutines.
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
		rows:       uniq,
		update:     divisionUpdateSet(cols),
		updateOnly: !cols.Name,
		set:        divisionSetColumns(cols),
		atomic:     opt.Atomic,
		batchSize:  max(opt.BatchSize, 0),
		progress:   opt.Progress,
		now:        s.db.now(),
	}
	if err := s.db.dialect.importDivisions(ctx, s.db, p); err != nil {
		return translateError(err, "import divisions")
	}
	// The engines read the tree only in full: a server starts from it
	// again, not from a snapshot of the old tree (engine_snapshot.go).
	return s.db.DropEngineSnapshots(ctx)
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
		if p.updateOnly {
			return sqliteUpdate(ctx, tx, p, now, batch)
		}
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

	if p.atomic {
		return db.withTx(ctx, func(tx *sql.Tx) error {
			return batches(p.rows, size, func(batch []*shequ.Division) error {
				if err := write(ctx, tx, batch); err != nil {
					return err
				}
				p.wrote(len(batch))
				return nil
			})
		})
	}
	return batches(p.rows, size, func(batch []*shequ.Division) error {
		if err := db.withTx(ctx, func(tx *sql.Tx) error { return write(ctx, tx, batch) }); err != nil {
			return err
		}
		p.wrote(len(batch))
		return nil
	})
}

// sqliteUpdate writes a batch of an update-only import with an UPDATE
// prepared once per batch and run per row: SQLite runs statements in
// process, so a row costs a few microseconds, and RowsAffected tells at once
// which code is not stored.
func sqliteUpdate(ctx context.Context, tx *sql.Tx, p *importPlan, now any, batch []*shequ.Division) error {
	assign := make([]string, len(p.set))
	pick := make([]int, len(p.set)) // indexes into the values of divisionArgs
	for i, c := range p.set {
		assign[i] = c + " = ?"
		pick[i] = slices.Index(divisionArgColumns, c)
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE divisions SET `+strings.Join(assign, ", ")+
		`, updated_at = ? WHERE code = ?`)
	if err != nil {
		return fmt.Errorf("prepare update: %w", err)
	}
	defer stmt.Close()
	vals := make([]any, 0, divisionArgCount)
	args := make([]any, 0, len(pick)+2)
	for _, d := range batch {
		vals = divisionArgs(vals[:0], d)
		args = args[:0]
		for _, i := range pick {
			args = append(args, vals[i])
		}
		res, err := stmt.ExecContext(ctx, append(args, now, d.Code)...)
		if err != nil {
			return fmt.Errorf("update divisions: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("update divisions: %w", err)
		}
		if n == 0 {
			return errUnknownDivision(d.Code)
		}
	}
	return nil
}

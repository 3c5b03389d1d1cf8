package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"shequ"
)

// stagingColumns are the columns COPY fills in the staging table.
var stagingColumns = divisionArgColumns

// createStaging creates the per-transaction staging table. It has no
// constraints or indexes, so COPY only appends; ON COMMIT DROP removes it
// with the transaction, and a rollback undoes its creation.
const createStaging = `CREATE TEMP TABLE division_staging (
	code text COLLATE "C", name text, level text, parent_code text COLLATE "C", kind text, region text,
	urban_rural text, terrain text, population bigint, households bigint,
	lat double precision, lng double precision
) ON COMMIT DROP`

// maxPostgresStreams bounds the connections a large non-atomic import
// writes on at once.
const maxPostgresStreams = 4

// bulkLoadRows is the size from which an atomic import on PostgreSQL drops
// the parent foreign key while it loads (see bulkLoad). Below it, checking
// row by row is cheaper than the one join of revalidating the whole table,
// and the table is not locked against readers.
var bulkLoadRows = 100_000

// importDivisionsPostgres streams each batch with COPY into a temporary
// staging table and moves it into divisions with one INSERT … SELECT … ON
// CONFLICT. COPY is PostgreSQL's fast path (no per-row statement and no
// bind-parameter limit); the INSERT then checks constraints and foreign keys
// inside the server. database/sql has no COPY, so the work runs on the pgx
// connection underneath a pooled connection, in pgx transactions.
//
// Most of the time goes to the per-row foreign key trigger, which one
// backend runs on one core. A large non-atomic import is therefore split by
// province into streams written in parallel on their own connections: a
// division's parent is always in its own province, so each stream satisfies
// its references by itself, in code order. If one stream fails the others
// stop, and what they committed before stays, as for any non-atomic import.
// A large atomic import, which has one backend, drops the key while it loads
// instead (bulkLoad). An update-only import (no names) moves the staging
// rows with UPDATE … FROM (updateStaged).
func importDivisionsPostgres(ctx context.Context, db *DB, p *importPlan) error {
	size := cmp.Or(p.batchSize, defaultPostgresBatch)
	w := newPgWriter(p)
	if p.atomic {
		return db.withPgx(ctx, func(c *pgx.Conn) error {
			return pgxTx(ctx, c, func(tx pgx.Tx) error {
				load := func() error {
					if _, err := tx.Exec(ctx, createStaging); err != nil {
						return fmt.Errorf("create staging table: %w", err)
					}
					left := len(p.rows)
					return batches(p.rows, size, func(batch []*shequ.Division) error {
						left -= len(batch)
						if err := w.write(ctx, tx, batch, left == 0); err != nil {
							return err
						}
						p.wrote(len(batch))
						return nil
					})
				}
				// An update-only import changes no parent_code, so the
				// foreign key costs it nothing.
				if !p.updateOnly && len(p.rows) >= bulkLoadRows {
					return bulkLoad(ctx, tx, load)
				}
				return load()
			})
		})
	}

	streams := splitByProvince(p.rows, size, min(maxPostgresStreams, max(2, runtime.GOMAXPROCS(0))))
	if len(streams) == 1 {
		return w.stream(ctx, db, streams[0], size)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, rows := range streams {
		wg.Go(func() {
			if err := newPgWriter(p).stream(ctx, db, rows, size); err != nil {
				// The first cause wins; the others are its cancellation.
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// selfReferences lists the foreign keys of divisions that reference
// divisions itself (the parent_code key, which migration 0001 left unnamed,
// so PostgreSQL named it), with definitions to re-create them as they were.
// 'divisions'::regclass resolves through search_path, like the statements
// that write the rows.
const selfReferences = `SELECT conname, pg_get_constraintdef(oid)
	FROM pg_catalog.pg_constraint
	WHERE conrelid = 'divisions'::regclass AND confrelid = 'divisions'::regclass AND contype = 'f'
	ORDER BY conname`

// bulkLoad runs load, in transaction tx, without the foreign key from
// parent_code to code, and re-creates the key afterwards. This is the bulk
// loading method of the PostgreSQL manual ("Populating a Database": remove
// foreign key constraints, load, re-create them). Checked row by row, the
// key costs a trigger call and an index probe per row: about 5 s of the 11 s
// an atomic import of the whole country took (665,276 rows, one backend);
// re-creating it validates all rows with one join in about 0.6 s.
//
// Everything is in the one transaction of the import, so the key cannot be
// lost: if load fails, or the re-created key finds a row whose parent is
// missing (a foreign key violation, as before), the rollback undoes the
// rows and the drop alike. A concurrent transaction never sees the table
// without its key either, because of the trade-off: dropping the key takes
// an ACCESS EXCLUSIVE lock on divisions until the commit. Every query that
// reads divisions (tree pages, searches, anything joining it) waits for the
// import, about 6 s for the whole country, and so do other writers; and the
// import first waits for transactions already using the table, with the
// queries that come after it queued behind. That is why only large atomic
// imports, rare administrative loads, take this path; smaller ones, and all
// non-atomic ones, keep the key and lock only the rows they write.
func bulkLoad(ctx context.Context, tx pgx.Tx, load func() error) error {
	rows, err := tx.Query(ctx, selfReferences)
	if err != nil {
		return fmt.Errorf("find parent key: %w", err)
	}
	type constraint struct{ name, def string }
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (constraint, error) {
		var c constraint
		err := r.Scan(&c.name, &c.def)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("find parent key: %w", err)
	}
	if len(keys) == 0 {
		return load()
	}
	drop := make([]string, len(keys))
	add := make([]string, len(keys))
	for i, k := range keys {
		name := pgx.Identifier{k.name}.Sanitize()
		drop[i] = "DROP CONSTRAINT " + name
		add[i] = "ADD CONSTRAINT " + name + " " + k.def
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE divisions `+strings.Join(drop, ", ")); err != nil {
		return fmt.Errorf("drop parent key: %w", err)
	}
	if err := load(); err != nil {
		return err
	}
	// Adding a valid foreign key checks every row with one anti-join and
	// fails with a foreign key violation, SQLSTATE 23503, like the trigger.
	if _, err := tx.Exec(ctx, `ALTER TABLE divisions `+strings.Join(add, ", ")); err != nil {
		return fmt.Errorf("re-create parent key: %w", err)
	}
	return nil
}

// splitByProvince splits code-sorted rows into at most n streams of whole
// provinces with about as many rows each, every stream still in code order.
// Imports of fewer than four batches stay in one stream: parallelism would
// not pay for its connections, and one stream keeps the plain rule that a
// failure leaves exactly the batches before it.
func splitByProvince(rows []*shequ.Division, size, n int) [][]*shequ.Division {
	if len(rows) < 4*size || n < 2 {
		return [][]*shequ.Division{rows}
	}
	var provinces [][]*shequ.Division
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].Code[:2] == rows[start].Code[:2] {
			end++
		}
		provinces = append(provinces, rows[start:end])
		start = end
	}
	// Largest provinces first, each to the lightest stream; then each
	// stream's provinces back in code order.
	slices.SortStableFunc(provinces, func(a, b []*shequ.Division) int { return cmp.Compare(len(b), len(a)) })
	groups := make([][][]*shequ.Division, min(n, len(provinces)))
	sizes := make([]int, len(groups))
	for _, prov := range provinces {
		i := slices.Index(sizes, slices.Min(sizes))
		groups[i] = append(groups[i], prov)
		sizes[i] += len(prov)
	}
	streams := make([][]*shequ.Division, len(groups))
	for i, g := range groups {
		slices.SortFunc(g, func(a, b []*shequ.Division) int { return cmp.Compare(a[0].Code, b[0].Code) })
		streams[i] = slices.Concat(g...)
	}
	return streams
}

// pgWriter writes batches of one stream. It is not safe for concurrent use.
type pgWriter struct {
	p      *importPlan
	insert string // plain INSERT, for batches of new codes only
	upsert string // INSERT … ON CONFLICT DO UPDATE
	update string // UPDATE … FROM, for update-only imports
	row    []any
	// conflicted is set once a batch met existing codes: the rest of the
	// stream is most likely a re-import and goes straight to the upsert.
	conflicted bool
}

// newPgWriter prepares the statements of plan p.
func newPgWriter(p *importPlan) *pgWriter {
	// ORDER BY code inserts parents before children and keeps index
	// insertions in key order. The staging table has no rows twice, since
	// ImportDivisions removed duplicates: ON CONFLICT may not touch a row
	// twice in one statement.
	insert := `INSERT INTO divisions (` + divisionInsertColumns + `)
		SELECT ` + strings.Join(stagingColumns, ", ") + `, CAST($1 AS timestamptz)
		FROM division_staging ORDER BY code`
	// The staging table has no statistics, so without the range on code,
	// which holds all of a batch since batches are cut from sorted rows,
	// the planner hashed all of divisions for every batch: 0.5–1 s each on
	// the whole country. With it, it reads the batch's range of the index.
	assign := make([]string, len(p.set))
	for i, c := range p.set {
		assign[i] = c + " = s." + c
	}
	update := `UPDATE divisions AS d SET ` + strings.Join(assign, ", ") + `, updated_at = CAST($1 AS timestamptz)
		FROM division_staging AS s WHERE d.code = s.code AND d.code BETWEEN $2 AND $3`
	return &pgWriter{p: p, insert: insert, upsert: insert + `
		ON CONFLICT (code) DO UPDATE SET ` + p.update, update: update, row: make([]any, 0, divisionArgCount)}
}

// stream writes rows in batches, each in a transaction of its own.
func (w *pgWriter) stream(ctx context.Context, db *DB, rows []*shequ.Division, size int) error {
	return db.withPgx(ctx, func(c *pgx.Conn) error {
		return batches(rows, size, func(batch []*shequ.Division) error {
			err := pgxTx(ctx, c, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, createStaging); err != nil {
					return fmt.Errorf("create staging table: %w", err)
				}
				return w.write(ctx, tx, batch, true)
			})
			if err != nil {
				return err
			}
			w.p.wrote(len(batch))
			return nil
		})
	})
}

// write copies batch into the staging table and upserts it into divisions.
// Unless it is the last batch of the transaction, it empties the staging
// table for the next one.
func (w *pgWriter) write(ctx context.Context, tx pgx.Tx, batch []*shequ.Division, last bool) error {
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(batch) {
			return nil, nil
		}
		w.row = divisionArgs(w.row[:0], batch[i])
		i++
		return w.row, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"division_staging"}, stagingColumns, src); err != nil {
		return fmt.Errorf("copy divisions: %w", err)
	}
	if w.p.updateOnly {
		if err := w.updateStaged(ctx, tx, batch); err != nil {
			return err
		}
	} else if err := w.move(ctx, tx); err != nil {
		return err
	}
	if !last {
		if _, err := tx.Exec(ctx, `TRUNCATE division_staging`); err != nil {
			return fmt.Errorf("empty staging table: %w", err)
		}
	}
	return nil
}

// move moves the staging rows into divisions. ON CONFLICT costs a
// speculative insertion per row, 40% of the insert itself (measured on 100k
// communities), for nothing when the codes are new, as in a first import. So
// a plain INSERT is tried first, under a savepoint; a unique violation means
// some codes exist, and the savepoint is rolled back for the upsert. The
// violation is the database's own answer, so a concurrent writer cannot slip
// a row in between a check and the insert.
func (w *pgWriter) move(ctx context.Context, tx pgx.Tx) error {
	if !w.conflicted {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return fmt.Errorf("create savepoint: %w", err)
		}
		_, err = sp.Exec(ctx, w.insert, w.p.now)
		if err == nil {
			if err := sp.Commit(ctx); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			return nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != pgUniqueViolation {
			return fmt.Errorf("insert divisions: %w", err)
		}
		if err := sp.Rollback(ctx); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", err)
		}
		w.conflicted = true
	}
	if _, err := tx.Exec(ctx, w.upsert, w.p.now); err != nil {
		return fmt.Errorf("upsert divisions: %w", err)
	}
	return nil
}

// updateStaged updates the stored divisions from the staged rows of batch,
// in an update-only import. Each staged code matches at most one row, so fewer
// rows updated than staged means some code is not stored: the first one is
// named in the error, which rolls the batch back.
func (w *pgWriter) updateStaged(ctx context.Context, tx pgx.Tx, batch []*shequ.Division) error {
	first, last := batch[0].Code, batch[len(batch)-1].Code
	tag, err := tx.Exec(ctx, w.update, w.p.now, first, last)
	if err != nil {
		return fmt.Errorf("update divisions: %w", err)
	}
	if tag.RowsAffected() == int64(len(batch)) {
		return nil
	}
	var code string
	err = tx.QueryRow(ctx, `SELECT s.code FROM division_staging AS s
		WHERE NOT EXISTS (SELECT 1 FROM divisions AS d WHERE d.code = s.code)
		ORDER BY s.code LIMIT 1`).Scan(&code)
	if err != nil {
		return fmt.Errorf("find unknown division: %w", err)
	}
	return errUnknownDivision(code)
}

// withPgx runs fn on the pgx connection under one pooled connection.
func (db *DB) withPgx(ctx context.Context, fn func(c *pgx.Conn) error) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, err := pgxConn(dc)
		if err != nil {
			return err
		}
		return fn(c)
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

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"shequ"
)

// TestBatchTxIsolatesFailures runs many writers at once through the group
// commit: some fail halfway (after writing a row); the others' rows are all
// there, the failed writers' rows are not, and each writer gets its own
// answer.
func TestBatchTxIsolatesFailures(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.db.ExecContext(ctx, `CREATE TABLE batch_probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		const writers = 200
		errBoom := errors.New("boom")
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				errs[i] = db.withBatchTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO batch_probe (id, n) VALUES (?, ?)`), fmt.Sprint(i), i); err != nil {
						return err
					}
					// Each member's audit record, in the group's chain.
					if err := auditAllowed(ctx, db, tx, "batch.probe", "probe", fmt.Sprint(i), "330523001002", ""); err != nil {
						return err
					}
					if i%7 == 3 {
						return errBoom
					}
					// A second statement in the same transaction.
					_, err := tx.ExecContext(ctx, db.rebind(`UPDATE batch_probe SET n = n + 1000 WHERE id = ?`), fmt.Sprint(i))
					return err
				})
			})
		}
		wg.Wait()
		want := 0
		for i, err := range errs {
			switch {
			case i%7 == 3 && !errors.Is(err, errBoom):
				t.Errorf("writer %d: %v, want its own error", i, err)
			case i%7 != 3 && err != nil:
				t.Errorf("writer %d: %v", i, err)
			case i%7 != 3:
				want++
			}
		}
		var n, sum int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(n), 0) FROM batch_probe`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		wantSum := 0
		for i := range writers {
			if i%7 != 3 {
				wantSum += i + 1000
			}
		}
		if n != want || sum != wantSum {
			t.Errorf("%d rows summing to %d, want %d rows summing to %d", n, sum, want, wantSum)
		}
		// One audit record per committed writer, none for the failed ones,
		// and the hash chain intact.
		var audited int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'batch.probe'`).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != want {
			t.Errorf("%d audit records, want %d", audited, want)
		}
		v, err := NewAuditService(db).VerifyAudit(asActor(shequ.RoleAuditor, ""))
		if err != nil || v.BadSeq != 0 || v.Checked < int64(want) {
			t.Errorf("audit chain: %+v, %v", v, err)
		}
	})
}

// TestBatchTxCanceledCaller: a writer whose context is canceled before it
// is queued gets the context's error and writes nothing.
func TestBatchTxCanceledCaller(t *testing.T) {
	db := mustOpenSQLite(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.withBatchTx(ctx, func(context.Context, *sql.Tx) error { ran = true; return nil })
	// Either it was refused at the door, or it ran with its cancellation
	// cut off: never half.
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if err != nil && ran {
		t.Error("refused writer ran")
	}
}

// TestStatementCache: the same query text reuses one statement, a query
// run inside a loop over its own rows gets a statement of its own, and
// scripts are not cached.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	conn := openSQLiteConn(t)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE cache_probe (n INTEGER); INSERT INTO cache_probe VALUES (1); INSERT INTO cache_probe VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT n FROM cache_probe WHERE n >= ? ORDER BY n`
	rows, err := conn.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		// The same text while its statement is busy.
		var inner int
		if err := conn.QueryRowContext(ctx, q, n).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, n*10+inner)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[11 22]" {
		t.Errorf("got %v", got)
	}
	cached := func() int {
		n := 0
		if err := conn.Raw(func(dc any) error {
			c := dc.(*cachingConn)
			n = len(c.stmts)
			if _, ok := c.stmts[q]; !ok {
				t.Error("query not cached")
			}
			for k, cs := range c.stmts {
				if cs.busy {
					t.Errorf("%q still busy", k)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := cached()
	for range 3 {
		var n int
		if err := conn.QueryRowContext(ctx, q, 2).Scan(&n); err != nil || n != 2 {
			t.Fatalf("n = %d, %v", n, err)
		}
	}
	if after := cached(); after != before {
		t.Errorf("%d cached statements after running a cached query again, want %d", after, before)
	}
	for _, tc := range []struct {
		q    string
		want bool
	}{{q, true}, {"SELECT 1;", true}, {"SELECT 1; SELECT 2", false}, {"CREATE TABLE a (x); CREATE TABLE b (y);", false}} {
		if cacheable(tc.q) != tc.want {
			t.Errorf("cacheable(%q) = %v", tc.q, !tc.want)
		}
	}
}

// TestStatementCacheEvicts: a connection that ran more distinct statements
// than the cache holds keeps caching: the least recently used statement
// goes, the one in use stays, and a busy one (rows open) is never closed.
func TestStatementCacheEvicts(t *testing.T) {
	ctx := context.Background()
	conn := openSQLiteConn(t)
	const hot = `SELECT 'hot' WHERE ? = 1`
	busy, err := conn.QueryContext(ctx, `SELECT 'busy' UNION ALL SELECT 'busy2'`)
	if err != nil {
		t.Fatal(err)
	}
	if !busy.Next() {
		t.Fatal("no busy row")
	}
	for i := range 2 * maxCachedStmts {
		var s string
		if err := conn.QueryRowContext(ctx, hot, 1).Scan(&s); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d = %d, %v", i, n, err)
		}
	}
	// The busy statement's rows still read after all the evictions.
	if !busy.Next() {
		t.Fatal("busy rows cut short")
	}
	if err := busy.Close(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		if len(c.stmts) != maxCachedStmts {
			t.Errorf("%d cached statements, want %d", len(c.stmts), maxCachedStmts)
		}
		if _, ok := c.stmts[hot]; !ok {
			t.Error("the statement used all along was evicted")
		}
		if _, ok := c.stmts[fmt.Sprintf("SELECT %d", 2*maxCachedStmts-1)]; !ok {
			t.Error("the last statement is not cached")
		}
		if _, ok := c.stmts["SELECT 0"]; ok {
			t.Error("the oldest statement was not evicted")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// openSQLiteConn is one connection of a fresh SQLite database, closed at the
// end of the test.
func openSQLiteConn(t *testing.T) *sql.Conn {
	t.Helper()
	conn, err := mustOpenSQLite(t, true).db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

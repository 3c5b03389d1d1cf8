package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"shequ"
)

// TestIdempotencyClaim submits through the group commit and through plain
// transactions with idempotency keys, many writers per key at once: each
// key creates one row, every other writer of it gets shequ.ErrKeyTaken;
// keys are scoped to their account; the answer is kept and found; expired
// keys are not found and are pruned.
func TestIdempotencyClaim(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		if _, err := db.db.ExecContext(ctx, `CREATE TABLE idem_probe (id TEXT PRIMARY KEY, k TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		const keys, perKey = 6, 8
		var wg sync.WaitGroup
		errs := make([]error, keys*perKey)
		claims := make([]*shequ.IdempotencyKey, keys*perKey)
		for i := range keys * perKey {
			k := &shequ.IdempotencyKey{Account: "acct", Key: fmt.Sprintf("probe-key-%04d", i%keys), Route: "POST /probe"}
			claims[i] = k
			kctx := shequ.WithIdempotencyKey(ctx, k)
			write := func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO idem_probe (id, k) VALUES (?, ?)`), fmt.Sprint(i), k.Key)
				return err
			}
			wg.Go(func() {
				if i%2 == 0 {
					errs[i] = db.withBatchTx(kctx, write)
				} else {
					errs[i] = db.withTx(kctx, func(tx *sql.Tx) error { return write(kctx, tx) })
				}
			})
		}
		wg.Wait()
		ok := map[string]int{}
		for i, err := range errs {
			switch {
			case err == nil:
				ok[claims[i].Key]++
				if !claims[i].Taken() {
					t.Errorf("writer %d committed but its key is not marked taken", i)
				}
			case errors.Is(err, shequ.ErrKeyTaken):
				if claims[i].Taken() {
					t.Errorf("writer %d refused but its key is marked taken", i)
				}
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}
		var rows int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM idem_probe`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != keys || len(ok) != keys {
			t.Fatalf("%d rows, keys committed %v; want one per key (%d)", rows, ok, keys)
		}
		for k, n := range ok {
			if n != 1 {
				t.Errorf("key %s committed %d times", k, n)
			}
		}

		// A later transaction of the same request does not claim again.
		// Any writer that committed will do; which of a key's writers won
		// the race differs from run to run.
		var done *shequ.IdempotencyKey
		for _, c := range claims {
			if c.Taken() {
				done = c
				break
			}
		}
		if done == nil {
			t.Fatal("no writer's key is marked taken")
		}
		if err := db.withTx(shequ.WithIdempotencyKey(ctx, done), func(*sql.Tx) error { return nil }); err != nil {
			t.Errorf("second transaction of a request: %v", err)
		}

		s := NewIdempotencyService(db)
		a, err := s.FindAnswer(ctx, "acct", "probe-key-0000")
		if err != nil || a == nil || a.Status != 0 || a.Route != "POST /probe" {
			t.Fatalf("unanswered key: %+v %v", a, err)
		}
		k0 := &shequ.IdempotencyKey{Account: "acct", Key: "probe-key-0000"}
		if err := s.SaveAnswer(ctx, k0, shequ.IdempotentAnswer{Status: 201, ContentType: "application/json",
			Location: "/x", Body: []byte(`{"id":"1"}`)}); err != nil {
			t.Fatal(err)
		}
		a, err = s.FindAnswer(ctx, "acct", "probe-key-0000")
		if err != nil || a == nil || a.Status != 201 || a.ContentType != "application/json" || a.Location != "/x" || string(a.Body) != `{"id":"1"}` {
			t.Fatalf("answered key: %+v %v", a, err)
		}
		if a, err := s.FindAnswer(ctx, "another", "probe-key-0000"); err != nil || a != nil {
			t.Errorf("another account's key: %+v %v", a, err)
		}
		// A day later the keys are gone.
		clock = clock.Add(shequ.IdempotencyKeyTTL + time.Second)
		if a, err := s.FindAnswer(ctx, "acct", "probe-key-0000"); err != nil || a != nil {
			t.Errorf("expired key: %+v %v", a, err)
		}
		if n, err := s.PruneKeys(ctx); err != nil || n != keys {
			t.Errorf("pruned %d (%v), want %d", n, err, keys)
		}
	})
}

// TestRetryLostConnection kills the connection of a transaction halfway
// (pg_terminate_backend of its own backend, as a failover would): with an
// idempotency key it runs again on a new connection and commits once;
// without one it fails with the 503 error and is not run again.
func TestRetryLostConnection(t *testing.T) {
	db := mustOpenPostgres(t, true)
	ctx := context.Background()
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE retry_probe (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, id string) (int, error) {
		attempts := 0
		err := db.withTx(ctx, func(tx *sql.Tx) error {
			attempts++
			if _, err := tx.ExecContext(ctx, `INSERT INTO retry_probe (id) VALUES ($1)`, id); err != nil {
				return err
			}
			if attempts == 1 {
				if _, err := tx.ExecContext(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`); err != nil {
					return translateError(err, "probe")
				}
			}
			return nil
		})
		return attempts, err
	}
	k := &shequ.IdempotencyKey{Account: "acct", Key: "retry-key-0001", Route: "POST /probe"}
	if n, err := run(shequ.WithIdempotencyKey(ctx, k), "keyed"); err != nil || n != 2 || !k.Taken() {
		t.Fatalf("keyed: %d attempts, %v, taken %v; want 2 attempts and a commit", n, err, k.Taken())
	}
	n, err := run(ctx, "plain")
	if n != 1 || shequ.ErrorCode(err) != shequ.EUnavailable {
		t.Fatalf("without a key: %d attempts, %v; want 1 attempt and EUnavailable", n, err)
	}
	var ids []string
	rows, err := db.db.QueryContext(ctx, `SELECT id FROM retry_probe ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if fmt.Sprint(ids) != "[keyed]" {
		t.Errorf("rows %v, want [keyed]", ids)
	}
}

// TestRetrySafe: which failed transactions run again.
func TestRetrySafe(t *testing.T) {
	keyed := shequ.WithIdempotencyKey(context.Background(), &shequ.IdempotencyKey{Key: "retry-safe-01"})
	taken := &shequ.IdempotencyKey{Key: "retry-safe-02"}
	taken.Take()
	used := shequ.WithIdempotencyKey(context.Background(), taken)
	plain := context.Background()
	lost := io.ErrUnexpectedEOF
	for _, c := range []struct {
		name    string
		dialect *dialect
		ctx     context.Context
		err     error
		phase   txPhase
		want    bool
	}{
		{"lost at begin, no key", postgresDialect, plain, lost, phaseBegin, true},
		{"lost in the work, no key", postgresDialect, plain, lost, phaseWork, false},
		{"lost at commit, no key", postgresDialect, plain, lost, phaseCommit, false},
		{"lost at commit, keyed", postgresDialect, keyed, lost, phaseCommit, true},
		{"lost in the work, keyed", postgresDialect, keyed, lost, phaseWork, true},
		{"lost at commit, key taken earlier", postgresDialect, used, lost, phaseCommit, false},
		{"read-only node, keyed", postgresDialect, keyed, &pgconn.PgError{Code: pgReadOnly}, phaseWork, true},
		{"shutdown, keyed", postgresDialect, keyed, &pgconn.PgError{Code: "57P01"}, phaseCommit, true},
		{"connection failure class, keyed", postgresDialect, keyed, &pgconn.PgError{Code: "08006"}, phaseCommit, true},
		{"unique violation, keyed", postgresDialect, keyed, &pgconn.PgError{Code: pgUniqueViolation}, phaseWork, false},
		{"disk full, keyed", postgresDialect, keyed, &pgconn.PgError{Code: pgDiskFull}, phaseWork, false},
		{"application error, keyed", postgresDialect, keyed, shequ.ErrKeyTaken, phaseWork, false},
		{"SQLite, keyed", sqliteDialect, keyed, lost, phaseBegin, false},
	} {
		db := &DB{dialect: c.dialect}
		if got := db.retrySafe(c.ctx, c.err, c.phase); got != c.want {
			t.Errorf("%s: retrySafe = %v, want %v", c.name, got, c.want)
		}
	}
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shequ/internal/testenv"
)

// TestPostgresConnectionsPerProcess: two pools of one process together open
// at most maxPostgresConns connections (each alone may open that many), and
// three times as many concurrent queries as there are slots wait for one
// instead of failing. The server's own count (pg_stat_activity, by the
// test's application name) is what is checked.
func TestPostgresConnectionsPerProcess(t *testing.T) {
	base := testenv.PostgresDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	app := fmt.Sprintf("shequ_slots_%d", time.Now().UnixNano())
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	ctx := context.Background()
	var pools [2]*DB
	for i := range pools {
		db, err := Open(ctx, u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := db.db.Stats().MaxOpenConnections; got != maxPostgresConns {
			t.Fatalf("pool %d: MaxOpenConnections = %d, want %d", i, got, maxPostgresConns)
		}
		pools[i] = db
	}
	// The observer is outside the slots: a plain pgx pool of one. It counts
	// the backends in use (running the sleep, or in a transaction), not the
	// idle ones: a connection the process has closed, its slot given back,
	// stays in pg_stat_activity as idle until its backend has exited, which
	// on a loaded machine can be after the slot's next connection opened (a
	// run at load 30 saw 41). Two pools capped each on its own would put 80
	// sleeps on the server at once; the slots hold them to 40.
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.SetMaxOpenConns(1)

	var peak atomic.Int64
	stop := make(chan struct{})
	observed := make(chan error, 1)
	go func() {
		var err error
		defer func() { observed <- err }()
		for {
			var n int64
			if err = admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'`, app).Scan(&n); err != nil {
				return
			}
			if n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, 3*maxPostgresConns)
	for i := range errs {
		wg.Go(func() { _, errs[i] = pools[i%2].db.ExecContext(ctx, `SELECT pg_sleep(1)`) })
	}
	wg.Wait()
	close(stop)
	if err := <-observed; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	if p := peak.Load(); p > maxPostgresConns || p == 0 {
		t.Errorf("the process had %d connections in use at once, want 1…%d", p, maxPostgresConns)
	}
	waits := pools[0].db.Stats().WaitCount + pools[1].db.Stats().WaitCount
	if open := pools[0].db.Stats().OpenConnections + pools[1].db.Stats().OpenConnections; open > maxPostgresConns {
		t.Errorf("pools report %d open connections, want at most %d", open, maxPostgresConns)
	}
	t.Logf("peak %d connections, %d waits in the pools", peak.Load(), waits)
}

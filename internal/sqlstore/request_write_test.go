package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"shequ"
)

// TestConcurrentSubmissions: submissions racing each other are written in
// groups (their rows, events and counts together at each group's end);
// every one is there with a number of its own, its event, its audit
// record, and the per-state and indicator counts add up.
func TestConcurrentSubmissions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		const n = 150
		var wg sync.WaitGroup
		got := make([]*shequ.ServiceRequest, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { got[i], errs[i] = fx.reqs.Submit(ctx, windowInput(fx, "MZ-001")) })
		}
		wg.Wait()
		numbers, tokens := map[string]bool{}, map[string]bool{}
		for i, r := range got {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			if !strings.HasPrefix(r.Number, "330523-") || numbers[r.Number] || len(r.Token) != tokenLen || tokens[r.Token] {
				t.Errorf("submission %d: number %q token %q (repeated or malformed)", i, r.Number, r.Token)
			}
			numbers[r.Number], tokens[r.Token] = true, true
			// What the caller got is what was stored.
			if back, err := fx.reqs.GetByToken(t.Context(), r.Token); err != nil || back.ID != r.ID || back.Number != r.Number {
				t.Errorf("submission %d by token: %+v %v", i, back, err)
			}
		}
		for _, q := range []struct {
			query string
			want  int
		}{
			{`SELECT COUNT(*) FROM service_requests`, n},
			{`SELECT COUNT(DISTINCT request_id) FROM request_events`, n},
			{`SELECT COUNT(*) FROM request_events`, n},
			{`SELECT n FROM request_state_counts WHERE state = 'submitted'`, n},
			{`SELECT SUM(n) FROM request_indicator_counts`, n},
			{`SELECT COUNT(*) FROM audit_log WHERE action = 'request.submit' AND result = 'allowed'`, n},
		} {
			var v int
			if err := db.db.QueryRow(q.query).Scan(&v); err != nil || v != q.want {
				t.Errorf("%s = %d (%v), want %d", q.query, v, err, q.want)
			}
		}
		v, err := NewAuditService(db).VerifyAudit(asActor(shequ.RoleAuditor, ""))
		if err != nil || v.BadSeq != 0 {
			t.Errorf("audit chain: %+v, %v", v, err)
		}
	})
}

// TestDeferredWriteFailure: rows handed over for the group's end whose
// common write fails (a duplicate key among them) roll the group back;
// each member then runs alone and gets its own answer: the first writer of
// the key succeeds, the others fail, and no other row is lost.
func TestDeferredWriteFailure(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.db.ExecContext(ctx, `CREATE TABLE defer_probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		write := func(ctx context.Context, tx *sql.Tx, rows []any) error {
			all := make([][]any, len(rows))
			for i, r := range rows {
				all[i] = r.([]any)
			}
			return db.insertRows(ctx, tx, "defer_probe", []string{"id", "n"}, all)
		}
		const writers = 120
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				id := fmt.Sprint(i)
				if i%10 == 9 {
					id = "dup" // ten writers of one key
				}
				errs[i] = db.withBatchTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
					row := []any{id, i}
					if !db.batch.deferWrite(tx, "probe", row, write) {
						return write(ctx, tx, []any{row})
					}
					return nil
				})
			})
		}
		wg.Wait()
		ok, dupOK := 0, 0
		for i, err := range errs {
			switch {
			case i%10 != 9 && err != nil:
				t.Errorf("writer %d: %v", i, err)
			case i%10 != 9:
				ok++
			case err == nil:
				dupOK++
			case shequ.ErrorCode(err) != shequ.EConflict:
				t.Errorf("duplicate writer %d: %v, want a conflict", i, err)
			}
		}
		if dupOK != 1 {
			t.Errorf("%d writers of the duplicate key succeeded, want 1", dupOK)
		}
		var rows int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM defer_probe`).Scan(&rows); err != nil || rows != ok+1 {
			t.Errorf("%d rows (%v), want %d", rows, err, ok+1)
		}
	})
}

// TestInsertRows writes every count of rows from 0 to 150 (each a sum of
// the fixed chunk sizes) and reads them all back.
func TestInsertRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.db.ExecContext(ctx, `CREATE TABLE rows_probe (k INTEGER NOT NULL, i INTEGER NOT NULL, PRIMARY KEY (k, i))`); err != nil {
			t.Fatal(err)
		}
		for k := range 151 {
			rows := make([][]any, k)
			for i := range rows {
				rows[i] = []any{k, i}
			}
			if err := db.withTx(ctx, func(tx *sql.Tx) error {
				return db.insertRows(ctx, tx, "rows_probe", []string{"k", "i"}, rows)
			}); err != nil {
				t.Fatalf("%d rows: %v", k, err)
			}
			var n, sum int
			if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*), COALESCE(SUM(i), 0) FROM rows_probe WHERE k = ?`), k).Scan(&n, &sum); err != nil {
				t.Fatal(err)
			}
			if n != k || sum != k*(k-1)/2 {
				t.Fatalf("%d rows: read %d summing to %d", k, n, sum)
			}
		}
	})
}

// TestSubmitStoreErrorNotInvalid: a catalogue that cannot be read (here: the
// caller gave up before it was) is the store's failure, not a field of the
// caller's request.
func TestSubmitStoreErrorNotInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		cold := NewRequestService(db, NewServiceItemService(db), nil) // its catalogue is read on first use
		ctx, cancel := context.WithCancel(actorOf(fx.worker))
		cancel()
		_, err := cold.Submit(ctx, windowInput(fx, "MZ-001"))
		if err == nil || shequ.ErrorCode(err) == shequ.EInvalid {
			t.Errorf("submit with an unreadable catalogue: %v (%s), want a store error", err, shequ.ErrorCode(err))
		}
		// With the catalogue readable, the same submission goes through.
		if _, err := cold.Submit(actorOf(fx.worker), windowInput(fx, "MZ-001")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSubmissionCountsOrder: a group's count rows come out in one sorted
// order whatever the order its members arrived in, so that two groups on
// PostgreSQL never lock the same two rows in opposite orders (they
// deadlocked before, and both groups fell back to one transaction per
// member); the sums still add up to the group.
func TestSubmissionCountsOrder(t *testing.T) {
	var subs []*pendingSubmission
	communities := []string{"330523108201", "330523001001", "330523108203", "330522001002"}
	items := []string{"MZ-002", "MZ-001"}
	channels := []shequ.Channel{shequ.ChannelWindow, shequ.ChannelOnline}
	for i := range 24 {
		subs = append(subs, &pendingSubmission{r: &shequ.ServiceRequest{Community: communities[i%4],
			ItemCode: items[i%2], Channel: channels[i/4%2], State: shequ.RequestSubmitted}})
	}
	wantStates, wantTallies := submissionCounts(subs)
	if !slices.IsSortedFunc(wantStates, func(a, b stateCount) int { return strings.Compare(a.community, b.community) }) {
		t.Errorf("state rows not sorted by community: %+v", wantStates)
	}
	if !slices.IsSortedFunc(wantTallies, compareCountRows) {
		t.Errorf("indicator rows not sorted: %+v", wantTallies)
	}
	sum := 0
	for _, s := range wantStates {
		sum += s.n
	}
	if len(wantStates) != 4 || sum != len(subs) {
		t.Errorf("state rows %+v: want 4 rows summing to %d", wantStates, len(subs))
	}
	sum = 0
	for _, g := range wantTallies {
		sum += g.N
	}
	if len(wantTallies) != 8 || sum != len(subs) {
		t.Errorf("indicator rows %+v: want 8 rows summing to %d", wantTallies, len(subs))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
		states, tallies := submissionCounts(subs)
		if !slices.Equal(states, wantStates) || !slices.Equal(tallies, wantTallies) {
			t.Fatalf("another arrival order gave another lock order:\n%+v\n%+v\nwant\n%+v\n%+v", states, tallies, wantStates, wantTallies)
		}
	}
}

package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestCountTablesClustered checks migration 0029 on both engines: the
// per-community count rows written before it are all there after it, in
// their key's order — on SQLite the tables have no rowid (WITHOUT ROWID),
// on PostgreSQL a community's rows sit on one heap page — the upserts the
// submissions run still work, and going down and up again keeps them.
func TestCountTablesClustered(t *testing.T) {
	forEachEmptyEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		p, err := db.provider()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 28); err != nil {
			t.Fatal(err)
		}
		// Rows in the order submissions create them: communities
		// interleaved, so that before the migration a community's rows are
		// spread over the whole table.
		const communities, items = 40, 60
		for i := range items {
			for c := range communities {
				if _, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO request_indicator_counts
					(community, item_code, channel, done, on_time, days, rating, n) VALUES (?, ?, 'online', 0, 0, 0, 0, ?)`),
					fmt.Sprintf("3305230010%02d", c), fmt.Sprintf("item-%03d", i), i+c); err != nil {
					t.Fatal(err)
				}
				if i < 5 {
					if _, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO request_state_counts (community, state, n) VALUES (?, ?, ?)`),
						fmt.Sprintf("3305230010%02d", c), fmt.Sprintf("state-%d", i), i*c); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		before := readCountRows(t, db)
		if len(before) != communities*items+communities*5 {
			t.Fatalf("%d rows written", len(before))
		}
		if _, err := p.UpTo(ctx, 29); err != nil {
			t.Fatal(err)
		}
		if after := readCountRows(t, db); !slices.Equal(before, after) {
			t.Fatalf("rows after the migration differ: %d rows, want %d", len(after), len(before))
		}
		switch db.dialect {
		case sqliteDialect:
			for _, table := range []string{"request_state_counts", "request_indicator_counts"} {
				if _, err := db.db.ExecContext(ctx, `SELECT rowid FROM `+table); err == nil {
					t.Errorf("%s still has a rowid", table)
				}
			}
		default:
			var pages int
			if err := db.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT (ctid::text::point)[0]) FROM request_indicator_counts
				WHERE community = '330523001007'`).Scan(&pages); err != nil {
				t.Fatal(err)
			}
			if pages > 1 {
				t.Errorf("one community's %d rows are on %d heap pages, want 1", items, pages)
			}
		}
		// The upserts of a submission (addCount, addTally) on the new tables.
		s := &RequestService{db: db}
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.addCount(ctx, tx, "330523001007", "state-1", 2); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT n FROM request_state_counts WHERE community = '330523001007' AND state = 'state-1'`).Scan(&n); err != nil || n != 9 {
			t.Fatalf("count after the upsert = %d (%v), want 7+2", n, err)
		}
		before = readCountRows(t, db)
		if _, err := p.DownTo(ctx, 28); err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 29); err != nil {
			t.Fatal(err)
		}
		if after := readCountRows(t, db); !slices.Equal(before, after) {
			t.Fatalf("rows after down and up differ: %d rows, want %d", len(after), len(before))
		}
	})
}

// readCountRows returns every row of both count tables, in key order.
func readCountRows(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT community || '/' || state || '=' || n FROM request_state_counts ORDER BY community, state`,
		`SELECT community || '/' || item_code || '/' || channel || '/' || done || on_time || days || rating || '=' || n
			FROM request_indicator_counts ORDER BY community, item_code, channel, done, on_time, days, rating`,
	} {
		rows, err := db.db.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

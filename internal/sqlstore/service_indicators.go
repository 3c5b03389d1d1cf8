package sqlstore

import (
	"context"
	"database/sql"

	"shequ"
)

// countRow is the group of the indicator counts a request is in now.
func countRow(r *shequ.ServiceRequest) shequ.ServiceCountRow {
	row := shequ.ServiceCountRow{Community: r.Community, Channel: r.Channel, Rating: r.Rating}
	switch r.State {
	case shequ.RequestCompleted, shequ.RequestRated, shequ.RequestClosed:
		// A refused request closed later has no handling days: not done.
		if r.CompletedAt != nil && r.Reason == "" {
			row.Done, row.OnTime, row.Days = true, !r.CompletedAt.After(r.DueAt), r.HandlingDays
		}
	}
	return row
}

// tally adds delta requests to the group of r in request_indicator_counts,
// inside tx: +1 when filed, and -1 from the old group then +1 into the new
// one on every transition (most leave the group as it was).
func (s *RequestService) tally(ctx context.Context, tx *sql.Tx, r *shequ.ServiceRequest, delta int) error {
	g := countRow(r)
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO request_indicator_counts
		(community, channel, done, on_time, days, rating, n) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (community, channel, done, on_time, days, rating)
		DO UPDATE SET n = request_indicator_counts.n + excluded.n`),
		g.Community, string(g.Channel), b(g.Done), b(g.OnTime), g.Days, g.Rating, delta)
	return translateError(err, "count requests")
}

// ServiceCounts reads the indicator counts of communities (nil: all): the
// rows of request_indicator_counts, which the module "services"
// (internal/indicator/services.go) turns into per-community counters. The
// table is kept in the transaction of every change, so this reads a few
// rows per community however many requests there are.
func (s *RequestService) ServiceCounts(ctx context.Context, communities []string, fn func(shequ.ServiceCountRow)) error {
	const cols = `SELECT community, channel, done, on_time, days, rating, n FROM request_indicator_counts WHERE n <> 0`
	run := func(where string, args []any) error {
		rows, err := s.db.db.QueryContext(ctx, s.db.rebind(cols+where), args...)
		if err != nil {
			return translateError(err, "count requests")
		}
		defer rows.Close()
		for rows.Next() {
			var r shequ.ServiceCountRow
			var channel string
			var done, onTime int
			if err := rows.Scan(&r.Community, &channel, &done, &onTime, &r.Days, &r.Rating, &r.N); err != nil {
				return translateError(err, "count requests")
			}
			r.Channel, r.Done, r.OnTime = shequ.Channel(channel), done == 1, onTime == 1
			fn(r)
		}
		return translateError(rows.Err(), "count requests")
	}
	if communities == nil {
		return run("", nil)
	}
	for start := 0; start < len(communities); start += 500 {
		batch := communities[start:min(start+500, len(communities))]
		args := make([]any, len(batch))
		for i, c := range batch {
			args[i] = c
		}
		if err := run(" AND community IN ("+placeholders(len(batch))+")", args); err != nil {
			return err
		}
	}
	return nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"sort"

	"shequ"
)

// countRow is the group of the indicator counts a request is in now.
func countRow(r *shequ.ServiceRequest) shequ.ServiceCountRow {
	row := shequ.ServiceCountRow{Community: r.Community, ItemCode: r.ItemCode, Channel: r.Channel, Rating: r.Rating}
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
	return s.addTally(ctx, tx, countRow(r), delta)
}

// addTally adds delta requests to group g in request_indicator_counts.
func (s *RequestService) addTally(ctx context.Context, tx *sql.Tx, g shequ.ServiceCountRow, delta int) error {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO request_indicator_counts
		(community, item_code, channel, done, on_time, days, rating, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (community, item_code, channel, done, on_time, days, rating)
		DO UPDATE SET n = request_indicator_counts.n + excluded.n`),
		g.Community, g.ItemCode, string(g.Channel), b(g.Done), b(g.OnTime), g.Days, g.Rating, delta)
	return translateError(err, "count requests")
}

// ServiceCounts reads the indicator counts of communities (nil: all): the
// rows of request_indicator_counts, which the module "services"
// (internal/indicator/services.go) turns into per-community counters. The
// table is kept in the transaction of every change, so this reads a few
// rows per community however many requests there are.
func (s *RequestService) ServiceCounts(ctx context.Context, communities []string, fn func(shequ.ServiceCountRow)) error {
	const cols = `SELECT community, item_code, channel, done, on_time, days, rating, n FROM request_indicator_counts WHERE n <> 0`
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
			if err := rows.Scan(&r.Community, &r.ItemCode, &channel, &done, &onTime, &r.Days, &r.Rating, &r.N); err != nil {
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

// CountByItem counts the requests of a division within the actor's scope
// by item and channel from request_indicator_counts (one GROUP BY over its
// few rows per community), most requested first. Needs ActionRequestRead;
// a resident, who may read only their own requests, gets nothing.
func (s *RequestService) CountByItem(ctx context.Context, division string) ([]*shequ.ItemRequestCount, error) {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionRequestRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestList, objRequest, "", division)
	}
	prefix, ok, err := scopePrefix(a, division)
	if err != nil || !ok || (a != nil && a.OwnOnly(shequ.ActionRequestRead)) {
		return []*shequ.ItemRequestCount{}, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT item_code, channel, SUM(n) FROM request_indicator_counts
		WHERE community >= ? AND community < ? GROUP BY item_code, channel`), prefix, prefix+":")
	if err != nil {
		return nil, translateError(err, "count requests by item")
	}
	defer rows.Close()
	byItem := itemCounts{}
	for rows.Next() {
		var code, channel string
		var n int
		if err := rows.Scan(&code, &channel, &n); err != nil {
			return nil, translateError(err, "count requests by item")
		}
		byItem.add(s.catalog, code, channel, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "count requests by item")
	}
	return byItem.list(), nil
}

// itemCounts adds up the counts by item and channel of a division.
type itemCounts map[string]*shequ.ItemRequestCount

// add counts n requests of item code by channel; the item's name comes
// from the catalogue.
func (m itemCounts) add(catalog *ServiceItemService, code, channel string, n int) {
	c := m[code]
	if c == nil {
		c = &shequ.ItemRequestCount{ItemCode: code, ByChannel: map[shequ.Channel]int{}}
		if it, err := catalog.GetItem(context.Background(), code); err == nil {
			c.ItemName = it.Name
		}
		m[code] = c
	}
	c.ByChannel[shequ.Channel(channel)] += n
	c.Total += n
}

// list returns the items with requests, most requested first.
func (m itemCounts) list() []*shequ.ItemRequestCount {
	out := make([]*shequ.ItemRequestCount, 0, len(m))
	for _, c := range m {
		if c.Total > 0 {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].ItemCode < out[j].ItemCode
	})
	return out
}

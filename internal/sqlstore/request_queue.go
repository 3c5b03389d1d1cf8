package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ"
)

// QueuePage returns the worker queue page of f in the actor's scope: brief
// rows by due date then id (keyset after f.AfterDue/AfterID), the counts
// per state and the counts by item and channel of the scope. One query
// whatever the page size: the page's rows, the state counts and the item
// counts are the three parts of a UNION ALL, told apart by their first
// column. The page has a budget of 5 ms at 10⁷ requests, and on
// PostgreSQL three reads were three round trips, each waking a backend.
func (s *RequestService) QueuePage(ctx context.Context, f shequ.RequestFilter) (*shequ.QueuePage, error) {
	page := &shequ.QueuePage{Rows: []*shequ.ServiceRequest{}, Counts: shequ.QueueCounts{}, ByItem: []*shequ.ItemRequestCount{}}
	prefix, ok, err := s.listScope(ctx, shequ.ActionRequestHandle, &f)
	if err != nil || !ok {
		return page, err
	}
	ids, args, err := s.queueIDs(f, prefix)
	if err != nil {
		return nil, err
	}
	ccond, cargs := prefixCond(prefix)
	// The columns: kind, requestBriefColumns, n.
	query := `SELECT 'r', ` + requestBriefColumns + `, 0 FROM service_requests r WHERE r.` + s.db.dialect.rowKey + ` IN (` + ids + `)
		UNION ALL SELECT 's', NULL, NULL, NULL, NULL, NULL, state, NULL, NULL, NULL, NULL, SUM(n)
			FROM request_state_counts WHERE ` + ccond + ` GROUP BY state
		UNION ALL SELECT 'i', NULL, NULL, item_code, NULL, channel, NULL, NULL, NULL, NULL, NULL, SUM(n)
			FROM request_indicator_counts WHERE ` + ccond + ` GROUP BY item_code, channel`
	args = append(append(args, cargs...), cargs...)
	rows, err := s.reader().QueryContext(ctx, s.db.rebind(query), args...)
	if err != nil {
		return nil, translateError(err, "read queue")
	}
	defer rows.Close()
	byItem := itemCounts{}
	for rows.Next() {
		var kind string
		var id, number, item, community, channel, state sql.NullString
		var due, paused, completed, created time.Time
		var n sql.NullInt64
		if err := rows.Scan(&kind, &id, &number, &item, &community, &channel, &state, scanTime(&due),
			scanTime(&paused), scanTime(&completed), scanTime(&created), &n); err != nil {
			return nil, translateError(err, "read queue")
		}
		switch kind {
		case "r":
			r := &shequ.ServiceRequest{ID: id.String, Number: number.String, ItemCode: item.String,
				Community: community.String, DueAt: due, CreatedAt: created}
			s.fillBrief(r, channel.String, state.String, paused, completed)
			page.Rows = append(page.Rows, r)
		case "s":
			page.Counts[shequ.RequestState(state.String)] = int(n.Int64)
		case "i":
			byItem.add(s.catalog, item.String, channel.String, int(n.Int64))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "read queue")
	}
	// A UNION ALL keeps no order: the rows are put back in the queue's.
	slices.SortFunc(page.Rows, func(a, b *shequ.ServiceRequest) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	page.ByItem = byItem.list()
	return page, nil
}

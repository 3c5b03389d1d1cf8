package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"

	"shequ"
)

// Limits of request lists.
const (
	defaultRequestLimit = 50
	maxRequestLimit     = 1000
)

// OpenStates are the states of requests still being handled: the queue's
// default tabs.
var OpenStates = []shequ.RequestState{shequ.RequestSubmitted, shequ.RequestAccepted, shequ.RequestInProcess,
	shequ.RequestAwaitingMaterials, shequ.RequestTransferred}

// countingQuerier counts the statements run through it: the queue's tests
// assert that a page costs the same number of queries for 1 row and for 50.
type countingQuerier struct {
	querier
	n *atomic.Int64
}

func (c countingQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.querier.QueryContext(ctx, q, args...)
}

func (c countingQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.querier.QueryRowContext(ctx, q, args...)
}

// reader is where the read methods run their queries: the database, through
// a counter when a test set countQueries.
func (s *RequestService) reader() querier {
	if s.countQueries != nil {
		return countingQuerier{querier: s.db.db, n: s.countQueries}
	}
	return s.db.db
}

// requestWhere builds the conditions of f within prefix (the caller's scope
// already applied) on table alias r. States are left to the caller.
func (s *RequestService) requestWhere(f shequ.RequestFilter, prefix string) ([]string, []any, error) {
	conds, args := []string{}, []any{}
	var fe shequ.FieldErrors
	switch {
	case len(prefix) == 12:
		conds, args = append(conds, "r.community = ?"), append(args, prefix)
	case prefix != "":
		// A range rather than LIKE, so that the index serves it.
		conds, args = append(conds, "r.community >= ? AND r.community < ?"), append(args, prefix, prefix+":")
	}
	if f.ItemCode != "" {
		conds, args = append(conds, "r.item_code = ?"), append(args, f.ItemCode)
	}
	if f.Channel != "" {
		if !f.Channel.Valid() {
			fe.Add("channel", "request.channel.invalid", "The channel is online, window, agency or phone.", nil)
		}
		conds, args = append(conds, "r.channel = ?"), append(args, string(f.Channel))
	}
	if f.ResidentID != "" {
		if _, err := uuid.Parse(f.ResidentID); err != nil {
			fe.Add("resident_id", "request.resident.unknown", "No resident has this id.", nil)
		}
		conds, args = append(conds, "r.resident_id = ?"), append(args, f.ResidentID)
	}
	if len(f.IDs) > 0 {
		var ids []any
		for _, id := range f.IDs {
			if _, err := uuid.Parse(id); err == nil {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds, args = append(conds, "r.id IN ("+placeholders(len(ids))+")"), append(args, ids...)
		}
	}
	d := s.db.dialect
	if !f.From.IsZero() {
		conds, args = append(conds, "r.created_at >= ?"), append(args, d.timeArg(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "r.created_at < ?"), append(args, d.timeArg(f.To))
	}
	if f.Overdue {
		conds, args = append(conds, "r.due_at < ? AND r.paused_at IS NULL"), append(args, d.timeArg(s.db.now()))
	}
	if !f.DueBefore.IsZero() {
		conds, args = append(conds, "r.due_at < ? AND r.paused_at IS NULL"), append(args, d.timeArg(f.DueBefore))
	}
	if _, err := uuid.Parse(f.AfterID); f.AfterDue != nil && err != nil {
		fe.Add("after", "request.cursor.invalid", "The page cursor is malformed.", nil)
	}
	for _, st := range f.States {
		if !st.Valid() {
			fe.Add("state", "request.state.invalid", "Unknown state of a request.", nil)
			break
		}
	}
	return conds, args, fe.Err()
}

// listScope checks the read permission and returns the prefix to list in;
// a resident lists only their own requests (f.ResidentID is forced to the
// resident of the account). ok is false when nothing can match.
func (s *RequestService) listScope(ctx context.Context, act shequ.Action, f *shequ.RequestFilter) (string, bool, error) {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, act, nil); err != nil {
		return "", false, s.db.recordDenied(ctx, err, auditRequestList, objRequest, "", f.Division)
	}
	prefix, ok, err := scopePrefix(a, f.Division)
	if err != nil || !ok {
		return "", false, err
	}
	if a != nil && a.OwnOnly(act) {
		ref, err := s.findResidentRef(ctx, s.db.db, a.UserID, true)
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return "", false, nil
		} else if err != nil {
			return "", false, err
		}
		f.ResidentID = ref.id
	}
	return prefix, true, nil
}

// Find lists requests in the actor's scope matching f with the total. It
// orders by due date then id (keyset after AfterDue/AfterID when set), or
// by creation time, newest first, with OrderByCreated. Limit defaults to 50
// and is capped at 1000.
func (s *RequestService) Find(ctx context.Context, f shequ.RequestFilter) ([]*shequ.ServiceRequest, int, error) {
	prefix, ok, err := s.listScope(ctx, shequ.ActionRequestRead, &f)
	if err != nil || !ok {
		return []*shequ.ServiceRequest{}, 0, err
	}
	conds, args, err := s.requestWhere(f, prefix)
	if err != nil {
		return nil, 0, err
	}
	if len(f.States) > 0 {
		conds = append(conds, "r.state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	where := "1 = 1"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	q := s.reader()
	var total int
	if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM service_requests r WHERE `+where), args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count requests")
	}
	order := "r.due_at, r.id"
	if f.OrderByCreated {
		order = "r.created_at DESC, r.id DESC"
	} else if f.AfterDue != nil {
		where += " AND (r.due_at, r.id) > (?, ?)"
		args = append(args, s.db.dialect.timeArg(*f.AfterDue), f.AfterID)
	}
	limit := clamp(f.Limit, defaultRequestLimit, maxRequestLimit)
	out, err := s.scanRequests(ctx, q, `SELECT `+requestColumns+requestFrom+`WHERE `+where+` ORDER BY `+order+
		` LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	return out, total, err
}

// scanRequests runs a query of requestColumns.
func (s *RequestService) scanRequests(ctx context.Context, q querier, query string, args ...any) ([]*shequ.ServiceRequest, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(query), args...)
	if err != nil {
		return nil, translateError(err, "find requests")
	}
	defer rows.Close()
	out := []*shequ.ServiceRequest{}
	for rows.Next() {
		r, err := s.scanRequest(rows)
		if err != nil {
			return nil, translateError(err, "find requests")
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "find requests")
}

// Queue returns a page of the worker queue: requests in the actor's scope
// in the states of f (the open states by default), by due date then id,
// after the keyset (AfterDue, AfterID), with the counts per state of the
// scope. It costs two queries
// whatever the page size: one page query (a UNION ALL of one index range
// per state, each already in due order and limited, merged and limited
// again, then the rows of the page's ids) and one read of the per-state
// counts.
func (s *RequestService) Queue(ctx context.Context, f shequ.RequestFilter) ([]*shequ.ServiceRequest, shequ.QueueCounts, error) {
	counts := shequ.QueueCounts{}
	prefix, ok, err := s.listScope(ctx, shequ.ActionRequestHandle, &f)
	if err != nil || !ok {
		return []*shequ.ServiceRequest{}, counts, err
	}
	ids, args, err := s.queueIDs(f, prefix)
	if err != nil {
		return nil, nil, err
	}
	q := s.reader()
	// The counts per state are read while the page is: two independent
	// reads, each a round trip on PostgreSQL.
	var countErr error
	countsDone := make(chan struct{})
	go func() {
		defer close(countsDone)
		countErr = s.queueCounts(ctx, q, prefix, counts)
	}()
	out, err := s.scanRequests(ctx, q, `SELECT `+requestColumns+requestFrom+`WHERE r.`+s.db.dialect.rowKey+` IN (`+ids+`) ORDER BY r.due_at, r.id`, args...)
	<-countsDone
	if err == nil {
		err = countErr
	}
	if err != nil {
		return nil, nil, err
	}
	return out, counts, nil
}

// queueIDs returns the query of the row keys (dialect.rowKey: SQLite's
// rowid, PostgreSQL's id) of a queue page of f within prefix (already the
// caller's scope), by due date then id, and its arguments.
// Each state's part reads only (due_at, id) and the rowid from the index
// (community, state, due_at, id) when no other filter is set, in due order and limited;
// the parts are merged and limited again: limit rows read, not limit per
// state.
func (s *RequestService) queueIDs(f shequ.RequestFilter, prefix string) (string, []any, error) {
	conds, args, err := s.requestWhere(f, prefix)
	if err != nil {
		return "", nil, err
	}
	if f.AfterDue != nil {
		// A row comparison, which both engines take as a range of the
		// index (…, due_at, id): the page starts right after the cursor
		// however deep it is.
		conds = append(conds, "(r.due_at, r.id) > (?, ?)")
		args = append(args, s.db.dialect.timeArg(*f.AfterDue), f.AfterID)
	}
	states := f.States
	if len(states) == 0 {
		states = OpenStates
	}
	limit := clamp(f.Limit, defaultRequestLimit, maxRequestLimit)
	var parts []string
	var all []any
	for i, st := range states {
		where := append([]string{"r.state = ?"}, conds...)
		parts = append(parts, `SELECT * FROM (SELECT r.due_at, r.id, r.`+s.db.dialect.rowKey+` AS k FROM service_requests r WHERE `+strings.Join(where, " AND ")+
			` ORDER BY r.due_at, r.id LIMIT ?) s`+strconv.Itoa(i))
		all = append(append(append(all, string(st)), args...), limit)
	}
	return `SELECT k FROM (` + strings.Join(parts, " UNION ALL ") + `) page ORDER BY due_at, id LIMIT ?`, append(all, limit), nil
}

// prefixCond is the condition on column community of a scope prefix
// ("" is everywhere), and its arguments.
func prefixCond(prefix string) (string, []any) {
	switch {
	case len(prefix) == 12:
		return "community = ?", []any{prefix}
	case prefix != "":
		return "community >= ? AND community < ?", []any{prefix, prefix + ":"}
	}
	return "1 = 1", nil
}

// queueCounts fills counts with the requests per state within prefix.
func (s *RequestService) queueCounts(ctx context.Context, q querier, prefix string, counts shequ.QueueCounts) error {
	ccond, cargs := prefixCond(prefix)
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT state, SUM(n) FROM request_state_counts WHERE `+ccond+
		` GROUP BY state`), cargs...)
	if err != nil {
		return translateError(err, "count requests")
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return translateError(err, "count requests")
		}
		counts[shequ.RequestState(st)] = n
	}
	return translateError(rows.Err(), "count requests")
}

// Timeline returns the events of a request the actor may see, oldest first.
func (s *RequestService) Timeline(ctx context.Context, id string) ([]*shequ.RequestEvent, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.timeline(ctx, id)
}

// timeline reads the events of a request without checks.
func (s *RequestService) timeline(ctx context.Context, id string) ([]*shequ.RequestEvent, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, request_id, at, actor_id, actor_name, kind,
		from_state, to_state, note, on_behalf FROM request_events WHERE request_id = ? ORDER BY at, id`), id)
	if err != nil {
		return nil, translateError(err, "read timeline")
	}
	defer rows.Close()
	out := []*shequ.RequestEvent{}
	for rows.Next() {
		var e shequ.RequestEvent
		var from, to string
		if err := rows.Scan(&e.ID, &e.RequestID, scanTime(&e.At), &e.ActorID, &e.ActorName, &e.Kind, &from, &to,
			&e.Note, &e.OnBehalf); err != nil {
			return nil, translateError(err, "read timeline")
		}
		e.From, e.To = shequ.RequestState(from), shequ.RequestState(to)
		out = append(out, &e)
	}
	return out, translateError(rows.Err(), "read timeline")
}

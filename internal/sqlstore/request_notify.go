package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"shequ"
)

// Who is told what of a request (issue 13):
//
//   - the resident (the request's account) and the agent who filed it for
//     them: accepted, refused (with the reason), 待补正 (with exactly what is
//     missing), resumed, transferred (with the department), completed (with
//     the result);
//   - the worker who asked for the missing materials: handed in (补正);
//   - once a request passes its due date: its handler (the last worker who
//     moved it, else the community's workers) and the officials who
//     supervise the community (RequestOverdueArgs, every 5 minutes).
//
// The subject is the item and the request's number; the detail is what the
// recipient reads on the request's own page.

// requestSubject names a request in its notifications.
func requestSubject(r *shequ.ServiceRequest) string {
	return strings.TrimSpace(r.ItemName + " " + r.Number)
}

// transitionNotes returns the notifications of r, just moved from from to
// to by the actor of ctx.
func (s *RequestService) transitionNotes(ctx context.Context, tx *sql.Tx, r *shequ.ServiceRequest, from, to shequ.RequestState, now time.Time) (noteList, error) {
	var notes noteList
	people := []string{r.OwnerUserID, r.AgentID}
	subject := requestSubject(r)
	switch to {
	case shequ.RequestAccepted:
		notes.add(ctx, now, people, "request_accepted", objRequest, r.ID, subject, "")
	case shequ.RequestRefused:
		notes.add(ctx, now, people, "request_refused", objRequest, r.ID, subject, r.Reason)
	case shequ.RequestAwaitingMaterials:
		notes.add(ctx, now, people, "request_awaiting_materials", objRequest, r.ID, subject, strings.Join(r.Missing, "；"))
	case shequ.RequestTransferred:
		notes.add(ctx, now, people, "request_transferred", objRequest, r.ID, subject, r.Department)
	case shequ.RequestCompleted:
		notes.add(ctx, now, people, "request_completed", objRequest, r.ID, subject, r.Result)
	case shequ.RequestInProcess:
		if from != shequ.RequestAwaitingMaterials {
			break
		}
		notes.add(ctx, now, people, "request_resumed", objRequest, r.ID, subject, "")
		asker, err := s.lastMover(ctx, tx, r, shequ.RequestAwaitingMaterials)
		if err != nil {
			return nil, err
		}
		notes.add(ctx, now, []string{asker}, "request_supplemented", objRequest, r.ID, subject, "")
	}
	return notes, nil
}

// lastMover returns the account that last moved r into state to ("" any
// state), the resident's own account left out; "" when none.
func (s *RequestService) lastMover(ctx context.Context, q querier, r *shequ.ServiceRequest, to shequ.RequestState) (string, error) {
	cond, args := ``, []any{r.ID, r.OwnerUserID}
	if to != "" {
		cond, args = ` AND to_state = ?`, append(args, string(to))
	}
	var id string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT actor_id FROM request_events
		WHERE request_id = ? AND kind = 'state' AND actor_id <> '' AND actor_id <> ?`+cond+`
		ORDER BY at DESC, id DESC LIMIT 1`), args...).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, translateError(err, "find the request's handler")
}

// RequestOverdueArgs is the periodic job that tells the handlers and
// supervisors of requests that passed their due date.
type RequestOverdueArgs struct{}

// Kind implements river.JobArgs.
func (RequestOverdueArgs) Kind() string { return "request_overdue" }

// RequestOverdueWorker is the worker of RequestOverdueArgs.
func RequestOverdueWorker(s *RequestService) river.Worker[RequestOverdueArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[RequestOverdueArgs]) error {
		_, err := s.NotifyOverdue(ctx)
		return err
	})
}

// overdueWindow is how far back NotifyOverdue looks: a request that has
// been overdue longer was noticed before (or before this feature) and is
// flagged in every queue anyway. It bounds the scan to the recent part of
// the due-date index.
const overdueWindow = 30 * 24 * time.Hour

// overdueBatch is how many overdue requests one run notices at most; the
// next run takes the rest.
const overdueBatch = 500

// NotifyOverdue notices the open requests, not awaiting materials, whose due
// date has passed and which were not noticed at that due date: a timeline
// event "overdue" and a notification "request_overdue" to the handler (the
// last worker who moved it, else the community's workers) and to the
// nearest supervising officials, each request in its own transaction. It
// returns how many it noticed. It runs as the periodic job, without an
// actor.
func (s *RequestService) NotifyOverdue(ctx context.Context) (int, error) {
	if shequ.ActorFrom(ctx) != nil {
		return 0, shequ.ErrForbidden
	}
	now := s.db.now()
	d := s.db.dialect
	var open []any
	for _, st := range shequ.RequestStates {
		if st.Open() && st != shequ.RequestAwaitingMaterials {
			open = append(open, string(st))
		}
	}
	list, err := s.scanRequests(ctx, s.db.db, `SELECT `+requestColumns+requestFrom+`
		WHERE r.state IN (`+placeholders(len(open))+`) AND r.due_at < ? AND r.due_at >= ? AND r.paused_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM request_overdue_notices n WHERE n.request_id = r.id AND n.due_at = r.due_at)
		ORDER BY r.due_at, r.id LIMIT ?`,
		append(open, d.timeArg(now), d.timeArg(now.Add(-overdueWindow)), overdueBatch)...)
	if err != nil {
		return 0, err
	}
	for i, r := range list {
		if err := s.noticeOverdue(ctx, r, now); err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// noticeOverdue records and sends the overdue notice of r.
func (s *RequestService) noticeOverdue(ctx context.Context, r *shequ.ServiceRequest, now time.Time) error {
	d := s.db.dialect
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		handlers := []string{}
		h, err := s.lastMover(ctx, tx, r, "")
		if err != nil {
			return err
		}
		if h != "" {
			handlers = append(handlers, h)
		} else if handlers, err = nearestStaff(ctx, s.db, tx, shequ.RoleCommunityWorker, r.Community); err != nil {
			return err
		}
		supervisors, err := nearestStaff(ctx, s.db, tx, shequ.RoleOfficial, r.Community)
		if err != nil {
			return err
		}
		var notes noteList
		due := r.DueAt.In(shequ.Shanghai).Format("2006-01-02")
		notes.add(ctx, now, append(handlers, supervisors...), "request_overdue", objRequest, r.ID, requestSubject(r), due)
		if err := s.addEvent(ctx, tx, r, "overdue", "", "", due); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO request_overdue_notices (request_id, due_at, noticed_at)
			VALUES (?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET due_at = excluded.due_at, noticed_at = excluded.noticed_at`),
			r.ID, d.timeArg(r.DueAt), d.timeArg(now))
		if err != nil {
			return translateError(err, "record overdue notice")
		}
		return s.db.addNotifications(ctx, tx, notes)
	})
}

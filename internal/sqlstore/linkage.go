package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// LinkageService runs the 三社联动 chain (issue 5): needs, projects, bids,
// reviews, objections, activities and evaluations. It implements
// shequ.LinkageService.
//
// Every write runs in one transaction that holds the change, the timeline
// events of the objects it moved, the notifications (with one outbox row per
// channel) and the audit record, appended last (see appendAudit). Refusals
// found inside the transaction are carried out of it by refuse and recorded
// as denied afterwards, as the registers do. Authorization is
// shequ.Authorize with the linkage actions on the community of the object
// (console work is trusted).
type LinkageService struct {
	db *DB

	// Now is the clock of the workflow (bid deadlines, 公示期); nil means
	// the database's. Tests and the browser test move it forward.
	Now func() time.Time
	// Holidays gives the working-day calendar of the objection period
	// (公示期): the holiday table of the database, the one the requests'
	// due dates count on. Nil means weekends alone.
	Holidays shequ.HolidayCalendar
	// OnChange, when set, is called after every committed write with the
	// community concerned, for the indicator engine.
	OnChange func(communities ...string)
	// unread caches the accounts' counts of unread notifications.
	unread *ttlCache[int]
	// Sealer gives the register's blind index of ID numbers, with which an
	// activity's participants are found by their ID numbers; nil finds
	// none.
	Sealer shequ.Sealer
}

var _ shequ.LinkageService = (*LinkageService)(nil)

// NewLinkageService returns a LinkageService on db.
func NewLinkageService(db *DB) *LinkageService {
	return &LinkageService{db: db, unread: &ttlCache[int]{ttl: unreadCacheTTL, max: 10_000, gen: &db.notesGen}}
}

// unreadCacheTTL is how long a count of unread notifications is used: every
// page's header shows it. Reading, marking read and adding notifications in
// this process make it stale at once; another process's new notification
// shows at most this late.
const unreadCacheTTL = time.Second

// Object types of the timeline and the audit trail.
const (
	objNeed       = "need"
	objProject    = "project"
	objBid        = "bid"
	objReview     = "review"
	objObjection  = "objection"
	objActivity   = "activity"
	objEvaluation = "evaluation"
)

// now is the workflow clock in UTC at the stored precision.
func (s *LinkageService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.db.now()
}

// calendar is the working-day calendar of the objection period, the
// weekends-only one without a holiday table.
func (s *LinkageService) calendar(ctx context.Context) (*shequ.Calendar, error) {
	if s.Holidays == nil {
		return nil, nil
	}
	return s.Holidays.Calendar(ctx)
}

// validID reports whether id can name a row (a UUID); others are simply
// not found.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

// change is one write transaction of the chain: what it adds to the
// timeline and to notifications, flushed before the audit record.
type change struct {
	db     *DB
	ctx    context.Context
	tx     *sql.Tx
	now    time.Time
	events []*shequ.TimelineEvent
	notes  []*shequ.Notification
}

// event adds a timeline event by the actor of the change.
func (c *change) event(objType, objID, division, action, from, to, note string) {
	e := &shequ.TimelineEvent{ID: newUUID7(), ObjectType: objType, ObjectID: objID, Division: division,
		Action: action, From: from, To: to, Note: note, Time: c.now}
	if a := shequ.ActorFrom(c.ctx); a != nil {
		e.ActorID, e.ActorName = a.UserID, a.Username
	} else if isConsole(c.ctx) {
		e.ActorName = cliActor
	}
	c.events = append(c.events, e)
}

// notify adds a notification of kind to each distinct account, except the
// actor of the change (nobody needs to be told what they just did).
func (c *change) notify(userIDs []string, kind, objType, objID, subject string) {
	self := ""
	if a := shequ.ActorFrom(c.ctx); a != nil {
		self = a.UserID
	}
	seen := map[string]bool{}
	for _, u := range userIDs {
		if u == "" || u == self || seen[u] {
			continue
		}
		seen[u] = true
		c.notes = append(c.notes, &shequ.Notification{ID: newUUID7(), UserID: u, Kind: kind, ObjectType: objType,
			ObjectID: objID, Subject: subject, CreatedAt: c.now})
	}
}

// flush writes the events and notifications of the change.
func (c *change) flush() error {
	db := c.db
	for _, e := range c.events {
		_, err := c.tx.ExecContext(c.ctx, db.rebind(`INSERT INTO timeline_events (id, object_type, object_id, division,
			actor_id, actor_name, action, from_state, to_state, note, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			e.ID, e.ObjectType, e.ObjectID, e.Division, e.ActorID, e.ActorName, e.Action, e.From, e.To,
			truncateText(e.Note, 500), db.dialect.timeArg(e.Time))
		if err != nil {
			return translateError(err, "add timeline event")
		}
	}
	if len(c.notes) > 0 {
		// Stale now, and again once committed (write): a count read in
		// between is not kept.
		db.notesGen.Add(1)
	}
	for _, n := range c.notes {
		_, err := c.tx.ExecContext(c.ctx, db.rebind(`INSERT INTO notifications (id, user_id, kind, object_type,
			object_id, subject, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`),
			n.ID, n.UserID, n.Kind, n.ObjectType, n.ObjectID, n.Subject, db.dialect.timeArg(n.CreatedAt))
		if err != nil {
			return translateError(err, "add notification")
		}
		// The in-app channel is delivered by the insert above; the
		// outbox row records it so that other channels follow the same
		// path.
		_, err = c.tx.ExecContext(c.ctx, db.rebind(`INSERT INTO notification_outbox (id, notification_id, channel,
			status, created_at, sent_at) VALUES (?, ?, ?, 'sent', ?, ?)`),
			newUUID7(), n.ID, shequ.ChannelInApp, db.dialect.timeArg(n.CreatedAt), db.dialect.timeArg(n.CreatedAt))
		if err != nil {
			return translateError(err, "queue notification")
		}
	}
	return nil
}

// write runs fn in one transaction; fn returns the object and the community
// it concerns, and the change's events, notifications and the audit record
// of action follow it. A refusal is recorded after the rollback.
func (s *LinkageService) write(ctx context.Context, action, objType string, fn func(c *change) (id, community string, err error)) error {
	var community string
	defer s.db.notesGen.Add(1) // after the commit: counts read during it are stale
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
		id, comm, err := fn(c)
		if err != nil {
			return err
		}
		community = comm
		if err := c.flush(); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, action, objType, id, comm, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{community})
	return nil
}

// authorize is authorizeResident refused inside a transaction, to be
// recorded after it.
func authorizeIn(ctx context.Context, act shequ.Action, community, action, objType, id string) error {
	if err := authorizeResident(ctx, act, &shequ.Object{Division: community}); err != nil {
		return refuse(err, action, objType, id, community)
	}
	return nil
}

// actorID is the signed-in account's id, "cli" for console work.
func actorID(ctx context.Context) string {
	if a := shequ.ActorFrom(ctx); a != nil {
		return a.UserID
	}
	return cliActor
}

// Timeline implements shequ.LinkageService: the history of a need, a
// project or a bid, for whoever may read the object.
func (s *LinkageService) Timeline(ctx context.Context, objectType, id string) ([]*shequ.TimelineEvent, error) {
	switch objectType {
	case objNeed:
		if _, err := s.FindNeedByID(ctx, id); err != nil {
			return nil, err
		}
	case objProject:
		if _, err := s.readableProject(ctx, id); err != nil {
			return nil, err
		}
	case objBid:
		if _, err := s.FindBidByID(ctx, id); err != nil {
			return nil, err
		}
	default:
		return nil, shequ.ErrNotFound
	}
	return readTimeline(ctx, s.db, objectType, id)
}

// readTimeline returns the events of an object, oldest first, for a caller
// that has checked the reader may see it.
func readTimeline(ctx context.Context, db *DB, objectType, id string) ([]*shequ.TimelineEvent, error) {
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT id, object_type, object_id, division, actor_id,
		actor_name, action, from_state, to_state, note, time FROM timeline_events
		WHERE object_type = ? AND object_id = ? ORDER BY time, id`), objectType, id)
	if err != nil {
		return nil, translateError(err, "read timeline")
	}
	defer rows.Close()
	var out []*shequ.TimelineEvent
	for rows.Next() {
		e := &shequ.TimelineEvent{}
		if err := rows.Scan(&e.ID, &e.ObjectType, &e.ObjectID, &e.Division, &e.ActorID, &e.ActorName, &e.Action,
			&e.From, &e.To, &e.Note, scanTime(&e.Time)); err != nil {
			return nil, translateError(err, "read timeline")
		}
		out = append(out, e)
	}
	return out, translateError(rows.Err(), "read timeline")
}

// FindNotifications implements shequ.LinkageService.
func (s *LinkageService) FindNotifications(ctx context.Context, limit int) ([]*shequ.Notification, int, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, 0, shequ.ErrUnauthorized
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, user_id, kind, object_type, object_id, subject,
		created_at, read_at FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`), a.UserID, limit)
	if err != nil {
		return nil, 0, translateError(err, "read notifications")
	}
	defer rows.Close()
	var out []*shequ.Notification
	for rows.Next() {
		n := &shequ.Notification{}
		var read time.Time
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.ObjectType, &n.ObjectID, &n.Subject, scanTime(&n.CreatedAt),
			scanTime(&read)); err != nil {
			return nil, 0, translateError(err, "read notifications")
		}
		n.ReadAt = optTime(read)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "read notifications")
	}
	unread, err := s.CountUnread(ctx)
	return out, unread, err
}

// optTime is nil for the zero time (a NULL column).
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// optTimeArg is the stored form of an optional instant.
func (s *LinkageService) optTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.db.dialect.timeArg(*t)
}

// CountUnread implements shequ.LinkageService.
func (s *LinkageService) CountUnread(ctx context.Context) (int, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return 0, nil
	}
	now := s.db.now()
	if n, ok := s.unread.get(a.UserID, now); ok {
		return n, nil
	}
	gen := s.db.notesGen.Load()
	var n int
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`),
		a.UserID).Scan(&n)
	if err != nil {
		return 0, translateError(err, "count notifications")
	}
	s.unread.put(a.UserID, n, now, gen)
	return n, nil
}

// MarkNotificationsRead implements shequ.LinkageService.
func (s *LinkageService) MarkNotificationsRead(ctx context.Context) error {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return shequ.ErrUnauthorized
	}
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`),
		s.db.dialect.timeArg(s.now()), a.UserID)
	s.db.notesGen.Add(1)
	return translateError(err, "mark notifications read")
}

// noRows turns sql.ErrNoRows into ErrNotFound.
func noRows(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return shequ.ErrNotFound
	}
	return translateError(err, what)
}

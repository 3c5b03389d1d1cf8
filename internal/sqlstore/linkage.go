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
	// notes is the notification centre the chain's notifications go to.
	notes *NotificationService
	// Sealer gives the register's blind index of ID numbers, with which an
	// activity's participants are found by their ID numbers; nil finds
	// none.
	Sealer shequ.Sealer
}

var _ shequ.LinkageService = (*LinkageService)(nil)

// NewLinkageService returns a LinkageService on db.
func NewLinkageService(db *DB) *LinkageService {
	return &LinkageService{db: db, notes: NewNotificationService(db, nil)}
}

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
	notes  noteList
	// touched are other communities whose figures the change moves (a
	// deposit into an account of another community): the service's
	// OnChange hears them with the change's own.
	touched []string
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
	c.notes.add(c.ctx, c.now, userIDs, kind, objType, objID, subject, "")
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
	return db.addNotifications(c.ctx, c.tx, c.notes)
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

// FindNotifications implements shequ.LinkageService: the latest
// notifications of the account (NotificationService.FindNotifications).
func (s *LinkageService) FindNotifications(ctx context.Context, limit int) ([]*shequ.Notification, int, error) {
	return s.notes.FindNotifications(ctx, false, 0, limit)
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
	return s.notes.CountUnread(ctx)
}

// MarkNotificationsRead implements shequ.LinkageService.
func (s *LinkageService) MarkNotificationsRead(ctx context.Context) error {
	return s.notes.MarkNotificationsRead(ctx)
}

// noRows turns sql.ErrNoRows into ErrNotFound.
func noRows(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return shequ.ErrNotFound
	}
	return translateError(err, what)
}

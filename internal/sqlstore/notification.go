package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"shequ"
)

// Notifications of every module go through one mechanism (see
// shequ.Notification): a service collects them while it makes its change
// (noteList.add), and writes them in the change's transaction
// (db.addNotifications): the notification, its in-app outbox row (delivered
// by the insert), and for each external channel that the platform has a
// sender for and the recipient chose, a pending outbox row and a delivery
// job (DeliverArgs) in the same transaction. Nothing is sent while the
// change's transaction or the request that made it waits: the job queue
// sends it afterwards, with retries.

// noteList is the notifications of one change.
type noteList []*shequ.Notification

// add adds a notification of kind to each distinct account of userIDs,
// except the actor of ctx (nobody needs to be told what they just did).
func (l *noteList) add(ctx context.Context, now time.Time, userIDs []string, kind, objType, objID, subject, detail string) {
	self := ""
	if a := shequ.ActorFrom(ctx); a != nil {
		self = a.UserID
	}
	var seen []string
	for _, u := range userIDs {
		if u == "" || u == self || slices.Contains(seen, u) {
			continue
		}
		seen = append(seen, u)
		*l = append(*l, &shequ.Notification{ID: newUUID7(), UserID: u, Kind: kind, ObjectType: objType,
			ObjectID: objID, Subject: truncateText(subject, 200), Detail: truncateText(detail, 1000), CreatedAt: now})
	}
}

// SetDeliveryChannels says which external channels have a sender in this
// deployment (shequ.ChannelEmail, shequ.ChannelWebhook): notifications are
// queued on those only. Call it before serving.
func (db *DB) SetDeliveryChannels(channels ...string) {
	db.deliveryChannels = slices.Clone(channels)
}

// addNotifications writes notes in tx (see the comment at the top).
func (db *DB) addNotifications(ctx context.Context, tx *sql.Tx, notes noteList) error {
	if len(notes) == 0 {
		return nil
	}
	// Stale now, and again once committed (the caller's write): a count
	// read in between is not kept.
	db.notesGen.Add(1)
	d := db.dialect
	for _, n := range notes {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO notifications (id, user_id, kind, object_type,
			object_id, subject, detail, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`),
			n.ID, n.UserID, n.Kind, n.ObjectType, n.ObjectID, n.Subject, n.Detail, d.timeArg(n.CreatedAt))
		if err != nil {
			return translateError(err, "add notification")
		}
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO notification_outbox (id, notification_id, channel,
			status, created_at, sent_at, updated_at) VALUES (?, ?, ?, 'sent', ?, ?, ?)`),
			newUUID7(), n.ID, shequ.ChannelInApp, d.timeArg(n.CreatedAt), d.timeArg(n.CreatedAt), d.timeArg(n.CreatedAt))
		if err != nil {
			return translateError(err, "queue notification")
		}
	}
	if len(db.deliveryChannels) == 0 {
		return nil
	}
	chosen, err := db.chosenChannels(ctx, tx, notes)
	if err != nil {
		return err
	}
	for _, n := range notes {
		for _, ch := range chosen[n.UserID] {
			id := newUUID7()
			_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO notification_outbox (id, notification_id, channel,
				status, created_at, sent_at, updated_at) VALUES (?, ?, ?, 'pending', ?, NULL, ?)`),
				id, n.ID, ch, d.timeArg(n.CreatedAt), d.timeArg(n.CreatedAt))
			if err != nil {
				return translateError(err, "queue notification")
			}
			if err := db.enqueueTx(ctx, tx, DeliverArgs{OutboxID: id}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// chosenChannels returns the external channels each recipient of notes
// enabled, among those with a sender.
func (db *DB) chosenChannels(ctx context.Context, q querier, notes noteList) (map[string][]string, error) {
	var users []string
	for _, n := range notes {
		if !slices.Contains(users, n.UserID) {
			users = append(users, n.UserID)
		}
	}
	out := map[string][]string{}
	// In chunks: a change notifies a handful of people, a call for bids
	// perhaps hundreds.
	for chunk := range slices.Chunk(users, 200) {
		args := make([]any, len(chunk))
		for i, u := range chunk {
			args[i] = u
		}
		rows, err := q.QueryContext(ctx, db.rebind(`SELECT user_id, channel FROM notification_channels
			WHERE enabled AND user_id IN (`+placeholders(len(chunk))+`) ORDER BY user_id, channel`), args...)
		if err != nil {
			return nil, translateError(err, "read notification channels")
		}
		for rows.Next() {
			var u, ch string
			if err := rows.Scan(&u, &ch); err != nil {
				rows.Close()
				return nil, translateError(err, "read notification channels")
			}
			if slices.Contains(db.deliveryChannels, ch) {
				out[u] = append(out[u], ch)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translateError(err, "read notification channels")
		}
	}
	return out, nil
}

// NotificationService is the notification centre of the signed-in account
// and its choice of channels. It implements shequ.NotificationService.
type NotificationService struct {
	db *DB
	// Sealer seals the channel addresses (personal data); nil refuses to
	// store one.
	Sealer shequ.Sealer
	// unread caches the accounts' counts of unread notifications.
	unread *ttlCache[int]
}

var _ shequ.NotificationService = (*NotificationService)(nil)

// NewNotificationService returns a NotificationService on db.
func NewNotificationService(db *DB, sealer shequ.Sealer) *NotificationService {
	return &NotificationService{db: db, Sealer: sealer,
		unread: &ttlCache[int]{ttl: unreadCacheTTL, max: 10_000, gen: &db.notesGen}}
}

// unreadCacheTTL is how long a count of unread notifications is used: every
// page's header shows it. Reading, marking read and adding notifications in
// this process make it stale at once; another process's new notification
// shows at most this late.
const unreadCacheTTL = time.Second

const notificationColumns = `id, user_id, kind, object_type, object_id, subject, detail, created_at, read_at`

func scanNotification(scan func(dest ...any) error) (*shequ.Notification, error) {
	n := &shequ.Notification{}
	var read time.Time
	if err := scan(&n.ID, &n.UserID, &n.Kind, &n.ObjectType, &n.ObjectID, &n.Subject, &n.Detail,
		scanTime(&n.CreatedAt), scanTime(&read)); err != nil {
		return nil, err
	}
	n.ReadAt = optTime(read)
	return n, nil
}

// FindNotifications implements shequ.NotificationService.
func (s *NotificationService) FindNotifications(ctx context.Context, unreadOnly bool, offset, limit int) ([]*shequ.Notification, int, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, 0, shequ.ErrUnauthorized
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	offset = max(0, min(offset, 100_000))
	where := `user_id = ?`
	if unreadOnly {
		where += ` AND read_at IS NULL`
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+notificationColumns+` FROM notifications
		WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`), a.UserID, limit, offset)
	if err != nil {
		return nil, 0, translateError(err, "read notifications")
	}
	defer rows.Close()
	out := []*shequ.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows.Scan)
		if err != nil {
			return nil, 0, translateError(err, "read notifications")
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "read notifications")
	}
	unread, err := s.CountUnread(ctx)
	return out, unread, err
}

// CountUnread returns the number of unread notifications of the signed-in
// account (0 when nobody is signed in), cached for unreadCacheTTL.
func (s *NotificationService) CountUnread(ctx context.Context) (int, error) {
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

// OpenNotification implements shequ.NotificationService: another account's
// notification is not found.
func (s *NotificationService) OpenNotification(ctx context.Context, id string) (*shequ.Notification, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, shequ.ErrUnauthorized
	}
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	n, err := scanNotification(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+notificationColumns+`
		FROM notifications WHERE id = ? AND user_id = ?`), id, a.UserID).Scan)
	if err != nil {
		return nil, noRows(err, "read notification")
	}
	if n.ReadAt == nil {
		now := s.db.now()
		_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL`),
			s.db.dialect.timeArg(now), n.ID)
		s.db.notesGen.Add(1)
		if err != nil {
			return nil, translateError(err, "mark notification read")
		}
		n.ReadAt = &now
	}
	return n, nil
}

// MarkNotificationsRead implements shequ.NotificationService.
func (s *NotificationService) MarkNotificationsRead(ctx context.Context) error {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return shequ.ErrUnauthorized
	}
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`),
		s.db.dialect.timeArg(s.db.now()), a.UserID)
	s.db.notesGen.Add(1)
	return translateError(err, "mark notifications read")
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shequ"
)

// The outbox's external rows: one delivery job per row (DeliverArgs), run by
// the sender of its channel (internal/notify) with River's retries; the
// row records each attempt, and "failed" after the last one is the
// dead-letter list that the system administrator reads and retries.

// DeliverArgs is the job that sends one outbox row. It names the row only:
// the message and the address are read when it runs, so the job table holds
// no personal data.
type DeliverArgs struct {
	OutboxID string `json:"outbox_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "notify_deliver" }

// Audit actions of deliveries.
const (
	auditDeliveryList  = "delivery.list"
	auditDeliveryRetry = "delivery.retry"
	objDelivery        = "delivery"
)

var _ shequ.DeliveryService = (*NotificationService)(nil)

// LoadDelivery implements shequ.DeliveryService for the delivery job (no
// signed-in actor): the row, its notification and the clear address.
func (s *NotificationService) LoadDelivery(ctx context.Context, id string) (*shequ.Delivery, error) {
	if shequ.ActorFrom(ctx) != nil {
		return nil, shequ.ErrForbidden
	}
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	d, enc, err := s.loadDelivery(ctx, s.db.db, `o.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if enc == "" {
		return nil, shequ.Errorf(shequ.ENotFound, "notify.channel.gone", "The recipient no longer has this channel.")
	}
	if s.Sealer == nil {
		return nil, shequ.Errorf(shequ.EUnavailable, "notify.channel.nokey", "Addresses cannot be read without the personal-data key.")
	}
	if d.Address, err = s.Sealer.Open(enc, channelAAD(d.Notification.UserID, d.Channel)); err != nil {
		return nil, shequ.Wrap(err, "open address")
	}
	return d, nil
}

const deliveryColumns = `o.id, o.channel, o.status, o.attempts, o.last_error, o.created_at, o.sent_at,
	n.id, n.user_id, n.kind, n.object_type, n.object_id, n.subject, n.detail, n.created_at, n.read_at`

const deliveryFrom = ` FROM notification_outbox o JOIN notifications n ON n.id = o.notification_id`

// loadDelivery reads one delivery by cond, and the sealed address.
func (s *NotificationService) loadDelivery(ctx context.Context, q querier, cond string, args ...any) (*shequ.Delivery, string, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+deliveryColumns+deliveryFrom+` WHERE `+cond), args...).Scan)
	if err != nil {
		return nil, "", noRows(err, "read delivery")
	}
	enc, err := s.deliveryAddress(ctx, q, d)
	return d, enc, err
}

// deliveryAddress fills d's masked address and language from the
// recipient's channel and returns the sealed address ("" when the
// recipient no longer has the channel). A query of its own: the
// notification's user_id is text, the channel's a uuid on PostgreSQL.
func (s *NotificationService) deliveryAddress(ctx context.Context, q querier, d *shequ.Delivery) (string, error) {
	var enc string
	d.Lang = shequ.MessageLangs[0]
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT address_enc, address_mask, lang FROM notification_channels
		WHERE user_id = ? AND channel = ?`), d.Notification.UserID, d.Channel).Scan(&enc, &d.Address, &d.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return enc, translateError(err, "read delivery address")
}

func scanDelivery(scan func(dest ...any) error) (*shequ.Delivery, error) {
	d := &shequ.Delivery{}
	var sent, read time.Time
	n := &shequ.Notification{}
	if err := scan(&d.ID, &d.Channel, &d.Status, &d.Attempts, &d.LastError, scanTime(&d.CreatedAt), scanTime(&sent),
		&n.ID, &n.UserID, &n.Kind, &n.ObjectType, &n.ObjectID, &n.Subject, &n.Detail,
		scanTime(&n.CreatedAt), scanTime(&read)); err != nil {
		return nil, err
	}
	d.SentAt, n.ReadAt = optTime(sent), optTime(read)
	d.Notification = n
	return d, nil
}

// DeliveryDone implements shequ.DeliveryService: sent, or the attempt's
// error (failed for good when final). Only a pending row changes: a row
// an administrator retried meanwhile is not touched by an old attempt.
func (s *NotificationService) DeliveryDone(ctx context.Context, id string, sendErr error, final bool) error {
	if shequ.ActorFrom(ctx) != nil {
		return shequ.ErrForbidden
	}
	now := s.db.dialect.timeArg(s.db.now())
	var err error
	switch {
	case sendErr == nil:
		_, err = s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE notification_outbox SET status = 'sent', sent_at = ?,
			attempts = attempts + 1, last_error = '', updated_at = ? WHERE id = ? AND status = 'pending'`), now, now, id)
	default:
		status := shequ.DeliveryPending
		if final {
			status = shequ.DeliveryFailed
		}
		_, err = s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE notification_outbox SET status = ?, attempts = attempts + 1,
			last_error = ?, updated_at = ? WHERE id = ? AND status = 'pending'`),
			status, truncateText(sendErr.Error(), 500), now, id)
	}
	return translateError(err, "record delivery")
}

// FailedDeliveries implements shequ.DeliveryService: the dead-letter list
// with masked addresses, for ActionDeliveryManage (a system
// administrator: the rows name no personal data beyond the masked address
// and the kind of message). Audited "delivery.list".
func (s *NotificationService) FailedDeliveries(ctx context.Context, limit int) ([]*shequ.Delivery, error) {
	if err := authorizeResident(ctx, shequ.ActionDeliveryManage, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditDeliveryList, objDelivery, "", "")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+deliveryColumns+deliveryFrom+`
		WHERE o.status = 'failed' ORDER BY o.updated_at DESC, o.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, translateError(err, "list failed deliveries")
	}
	out := []*shequ.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, translateError(err, "list failed deliveries")
		}
		// The administrator sees what kind of message failed, not what it
		// said about whom.
		d.Notification.Subject, d.Notification.Detail = "", ""
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "list failed deliveries")
	}
	for _, d := range out {
		if _, err := s.deliveryAddress(ctx, s.db.db, d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RetryDelivery implements shequ.DeliveryService: the row is pending again
// and a new delivery job is queued, in one transaction with the audit
// record "delivery.retry".
func (s *NotificationService) RetryDelivery(ctx context.Context, id string) error {
	if err := authorizeResident(ctx, shequ.ActionDeliveryManage, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditDeliveryRetry, objDelivery, clipID(id), "")
	}
	if !validID(id) {
		return shequ.ErrNotFound
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE notification_outbox SET status = 'pending', updated_at = ?
			WHERE id = ? AND status = 'failed'`), s.db.dialect.timeArg(s.db.now()), id)
		if err != nil {
			return translateError(err, "retry delivery")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translateError(err, "retry delivery")
		} else if n != 1 {
			var status string
			err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT status FROM notification_outbox WHERE id = ?`), id).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return shequ.ErrNotFound
			}
			return shequ.Errorf(shequ.EConflict, "delivery.not_failed", "This delivery has not failed; it is %s.", status).
				With(map[string]any{"Status": status})
		}
		if err := s.db.enqueueTx(ctx, tx, DeliverArgs{OutboxID: id}, nil); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditDeliveryRetry, objDelivery, id, "", "")
	})
	if err != nil {
		return fmt.Errorf("retry delivery: %w", err)
	}
	return nil
}
